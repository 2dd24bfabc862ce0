// Polling: sync = poll sees a change after the poll interval, and sync = auto falls back
// to polling against a slapd without the syncprov overlay.
#include <gtest/gtest.h>

#include "ldap/ldap_source.h"
#include "tests/ldap/ldap_test_helpers.h"

namespace mailpolicy {
namespace {

using namespace mailpolicy::test;
using std::chrono::seconds;

// The sample directory polled every second.
class LdapPollTest : public SampleDirectoryTest {
  protected:
    void SetUp() override {
        SampleDirectoryTest::SetUp();
        config_.sync = DirectoryConfig::Sync::Poll;
        config_.poll_interval = seconds(1);
    }
};

TEST_F(LdapPollTest, PollModeSeesAChangeAfterThePollInterval) {
    auto source = start_source();
    ASSERT_TRUE(wait_for_snapshot(holder_, account_count_is(2))) << describe(holder_, *source);
    EXPECT_EQ(source->status().state, "poll");
    auto loaded = holder_.current();

    slapd_.modify_ldif(set_send_mode_ldif("alice", "denyAll"));
    EXPECT_TRUE(
        wait_for_snapshot(holder_, send_mode_is("alice@example.com", Mode::DenyAll), seconds(4)))
        << describe(holder_, *source);
    slapd_.delete_dn(account_dn("bob"));
    EXPECT_TRUE(wait_for_snapshot(holder_, account_count_is(1), seconds(4)));
    EXPECT_NE(holder_.current(), loaded);
}

TEST_F(LdapPollTest, UnchangedDirectoryIsNotRepublished) {
    auto source = start_source();
    auto loaded = wait_for_snapshot(holder_, account_count_is(2));
    ASSERT_TRUE(loaded);
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // two polls
    EXPECT_EQ(holder_.current(), loaded);
}

TEST_F(LdapPollTest, APollAppliesOnlyWhatChanged) {
    slapd_.add_ldif(account_ldif("carol", "allowAll"));
    auto source = start_source();
    auto loaded = wait_for_snapshot(holder_, account_count_is(3));
    ASSERT_TRUE(loaded) << describe(holder_, *source);

    slapd_.modify_ldif(set_send_mode_ldif("bob", "denyAll"));
    slapd_.delete_dn(account_dn("carol"));
    auto changed = wait_for_snapshot(holder_, account_count_is(2), seconds(4));
    ASSERT_TRUE(changed) << describe(holder_, *source);
    EXPECT_TRUE(wait_for_snapshot(holder_, send_mode_is("bob@example.com", Mode::DenyAll)));
    changed = holder_.current();
    EXPECT_EQ(changed->account_by_address("carol@example.com"), nullptr);
    // The account no change touched is the very object the first poll made.
    EXPECT_EQ(changed->account_by_address("alice@example.com"),
              loaded->account_by_address("alice@example.com"));
}

TEST(LdapPollWithoutSyncprov, AutoFallsBackToPolling) {
    TestSlapd slapd;
    slapd.add_ldif(sample_directory_ldif());
    restart_without_config_lines(slapd, "syncprov");
    DirectoryConfig config = reader_config(slapd);
    config.sync = DirectoryConfig::Sync::Auto;
    config.poll_interval = seconds(1);
    SnapshotHolder holder;
    auto source = make_ldap_source(config, holder);
    source->start();
    ASSERT_TRUE(wait_for_snapshot(holder, account_count_is(2))) << describe(holder, *source);
    EXPECT_TRUE(wait_for_state(*source, "poll")) << describe(holder, *source);
    slapd.modify_ldif(set_send_mode_ldif("bob", "denyAll"));
    EXPECT_TRUE(
        wait_for_snapshot(holder, send_mode_is("bob@example.com", Mode::DenyAll), seconds(4)));
}

TEST(LdapPollWithoutSyncprov, SyncreplModeReportsTheMissingOverlay) {
    TestSlapd slapd;
    restart_without_config_lines(slapd, "syncprov");
    DirectoryConfig config = reader_config(slapd);
    config.sync = DirectoryConfig::Sync::Syncrepl;
    SnapshotHolder holder;
    auto source = make_ldap_source(config, holder);
    source->start();
    ASSERT_TRUE(wait_for_state(*source, "failed")) << describe(holder, *source);
    EXPECT_NE(source->status().detail.find("no syncprov"), std::string::npos)
        << source->status().detail;
}

}  // namespace
}  // namespace mailpolicy
