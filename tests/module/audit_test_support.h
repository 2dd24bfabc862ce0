// What the audit tests share: records built the same way in every test, a readable
// gtest printer for AuditRecord, a fixture with a scratch directory and the audit
// logger captured, waiting with a deadline, and a line count for spool files.
#pragma once

#include <Poco/AutoPtr.h>
#include <Poco/Channel.h>
#include <Poco/Logger.h>
#include <Poco/Message.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "module/audit_store.h"

namespace mailpolicy {

inline std::chrono::system_clock::time_point at_ms(std::int64_t ms) {
    return std::chrono::system_clock::time_point(std::chrono::milliseconds(ms));
}

// A send denial at `ms` milliseconds after the epoch, with the default reply.
inline AuditRecord record(std::int64_t ms, std::string sender, std::string recipient) {
    AuditRecord r;
    r.time = at_ms(ms);
    r.path = "smtp";
    r.direction = "send";
    r.action = "reject";
    r.sender = std::move(sender);
    r.recipient = std::move(recipient);
    r.reply_code = 550;
    r.reply_status = "5.7.1";
    r.reply_text = "Sending to this recipient is not permitted";
    r.rule = "send: account " + r.sender + " mode localOnly";
    return r;
}

// gtest prints a mismatching record field by field.
inline void PrintTo(const AuditRecord& r, std::ostream* out) {
    *out << "{time_ms="
         << std::chrono::duration_cast<std::chrono::milliseconds>(r.time.time_since_epoch()).count()
         << " path=" << r.path << " direction=" << r.direction << " action=" << r.action
         << " sender=" << r.sender << " recipient=" << r.recipient << " login=" << r.login
         << " client=" << r.client_address << " account=" << r.account << " rule=\"" << r.rule
         << "\" reply=" << r.reply_code << ' ' << r.reply_status << " \"" << r.reply_text
         << "\" instance=" << r.instance << '}';
}

// Collects what a Poco logger emits (attach it to "mailpolicyd.audit").
class CaptureChannel : public Poco::Channel {
  public:
    void log(const Poco::Message& message) override {
        std::lock_guard lock(mutex_);
        messages_.push_back(message);
    }
    std::vector<Poco::Message> messages() const {
        std::lock_guard lock(mutex_);
        return messages_;
    }
    std::string all_text() const {
        std::string text;
        for (const auto& message : messages()) text += message.getText() + "\n";
        return text;
    }

  private:
    mutable std::mutex mutex_;
    std::vector<Poco::Message> messages_;
};

inline std::size_t lines_in(const std::string& path) {
    std::ifstream in(path);
    std::size_t lines = 0;
    for (std::string line; std::getline(in, line);) ++lines;
    return lines;
}

// True once `condition` holds, polling until `limit` passes.
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::seconds limit = std::chrono::seconds(60)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return condition();
}

// A scratch directory per test, and everything "mailpolicyd.audit" logs in `capture_`.
class AuditScratchTest : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string pattern = (std::filesystem::temp_directory_path() / "audit-XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        directory_ = pattern;
        capture_ = new CaptureChannel;
        Poco::Logger& logger = Poco::Logger::get("mailpolicyd.audit");
        logger.setChannel(capture_);
        logger.setLevel(Poco::Message::PRIO_DEBUG);
    }
    void TearDown() override {
        Poco::Logger::get("mailpolicyd.audit").setChannel(nullptr);
        std::filesystem::remove_all(directory_);
    }
    std::string spool() const { return directory_ + "/audit.spool"; }

    std::string directory_;
    Poco::AutoPtr<CaptureChannel> capture_;
};

}  // namespace mailpolicy
