// The replica as a source drives it: entries arrive, change, move and go; what a
// reader of the published snapshot sees, and that a published snapshot never changes.
#include "ldap/replica.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "ldap/ldif_parser.h"

namespace mailpolicy {
namespace {

Entry account(const std::string& dn, const std::string& mail, const std::string& uuid = "",
              const std::string& extra = "") {
    Entry entry =
        parse_ldif("dn: " + dn + "\nobjectClass: inetOrgPerson\nmail: " + mail + "\n" + extra,
                   "test")
            .at(0);
    entry.uuid = uuid;
    return entry;
}

class ReplicaTest : public ::testing::Test {
  protected:
    ReplicaTest() {
        config.alias_attributes = {"mailAlternateAddress"};
        replica = std::make_unique<Replica>(config, holder);
    }

    std::shared_ptr<const Snapshot> publish() {
        replica->publish();
        return holder.current();
    }

    DirectoryConfig config;
    SnapshotHolder holder;
    std::unique_ptr<Replica> replica;
};

TEST_F(ReplicaTest, NothingIsVisibleBeforePublish) {
    EXPECT_EQ(holder.current(), nullptr);
    replica->upsert(account("uid=a,dc=test", "a@example.com"));
    EXPECT_TRUE(replica->has_pending());
    EXPECT_EQ(holder.current(), nullptr);
    auto snapshot = publish();
    EXPECT_FALSE(replica->has_pending());
    ASSERT_NE(snapshot, nullptr);
    EXPECT_EQ(snapshot->account_count(), 1U);
    EXPECT_NE(snapshot->account_by_address("a@example.com"), nullptr);
}

TEST_F(ReplicaTest, UpsertModifyAndDeleteByDnAndUuid) {
    replica->upsert(account("uid=a,dc=test", "a@example.com", "uuid-a", "uid: Alice\n"));
    replica->upsert(account("uid=b,dc=test", "b@example.com", "uuid-b"));
    auto first = publish();
    EXPECT_EQ(first->account_by_login("alice")->dn(), "uid=a,dc=test");
    EXPECT_EQ(first->account_by_login("ALICE")->dn(), "uid=a,dc=test");
    EXPECT_EQ(first->account_by_login("b@example.com")->dn(), "uid=b,dc=test");

    // Modify: the new address replaces the old one.
    replica->upsert(account("UID=A,DC=test", "alice@example.com", "uuid-a",
                            "mailAlternateAddress: al@example.org\n"));
    auto second = publish();
    EXPECT_EQ(second->account_by_address("a@example.com"), nullptr);
    EXPECT_EQ(second->account_by_address("al@example.org")->dn(), "UID=A,DC=test");
    EXPECT_EQ(second->account_by_login("alice"), nullptr);
    EXPECT_EQ(second->account_count(), 2U);
    EXPECT_FALSE(second->hosts_domain("example.org")) << "an alias does not host its domain";

    // Rename (same entryUUID, new DN) replaces the old entry.
    replica->upsert(account("uid=a2,dc=test", "alice@example.com", "uuid-a"));
    auto third = publish();
    EXPECT_EQ(third->account_by_address("alice@example.com")->dn(), "uid=a2,dc=test");
    EXPECT_EQ(replica->entry_count(), 2U);
    EXPECT_FALSE(third->hosts_domain("example.org"));

    replica->remove_uuid("uuid-a");
    replica->remove_dn("UID=B,dc=TEST");
    auto fourth = publish();
    EXPECT_EQ(fourth->account_count(), 0U);
    EXPECT_EQ(fourth->account_by_address("b@example.com"), nullptr);
    EXPECT_FALSE(fourth->hosts_domain("example.com"));
    EXPECT_EQ(replica->entry_count(), 0U);
}

TEST_F(ReplicaTest, PublishedSnapshotIsUnchangedByLaterChanges) {
    replica->upsert(account("uid=a,dc=test", "a@example.com", "", "mailPolicySendMode: denyAll\n"));
    auto before = publish();
    const Account* seen = before->account_by_address("a@example.com");
    replica->upsert(
        account("uid=a,dc=test", "a@example.com", "", "mailPolicySendMode: allowAll\n"));
    replica->upsert(account("uid=c,dc=test", "c@example.com"));
    replica->remove_dn("uid=a,dc=test");
    EXPECT_EQ(before->account_by_address("a@example.com"), seen);
    EXPECT_EQ(seen->settings().send.mode, Mode::DenyAll);
    EXPECT_EQ(before->account_by_address("c@example.com"), nullptr);
    EXPECT_EQ(before->account_count(), 1U);
    auto after = publish();
    EXPECT_EQ(after->account_by_address("a@example.com"), nullptr);
    EXPECT_NE(after->account_by_address("c@example.com"), nullptr);
    EXPECT_LE(before->built_at(), after->built_at());
}

TEST_F(ReplicaTest, DuplicateAddressGoesToLowestDnWhateverTheOrder) {
    std::vector<Entry> claimants = {account("uid=zed,dc=test", "shared@example.com"),
                                    account("uid=Adam,dc=test", "shared@example.com"),
                                    account("uid=mia,dc=test", "mia@example.com", "",
                                            "mailAlternateAddress: shared@example.com\n")};
    std::sort(claimants.begin(), claimants.end(),
              [](const Entry& a, const Entry& b) { return a.dn < b.dn; });
    do {
        replica->replace_all(claimants);
        auto snapshot = publish();
        EXPECT_EQ(snapshot->account_by_address("shared@example.com")->dn(), "uid=Adam,dc=test");
        EXPECT_EQ(snapshot->address_conflicts(), 1U);
    } while (std::next_permutation(claimants.begin(), claimants.end(),
                                   [](const Entry& a, const Entry& b) { return a.dn < b.dn; }));

    // The next lowest takes over when the winner goes; the conflict goes with the last rival.
    replica->remove_dn("uid=adam,dc=test");
    auto snapshot = publish();
    EXPECT_EQ(snapshot->account_by_address("shared@example.com")->dn(), "uid=mia,dc=test");
    EXPECT_EQ(snapshot->address_conflicts(), 1U);
    replica->remove_dn("uid=mia,dc=test");
    snapshot = publish();
    EXPECT_EQ(snapshot->account_by_address("shared@example.com")->dn(), "uid=zed,dc=test");
    EXPECT_EQ(snapshot->address_conflicts(), 0U);
}

TEST_F(ReplicaTest, ClassAndDomainEntries) {
    replica->upsert(parse_ldif("dn: cn=Contractors,ou=Classes,dc=test\nobjectClass: "
                               "mailPolicyClass\ncn: contractors\nmailPolicySendMode: localOnly\n",
                               "t")
                        .at(0));
    auto entries = parse_ldif(
        "dn: dc=example,dc=com,dc=test\nobjectClass: mailPolicyDomain\n"
        "mailPolicyDomainName: example.com\nmailPolicyDomainName: example.net\n",
        "t");
    replica->upsert(entries.at(0));
    auto snapshot = publish();
    EXPECT_EQ(snapshot->class_count(), 1U);
    EXPECT_EQ(snapshot->domain_count(), 1U);
    const PolicyClass* policy_class = snapshot->class_by_dn("CN=contractors, ou=classes,dc=TEST");
    ASSERT_NE(policy_class, nullptr);
    EXPECT_EQ(policy_class->settings.send.mode, Mode::LocalOnly);
    EXPECT_EQ(snapshot->domain_by_name("example.net")->names.front(), "example.com");
    EXPECT_TRUE(snapshot->hosts_domain("example.net"));
    EXPECT_FALSE(snapshot->hosts_domain("example.org"));

    replica->remove_dn("dc=example,dc=com,dc=test");
    snapshot = publish();
    EXPECT_EQ(snapshot->domain_by_name("example.com"), nullptr);
    EXPECT_FALSE(snapshot->hosts_domain("example.net"));
}

TEST_F(ReplicaTest, RetainOnlyDropsEntriesMissingFromThePresentSet) {
    replica->upsert(account("uid=a,dc=test", "a@example.com", "uuid-a"));
    replica->upsert(account("uid=b,dc=test", "b@example.com", "uuid-b"));
    replica->upsert(account("uid=c,dc=test", "c@example.com", "uuid-c"));
    replica->retain_only({"uuid-a", "uuid-c"});
    auto snapshot = publish();
    EXPECT_EQ(snapshot->account_count(), 2U);
    EXPECT_EQ(snapshot->account_by_address("b@example.com"), nullptr);
    EXPECT_EQ(replica->entry_count(), 2U);
}

TEST_F(ReplicaTest, EntriesKeepWhatTheMappingReads) {
    replica->upsert(account("uid=a,dc=test", "a@example.com", "uuid-a",
                            "userPassword: secret\nmailAlternateAddress: x@example.com\n"));
    auto entries = replica->entries();
    ASSERT_EQ(entries.size(), 1U);
    EXPECT_EQ(entries[0].dn, "uid=a,dc=test");
    EXPECT_EQ(entries[0].uuid, "uuid-a");
    EXPECT_EQ(entries[0].first("mailalternateaddress"), "x@example.com");
    EXPECT_TRUE(entries[0].values("userpassword").empty());
    EXPECT_TRUE(entries[0].values("objectclass").empty()) << "inetOrgPerson is not needed";
}

TEST_F(ReplicaTest, RealEntryUuidsFollowRenamesAndDeletes) {
    const std::string uuid = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";
    replica->upsert(account("uid=a,dc=test", "a@example.com", uuid));
    replica->upsert(
        account("uid=renamed,dc=test", "a@example.com", "3F2504E0-4F89-11D3-9A0C-0305E82C3301"));
    auto snapshot = publish();
    EXPECT_EQ(replica->entry_count(), 1U);
    EXPECT_EQ(snapshot->account_by_address("a@example.com")->dn(), "uid=renamed,dc=test");
    EXPECT_EQ(snapshot->address_conflicts(), 0U);
    replica->remove_uuid(uuid);
    EXPECT_EQ(replica->entry_count(), 0U);
}

TEST_F(ReplicaTest, ReplaceAllStartsOver) {
    replica->upsert(account("uid=a,dc=test", "a@example.com"));
    publish();
    replica->replace_all({account("uid=b,dc=test", "b@example.com")});
    auto snapshot = publish();
    EXPECT_EQ(snapshot->account_by_address("a@example.com"), nullptr);
    EXPECT_NE(snapshot->account_by_address("b@example.com"), nullptr);
    EXPECT_EQ(snapshot->account_count(), 1U);
}

TEST_F(ReplicaTest, ReplaceAllKeepsWhatDidNotChange) {
    replica->upsert(account("uid=a,dc=test", "a@example.com", "uuid-a"));
    replica->upsert(account("uid=b,dc=test", "b@example.com", "uuid-b"));
    replica->upsert(account("uid=gone,dc=test", "gone@example.com"));
    auto before = publish();
    replica->replace_all({account("uid=a,dc=test", "a@example.com", "uuid-a"),
                          account("uid=b,dc=test", "b2@example.com", "uuid-b"),
                          account("uid=c,dc=test", "c@example.com")});
    auto after = publish();
    // The unchanged account is the very same object in both snapshots.
    EXPECT_EQ(after->account_by_address("a@example.com"),
              before->account_by_address("a@example.com"));
    EXPECT_EQ(after->account_by_address("b@example.com"), nullptr);
    EXPECT_EQ(after->account_by_address("b2@example.com")->dn(), "uid=b,dc=test");
    EXPECT_NE(after->account_by_address("c@example.com"), nullptr);
    EXPECT_EQ(after->account_by_address("gone@example.com"), nullptr);
    EXPECT_EQ(after->account_count(), 3U);
    EXPECT_EQ(replica->entry_count(), 3U);
    // The earlier snapshot still answers as it did.
    EXPECT_NE(before->account_by_address("gone@example.com"), nullptr);
    EXPECT_NE(before->account_by_address("b@example.com"), nullptr);
}

TEST_F(ReplicaTest, ReplaceAllTakesTheLastCopyOfADn) {
    replica->replace_all({account("uid=a,dc=test", "old@example.com"),
                          account("UID=A, dc=test", "new@example.com")});
    auto snapshot = publish();
    EXPECT_EQ(replica->entry_count(), 1U);
    EXPECT_EQ(snapshot->account_by_address("old@example.com"), nullptr);
    EXPECT_EQ(snapshot->account_by_address("new@example.com")->dn(), "UID=A, dc=test");
}

TEST_F(ReplicaTest, ReplaceAllKeepsTheLowestDnRuleForAddressesLeftBehind) {
    replica->replace_all(
        {account("uid=b,dc=test", "x@example.com"), account("uid=a,dc=test", "x@example.com")});
    EXPECT_EQ(publish()->account_by_address("x@example.com")->dn(), "uid=a,dc=test");
    replica->replace_all(
        {account("uid=b,dc=test", "x@example.com"), account("uid=a,dc=test", "y@example.com")});
    auto snapshot = publish();
    EXPECT_EQ(snapshot->account_by_address("x@example.com")->dn(), "uid=b,dc=test");
    EXPECT_EQ(snapshot->account_by_address("y@example.com")->dn(), "uid=a,dc=test");
    EXPECT_EQ(snapshot->address_conflicts(), 0U);
}

TEST_F(ReplicaTest, ReloadStreamsAFullReplacementKeepingWhatDidNotChange) {
    replica->upsert(account("uid=a,dc=test", "a@example.com", "uuid-a"));
    replica->upsert(account("uid=b,dc=test", "b@example.com", "uuid-b"));
    replica->upsert(account("uid=gone,dc=test", "gone@example.com"));
    auto before = publish();
    replica->begin_reload(3);
    replica->reload(account("uid=a,dc=test", "a@example.com", "uuid-a"));
    replica->reload(account("uid=b,dc=test", "b2@example.com", "uuid-b"));
    replica->reload(account("uid=c,dc=test", "c@example.com"));
    // Nothing is dropped before the reload is finished, and nothing is visible unpublished.
    EXPECT_EQ(replica->entry_count(), 4U);
    EXPECT_EQ(holder.current(), before);
    replica->finish_reload();
    EXPECT_TRUE(replica->has_pending());
    auto after = publish();
    EXPECT_EQ(after->account_by_address("a@example.com"),
              before->account_by_address("a@example.com"));
    EXPECT_EQ(after->account_by_address("b@example.com"), nullptr);
    EXPECT_EQ(after->account_by_address("b2@example.com")->dn(), "uid=b,dc=test");
    EXPECT_NE(after->account_by_address("c@example.com"), nullptr);
    EXPECT_EQ(after->account_by_address("gone@example.com"), nullptr);
    EXPECT_EQ(replica->entry_count(), 3U);
}

TEST_F(ReplicaTest, ReloadOfUnchangedContentLeavesNothingPending) {
    replica->upsert(account("uid=a,dc=test", "a@example.com", "uuid-a"));
    replica->upsert(account("uid=b,dc=test", "b@example.com"));
    auto before = publish();
    replica->begin_reload();
    replica->reload(account("uid=b,dc=test", "b@example.com"));
    replica->reload(account("uid=a,dc=test", "a@example.com", "uuid-a"));
    replica->finish_reload();
    EXPECT_FALSE(replica->has_pending());
    EXPECT_EQ(replica->entry_count(), 2U);
    // An entry missing from the new content is a change.
    replica->begin_reload();
    replica->reload(account("uid=a,dc=test", "a@example.com", "uuid-a"));
    replica->finish_reload();
    EXPECT_TRUE(replica->has_pending());
    auto after = publish();
    EXPECT_EQ(after->account_by_address("b@example.com"), nullptr);
    EXPECT_EQ(after->account_by_address("a@example.com"),
              before->account_by_address("a@example.com"));
}

TEST_F(ReplicaTest, AnUnfinishedReloadIsCompletedByTheNextOne) {
    replica->upsert(account("uid=a,dc=test", "a@example.com"));
    replica->upsert(account("uid=b,dc=test", "b@example.com"));
    auto before = publish();
    replica->begin_reload();
    replica->reload(account("uid=a,dc=test", "a2@example.com"));  // then the source fails
    EXPECT_EQ(holder.current(), before);
    replica->begin_reload();
    replica->reload(account("uid=a,dc=test", "a3@example.com"));
    replica->finish_reload();
    auto after = publish();
    EXPECT_EQ(after->account_by_address("a3@example.com")->dn(), "uid=a,dc=test");
    EXPECT_EQ(after->account_by_address("a2@example.com"), nullptr);
    EXPECT_EQ(after->account_by_address("b@example.com"), nullptr);
    EXPECT_EQ(after->account_count(), 1U);
}

}  // namespace
}  // namespace mailpolicy
