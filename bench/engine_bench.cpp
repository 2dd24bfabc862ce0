// Engine::decide() throughput on 1,000,000 accounts, single-threaded, over a mix of
// local/outside senders and recipients with exception hits and misses: on a
// MemoryDirectory, and on the snapshot the daemon serves (a Replica fed the same accounts
// as directory entries); plus memory per account with interned (shared) and with
// distinct exception lists.

#include <benchmark/benchmark.h>
#include <malloc.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "ldap/entry.h"
#include "ldap/replica.h"
#include "modes/decision.h"
#include "modes/memory_directory.h"

namespace mailpolicy {
namespace {

// MAILPOLICY_BENCH_ACCOUNTS overrides the size, to tell cache misses from computation.
const std::size_t kAccounts = [] {
    const char* text = std::getenv("MAILPOLICY_BENCH_ACCOUNTS");
    return text ? std::strtoull(text, nullptr, 10) : std::size_t{1'000'000};
}();
constexpr std::size_t kDomains = 5;
constexpr std::size_t kClasses = 3;
constexpr std::size_t kPatternPool = 64;  // distinct exception lists when interned
constexpr std::size_t kPatternsPerList = 10;
constexpr std::size_t kMessages = 4096;

std::size_t resident_bytes() {
    std::ifstream statm("/proc/self/statm");
    std::size_t pages = 0, resident = 0;
    statm >> pages >> resident;
    return resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

std::string domain_name(std::size_t index) {
    return "example" + std::to_string(index) + ".com";
}
std::string class_dn(std::size_t index) {
    return "cn=class" + std::to_string(index) + ",ou=classes,dc=example,dc=com";
}

PatternListPtr make_list(std::size_t seed) {
    auto list = std::make_shared<PatternList>();
    const std::string k = std::to_string(seed);
    const std::string texts[kPatternsPerList] = {"*@partner" + k + ".com",
                                                 "*.vendor" + k + ".org",
                                                 "boss" + k + "@client" + k + ".net",
                                                 "*@*.eu.partner" + k + ".com",
                                                 "news?@list" + k + ".org",
                                                 "sales-*@shop" + k + ".example",
                                                 "supplier" + k + ".net",
                                                 "*@bank" + k + ".test",
                                                 "help*@support" + k + ".io",
                                                 "user" + k + "@example0.com"};
    for (const std::string& text : texts)
        list->push_back(std::get<Pattern>(Pattern::compile(text)));
    return list;
}

AccountFields make_account(std::size_t i, const std::vector<PatternListPtr>& pool, bool distinct) {
    AccountFields account;
    const std::string id = std::to_string(i);
    const std::size_t domain = i % kDomains;
    account.dn = "uid=user" + id + ",ou=people,dc=example" + std::to_string(domain) + ",dc=com";
    account.primary = "user" + id + "@" + domain_name(domain);
    if (i % 2 == 0)
        account.aliases.push_back("u" + id + "@example" + std::to_string(domain) + ".net");
    account.logins.push_back("user" + id);
    if (i % 4 != 3) account.class_dn = class_dn(i % kClasses);
    static constexpr Mode kModes[] = {Mode::AllowAll, Mode::LocalOnly, Mode::LocalAndSubdomains,
                                      Mode::DenyAll};
    account.settings.send.mode = kModes[i % 4];
    account.settings.send.exceptions =
        distinct ? make_list(i % kPatternPool) : pool[i % kPatternPool];
    if (i % 3 == 0) {
        account.settings.receive.mode = kModes[(i / 4) % 4];
        account.settings.receive.exceptions =
            distinct ? make_list((i + 7) % kPatternPool) : pool[(i + 7) % kPatternPool];
    }
    return account;
}

std::vector<PatternListPtr> make_pool() {
    std::vector<PatternListPtr> pool;
    for (std::size_t k = 0; k < kPatternPool; ++k) pool.push_back(make_list(k));
    return pool;
}

Domain make_domain(std::size_t d) {
    Domain domain;
    domain.dn = "dc=example" + std::to_string(d) + ",dc=com";
    domain.names = {domain_name(d), "example" + std::to_string(d) + ".net"};
    if (d == 1) domain.settings.send.mode = Mode::LocalAndSubdomains;
    if (d == 2) domain.settings.enforcement = Enforcement::Audit;
    return domain;
}

PolicyClass make_class(std::size_t c, const std::vector<PatternListPtr>& pool) {
    PolicyClass policy_class;
    policy_class.dn = class_dn(c);
    if (c == 0) policy_class.settings.receive.mode = Mode::LocalAndSubdomains;
    if (c == 1) policy_class.settings.receive.exceptions = pool[c];
    return policy_class;
}

std::unique_ptr<MemoryDirectory> build_directory(bool distinct_lists) {
    auto directory = std::make_unique<MemoryDirectory>();
    const std::vector<PatternListPtr> pool = make_pool();
    for (std::size_t d = 0; d < kDomains; ++d) directory->add(make_domain(d));
    for (std::size_t c = 0; c < kClasses; ++c) directory->add(make_class(c, pool));
    for (std::size_t i = 0; i < kAccounts; ++i) {
        directory->add(make_account(i, pool, distinct_lists));
    }
    return directory;
}

// The same entries as LDAP gives them to the replica (alias attribute mailAlternateAddress).
void add_settings(Entry& entry, const PolicySettings& settings) {
    auto add_direction = [&](const DirectionSettings& direction, const std::string& prefix) {
        if (direction.mode) entry.attributes[prefix + "mode"] = {std::string(to_string(*direction.mode))};
        if (direction.exceptions) {
            auto& values = entry.attributes[prefix + "exception"];
            for (const Pattern& pattern : *direction.exceptions) values.push_back(pattern.text());
        }
    };
    add_direction(settings.send, "mailpolicysend");
    add_direction(settings.receive, "mailpolicyreceive");
    if (settings.enforcement) {
        entry.attributes["mailpolicyenforcement"] = {std::string(to_string(*settings.enforcement))};
    }
}

Entry account_entry(const AccountFields& account) {
    Entry entry;
    entry.dn = account.dn;
    entry.uuid = "uuid-" + account.dn;
    entry.attributes["objectclass"] = {"inetOrgPerson", "mailPolicyAccount"};
    entry.attributes["mail"] = {account.primary};
    if (!account.aliases.empty()) entry.attributes["mailalternateaddress"] = account.aliases;
    entry.attributes["uid"] = account.logins;
    if (account.class_dn) entry.attributes["mailpolicyclassdn"] = {*account.class_dn};
    add_settings(entry, account.settings);
    return entry;
}

std::shared_ptr<const Snapshot> build_replica_snapshot() {
    DirectoryConfig config;
    config.alias_attributes = {"mailAlternateAddress"};
    SnapshotHolder holder;
    Replica replica(config, holder);
    const std::vector<PatternListPtr> pool = make_pool();
    for (std::size_t d = 0; d < kDomains; ++d) {
        const Domain domain = make_domain(d);
        Entry entry;
        entry.dn = domain.dn;
        entry.attributes["objectclass"] = {"domain", "mailPolicyDomain"};
        entry.attributes["mailpolicydomainname"] = domain.names;
        add_settings(entry, domain.settings);
        replica.upsert(std::move(entry));
    }
    for (std::size_t c = 0; c < kClasses; ++c) {
        const PolicyClass policy_class = make_class(c, pool);
        Entry entry;
        entry.dn = policy_class.dn;
        entry.attributes["objectclass"] = {"mailPolicyClass"};
        add_settings(entry, policy_class.settings);
        replica.upsert(std::move(entry));
    }
    for (std::size_t i = 0; i < kAccounts; ++i) {
        replica.upsert(account_entry(make_account(i, pool, false)));
    }
    replica.publish();
    return holder.current();
}

// The messages of one traffic shape: which accounts send and receive.
struct Traffic {
    std::vector<Envelope> envelopes;
    std::vector<std::string> recipients;
};

struct Workload {
    std::unique_ptr<MemoryDirectory> directory;
    double bytes_per_account = 0;
    PolicyConfig config;
    Traffic uniform;  // every account equally likely: the cache-hostile worst case
    Traffic skewed;   // Zipf-like (P(rank k) ~ 1/k): a few accounts send and receive most
};

// An account number: uniform, or log-uniform over ranks (Zipf with s = 1), with ranks
// scattered over the accounts so hot ones are not neighbours in memory.
std::size_t pick_account(std::mt19937_64& random, bool skewed) {
    if (!skewed) return random() % kAccounts;
    const double u = std::uniform_real_distribution<double>(0.0, 1.0)(random);
    const auto rank = static_cast<std::size_t>(std::pow(static_cast<double>(kAccounts), u)) - 1;
    return (rank * 2654435761u) % kAccounts;
}

std::string local_address(std::mt19937_64& random, bool skewed) {
    const std::size_t i = pick_account(random, skewed);
    const std::size_t domain = i % kDomains;
    switch (random() % 4) {
        case 0:
            return "User" + std::to_string(i) + "+tag@" + domain_name(domain);
        case 1:
            if (i % 2 == 0) {
                return "u" + std::to_string(i) + "@example" + std::to_string(domain) + ".net";
            }
            [[fallthrough]];
        default:
            return "user" + std::to_string(i) + "@" + domain_name(domain);
    }
}

std::string outside_address(std::mt19937_64& random) {
    const std::string k = std::to_string(random() % kPatternPool);
    switch (random() % 6) {
        case 0:
            return "bob@partner" + k + ".com";  // exception hit
        case 1:
            return "x@mx.vendor" + k + ".org";  // exception hit
        case 2:
            return "someone@outside" + k + ".test";  // miss
        case 3:
            return "news1@list" + k + ".org";  // exception hit
        case 4:
            return "anna@sub.example" + k.substr(0, 1) + ".com";  // under a local domain
        default:
            return "<carl@elsewhere" + k + ".example>";  // miss
    }
}

Traffic make_traffic(bool skewed) {
    Traffic traffic;
    std::mt19937_64 random(42);
    for (std::size_t m = 0; m < kMessages; ++m) {
        Envelope envelope;
        const bool local_sender = random() % 10 < 8;
        envelope.sender = local_sender ? local_address(random, skewed) : outside_address(random);
        if (random() % 20 == 0) envelope.sender = "<>";
        if (local_sender && random() % 3 == 0) {
            envelope.login = "user" + std::to_string(pick_account(random, skewed));
        }
        envelope.client = IpAddress::parse(random() % 2 ? "127.0.0.1" : "203.0.113.7");
        traffic.envelopes.push_back(std::move(envelope));
        traffic.recipients.push_back(random() % 2 ? local_address(random, skewed)
                                                  : outside_address(random));
    }
    return traffic;
}

Workload& workload() {
    static Workload built = [] {
        Workload w;
        const std::size_t before = resident_bytes();
        w.directory = build_directory(false);
        w.bytes_per_account =
            static_cast<double>(resident_bytes() - before) / static_cast<double>(kAccounts);
        w.config.trusted_networks = {std::get<Network>(Network::parse("127.0.0.0/8"))};
        w.uniform = make_traffic(false);
        w.skewed = make_traffic(true);
        return w;
    }();
    return built;
}

// Arg 0: uniform traffic; arg 1: skewed traffic.
void decide_all(benchmark::State& state, const Directory& directory) {
    Workload& w = workload();
    const Traffic& traffic = state.range(0) == 0 ? w.uniform : w.skewed;
    const Engine engine(directory, w.config);
    std::size_t index = 0, denied = 0;
    for (auto _ : state) {
        const Verdict verdict = engine.decide(traffic.envelopes[index], traffic.recipients[index]);
        denied += verdict.outcome == Outcome::Denied;
        benchmark::DoNotOptimize(verdict);
        index = (index + 1) % kMessages;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    state.counters["denied_share"] =
        static_cast<double>(denied) / static_cast<double>(state.iterations());
}

void BM_Decide(benchmark::State& state) {
    Workload& w = workload();
    decide_all(state, *w.directory);
    state.counters["bytes_per_account"] = w.bytes_per_account;
    state.counters["accounts"] = static_cast<double>(w.directory->account_count());
}
BENCHMARK(BM_Decide)->ArgName("skewed")->Arg(0)->Arg(1);

// The same on the snapshot the daemon serves. The decisions must be the very same, which
// the check below makes sure of before measuring.
void BM_DecideOnReplicaSnapshot(benchmark::State& state) {
    static const std::shared_ptr<const Snapshot> snapshot = build_replica_snapshot();
    Workload& w = workload();
    const Traffic& traffic = state.range(0) == 0 ? w.uniform : w.skewed;
    const Engine reference(*w.directory, w.config), replica(*snapshot, w.config);
    for (std::size_t m = 0; m < kMessages; ++m) {
        const Verdict a = reference.decide(traffic.envelopes[m], traffic.recipients[m]);
        const Verdict b = replica.decide(traffic.envelopes[m], traffic.recipients[m]);
        if (a.outcome != b.outcome || a.rule != b.rule) {
            state.SkipWithError(("replica decides differently: " + std::string(a.rule) + " | " +
                                 std::string(b.rule))
                                    .c_str());
            return;
        }
    }
    decide_all(state, *snapshot);
    state.counters["accounts"] = static_cast<double>(snapshot->account_count());
}
BENCHMARK(BM_DecideOnReplicaSnapshot)->ArgName("skewed")->Arg(0)->Arg(1);

// For comparison: one address lookup alone, the memory latency every decision pays.
void BM_AccountLookup(benchmark::State& state) {
    Workload& w = workload();
    std::vector<std::string> keys;
    std::mt19937_64 random(7);
    for (std::size_t k = 0; k < kMessages; ++k) {
        const std::size_t i = random() % kAccounts;
        keys.push_back("user" + std::to_string(i) + "@" + domain_name(i % kDomains));
    }
    std::size_t index = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(w.directory->account_by_address(keys[index]));
        index = (index + 1) % kMessages;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_AccountLookup);

// One-shot: memory per account when every account carries its own exception lists.
void BM_MemoryWithDistinctLists(benchmark::State& state) {
    for (auto _ : state) {
        malloc_trim(0);
        const std::size_t before = resident_bytes();
        auto directory = build_directory(true);
        state.counters["bytes_per_account"] =
            static_cast<double>(resident_bytes() - before) / static_cast<double>(kAccounts);
        directory.reset();
        malloc_trim(0);
    }
}
BENCHMARK(BM_MemoryWithDistinctLists)->Iterations(1)->Repetitions(1)->Unit(benchmark::kSecond);

}  // namespace
}  // namespace mailpolicy

BENCHMARK_MAIN();
