// AuditLog as an admin observes it: the exact log line for rejections and audit-only
// violations (no forged lines), records reaching the store, the spool while the store
// is down and its replay at start, nothing lost at stop, and no password in any message.
#include <Poco/AutoPtr.h>
#include <Poco/Channel.h>
#include <Poco/Logger.h>
#include <Poco/Message.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "module/audit_log.h"
#include "module/audit_store.h"
#include "tests/module/audit_test_support.h"

namespace mailpolicy {
namespace {

using namespace std::chrono_literals;
using std::chrono::system_clock;

// A store the test can switch off; it keeps what it was given, batch by batch.
class FakeStore : public AuditStore {
  public:
    void write(const std::vector<AuditRecord>& records) override {
        std::lock_guard lock(mutex);
        if (!available) throw std::runtime_error("fake store is down");
        for (const auto& record : records) written.push_back(record);
    }
    std::vector<AuditRecord> query(const AuditQuery&) override { return {}; }
    std::size_t purge_before(system_clock::time_point) override { return 0; }

    std::mutex mutex;
    bool available = true;
    std::vector<AuditRecord> written;
};

// A store whose write() waits until the test opens the gate.
class GateStore : public AuditStore {
  public:
    void write(const std::vector<AuditRecord>& records) override {
        std::unique_lock lock(mutex_);
        ++writers_waiting_;
        changed_.notify_all();
        changed_.wait(lock, [this] { return open_; });
        --writers_waiting_;
        for (const auto& record : records) written_.push_back(record.recipient);
    }
    std::vector<AuditRecord> query(const AuditQuery&) override { return {}; }
    std::size_t purge_before(system_clock::time_point) override { return 0; }

    bool writer_waiting() {
        std::lock_guard lock(mutex_);
        return writers_waiting_ > 0;
    }
    void open() {
        std::lock_guard lock(mutex_);
        open_ = true;
        changed_.notify_all();
    }
    std::vector<std::string> written() {
        std::lock_guard lock(mutex_);
        return written_;
    }

  private:
    std::mutex mutex_;
    std::condition_variable changed_;
    int writers_waiting_ = 0;
    bool open_ = false;
    std::vector<std::string> written_;
};

AuditRecord record(std::string sender, std::string recipient, std::string action = "reject") {
    AuditRecord r;
    r.time = system_clock::now();
    r.path = "smtp";
    r.direction = "send";
    r.action = std::move(action);
    r.sender = std::move(sender);
    r.recipient = std::move(recipient);
    r.rule = "send: account " + r.sender + " mode localOnly (from domain x.test)";
    r.reply_code = 550;
    r.reply_status = "5.7.1";
    r.reply_text = "Sending to this recipient is not permitted";
    return r;
}

class AuditLogTest : public AuditScratchTest {
  protected:
    std::string database() const { return "sqlite:" + directory_ + "/audit.db"; }
    std::vector<std::string> lines_at(Poco::Message::Priority priority) const {
        std::vector<std::string> lines;
        for (const auto& message : capture_->messages()) {
            if (message.getPriority() == priority) lines.push_back(message.getText());
        }
        return lines;
    }
};

TEST_F(AuditLogTest, RejectLineIsExactlyAsSpecified) {
    AuditLog log(nullptr, spool(), std::chrono::days(90));
    log.record(record("a@x.test", "b@y.test"));
    const auto notices = lines_at(Poco::Message::PRIO_NOTICE);
    ASSERT_EQ(notices.size(), 1u);
    EXPECT_EQ(notices[0],
              "reject: path=smtp direction=send sender=<a@x.test> recipient=<b@y.test> "
              "rule=\"send: account a@x.test mode localOnly (from domain x.test)\" "
              "reply=\"550 5.7.1 Sending to this recipient is not permitted\"");
}

TEST_F(AuditLogTest, AuditOnlyLineSaysAudit) {
    AuditLog log(nullptr, spool(), std::chrono::days(90));
    AuditRecord r = record("", "boss@example.com", "audit");
    r.path = "http";
    r.direction = "receive";
    r.rule = "receive: account boss@example.com mode localOnly";
    r.reply_text = "This recipient does not accept mail from the sender";
    log.record(r);
    const auto lines = lines_at(Poco::Message::PRIO_INFORMATION);
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0],
              "audit: path=http direction=receive sender=<> recipient=<boss@example.com> "
              "rule=\"receive: account boss@example.com mode localOnly\" "
              "reply=\"550 5.7.1 This recipient does not accept mail from the sender\"");
}

TEST_F(AuditLogTest, ControlCharactersAndQuotesCannotForgeALine) {
    AuditLog log(nullptr, spool(), std::chrono::days(90));
    AuditRecord r = record("a@x.test\r\nreject: path=smtp", "b@y.test> rule=\"x\"");
    r.rule = "rule with \"quotes\" and \\ and\nnewline";
    r.reply_text = "text\rwith CR";
    log.record(r);
    const auto lines = lines_at(Poco::Message::PRIO_NOTICE);
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0].find_first_of("\r\n"), std::string::npos);
    EXPECT_EQ(lines[0],
              "reject: path=smtp direction=send sender=<a@x.test  reject: path=smtp> "
              "recipient=<b@y.test? rule=\"x\"> "
              "rule=\"rule with \\\"quotes\\\" and \\\\ and newline\" "
              "reply=\"550 5.7.1 text with CR\"");
}

TEST_F(AuditLogTest, StoreNoneOnlyLogs) {
    EXPECT_EQ(make_audit_store("none"), nullptr);
    AuditLog log(make_audit_store("none"), spool(), std::chrono::days(90));
    log.start();
    log.record(record("a@x.test", "b@y.test"));
    log.stop();
    EXPECT_EQ(log.store(), nullptr);
    EXPECT_EQ(log.pending(), 0u);
    EXPECT_FALSE(std::filesystem::exists(spool()));
    EXPECT_EQ(lines_at(Poco::Message::PRIO_NOTICE).size(), 1u);
}

TEST_F(AuditLogTest, RecordsReachTheStoreInOrder) {
    auto store = std::make_unique<FakeStore>();
    FakeStore& fake = *store;
    AuditLog log(std::move(store), spool(), std::chrono::days(90));
    log.start();
    for (int i = 0; i < 1200; ++i) log.record(record("a@x.test", std::to_string(i) + "@y.test"));
    ASSERT_TRUE(eventually([&] { return log.pending() == 0; }));
    std::lock_guard lock(fake.mutex);
    ASSERT_EQ(fake.written.size(), 1200u);
    for (int i = 0; i < 1200; ++i)
        EXPECT_EQ(fake.written[i].recipient, std::to_string(i) + "@y.test");
    EXPECT_FALSE(std::filesystem::exists(spool()));
}

TEST_F(AuditLogTest, RecordNeverWaitsForAStuckStoreAndAFullQueueSpills) {
    auto store = std::make_unique<GateStore>();
    GateStore& gate = *store;
    AuditLogLimits limits;
    limits.queue_capacity = 10;
    limits.batch_size = 5;
    AuditLog log(std::move(store), spool(), std::chrono::days(90), limits);
    log.start();
    log.record(record("a@x.test", "0@y.test"));
    ASSERT_TRUE(eventually([&] { return gate.writer_waiting(); }));

    const auto started = std::chrono::steady_clock::now();
    for (int i = 1; i <= 100; ++i) log.record(record("a@x.test", std::to_string(i) + "@y.test"));
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
    EXPECT_EQ(lines_in(spool()), 90u);  // the queue holds 10, the rest spilled
    EXPECT_EQ(log.pending(), 101u);     // 1 in the stuck write, 10 queued, 90 spooled

    gate.open();
    ASSERT_TRUE(eventually([&] { return log.pending() == 0; })) << log.pending();
    auto written = gate.written();
    std::sort(written.begin(), written.end());
    std::vector<std::string> expected;
    for (int i = 0; i <= 100; ++i) expected.push_back(std::to_string(i) + "@y.test");
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(written, expected);  // each exactly once
    EXPECT_FALSE(std::filesystem::exists(spool()));
}

TEST_F(AuditLogTest, NothingIsLostAtStop) {
    AuditLog log(make_audit_store(database()), spool(), std::chrono::days(90));
    log.start();
    for (int i = 0; i < 1500; ++i) log.record(record("a@x.test", std::to_string(i) + "@y.test"));
    log.stop();
    EXPECT_EQ(log.pending(), 0u);
    AuditQuery all;
    all.limit = 5000;
    EXPECT_EQ(log.store()->query(all).size(), 1500u);
}

TEST_F(AuditLogTest, RecordsFromManyThreadsAcrossStopAreNeitherLostNorDoubled) {
    constexpr int threads = 4, per_thread = 400;
    {
        AuditLog log(make_audit_store(database()), spool(), std::chrono::days(90));
        log.start();
        std::vector<std::thread> recorders;
        for (int t = 0; t < threads; ++t) {
            recorders.emplace_back([&log, t] {
                for (int i = 0; i < per_thread; ++i) {
                    log.record(record("a@x.test", std::to_string(t) + "-" + std::to_string(i)));
                }
            });
        }
        std::this_thread::sleep_for(5ms);
        log.stop();  // the recorders go on: their records must reach the spool
        for (auto& recorder : recorders) recorder.join();
    }
    AuditLog log(make_audit_store(database()), spool(), std::chrono::days(90));
    log.start();
    ASSERT_TRUE(eventually([&] { return log.pending() == 0; }));
    AuditQuery all;
    all.limit = 10'000;
    const auto found = log.store()->query(all);
    std::set<std::string> distinct;
    for (const auto& r : found) distinct.insert(r.recipient);
    EXPECT_EQ(found.size(), std::size_t{threads * per_thread});
    EXPECT_EQ(distinct.size(), std::size_t{threads * per_thread});
}

TEST_F(AuditLogTest, RecordsBeforeStartAreWrittenByStop) {
    AuditLog log(make_audit_store(database()), spool(), std::chrono::days(90));
    log.record(record("a@x.test", "b@y.test"));
    EXPECT_EQ(log.pending(), 1u);
    log.stop();
    EXPECT_EQ(log.pending(), 0u);
    EXPECT_EQ(log.store()->query({}).size(), 1u);
}

TEST_F(AuditLogTest, StoreDownSpoolsAndTheNextStartReplaysInOrder) {
    {
        auto store = std::make_unique<FakeStore>();
        store->available = false;
        AuditLog log(std::move(store), spool(), std::chrono::days(90));
        log.start();
        for (int i = 0; i < 5; ++i) log.record(record("a@x.test", std::to_string(i) + "@y.test"));
        ASSERT_TRUE(eventually([&] { return lines_in(spool()) == 5; }));
        log.record(record("a@x.test", "5@y.test"));
        log.stop();
        EXPECT_EQ(log.pending(), 6u);
        EXPECT_EQ(lines_in(spool()), 6u);
    }
    const auto warnings = lines_at(Poco::Message::PRIO_WARNING);
    ASSERT_FALSE(warnings.empty());
    EXPECT_NE(warnings[0].find("fake store is down"), std::string::npos) << warnings[0];

    AuditLog log(make_audit_store(database()), spool(), std::chrono::days(90));
    EXPECT_EQ(log.pending(), 6u);
    log.start();
    ASSERT_TRUE(eventually([&] { return log.pending() == 0; }));
    EXPECT_FALSE(std::filesystem::exists(spool()));
    const auto found = log.store()->query({});
    ASSERT_EQ(found.size(), 6u);
    for (int i = 0; i < 6; ++i) EXPECT_EQ(found[5 - i].recipient, std::to_string(i) + "@y.test");
}

TEST_F(AuditLogTest, ALargeSpoolIsWrittenBackInChunksExactlyOnce) {
    constexpr int count = 12'000;  // more than one write-back transaction
    {
        auto store = std::make_unique<FakeStore>();
        store->available = false;
        AuditLog log(std::move(store), spool(), std::chrono::days(90));
        for (int i = 0; i < count; ++i) log.record(record("a@x.test", std::to_string(i)));
        log.stop();
        ASSERT_EQ(lines_in(spool()), std::size_t{count});
    }
    auto store = std::make_unique<FakeStore>();
    FakeStore& fake = *store;
    AuditLog log(std::move(store), spool(), std::chrono::days(90));
    log.start();
    ASSERT_TRUE(eventually([&] { return log.pending() == 0; }));
    std::lock_guard lock(fake.mutex);
    ASSERT_EQ(fake.written.size(), std::size_t{count});
    for (int i = 0; i < count; ++i) ASSERT_EQ(fake.written[i].recipient, std::to_string(i));
    EXPECT_FALSE(std::filesystem::exists(spool()));
}

TEST_F(AuditLogTest, StoreThatComesBackGetsSpooledRecordsFirstExactlyOnce) {
    auto store = std::make_unique<FakeStore>();
    FakeStore& fake = *store;
    fake.available = false;
    AuditLog log(std::move(store), spool(), std::chrono::days(90));
    log.start();
    for (int i = 0; i < 3; ++i) log.record(record("a@x.test", std::to_string(i) + "@y.test"));
    ASSERT_TRUE(eventually([&] { return lines_in(spool()) == 3; }));
    {
        std::lock_guard lock(fake.mutex);
        fake.available = true;
    }
    log.record(record("a@x.test", "3@y.test"));
    ASSERT_TRUE(eventually([&] { return log.pending() == 0; }));
    std::lock_guard lock(fake.mutex);
    ASSERT_EQ(fake.written.size(), 4u);
    for (int i = 0; i < 4; ++i) EXPECT_EQ(fake.written[i].recipient, std::to_string(i) + "@y.test");
}

TEST_F(AuditLogTest, DamagedSpoolLinesAreSkippedTheRestReplayed) {
    {
        auto store = std::make_unique<FakeStore>();
        store->available = false;
        AuditLog log(std::move(store), spool(), std::chrono::days(90));
        log.record(record("a@x.test", "good@y.test"));
        log.stop();
    }
    {
        std::ofstream out(spool(), std::ios::app);
        out << "not json\n{\"time\": 1, \"path\": \"smtp\"";  // a crash mid-append
    }
    auto store = std::make_unique<FakeStore>();
    FakeStore& fake = *store;
    AuditLog log(std::move(store), spool(), std::chrono::days(90));
    log.start();
    ASSERT_TRUE(eventually([&] { return log.pending() == 0; }));
    std::lock_guard lock(fake.mutex);
    ASSERT_EQ(fake.written.size(), 1u);
    EXPECT_EQ(fake.written[0].recipient, "good@y.test");
    EXPECT_EQ(lines_at(Poco::Message::PRIO_ERROR).size(), 2u) << capture_->all_text();
}

TEST_F(AuditLogTest, OddTextSurvivesTheSpoolAndTheStore) {
    AuditRecord odd = record("a@x.test", "b@y.test");
    odd.rule = "line one\nline \"two\" \\ \xc3\xbc";
    odd.reply_text = std::string("bad \xff byte and NUL \0 end", 24);
    {
        auto store = std::make_unique<FakeStore>();
        store->available = false;
        AuditLog log(std::move(store), spool(), std::chrono::days(90));
        log.record(odd);
        log.stop();
        ASSERT_EQ(lines_in(spool()), 1u);
    }
    AuditLog log(make_audit_store(database()), spool(), std::chrono::days(90));
    log.start();
    ASSERT_TRUE(eventually([&] { return log.pending() == 0; }));
    const auto found = log.store()->query({});
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].rule, odd.rule);
    EXPECT_EQ(found[0].reply_text, "bad \xef\xbf\xbd byte and NUL \xef\xbf\xbd end");
    const auto notices = lines_at(Poco::Message::PRIO_NOTICE);
    ASSERT_EQ(notices.size(), 1u);
    EXPECT_NE(notices[0].find("reply=\"550 5.7.1 bad \xef\xbf\xbd byte"), std::string::npos)
        << notices[0];
}

TEST_F(AuditLogTest, RetentionPurgesOldRecordsAtStart) {
    auto store = make_audit_store(database());
    AuditRecord old = record("a@x.test", "old@y.test");
    old.time = system_clock::now() - std::chrono::days(91);
    AuditRecord recent = record("a@x.test", "recent@y.test");
    recent.time = system_clock::now() - std::chrono::days(89);
    store->write({old, recent});
    AuditLog log(std::move(store), spool(), std::chrono::days(90));
    log.start();
    ASSERT_TRUE(eventually([&] { return log.store()->query({}).size() == 1; }));
    EXPECT_EQ(log.store()->query({}).at(0).recipient, "recent@y.test");
}

TEST_F(AuditLogTest, RetentionPurgesAgainAfterThePurgeInterval) {
    AuditLogLimits limits;
    limits.purge_interval = 300ms;
    AuditLog log(make_audit_store(database()), spool(), std::chrono::days(1), limits);
    log.start();
    std::this_thread::sleep_for(100ms);  // past the purge at start
    AuditRecord old = record("a@x.test", "old@y.test");
    old.time = system_clock::now() - std::chrono::days(2);
    log.store()->write({old, record("a@x.test", "new@y.test")});
    ASSERT_TRUE(eventually([&] { return log.store()->query({}).size() == 1; }));
    EXPECT_EQ(log.store()->query({}).at(0).recipient, "new@y.test");
    // The writer logs the purge just after its DELETE commits.
    EXPECT_TRUE(eventually([&] {
        return capture_->all_text().find("purged 1 records") != std::string::npos;
    })) << capture_->all_text();
}

}  // namespace
}  // namespace mailpolicy
