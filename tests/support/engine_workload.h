// The engine benchmark's generated directory and traffic, shared by bench/engine_bench.cpp
// (which measures it at a million accounts) and tests/ldap/replica_differential_test.cpp
// (which checks, at a size CI can afford, that the replica decides exactly like
// MemoryDirectory on it). Header-only: the benchmark does not link the test support library.
#pragma once

#include <cmath>
#include <cstddef>
#include <memory>
#include <random>
#include <string>
#include <variant>
#include <vector>

#include "ldap/entry.h"
#include "ldap/replica.h"
#include "modes/decision.h"
#include "modes/memory_directory.h"

namespace mailpolicy::engine_workload {

constexpr std::size_t kDomains = 5;
constexpr std::size_t kClasses = 3;
constexpr std::size_t kPatternPool = 64;  // distinct exception lists when interned
constexpr std::size_t kPatternsPerList = 10;

inline std::string domain_name(std::size_t index) {
    return "example" + std::to_string(index) + ".com";
}
inline std::string class_dn(std::size_t index) {
    return "cn=class" + std::to_string(index) + ",ou=classes,dc=example,dc=com";
}

inline PatternListPtr make_list(std::size_t seed) {
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

inline std::vector<PatternListPtr> make_pool() {
    std::vector<PatternListPtr> pool;
    for (std::size_t k = 0; k < kPatternPool; ++k) pool.push_back(make_list(k));
    return pool;
}

// Account i: domain i % kDomains, an alias on every second one, a class on three of four,
// send modes cycling, receive settings on every third.
inline AccountFields make_account(std::size_t i, const std::vector<PatternListPtr>& pool,
                                  bool distinct) {
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

inline Domain make_domain(std::size_t d) {
    Domain domain;
    domain.dn = "dc=example" + std::to_string(d) + ",dc=com";
    domain.names = {domain_name(d), "example" + std::to_string(d) + ".net"};
    if (d == 1) domain.settings.send.mode = Mode::LocalAndSubdomains;
    if (d == 2) domain.settings.enforcement = Enforcement::Audit;
    return domain;
}

inline PolicyClass make_class(std::size_t c, const std::vector<PatternListPtr>& pool) {
    PolicyClass policy_class;
    policy_class.dn = class_dn(c);
    if (c == 0) policy_class.settings.receive.mode = Mode::LocalAndSubdomains;
    if (c == 1) policy_class.settings.receive.exceptions = pool[c];
    return policy_class;
}

inline std::unique_ptr<MemoryDirectory> build_directory(std::size_t accounts, bool distinct_lists) {
    auto directory = std::make_unique<MemoryDirectory>();
    const std::vector<PatternListPtr> pool = make_pool();
    for (std::size_t d = 0; d < kDomains; ++d) directory->add(make_domain(d));
    for (std::size_t c = 0; c < kClasses; ++c) directory->add(make_class(c, pool));
    for (std::size_t i = 0; i < accounts; ++i) {
        directory->add(make_account(i, pool, distinct_lists));
    }
    return directory;
}

// The same entries as LDAP gives them to the replica (alias attribute mailAlternateAddress).
inline void add_settings(Entry& entry, const PolicySettings& settings) {
    auto add_direction = [&](const DirectionSettings& direction, const std::string& prefix) {
        if (direction.mode) {
            entry.attributes[prefix + "mode"] = {std::string(to_string(*direction.mode))};
        }
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

inline Entry account_entry(const AccountFields& account) {
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

inline DirectoryConfig replica_config() {
    DirectoryConfig config;
    config.alias_attributes = {"mailAlternateAddress"};
    return config;
}

inline std::shared_ptr<const Snapshot> build_replica_snapshot(std::size_t accounts) {
    const DirectoryConfig config = replica_config();
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
    for (std::size_t i = 0; i < accounts; ++i) {
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

// An account number: uniform, or log-uniform over ranks (Zipf with s = 1), with ranks
// scattered over the accounts so hot ones are not neighbours in memory.
inline std::size_t pick_account(std::mt19937_64& random, std::size_t accounts, bool skewed) {
    if (!skewed) return random() % accounts;
    const double u = std::uniform_real_distribution<double>(0.0, 1.0)(random);
    const auto rank = static_cast<std::size_t>(std::pow(static_cast<double>(accounts), u)) - 1;
    return (rank * 2654435761u) % accounts;
}

inline std::string local_address(std::mt19937_64& random, std::size_t accounts, bool skewed) {
    const std::size_t i = pick_account(random, accounts, skewed);
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

inline std::string outside_address(std::mt19937_64& random) {
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

// `messages` envelopes, each with one recipient; the same seed gives the same traffic.
inline Traffic make_traffic(std::size_t accounts, bool skewed, std::size_t messages,
                            std::uint64_t seed = 42) {
    Traffic traffic;
    std::mt19937_64 random(seed);
    for (std::size_t m = 0; m < messages; ++m) {
        Envelope envelope;
        const bool local_sender = random() % 10 < 8;
        envelope.sender =
            local_sender ? local_address(random, accounts, skewed) : outside_address(random);
        if (random() % 20 == 0) envelope.sender = "<>";
        if (local_sender && random() % 3 == 0) {
            envelope.login = "user" + std::to_string(pick_account(random, accounts, skewed));
        }
        envelope.client = IpAddress::parse(random() % 2 ? "127.0.0.1" : "203.0.113.7");
        traffic.envelopes.push_back(std::move(envelope));
        traffic.recipients.push_back(random() % 2 ? local_address(random, accounts, skewed)
                                                  : outside_address(random));
    }
    return traffic;
}

// The server settings the benchmark decides under.
inline PolicyConfig policy_config() {
    PolicyConfig config;
    config.trusted_networks = {std::get<Network>(Network::parse("127.0.0.0/8"))};
    return config;
}

}  // namespace mailpolicy::engine_workload
