// MemoryDirectory: lookups by address, login, domain name and class DN; who is hosted;
// and SPEC §3's duplicate rule (lowest DN wins, whatever the order of adding, counted).

#include "modes/memory_directory.h"

#include <gtest/gtest.h>

#include "tests/modes/entry_builders.h"

namespace mailpolicy {
namespace {

using testing_support::account;
using testing_support::domain;
using testing_support::policy_class;

TEST(MemoryDirectory, FindsAccountsByPrimaryAndAliasAddresses) {
    MemoryDirectory directory;
    directory.add(account("uid=alice,dc=example,dc=com", "alice@example.com",
                          {"a.smith@example.com", "alice@example.net"}));
    const Account* alice = directory.account_by_address("alice@example.com");
    ASSERT_NE(alice, nullptr);
    EXPECT_EQ(directory.account_by_address("a.smith@example.com"), alice);
    EXPECT_EQ(directory.account_by_address("alice@example.net"), alice);
    EXPECT_EQ(directory.account_by_address("bob@example.com"), nullptr);
    EXPECT_EQ(directory.account_count(), 1u);
}

TEST(MemoryDirectory, FindsAccountsByLoginOrByAddress) {
    MemoryDirectory directory;
    directory.add(account("uid=alice,dc=example,dc=com", "alice@example.com",
                          {"a.smith@example.com"}, {"Alice"}));
    const Account* alice = directory.account_by_address("alice@example.com");
    EXPECT_EQ(directory.account_by_login("alice"), alice);
    EXPECT_EQ(directory.account_by_login("a.smith@example.com"), alice);
    EXPECT_EQ(directory.account_by_login("bob"), nullptr);
}

TEST(MemoryDirectory, DuplicateAddressGoesToTheLowestDnWhateverTheOrder) {
    for (bool lowest_first : {true, false}) {
        MemoryDirectory directory;
        auto low = account("uid=Anna,dc=example,dc=com", "shared@example.com");
        auto high =
            account("uid=bert,dc=example,dc=com", "bert@example.com", {"shared@example.com"});
        std::size_t conflicts = 0;
        if (lowest_first) {
            conflicts += directory.add(low);
            conflicts += directory.add(high);
        } else {
            conflicts += directory.add(high);
            conflicts += directory.add(low);
        }
        const Account* owner = directory.account_by_address("shared@example.com");
        ASSERT_NE(owner, nullptr);
        EXPECT_EQ(owner->dn(), "uid=Anna,dc=example,dc=com") << lowest_first;
        EXPECT_EQ(conflicts, 1u);
        EXPECT_EQ(directory.address_conflicts(), 1u);
        EXPECT_EQ(directory.account_by_address("bert@example.com")->dn(),
                  "uid=bert,dc=example,dc=com");
    }
}

TEST(MemoryDirectory, DnComparisonForDuplicatesIgnoresCase) {
    MemoryDirectory directory;
    directory.add(account("UID=ZED,dc=example,dc=com", "shared@example.com"));
    directory.add(account("uid=bob,dc=example,dc=com", "shared@example.com"));
    EXPECT_EQ(directory.account_by_address("shared@example.com")->dn(),
              "uid=bob,dc=example,dc=com");
}

TEST(MemoryDirectory, AnAccountListingItsOwnAddressTwiceIsNoConflict) {
    MemoryDirectory directory;
    EXPECT_EQ(directory.add(account("uid=a,dc=x", "a@example.com", {"a@example.com"})), 0u);
    EXPECT_EQ(directory.address_conflicts(), 0u);
}

TEST(MemoryDirectory, FindsDomainEntriesByEveryName) {
    MemoryDirectory directory;
    directory.add(domain("dc=example,dc=com", {"example.com", "example.net"}));
    const Domain* entry = directory.domain_by_name("example.com");
    ASSERT_NE(entry, nullptr);
    EXPECT_EQ(directory.domain_by_name("example.net"), entry);
    EXPECT_EQ(directory.domain_by_name("example.org"), nullptr);
}

TEST(MemoryDirectory, FindsClassesByDnIgnoringCase) {
    MemoryDirectory directory;
    directory.add(policy_class("cn=Contractors,ou=classes,dc=example,dc=com"));
    const PolicyClass* found = directory.class_by_dn("CN=contractors,OU=Classes,dc=example,dc=com");
    ASSERT_NE(found, nullptr);
    EXPECT_EQ(found->dn, "cn=Contractors,ou=classes,dc=example,dc=com");
    EXPECT_EQ(directory.class_by_dn("cn=staff,ou=classes,dc=example,dc=com"), nullptr);
}

TEST(MemoryDirectory, HostsDomainsNamedByEntriesOrHoldingAMailValue) {
    MemoryDirectory directory;
    directory.add(domain("dc=example,dc=com", {"example.com", "example.net"}));
    AccountFields carol = account("uid=carol,dc=other", "carol@other.org", {"c@alias.org"});
    carol.other_mail = {"carol@second.org"};
    directory.add(carol);
    EXPECT_TRUE(directory.hosts_domain("example.com"));
    EXPECT_TRUE(directory.hosts_domain("example.net"));
    EXPECT_TRUE(directory.hosts_domain("other.org"));
    EXPECT_TRUE(directory.hosts_domain("second.org"));
    EXPECT_FALSE(directory.hosts_domain("alias.org")) << "an alias makes only itself local";
    EXPECT_EQ(directory.account_by_address("c@alias.org"),
              directory.account_by_address("carol@second.org"));
    EXPECT_FALSE(directory.hosts_domain("sub.example.com"));
    EXPECT_FALSE(directory.hosts_domain("outside.example"));
}

TEST(MemoryDirectory, MatchesCarryTheClassAndDomainEntriesWhateverTheOrderOfAdding) {
    for (const bool entries_first : {true, false}) {
        MemoryDirectory directory;
        AccountFields alice = account("uid=alice,dc=example,dc=com", "alice@example.com",
                                      {"al@example.net"}, {"alice"});
        alice.class_dn = "CN=Staff,dc=example,dc=com";
        auto add_entries = [&] {
            directory.add(policy_class("cn=staff,dc=example,dc=com"));
            directory.add(domain("dc=example,dc=com", {"example.com", "example.net"}));
        };
        if (entries_first) add_entries();
        directory.add(alice);
        directory.add(account("uid=dave,dc=other", "dave@other.org"));
        if (!entries_first) add_entries();

        for (const AccountMatch match :
             {directory.match_address("alice@example.com"),
              directory.match_address("al@example.net"), directory.match_login("alice")}) {
            ASSERT_TRUE(match) << entries_first;
            EXPECT_EQ(match.account->primary(), "alice@example.com");
            EXPECT_EQ(match.policy_class, directory.class_by_dn("cn=staff,dc=example,dc=com"));
            EXPECT_EQ(match.domain, directory.domain_by_name("example.com"));
            EXPECT_NE(match.policy_class, nullptr);
            EXPECT_NE(match.domain, nullptr);
        }
        const AccountMatch dave = directory.match_address("dave@other.org");
        ASSERT_TRUE(dave);
        EXPECT_EQ(dave.policy_class, nullptr);
        EXPECT_EQ(dave.domain, nullptr);
        EXPECT_FALSE(directory.match_address("nobody@example.com"));
    }
}

}  // namespace
}  // namespace mailpolicy
