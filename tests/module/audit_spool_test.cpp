// The audit spool file on its own: records come back in order with every field, a
// commit drops only what was read (records appended meanwhile stay), a spool left by a
// crash is counted and its torn last line cannot swallow the next record.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "module/audit_spool.h"
#include "tests/module/audit_test_support.h"

namespace mailpolicy {
namespace {

AuditRecord numbered(int n) {
    AuditRecord r;
    r.time =
        std::chrono::system_clock::time_point(std::chrono::milliseconds(1'700'000'000'000 + n));
    r.path = "sendmail";
    r.direction = "receive";
    r.action = "audit";
    r.sender = "a@x.test";
    r.recipient = std::to_string(n) + "@y.test";
    r.login = "alice";
    r.client_address = "::1";
    r.account = "b@y.test";
    r.rule = "rule with \"quotes\", a \\ and a\nnewline, «ü»";
    r.reply_code = 550;
    r.reply_status = "5.7.1";
    r.reply_text = "text";
    r.instance = "4C2F11A0B3";
    return r;
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

class AuditSpoolTest : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "audit-spool-XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        directory_ = pattern;
    }
    void TearDown() override { std::filesystem::remove_all(directory_); }
    std::string path() const { return directory_ + "/audit.spool"; }

    std::string directory_;
};

TEST_F(AuditSpoolTest, EveryFieldComesBackInOrder) {
    AuditSpool spool(path());
    spool.append({numbered(0), numbered(1)});
    spool.append({numbered(2)});
    EXPECT_EQ(spool.size(), 3u);
    const auto front = spool.read_front(10);
    ASSERT_EQ(front.records.size(), 3u);
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(front.records[i], numbered(i));
    }
}

TEST_F(AuditSpoolTest, DroppingTheFrontKeepsWhatCameLater) {
    AuditSpool spool(path());
    spool.append({numbered(0), numbered(1), numbered(2)});
    const auto front = spool.read_front(2);
    ASSERT_EQ(front.records.size(), 2u);
    spool.append({numbered(3)});  // while the first two were being committed
    spool.drop_front(front);
    EXPECT_EQ(spool.size(), 2u);
    {
        AuditSpool after_a_restart(path());  // the drop is durable
        EXPECT_EQ(after_a_restart.size(), 2u);
        EXPECT_EQ(after_a_restart.read_front(10).records.at(0).recipient, "2@y.test");
    }
    const auto rest = spool.read_front(10);
    ASSERT_EQ(rest.records.size(), 2u);
    EXPECT_EQ(rest.records[0].recipient, "2@y.test");
    EXPECT_EQ(rest.records[1].recipient, "3@y.test");
    spool.drop_front(rest);
    EXPECT_EQ(spool.size(), 0u);
    EXPECT_FALSE(std::filesystem::exists(path()));
    EXPECT_FALSE(std::filesystem::exists(path() + ".done"));
}

TEST_F(AuditSpoolTest, ASpoolLeftByACrashIsCountedAndItsTornLineSkipped) {
    {
        AuditSpool earlier(path());
        earlier.append({numbered(0)});
    }
    {
        std::ofstream out(path(), std::ios::app);
        out << R"({"time": 1, "path": "sm)";  // the process died mid-append
    }
    AuditSpool spool(path());
    EXPECT_EQ(spool.size(), 2u);
    spool.append({numbered(1)});
    const auto front = spool.read_front(10);
    EXPECT_EQ(front.lines, 3u);
    ASSERT_EQ(front.records.size(), 2u);  // the torn line is skipped, the next one intact
    EXPECT_EQ(front.records[0].recipient, "0@y.test");
    EXPECT_EQ(front.records[1].recipient, "1@y.test");
}

// Symlinks planted in the state directory: the spool and its offset's temporary file
// are never written through; the file they point to stays as it was.
TEST_F(AuditSpoolTest, ASymlinkAtTheSpoolIsRefusedNotWrittenThrough) {
    const std::string outside = directory_ + "/outside";
    std::ofstream(outside) << "precious\n";
    std::filesystem::create_symlink(outside, path());
    EXPECT_THROW(AuditSpool(path()).append({numbered(0)}), std::runtime_error);
    EXPECT_EQ(read_text(outside), "precious\n");
}

TEST_F(AuditSpoolTest, ASymlinkAtTheDoneTemporaryFileIsNotWrittenThrough) {
    const std::string outside = directory_ + "/outside";
    std::ofstream(outside) << "precious\n";
    AuditSpool spool(path());
    spool.append({numbered(0), numbered(1)});
    std::filesystem::create_symlink(outside, path() + ".done.tmp");
    spool.drop_front(spool.read_front(1));
    EXPECT_EQ(read_text(outside), "precious\n");
    EXPECT_FALSE(std::filesystem::is_symlink(path() + ".done"));
    const auto rest = AuditSpool(path()).read_front(10);
    ASSERT_EQ(rest.records.size(), 1u);
    EXPECT_EQ(rest.records[0], numbered(1));
}

TEST_F(AuditSpoolTest, AMissingDirectoryIsAnErrorNamingTheFile) {
    AuditSpool spool(directory_ + "/missing/audit.spool");
    try {
        spool.append({numbered(0)});
        FAIL() << "appended to a missing directory";
    } catch (const std::runtime_error& error) {
        EXPECT_NE(std::string(error.what()).find("missing/audit.spool"), std::string::npos)
            << error.what();
    }
}

}  // namespace
}  // namespace mailpolicy
