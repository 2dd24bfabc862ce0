// The live LDAP source against a real slapd with syncprov: the first load, changes to
// accounts, classes and domains reaching the published snapshot, and recovery after the
// connection is cut, the server restarts, or the server is down at start (cache file).
// Every wait has a deadline; nothing depends on sleeping "long enough".
#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "ldap/ldap_query.h"
#include "ldap/ldap_source.h"
#include "ldap/replica.h"
#include "tests/ldap/ldap_test_helpers.h"

namespace mailpolicy {
namespace {

using namespace mailpolicy::test;
using std::chrono::milliseconds;
using std::chrono::seconds;

std::string lowercase(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

// "dn entryUUID" of each entry, lowercased.
std::set<std::string> identities(const std::vector<Entry>& entries) {
    std::set<std::string> result;
    for (const auto& entry : entries) result.insert(lowercase(entry.dn + " " + entry.uuid));
    return result;
}

// The same for what the server holds under the source's own filter (ldapsearch -LLL).
std::set<std::string> server_identities(TestSlapd& slapd, const DirectoryConfig& config) {
    std::istringstream ldif(
        slapd.search(TestSlapd::base_dn(), directory_filter(config), {"entryUUID"}));
    std::set<std::string> result;
    std::string line, dn;
    while (std::getline(ldif, line)) {
        if (line.rfind("dn: ", 0) == 0) dn = line.substr(4);
        if (line.rfind("entryUUID: ", 0) == 0) result.insert(lowercase(dn + " " + line.substr(11)));
    }
    return result;
}

class LdapSourceTest : public SampleDirectoryTest {
  protected:
    void SetUp() override {
        SampleDirectoryTest::SetUp();
        config_.cache_file = slapd_.directory() + "/directory.cache";
    }

    // Starts a source reaching slapd through `proxy`, waits for its first load, then cuts
    // it off: null if any of that did not happen.
    std::unique_ptr<DirectorySource> start_then_cut_off(CuttableProxy& proxy) {
        config_.source = proxy.url();
        auto source = start_source();
        if (!wait_for_snapshot(holder_, account_count_is(2)) ||
            !wait_for_state(*source, "syncrepl")) {
            ADD_FAILURE() << "no first load: " << describe(holder_, *source);
            return nullptr;
        }
        proxy.cut();
        if (!wait_for_state(*source, "disconnected")) {
            ADD_FAILURE() << "not cut off: " << describe(holder_, *source);
            return nullptr;
        }
        return source;
    }

    // Stops slapd and starts a new source publishing to `fresh`, which must serve the
    // cache file: the source, and the cache's snapshot (null if none came).
    std::pair<std::unique_ptr<DirectorySource>, std::shared_ptr<const Snapshot>> start_from_cache(
        SnapshotHolder& fresh) {
        slapd_.stop();
        auto source = make_ldap_source(config_, fresh);
        source->start();
        auto cached = wait_for_snapshot(fresh, account_count_is(2));
        EXPECT_TRUE(cached) << describe(fresh, *source);
        EXPECT_EQ(source->status().state, "cache");
        return {std::move(source), std::move(cached)};
    }
};

TEST_F(LdapSourceTest, FirstLoadPublishesAccountsClassesAndDomains) {
    auto source = start_source();
    auto snapshot = wait_for_snapshot(holder_, [](const Snapshot& s) {
        return s.account_count() == 2 && s.class_count() == 1 && s.domain_count() == 1;
    });
    ASSERT_TRUE(snapshot) << describe(holder_, *source);
    const Account* alice = snapshot->account_by_address("alice@example.com");
    ASSERT_NE(alice, nullptr);
    EXPECT_EQ(alice->settings().send.mode, Mode::LocalOnly);
    EXPECT_NE(snapshot->class_by_dn("cn=contractors,dc=example,dc=test"), nullptr);
    EXPECT_NE(snapshot->domain_by_name("example.com"), nullptr);
    EXPECT_TRUE(wait_for_state(*source, "syncrepl")) << describe(holder_, *source);
}

TEST_F(LdapSourceTest, AccountAddModifyDeleteReachTheSnapshot) {
    auto source = start_source();
    ASSERT_TRUE(wait_for_snapshot(holder_, account_count_is(2)));

    slapd_.add_ldif(account_ldif("carol", "denyAll"));
    EXPECT_TRUE(wait_for_snapshot(holder_, send_mode_is("carol@example.com", Mode::DenyAll)));

    auto started = std::chrono::steady_clock::now();
    slapd_.modify_ldif(set_send_mode_ldif("carol", "allowAll"));
    EXPECT_TRUE(wait_for_snapshot(holder_, send_mode_is("carol@example.com", Mode::AllowAll)));
    // A single change must not wait for a batch to fill (this includes running ldapmodify).
    EXPECT_LT(std::chrono::steady_clock::now() - started, milliseconds(2000));

    slapd_.delete_dn(account_dn("carol"));
    EXPECT_TRUE(wait_for_snapshot(holder_, [](const Snapshot& s) {
        return s.account_by_address("carol@example.com") == nullptr && s.account_count() == 2;
    }));
}

TEST_F(LdapSourceTest, ClassAndDomainChangesReachTheSnapshot) {
    auto source = start_source();
    ASSERT_TRUE(wait_for_snapshot(holder_, account_count_is(2)));

    slapd_.modify_ldif(
        "dn: cn=contractors,dc=example,dc=test\nchangetype: modify\n"
        "replace: mailPolicySendMode\nmailPolicySendMode: denyAll\n");
    EXPECT_TRUE(wait_for_snapshot(holder_, [](const Snapshot& s) {
        const PolicyClass* contractors = s.class_by_dn("cn=contractors,dc=example,dc=test");
        return contractors != nullptr && contractors->settings.send.mode == Mode::DenyAll;
    }));

    slapd_.modify_ldif(
        "dn: ou=maildomain,dc=example,dc=test\nchangetype: modify\n"
        "add: mailPolicyDomainName\nmailPolicyDomainName: example.org\n");
    EXPECT_TRUE(wait_for_snapshot(
        holder_, [](const Snapshot& s) { return s.domain_by_name("example.org") != nullptr; }));

    slapd_.add_ldif(
        "dn: cn=staff,dc=example,dc=test\nobjectClass: mailPolicyClass\ncn: staff\n"
        "mailPolicyReceiveMode: localOnly\n");
    EXPECT_TRUE(wait_for_snapshot(holder_, [](const Snapshot& s) { return s.class_count() == 2; }));
    slapd_.delete_dn("cn=staff,dc=example,dc=test");
    slapd_.delete_dn("ou=maildomain,dc=example,dc=test");
    EXPECT_TRUE(wait_for_snapshot(holder_, [](const Snapshot& s) {
        return s.class_count() == 1 && s.domain_count() == 0 &&
               s.domain_by_name("example.org") == nullptr;
    }));
}

TEST_F(LdapSourceTest, BurstOfChangesIsPublishedInBatchesAndCompletely) {
    auto source = start_source();
    ASSERT_TRUE(wait_for_snapshot(holder_, account_count_is(2)));
    std::string ldif;
    for (int i = 0; i < 60; ++i) ldif += account_ldif("burst" + std::to_string(i), "denyAll");
    auto before = holder_.current();
    SnapshotCounter counter(holder_);
    slapd_.add_ldif(ldif);
    EXPECT_TRUE(wait_for_snapshot(holder_, account_count_is(62)));
    counter.stop();
    EXPECT_LT(counter.distinct(), 60u) << "every change rebuilt the snapshot";
    EXPECT_NE(holder_.current(), before);
}

TEST_F(LdapSourceTest, ChangesAndDeletesMadeWhileCutOffAreSeenAfterReconnect) {
    CuttableProxy proxy(slapd_.port());
    auto source = start_then_cut_off(proxy);
    ASSERT_TRUE(source);
    EXPECT_FALSE(source->status().detail.empty());
    slapd_.delete_dn(account_dn("bob"));
    slapd_.modify_ldif(set_send_mode_ldif("alice", "denyAll"));
    slapd_.add_ldif(account_ldif("dave", "localOnly"));
    // Still the old content while cut off.
    EXPECT_NE(holder_.current()->account_by_address("bob@example.com"), nullptr);

    proxy.restore();
    EXPECT_TRUE(wait_for_snapshot(
        holder_,
        [](const Snapshot& s) {
            const Account* alice = s.account_by_address("alice@example.com");
            return s.account_by_address("bob@example.com") == nullptr &&
                   s.account_by_address("dave@example.com") != nullptr && alice != nullptr &&
                   alice->settings().send.mode == Mode::DenyAll;
        },
        seconds(15)))
        << describe(holder_, *source);
    EXPECT_TRUE(wait_for_state(*source, "syncrepl"));
}

TEST_F(LdapSourceTest, DeletesWhileCutOffReachUsThroughThePresentPhase) {
    // Without a session log the server cannot list what was deleted since our cookie;
    // it names what is still present instead, and the rest must go.
    restart_without_config_lines(slapd_, "syncprov-sessionlog");
    CuttableProxy proxy(slapd_.port());
    auto source = start_then_cut_off(proxy);
    ASSERT_TRUE(source);
    slapd_.delete_dn(account_dn("bob"));
    slapd_.delete_dn("cn=contractors,dc=example,dc=test");
    slapd_.add_ldif(account_ldif("frank", "denyAll"));

    proxy.restore();
    EXPECT_TRUE(wait_for_snapshot(
        holder_,
        [](const Snapshot& s) {
            return s.account_by_address("bob@example.com") == nullptr && s.class_count() == 0 &&
                   s.account_by_address("frank@example.com") != nullptr &&
                   s.account_by_address("alice@example.com") != nullptr && s.domain_count() == 1;
        },
        seconds(15)))
        << describe(holder_, *source);
}

TEST_F(LdapSourceTest, ServerRestartKeepsTheSnapshotThenConverges) {
    auto source = start_source();
    ASSERT_TRUE(wait_for_snapshot(holder_, account_count_is(2)));
    auto loaded = holder_.current();

    slapd_.stop();
    ASSERT_TRUE(wait_for_state(*source, "disconnected")) << describe(holder_, *source);
    EXPECT_EQ(holder_.current(), loaded);
    EXPECT_NE(holder_.current()->account_by_address("alice@example.com"), nullptr);

    slapd_.start();
    slapd_.delete_dn(account_dn("bob"));
    slapd_.add_ldif(account_ldif("erin", "denyAll"));
    EXPECT_TRUE(wait_for_snapshot(
        holder_,
        [](const Snapshot& s) {
            return s.account_by_address("bob@example.com") == nullptr &&
                   s.account_by_address("erin@example.com") != nullptr;
        },
        seconds(15)))
        << describe(holder_, *source);
    EXPECT_TRUE(wait_for_state(*source, "syncrepl"));
}

TEST_F(LdapSourceTest, StartWithServerDownServesTheCacheFileThenResumes) {
    {
        auto first = start_source();
        ASSERT_TRUE(wait_for_snapshot(holder_, account_count_is(2)));
        // Saved once the load has settled (2 s), off the sync thread.
        ASSERT_TRUE(
            wait_until([&] { return std::filesystem::exists(config_.cache_file); }, seconds(10)));
        first->stop();
    }
    SnapshotHolder fresh;
    auto [source, cached] = start_from_cache(fresh);
    ASSERT_TRUE(cached);
    EXPECT_NE(cached->account_by_address("alice@example.com"), nullptr);
    EXPECT_NE(source->status().detail.find(config_.source), std::string::npos)
        << source->status().detail;

    slapd_.start();
    slapd_.modify_ldif(set_send_mode_ldif("bob", "denyAll"));
    EXPECT_TRUE(
        wait_for_snapshot(fresh, send_mode_is("bob@example.com", Mode::DenyAll), seconds(15)))
        << describe(fresh, *source);
    EXPECT_TRUE(wait_for_state(*source, "syncrepl"));
}

// The cache is written once changes settle (2 s); a clean stop must not lose a change
// made since the last write.
TEST_F(LdapSourceTest, StopSavesTheLatestChangeToTheCacheFile) {
    {
        auto first = start_source();
        ASSERT_TRUE(wait_for_snapshot(holder_, account_count_is(2)));
        ASSERT_TRUE(
            wait_until([&] { return std::filesystem::exists(config_.cache_file); }, seconds(10)));
        slapd_.modify_ldif(set_send_mode_ldif("bob", "denyAll"));
        ASSERT_TRUE(wait_for_snapshot(holder_, send_mode_is("bob@example.com", Mode::DenyAll)));
        first->stop();
    }
    SnapshotHolder fresh;
    auto [source, cached] = start_from_cache(fresh);
    ASSERT_TRUE(cached);
    EXPECT_TRUE(send_mode_is("bob@example.com", Mode::DenyAll)(*cached));
}

// The daemon was away longer than the server keeps history for: its cookie predates
// every entry, and a server with syncprov-reloadhint answers the resuming search with
// e-syncRefreshRequired (RFC 4533 §3.3.1; result 4096, "sync cookie is stale"). The
// source reloads in full and must end up with exactly the server's entries, dropping
// those deleted meanwhile, which the server does not name in a full reload.
TEST_F(LdapSourceTest, RefreshRequiredReloadsToExactlyTheServerContent) {
    restart_with_config_line(slapd_, "syncprov-reloadhint TRUE");
    {
        auto first = start_source();
        ASSERT_TRUE(wait_for_snapshot(holder_, account_count_is(2)));
        first->stop();
    }
    slapd_.delete_dn(account_dn("bob"));
    slapd_.delete_dn("cn=contractors,dc=example,dc=test");
    slapd_.modify_ldif(set_send_mode_ldif("alice", "denyAll"));
    slapd_.add_ldif(account_ldif("carol", "localOnly"));
    CacheContent cache = load_cache(config_.cache_file);
    cache.cookie = "rid=000,csn=20000101000000.000000Z#000000#000#000000";
    save_cache(config_.cache_file, cache);
    slapd_.stop();

    LogCapture log("mailpolicyd.ldap");
    SnapshotHolder fresh;
    auto source = make_ldap_source(config_, fresh);
    source->start();
    ASSERT_TRUE(wait_for_snapshot(fresh, account_count_is(2))) << describe(fresh, *source);
    EXPECT_EQ(source->status().state, "cache");
    ASSERT_NE(fresh.current()->account_by_address("bob@example.com"), nullptr);
    slapd_.start();
    auto reloaded = wait_for_snapshot(
        fresh,
        [](const Snapshot& s) { return s.account_by_address("carol@example.com") != nullptr; },
        seconds(15));
    ASSERT_TRUE(reloaded) << describe(fresh, *source) << "\n" << log.text();
    EXPECT_TRUE(log.contains("cannot resume from our sync cookie")) << log.text();
    EXPECT_EQ(reloaded->account_by_address("bob@example.com"), nullptr);
    EXPECT_TRUE(send_mode_is("alice@example.com", Mode::DenyAll)(*reloaded));
    EXPECT_EQ(reloaded->account_count(), 2u);
    EXPECT_EQ(reloaded->class_count(), 0u);
    EXPECT_EQ(reloaded->domain_count(), 1u);

    // Entry for entry (DN and entryUUID): what the replica holds, as a clean stop saves
    // it, is what the server has.
    source->stop();
    EXPECT_EQ(identities(load_cache(config_.cache_file).entries),
              server_identities(slapd_, config_));
}

// The cache is written while changes keep arriving: here the write cannot finish (its
// temporary file is a pipe nobody reads, so it blocks once 4 KiB are written), and a
// change made meanwhile must still reach the snapshot.
TEST_F(LdapSourceTest, ChangesReachTheSnapshotWhileTheCacheIsBeingWritten) {
    std::string ldif;
    for (int i = 0; i < 60; ++i) ldif += account_ldif("filler" + std::to_string(i), "allowAll");
    slapd_.add_ldif(ldif);
    std::string temporary = config_.cache_file + ".tmp";
    ASSERT_EQ(::mkfifo(temporary.c_str(), 0600), 0);
    int reader = ::open(temporary.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    ASSERT_GE(reader, 0);
    ::fcntl(reader, F_SETPIPE_SZ, 4096);

    auto source = start_source();
    ASSERT_TRUE(wait_for_snapshot(holder_, account_count_is(62)));
    pollfd writing{reader, POLLIN, 0};
    ASSERT_TRUE(wait_until([&] { return ::poll(&writing, 1, 0) == 1; }, seconds(10)))
        << "the cache write never started";

    slapd_.modify_ldif(set_send_mode_ldif("bob", "denyAll"));
    EXPECT_TRUE(
        wait_for_snapshot(holder_, send_mode_is("bob@example.com", Mode::DenyAll), seconds(3)))
        << describe(holder_, *source);

    // Let the stuck write end (a pipe cannot be fsynced: that save fails), then check
    // that the clean stop still leaves a cache with the change.
    char buffer[4096];
    bool ended = wait_until([&] {
        while (::read(reader, buffer, sizeof buffer) > 0) {
        }
        pollfd done{reader, POLLIN, 0};
        return ::poll(&done, 1, 0) == 1 && ::read(reader, buffer, sizeof buffer) == 0;
    });
    ::close(reader);
    ASSERT_TRUE(ended);
    source->stop();
    SnapshotHolder fresh;
    slapd_.stop();
    auto restarted = make_ldap_source(config_, fresh);
    restarted->start();
    EXPECT_TRUE(wait_for_snapshot(fresh, send_mode_is("bob@example.com", Mode::DenyAll)))
        << describe(fresh, *restarted);
}

TEST_F(LdapSourceTest, StopReturnsPromptly) {
    auto source = start_source();
    ASSERT_TRUE(wait_for_snapshot(holder_, account_count_is(2)));
    auto started = std::chrono::steady_clock::now();
    source->stop();
    EXPECT_LT(std::chrono::steady_clock::now() - started, milliseconds(1000));

    slapd_.stop();  // and while it waits to reconnect
    auto waiting = start_source();
    ASSERT_TRUE(wait_until([&] { return waiting->status().state != "loading"; }));
    started = std::chrono::steady_clock::now();
    waiting->stop();
    EXPECT_LT(std::chrono::steady_clock::now() - started, milliseconds(1000));
}

}  // namespace
}  // namespace mailpolicy
