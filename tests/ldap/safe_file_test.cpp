// Safe state files: a symlink planted at the temporary path or at an appended file never
// gets the daemon's write (the file it points to stays as it was), a file left by a crash
// is replaced, and a state directory others could plant names in is refused by name.
#include "ldap/safe_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace mailpolicy {
namespace {

namespace fs = std::filesystem;

std::string read_all(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

class SafeFileTest : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "safe-file-XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        directory_ = pattern;
        fs::create_directory(directory_ / "state");
        fs::permissions(directory_ / "state", fs::perms::owner_all);
        // The file an attacker wants overwritten lives outside the state directory.
        std::ofstream(directory_ / "outside") << "precious\n";
    }
    void TearDown() override { fs::remove_all(directory_); }

    std::string state(const std::string& name) const {
        return (directory_ / "state" / name).string();
    }
    std::string outside() const { return (directory_ / "outside").string(); }

    fs::path directory_;
};

TEST_F(SafeFileTest, ASymlinkAtTheTemporaryPathIsReplacedNotFollowed) {
    fs::create_symlink(outside(), state("file.tmp"));
    replace_file(state("file"), "new content\n");
    EXPECT_EQ(read_all(outside()), "precious\n");
    EXPECT_EQ(read_all(state("file")), "new content\n");
    EXPECT_FALSE(fs::is_symlink(state("file")));
    EXPECT_FALSE(fs::exists(fs::symlink_status(state("file.tmp"))));
}

TEST_F(SafeFileTest, ASymlinkAtTheFinalPathIsReplacedNotFollowed) {
    fs::create_symlink(outside(), state("file"));
    replace_file(state("file"), "new content\n");
    EXPECT_EQ(read_all(outside()), "precious\n");
    EXPECT_FALSE(fs::is_symlink(state("file")));
    EXPECT_EQ(read_all(state("file")), "new content\n");
}

TEST_F(SafeFileTest, AFileLeftByACrashIsReplacedWithTheRequestedMode) {
    std::ofstream(state("file.tmp")) << "half written";
    ::umask(022);
    replace_file(state("file"), "whole\n", 0600);
    EXPECT_EQ(read_all(state("file")), "whole\n");
    struct stat status {};
    ASSERT_EQ(::stat(state("file").c_str(), &status), 0);
    EXPECT_EQ(status.st_mode & 0777, 0600U);
}

TEST_F(SafeFileTest, AReplacementDroppedWithoutCommitLeavesTheOldFile) {
    replace_file(state("file"), "old\n");
    {
        FileReplacement replacement(state("file"));
        replacement.write("never committed");
    }
    EXPECT_EQ(read_all(state("file")), "old\n");
    EXPECT_FALSE(fs::exists(state("file.tmp")));
}

TEST_F(SafeFileTest, AppendingRefusesASymlinkAndAHardLink) {
    fs::create_symlink(outside(), state("spool"));
    try {
        ::close(open_for_append(state("spool")));
        ADD_FAILURE() << "appended through a symlink";
    } catch (const std::runtime_error& error) {
        EXPECT_NE(std::string(error.what()).find(state("spool") + ": it is a symlink"),
                  std::string::npos)
            << error.what();
    }
    fs::remove(state("spool"));
    fs::create_hard_link(outside(), state("spool"));
    EXPECT_THROW(::close(open_for_append(state("spool"))), std::runtime_error);
    EXPECT_EQ(read_all(outside()), "precious\n");

    fs::remove(state("spool"));
    const int fd = open_for_append(state("spool"));
    EXPECT_GE(fd, 0);
    ::close(fd);
}

TEST_F(SafeFileTest, AStateDirectoryWritableByOthersIsRefusedByName) {
    EXPECT_NO_THROW(check_state_directory(state("")));
    fs::permissions(directory_ / "state", fs::perms::all);
    try {
        check_state_directory((directory_ / "state").string());
        ADD_FAILURE() << "accepted a world-writable state directory";
    } catch (const std::runtime_error& error) {
        EXPECT_EQ(std::string(error.what()),
                  "state directory " + (directory_ / "state").string() +
                      ": is writable by group or others (mode 0777; chmod go-w " +
                      (directory_ / "state").string() + ")");
    }
    fs::permissions(directory_ / "state", fs::perms::owner_all | fs::perms::group_write);
    EXPECT_THROW(check_state_directory((directory_ / "state").string()), std::runtime_error);
}

TEST_F(SafeFileTest, AStateDirectoryOfAnotherUserIsRefused) {
    if (::geteuid() != 0) GTEST_FAIL() << "needs root to give the directory away";
    ASSERT_EQ(::chown((directory_ / "state").c_str(), 65534, 65534), 0);
    try {
        check_state_directory((directory_ / "state").string());
        ADD_FAILURE() << "accepted a directory another user owns";
    } catch (const std::runtime_error& error) {
        EXPECT_NE(std::string(error.what()).find("is owned by nobody (uid 65534), not by root"),
                  std::string::npos)
            << error.what();
    }
}

}  // namespace
}  // namespace mailpolicy
