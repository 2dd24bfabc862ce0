// The PostgreSQL audit store against a real server: the same round trip, filters, order,
// limit and purge as SQLite, reconnection after a restart, and an outage in the middle
// of an AuditLog's work: every record reaches the table exactly once afterwards.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <thread>

#include "module/audit_log.h"
#include "module/audit_store.h"
#include "tests/module/audit_test_support.h"
#include "tests/support/test_postgres.h"

namespace mailpolicy {
namespace {

using namespace std::chrono_literals;
using std::chrono::system_clock;

class AuditPostgresTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { server_ = new test::TestPostgres(); }
    static void TearDownTestSuite() {
        delete server_;
        server_ = nullptr;
    }
    void SetUp() override {
        if (!server_->running()) server_->start();
        server_->psql("DROP TABLE IF EXISTS violations");
        store_ = make_audit_store("postgresql:" + server_->conninfo());
        ASSERT_NE(store_, nullptr);
    }
    static std::string count_in_table() { return server_->psql("SELECT count(*) FROM violations"); }

    static test::TestPostgres* server_;
    std::unique_ptr<AuditStore> store_;
};

test::TestPostgres* AuditPostgresTest::server_ = nullptr;

TEST_F(AuditPostgresTest, EveryFieldRoundTripsWithMillisecondTime) {
    AuditRecord written;
    written.time = at_ms(1'763'780'000'123) + 456us;
    written.path = "http";
    written.direction = "receive";
    written.action = "audit";
    written.sender = "Boss@Example.com";
    written.recipient = "bob@partner.test";
    written.login = "alice";
    written.client_address = "192.0.2.7";
    written.account = "bob@partner.test";
    written.rule = "receive: exception *@partner.com on class cn=contractors,dc=x";
    written.reply_code = 550;
    written.reply_status = "5.7.1";
    written.reply_text = "Quote \" and backslash \\ and «ü»";
    written.instance = "";
    store_->write({written});

    const auto found = store_->query({});
    ASSERT_EQ(found.size(), 1u);
    AuditRecord expected = written;
    expected.time = at_ms(1'763'780'000'123);  // stored to the millisecond
    EXPECT_EQ(found[0], expected);
    // An independent reader sees the time as integer milliseconds.
    EXPECT_EQ(server_->psql("SELECT time FROM violations"), "1763780000123\n");
}

TEST_F(AuditPostgresTest, TextThatIsNotUtf8IsStoredNotRefused) {
    AuditRecord odd = record(1000, "a@x.test", "b@y.test");
    odd.rule = "bad \xc3 byte";
    store_->write({odd});
    const auto found = store_->query({});
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].rule, "bad \xef\xbf\xbd byte");
}

TEST_F(AuditPostgresTest, FiltersOrderAndLimit) {
    store_->write({record(1000, "alice@example.com", "bob@other.test"),
                   record(3000, "alice@example.com", "dave@other.test"),
                   record(2000, "carol@example.com", "bob@other.test")});
    AuditQuery by_sender;
    by_sender.sender = "ALICE@example.COM";
    const auto sent = store_->query(by_sender);
    ASSERT_EQ(sent.size(), 2u);
    EXPECT_EQ(sent[0].recipient, "dave@other.test");
    EXPECT_EQ(sent[1].recipient, "bob@other.test");

    AuditQuery by_recipient;
    by_recipient.recipient = "BOB@other.test";
    by_recipient.limit = 1;
    const auto newest = store_->query(by_recipient);
    ASSERT_EQ(newest.size(), 1u);
    EXPECT_EQ(newest[0].sender, "carol@example.com");

    AuditQuery window;
    window.since = at_ms(1000);
    window.until = at_ms(2000);
    const auto first = store_->query(window);
    ASSERT_EQ(first.size(), 1u);
    EXPECT_EQ(first[0].time, at_ms(1000));
}

TEST_F(AuditPostgresTest, PurgeDeletesOnlyOlderRecords) {
    store_->write({record(1000, "a@x.test", "1@y.test"), record(2000, "a@x.test", "2@y.test"),
                   record(3000, "a@x.test", "3@y.test")});
    EXPECT_EQ(store_->purge_before(at_ms(2500)), 2u);
    const auto left = store_->query({});
    ASSERT_EQ(left.size(), 1u);
    EXPECT_EQ(left[0].recipient, "3@y.test");
}

TEST_F(AuditPostgresTest, ABatchIsAllOrNothing) {
    store_->write({record(1000, "a@x.test", "1@y.test")});
    // Record 110 of 120 breaks a constraint: none of the batch may stay, not even the
    // rows that went to the server in earlier statements.
    server_->psql("ALTER TABLE violations ADD CONSTRAINT not_2110 CHECK (time <> 2110)");
    std::vector<AuditRecord> batch;
    for (int i = 0; i < 120; ++i) batch.push_back(record(2000 + i, "a@x.test", "b@y.test"));
    EXPECT_THROW(store_->write(batch), std::runtime_error);
    EXPECT_EQ(count_in_table(), "1\n");
    EXPECT_EQ(store_->query({}).size(), 1u);
    // The session is still usable afterwards.
    batch.resize(100);
    store_->write(batch);
    EXPECT_EQ(count_in_table(), "101\n");
}

TEST_F(AuditPostgresTest, ReconnectsAfterTheServerRestarts) {
    store_->write({record(1000, "a@x.test", "1@y.test")});
    server_->stop();
    EXPECT_THROW(store_->write({record(2000, "a@x.test", "2@y.test")}), std::runtime_error);
    EXPECT_THROW(store_->query({}), std::runtime_error);
    server_->start();
    store_->write({record(3000, "a@x.test", "3@y.test")});
    const auto found = store_->query({});
    ASSERT_EQ(found.size(), 2u);
    EXPECT_EQ(found[0].recipient, "3@y.test");
}

TEST_F(AuditPostgresTest, StoreCreatedWhileTheServerIsDownWorksOnceItIsUp) {
    store_.reset();
    server_->stop();
    store_ = make_audit_store("postgresql:" + server_->conninfo());
    ASSERT_NE(store_, nullptr);
    server_->start();
    store_->write({record(1000, "a@x.test", "1@y.test")});
    EXPECT_EQ(count_in_table(), "1\n");
}

TEST_F(AuditPostgresTest, OutageThroughAuditLogLosesNothingAndDuplicatesNothing) {
    const std::string spool = server_->directory() + "/audit.spool";
    AuditLog log(make_audit_store("postgresql:" + server_->conninfo()), spool,
                 std::chrono::days(0));
    log.start();
    int next = 0;
    const auto record_some = [&](int n) {
        for (int i = 0; i < n; ++i, ++next) {
            log.record(record(1'700'000'000'000 + next, "alice@example.com",
                              "r" + std::to_string(next) + "@other.test"));
        }
    };
    record_some(40);
    ASSERT_TRUE(eventually([&] { return log.pending() == 0; }));
    EXPECT_EQ(count_in_table(), "40\n");

    server_->stop();
    record_some(60);
    ASSERT_TRUE(eventually([&] { return std::filesystem::exists(spool) && log.pending() == 60; }))
        << "pending " << log.pending();
    record_some(30);  // while the writer is backing off
    EXPECT_EQ(log.pending(), 90u);

    server_->start();
    ASSERT_TRUE(eventually([&] { return log.pending() == 0; })) << "pending " << log.pending();
    log.stop();
    EXPECT_FALSE(std::filesystem::exists(spool));
    EXPECT_EQ(count_in_table(), "130\n");
    EXPECT_EQ(server_->psql("SELECT count(DISTINCT recipient) FROM violations"), "130\n");

    AuditQuery all;
    all.limit = 1000;
    const auto found = store_->query(all);
    ASSERT_EQ(found.size(), 130u);
    for (std::size_t i = 0; i < found.size(); ++i) {
        const int number = 129 - static_cast<int>(i);  // newest first
        EXPECT_EQ(found[i].recipient, "r" + std::to_string(number) + "@other.test");
        EXPECT_EQ(found[i].time, at_ms(1'700'000'000'000 + number));
        EXPECT_EQ(found[i].sender, "alice@example.com");
        EXPECT_EQ(found[i].reply_code, 550);
    }
}

}  // namespace
}  // namespace mailpolicy
