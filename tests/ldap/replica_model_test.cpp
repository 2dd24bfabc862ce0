// Random changes against a reference: after any sequence of upserts, renames and
// deletes, every published snapshot answers exactly as a MemoryDirectory built from
// scratch from the same entries would, and keeps answering so after later changes.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "ldap/entry_mapping.h"
#include "ldap/replica.h"
#include "modes/memory_directory.h"

namespace mailpolicy {
namespace {

struct Expected {
    std::map<std::string, std::string> address_owner;  // address -> DN
    std::map<std::string, std::string> login_owner;
    std::map<std::string, bool> hosted;
};

const std::vector<std::string> addresses = [] {
    std::vector<std::string> result;
    for (int i = 0; i < 12; ++i) {
        result.push_back("u" + std::to_string(i) + "@d" + std::to_string(i % 3) + ".example");
    }
    return result;
}();

Entry random_entry(std::mt19937& random, int number) {
    Entry entry;
    entry.dn = "uid=e" + std::to_string(number) + ",dc=test";
    if (random() % 2) entry.uuid = "uuid-" + std::to_string(number);
    entry.attributes["mail"] = {addresses[random() % addresses.size()]};
    if (random() % 3 == 0)
        entry.attributes["mail"].push_back(addresses[random() % addresses.size()]);
    for (unsigned i = random() % 3; i > 0; --i) {
        entry.attributes["mailalternateaddress"].push_back(addresses[random() % addresses.size()]);
    }
    entry.attributes["uid"] = {"login" + std::to_string(random() % 6)};
    return entry;
}

Expected reference(const std::map<std::string, Entry>& entries, const DirectoryConfig& config) {
    EntryMapper mapper(config);
    MemoryDirectory directory;
    for (const auto& [dn, entry] : entries) {
        if (auto account = mapper.map(entry).account) directory.add(account->fields());
    }
    Expected expected;
    for (const auto& address : addresses) {
        const Account* owner = directory.account_by_address(address);
        expected.address_owner[address] = owner ? std::string(owner->dn()) : "";
        expected.hosted[address.substr(address.find('@') + 1)] =
            directory.hosts_domain(address.substr(address.find('@') + 1));
    }
    for (int i = 0; i < 6; ++i) {
        std::string login = "login" + std::to_string(i);
        const Account* owner = directory.account_by_login(login);
        expected.login_owner[login] = owner ? std::string(owner->dn()) : "";
    }
    return expected;
}

Expected observed(const Snapshot& snapshot) {
    Expected seen;
    for (const auto& address : addresses) {
        const Account* owner = snapshot.account_by_address(address);
        seen.address_owner[address] = owner ? std::string(owner->dn()) : "";
        std::string domain = address.substr(address.find('@') + 1);
        seen.hosted[domain] = snapshot.hosts_domain(domain);
    }
    for (int i = 0; i < 6; ++i) {
        std::string login = "login" + std::to_string(i);
        const Account* owner = snapshot.account_by_login(login);
        seen.login_owner[login] = owner ? std::string(owner->dn()) : "";
    }
    return seen;
}

void expect_same(const Expected& a, const Expected& b, int step) {
    EXPECT_EQ(a.address_owner, b.address_owner) << "step " << step;
    EXPECT_EQ(a.login_owner, b.login_owner) << "step " << step;
    EXPECT_EQ(a.hosted, b.hosted) << "step " << step;
}

TEST(ReplicaModel, RandomChangesMatchAFreshBuild) {
    DirectoryConfig config;
    config.alias_attributes = {"mailAlternateAddress"};
    SnapshotHolder holder;
    Replica replica(config, holder);
    std::map<std::string, Entry> current;  // DN -> entry
    std::vector<std::pair<std::shared_ptr<const Snapshot>, Expected>> published;
    std::mt19937 random(20261122);
    for (int step = 0; step < 3000; ++step) {
        int number = static_cast<int>(random() % 20);
        std::string dn = "uid=e" + std::to_string(number) + ",dc=test";
        if (random() % 4 == 0) {
            replica.remove_dn(dn);
            current.erase(dn);
        } else {
            Entry entry = random_entry(random, number);
            current[dn] = entry;
            replica.upsert(entry);
        }
        if (random() % 10 == 0) {
            replica.publish();
            Expected expected = reference(current, config);
            expect_same(observed(*holder.current()), expected, step);
            published.emplace_back(holder.current(), expected);
            if (published.size() > 8) published.erase(published.begin());
            for (const auto& [snapshot, then] : published)
                expect_same(observed(*snapshot), then, step);
        }
        if (::testing::Test::HasFailure()) return;
    }
}

}  // namespace
}  // namespace mailpolicy
