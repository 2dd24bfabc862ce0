// The SQLite audit store as an admin sees it through queries: every field comes back
// as written (times to the millisecond), filters, newest first, limits and purges.
#include <Poco/Data/Session.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "module/audit_store.h"
#include "tests/module/audit_test_support.h"

namespace mailpolicy {
namespace {

using namespace std::chrono_literals;
using std::chrono::system_clock;

class AuditSqliteTest : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "audit-sqlite-XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        directory_ = pattern;
        store_ = make_audit_store("sqlite:" + database());
        ASSERT_NE(store_, nullptr);
    }
    void TearDown() override {
        store_.reset();
        std::filesystem::remove_all(directory_);
    }
    std::string database() const { return directory_ + "/audit.db"; }

    std::string directory_;
    std::unique_ptr<AuditStore> store_;
};

TEST_F(AuditSqliteTest, EveryFieldRoundTripsWithMillisecondTime) {
    AuditRecord written;
    written.time = at_ms(1'763'780'000'123);
    written.path = "sendmail";
    written.direction = "receive";
    written.action = "audit";
    written.sender = "Boss@Example.com";
    written.recipient = "bob@partner.test";
    written.login = "alice";
    written.client_address = "2001:db8::1";
    written.account = "bob@partner.test";
    written.rule = "receive: exception *@partner.com on class cn=contractors,dc=x";
    written.reply_code = 550;
    written.reply_status = "5.7.1";
    written.reply_text = "This recipient does not accept mail from the sender — «ü»";
    written.instance = "4C2F11A0B3";
    store_->write({written});

    const auto found = store_->query({});
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0], written);
}

TEST_F(AuditSqliteTest, SubMillisecondPartIsDroppedNotRounded) {
    AuditRecord r = record(0, "a@x.test", "b@y.test");
    r.time = at_ms(1'700'000'000'999) + 999us;
    store_->write({r});
    EXPECT_EQ(store_->query({}).at(0).time, at_ms(1'700'000'000'999));
}

TEST_F(AuditSqliteTest, NewestFirstWithLimit) {
    store_->write({record(1000, "a@x.test", "1@y.test"), record(3000, "a@x.test", "3@y.test")});
    store_->write({record(2000, "a@x.test", "2@y.test")});
    AuditQuery query;
    query.limit = 2;
    const auto found = store_->query(query);
    ASSERT_EQ(found.size(), 2u);
    EXPECT_EQ(found[0].recipient, "3@y.test");
    EXPECT_EQ(found[1].recipient, "2@y.test");
}

TEST_F(AuditSqliteTest, FiltersBySenderAndRecipientIgnoringCase) {
    store_->write({record(1000, "alice@example.com", "bob@other.test"),
                   record(2000, "carol@example.com", "bob@other.test"),
                   record(3000, "alice@example.com", "dave@other.test")});
    AuditQuery by_sender;
    by_sender.sender = "ALICE@Example.COM";
    const auto sent = store_->query(by_sender);
    ASSERT_EQ(sent.size(), 2u);
    EXPECT_EQ(sent[0].recipient, "dave@other.test");
    EXPECT_EQ(sent[1].recipient, "bob@other.test");

    AuditQuery both = by_sender;
    both.recipient = "Bob@Other.Test";
    const auto one = store_->query(both);
    ASSERT_EQ(one.size(), 1u);
    EXPECT_EQ(one[0].time, at_ms(1000));

    AuditQuery nobody;
    nobody.sender = "alice@example";
    EXPECT_TRUE(store_->query(nobody).empty());
}

TEST_F(AuditSqliteTest, SinceIsInclusiveUntilExclusive) {
    store_->write({record(1000, "a@x.test", "1@y.test"), record(2000, "a@x.test", "2@y.test"),
                   record(3000, "a@x.test", "3@y.test")});
    AuditQuery query;
    query.since = at_ms(2000);
    query.until = at_ms(3000);
    const auto found = store_->query(query);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].recipient, "2@y.test");
}

TEST_F(AuditSqliteTest, PurgeDeletesOnlyOlderRecords) {
    store_->write({record(1000, "a@x.test", "1@y.test"), record(2000, "a@x.test", "2@y.test"),
                   record(3000, "a@x.test", "3@y.test")});
    EXPECT_EQ(store_->purge_before(at_ms(2000)), 1u);
    const auto left = store_->query({});
    ASSERT_EQ(left.size(), 2u);
    EXPECT_EQ(left[1].recipient, "2@y.test");
    EXPECT_EQ(store_->purge_before(at_ms(1000)), 0u);
}

TEST_F(AuditSqliteTest, RecordsSurviveReopeningTheDatabase) {
    store_->write({record(1000, "a@x.test", "1@y.test")});
    store_.reset();
    store_ = make_audit_store("sqlite:" + database());
    EXPECT_EQ(store_->query({}).size(), 1u);
    EXPECT_TRUE(std::filesystem::exists(database() + "-wal") ||
                std::filesystem::exists(database()));
}

TEST_F(AuditSqliteTest, ABatchIsAllOrNothing) {
    store_->write({record(1000, "a@x.test", "1@y.test")});
    {
        // Record 110 of 120 is refused: none of the batch may stay.
        Poco::Data::Session admin("SQLite", database());
        admin << "CREATE TRIGGER refuse BEFORE INSERT ON violations WHEN NEW.time = 2110 "
                 "BEGIN SELECT RAISE(ABORT, 'refused'); END",
            Poco::Data::Keywords::now;
    }
    std::vector<AuditRecord> batch;
    for (int i = 0; i < 120; ++i) batch.push_back(record(2000 + i, "a@x.test", "b@y.test"));
    EXPECT_THROW(store_->write(batch), std::runtime_error);
    EXPECT_EQ(store_->query({}).size(), 1u);
    batch.resize(100);
    store_->write(batch);
    AuditQuery all;
    all.limit = 1000;
    EXPECT_EQ(store_->query(all).size(), 101u);
}

TEST_F(AuditSqliteTest, LimitIsCappedAtTenThousand) {
    std::vector<AuditRecord> many;
    for (int i = 0; i < 10'050; ++i) many.push_back(record(i, "a@x.test", "b@y.test"));
    store_->write(many);
    AuditQuery query;
    query.limit = 1'000'000;
    const auto found = store_->query(query);
    ASSERT_EQ(found.size(), 10'000u);
    EXPECT_EQ(found.front().time, at_ms(10'049));
}

TEST_F(AuditSqliteTest, UnwritableDatabaseIsAClearError) {
    try {
        make_audit_store("sqlite:" + directory_ + "/missing-dir/audit.db");
        FAIL() << "expected an error";
    } catch (const std::runtime_error& error) {
        EXPECT_NE(std::string(error.what()).find("missing-dir/audit.db"), std::string::npos)
            << error.what();
    }
}

}  // namespace
}  // namespace mailpolicy
