// The one secret reader as an admin meets it, in a temporary directory: a 0600 file is
// read without its line end; a file group or others can read is used with a warning;
// one they can write, a FIFO, a directory, a symlink, an oversized or an empty file is
// refused with a message naming the setting and the path, never the secret.
#include "ldap/secret_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>

#include "tests/ldap/ldap_test_helpers.h"

namespace mailpolicy {
namespace {

using test::LogCapture;

class SecretFileTest : public ::testing::Test {
  protected:
    void SetUp() override {
        char pattern[] = "/tmp/secret_file_test.XXXXXX";
        ASSERT_NE(::mkdtemp(pattern), nullptr);
        directory_ = pattern;
    }
    void TearDown() override { std::filesystem::remove_all(directory_); }

    std::string write(const std::string& name, const std::string& content, mode_t mode) {
        const std::string path = directory_ + "/" + name;
        std::ofstream(path, std::ios::binary) << content;
        EXPECT_EQ(::chmod(path.c_str(), mode), 0);
        return path;
    }

    // The message read_secret_file throws, or "" when it returns.
    static std::string refusal(const std::string& path) {
        try {
            read_secret_file(path, "directory.bind-password-file");
        } catch (const std::runtime_error& error) {
            return error.what();
        }
        return "";
    }

    std::string directory_;
};

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

TEST_F(SecretFileTest, OwnerOnlyFileIsReadWithoutItsLineEnd) {
    EXPECT_EQ(read_secret_file(write("a", "S3cret pass\n", 0600), "x"), "S3cret pass");
    EXPECT_EQ(read_secret_file(write("b", "S3cret\r\n", 0400), "x"), "S3cret");
    EXPECT_EQ(read_secret_file(write("c", "S3cret", 0600), "x"), "S3cret");
}

TEST_F(SecretFileTest, ReadableByOthersIsUsedWithAWarning) {
    LogCapture log("mailpolicyd.secrets");
    const std::string path = write("pw", "S3cret\n", 0644);
    EXPECT_EQ(read_secret_file(path, "directory.bind-password-file"), "S3cret");
    EXPECT_TRUE(log.contains("directory.bind-password-file " + path +
                             ": group or others can read it (mode 0644)"))
        << log.text();
    EXPECT_FALSE(log.contains("S3cret")) << log.text();
}

TEST_F(SecretFileTest, ReadableByGroupIsUsedWithAWarning) {
    LogCapture log("mailpolicyd.secrets");
    const std::string path = write("pw", "S3cret\n", 0640);
    EXPECT_EQ(read_secret_file(path, "listen.http-token-file"), "S3cret");
    EXPECT_TRUE(log.contains("(mode 0640)")) << log.text();
}

TEST_F(SecretFileTest, OwnerOnlyFileGivesNoWarning) {
    LogCapture log("mailpolicyd.secrets");
    read_secret_file(write("pw", "S3cret\n", 0600), "x");
    EXPECT_EQ(log.text(), "");
}

TEST_F(SecretFileTest, WritableByOthersOrGroupIsRefused) {
    const std::string world = write("world", "S3cret\n", 0666);
    const std::string message = refusal(world);
    EXPECT_EQ(message, "directory.bind-password-file " + world +
                           ": group or others can write it (mode 0666); chmod 600 it");
    EXPECT_TRUE(contains(refusal(write("group", "S3cret\n", 0620)), "(mode 0620)"));
}

TEST_F(SecretFileTest, FifoIsRefusedWithoutBlocking) {
    const std::string path = directory_ + "/fifo";
    ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
    auto result = std::async(std::launch::async, [&] { return refusal(path); });
    const bool answered = result.wait_for(std::chrono::seconds(5)) == std::future_status::ready;
    if (!answered) {
        // Unblock a reader stuck in open() or read(), so the test fails instead of hanging.
        const int writer = ::open(path.c_str(), O_WRONLY | O_NONBLOCK);
        if (writer >= 0) ::close(writer);
    }
    EXPECT_TRUE(answered) << "read_secret_file blocked on a FIFO";
    EXPECT_TRUE(contains(result.get(), ": is a FIFO; a secret must be a regular file"));
}

TEST_F(SecretFileTest, DirectoryIsRefused) {
    EXPECT_EQ(refusal(directory_), "directory.bind-password-file " + directory_ +
                                       ": is a directory; a secret must be a regular file");
}

TEST_F(SecretFileTest, SymbolicLinkIsNotFollowed) {
    const std::string target = write("real", "S3cret\n", 0600);
    const std::string link = directory_ + "/link";
    std::filesystem::create_symlink(target, link);
    EXPECT_TRUE(contains(refusal(link), link + ": is a symbolic link")) << refusal(link);
}

TEST_F(SecretFileTest, OversizedFileIsRefused) {
    const std::string big = write("big", std::string(kMaxSecretFileBytes + 1, 'x'), 0600);
    EXPECT_EQ(refusal(big), "directory.bind-password-file " + big +
                                ": is larger than 4096 bytes; is this the right file?");
    const std::string largest = write("largest", std::string(kMaxSecretFileBytes, 'x'), 0600);
    EXPECT_EQ(read_secret_file(largest, "x").size(), kMaxSecretFileBytes);
}

TEST_F(SecretFileTest, EmptyFileIsRefused) {
    const std::string empty = write("empty", "", 0600);
    EXPECT_EQ(refusal(empty), "directory.bind-password-file " + empty + ": is empty");
    EXPECT_TRUE(contains(refusal(write("newline", "\n", 0600)), ": is empty"));
}

TEST_F(SecretFileTest, MissingFileIsNamed) {
    const std::string missing = directory_ + "/missing";
    EXPECT_EQ(refusal(missing), "directory.bind-password-file " + missing +
                                    ": cannot open: No such file or directory");
}

}  // namespace
}  // namespace mailpolicy
