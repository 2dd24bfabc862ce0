// ldap-load: measures the live LDAP source (scripts/bench-ldap drives it).
//   ldap-load generate N FILE   writes the base entries and N accounts as LDIF for slapadd
//   ldap-load measure OPTIONS   start() to first snapshot, peak RSS, and change-to-decision
//                               latency of ldapmodify-style changes (median and worst)
//   ldap-load cache-start --cache-file F --base DN
//                               start() with the server unreachable: time to the snapshot
//                               served from the cache file, and peak RSS
// Not a test: it prints figures; the targets are in scripts/bench-ldap.
#include <ldap.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <Poco/ConsoleChannel.h>
#include <Poco/Logger.h>

#include "bench/process_memory.h"
#include "ldap/ldap_source.h"
#include "modes/decision.h"

namespace {

using namespace mailpolicy;
using bench::memory_figures;
using Clock = std::chrono::steady_clock;

constexpr int domain_count = 100;

std::string account_dn(long index) {
    return "uid=user" + std::to_string(index) + ",ou=people,dc=example,dc=test";
}
std::string account_address(long index) {
    return "user" + std::to_string(index) + "@d" + std::to_string(index % domain_count) +
           ".example";
}

int generate(long count, const std::string& path) {
    std::ofstream out(path);
    out << "dn: dc=example,dc=test\nobjectClass: dcObject\nobjectClass: organization\n"
           "dc: example\no: Example\n\n"
           "dn: ou=people,dc=example,dc=test\nobjectClass: organizationalUnit\nou: people\n\n"
           "dn: cn=reader,dc=example,dc=test\nobjectClass: organizationalRole\n"
           "objectClass: simpleSecurityObject\ncn: reader\nuserPassword: reader-secret\n\n"
           "dn: cn=contractors,dc=example,dc=test\nobjectClass: mailPolicyClass\n"
           "cn: contractors\nmailPolicySendMode: localOnly\n\n";
    for (int d = 0; d < domain_count; ++d) {
        out << "dn: ou=d" << d << ",dc=example,dc=test\nobjectClass: organizationalUnit\n"
            << "objectClass: mailPolicyDomain\nou: d" << d << "\nmailPolicyDomainName: d" << d
            << ".example\n\n";
    }
    for (long i = 0; i < count; ++i) {
        out << "dn: " << account_dn(i) << "\nobjectClass: inetOrgPerson\n"
            << "objectClass: mailPolicyAccount\ncn: User " << i << "\nsn: " << i << "\nuid: user"
            << i << "\nmail: " << account_address(i) << "\nmailPolicySendMode: allowAll\n";
        if (i % 10 == 0) out << "mailPolicyClassDN: cn=contractors,dc=example,dc=test\n";
        out << "\n";
    }
    return out.flush() ? 0 : 1;
}

std::string read_secret(const std::string& path) {
    std::ifstream in(path);
    std::string secret;
    std::getline(in, secret);
    return secret;
}

LDAP* admin_connection(const std::string& url, const std::string& dn,
                       const std::string& password_file) {
    LDAP* ld = nullptr;
    ldap_initialize(&ld, url.c_str());
    int version = LDAP_VERSION3;
    ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version);
    std::string password = read_secret(password_file);
    berval credentials{static_cast<ber_len_t>(password.size()), password.data()};
    int rc =
        ldap_sasl_bind_s(ld, dn.c_str(), LDAP_SASL_SIMPLE, &credentials, nullptr, nullptr, nullptr);
    if (rc != LDAP_SUCCESS) {
        std::cerr << "admin bind failed: " << ldap_err2string(rc) << "\n";
        std::exit(1);
    }
    return ld;
}

void set_send_mode(LDAP* ld, long index, const char* mode) {
    char attribute[] = "mailPolicySendMode";
    char* values[] = {const_cast<char*>(mode), nullptr};
    LDAPMod modification{};
    modification.mod_op = LDAP_MOD_REPLACE;
    modification.mod_type = attribute;
    modification.mod_values = values;
    LDAPMod* modifications[] = {&modification, nullptr};
    int rc = ldap_modify_ext_s(ld, account_dn(index).c_str(), modifications, nullptr, nullptr);
    if (rc != LDAP_SUCCESS) {
        std::cerr << "modify failed: " << ldap_err2string(rc) << "\n";
        std::exit(1);
    }
}

Outcome decide(const Snapshot& snapshot, const PolicyConfig& policy, long index) {
    Engine engine(snapshot, policy);
    Envelope envelope;
    envelope.sender = account_address(index);
    return engine.decide(envelope, "someone@elsewhere.test").outcome;
}

double percentile(std::vector<double> values, double fraction) {
    std::sort(values.begin(), values.end());
    return values[static_cast<std::size_t>(fraction * static_cast<double>(values.size() - 1))];
}

struct Options {
    DirectoryConfig directory;
    std::string admin_dn, admin_password_file;
    long accounts = 0;
    int changes = 100;
    bool verbose = false;
};

// Flips one account's send mode per change; the time from the modify's response to the
// first published snapshot whose decision for that sender differs.
std::vector<double> measure_changes(const Options& options, SnapshotHolder& holder) {
    LDAP* admin =
        admin_connection(options.directory.source, options.admin_dn, options.admin_password_file);
    PolicyConfig policy;
    std::mt19937 random(42);
    std::uniform_int_distribution<long> pick(0, options.accounts - 1);
    std::map<long, bool> denied;
    std::vector<double> latencies;
    for (int change = 0; change < options.changes; ++change) {
        long index = pick(random);
        bool deny = !denied[index];
        auto before = holder.current();
        Outcome old_outcome = decide(*before, policy, index);
        set_send_mode(admin, index, deny ? "denyAll" : "allowAll");
        auto modified = Clock::now();
        const Snapshot* checked = nullptr;
        for (;;) {
            auto current = holder.current();
            if (current.get() != checked) {
                checked = current.get();
                if (decide(*current, policy, index) != old_outcome) break;
            }
            if (Clock::now() - modified > std::chrono::seconds(30)) {
                std::cerr << "change " << change << " never reached a decision\n";
                std::exit(1);
            }
            std::this_thread::sleep_for(std::chrono::microseconds(50));
        }
        latencies.push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - modified).count());
        denied[index] = deny;
        std::this_thread::sleep_for(std::chrono::milliseconds(pick(random) % 20));
    }
    ldap_unbind_ext(admin, nullptr, nullptr);
    return latencies;
}

void log_to_console(bool verbose, int quiet_level) {
    auto& logger = Poco::Logger::get("mailpolicyd.ldap");
    logger.setChannel(new Poco::ConsoleChannel(std::cerr));
    logger.setLevel(verbose ? Poco::Message::PRIO_DEBUG : quiet_level);
}

// Starts the source; seconds until its first snapshot, or -1 after 10 minutes.
double seconds_to_first_snapshot(DirectorySource& source, const SnapshotHolder& holder) {
    auto started = Clock::now();
    source.start();
    while (!holder.current()) {
        if (Clock::now() - started > std::chrono::minutes(10)) {
            std::cerr << "no snapshot after 10 minutes: " << source.status().detail << "\n";
            return -1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return std::chrono::duration<double>(Clock::now() - started).count();
}

int measure(const Options& options) {
    log_to_console(options.verbose, Poco::Message::PRIO_WARNING);
    SnapshotHolder holder;
    auto source = make_ldap_source(options.directory, holder);
    double load_seconds = seconds_to_first_snapshot(*source, holder);
    if (load_seconds < 0) return 1;
    auto snapshot = holder.current();
    std::cout << "accounts " << snapshot->account_count() << "  first snapshot after "
              << load_seconds << " s  " << memory_figures() << "\n";
    std::vector<double> latencies = measure_changes(options, holder);
    std::cout << "change-to-decision over " << latencies.size() << " changes: median "
              << percentile(latencies, 0.5) << " ms  p90 " << percentile(latencies, 0.9)
              << " ms  worst " << percentile(latencies, 1.0) << " ms\n";
    std::cout << "after the changes: " << memory_figures() << " state " << source->status().state
              << "\n";
    if (!options.directory.cache_file.empty()) {
        // The source writes the cache once changes have settled for a while.
        auto quiet = Clock::now();
        while (!std::ifstream(options.directory.cache_file) &&
               Clock::now() - quiet < std::chrono::minutes(5)) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        std::cout << "cache file written "
                  << std::chrono::duration<double>(Clock::now() - quiet).count()
                  << " s after the last change: " << memory_figures() << "\n";
    }
    source->stop();
    std::cout << "after stop: " << memory_figures() << "\n";
    return 0;
}

// A start while LDAP is down: the source serves the cache file until the server answers.
int cache_start(const Options& options) {
    log_to_console(options.verbose, Poco::Message::PRIO_ERROR);
    DirectoryConfig directory = options.directory;
    directory.source = "ldap://127.0.0.1:1/";  // nothing listens on port 1
    SnapshotHolder holder;
    auto source = make_ldap_source(directory, holder);
    double load_seconds = seconds_to_first_snapshot(*source, holder);
    if (load_seconds < 0) return 1;
    std::cout << "cache start: accounts " << holder.current()->account_count() << "  after "
              << load_seconds << " s  " << memory_figures() << " state " << source->status().state
              << "\n";
    source->stop();
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> arguments(argv + 1, argv + argc);
    if (arguments.size() == 3 && arguments[0] == "generate") {
        return generate(std::stol(arguments[1]), arguments[2]);
    }
    if (arguments.empty() || (arguments[0] != "measure" && arguments[0] != "cache-start") ||
        arguments.size() % 2 != 1) {
        std::cerr << "usage: ldap-load generate N FILE\n"
                     "       ldap-load measure --url U --base DN --bind-dn DN --password-file F\n"
                     "                 --admin-dn DN --admin-password-file F --accounts N\n"
                     "                 [--changes 100] [--cache-file F] [--verbose yes]\n"
                     "       ldap-load cache-start --cache-file F --base DN [--verbose yes]\n";
        return 64;
    }
    Options options;
    options.directory.cache_file.clear();
    for (std::size_t i = 1; i + 1 < arguments.size(); i += 2) {
        const std::string& name = arguments[i];
        const std::string& value = arguments[i + 1];
        if (name == "--url") options.directory.source = value;
        if (name == "--base") options.directory.base_dn = value;
        if (name == "--bind-dn") options.directory.bind_dn = value;
        if (name == "--password-file") options.directory.bind_password_file = value;
        if (name == "--cache-file") options.directory.cache_file = value;
        if (name == "--admin-dn") options.admin_dn = value;
        if (name == "--admin-password-file") options.admin_password_file = value;
        if (name == "--accounts") options.accounts = std::stol(value);
        if (name == "--changes") options.changes = std::stoi(value);
        if (name == "--verbose") options.verbose = value == "yes";
    }
    return arguments[0] == "measure" ? measure(options) : cache_start(options);
}
