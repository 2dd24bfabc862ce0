// The ldif: source as a daemon uses it: the file is loaded at start, a rewritten file
// reaches readers within ~1.5 s, and a broken file keeps the last good data while
// status() names the file, the line and the problem.
#include "ldap/ldif_source.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

namespace mailpolicy {
namespace {

using namespace std::chrono_literals;

class LdifSourceTest : public ::testing::Test {
  protected:
    LdifSourceTest() {
        char pattern[] = "/tmp/mailpolicy-ldif.XXXXXX";
        directory = ::mkdtemp(pattern);
        path = directory + "/directory.ldif";
        config.source = "ldif:" + path;
    }
    ~LdifSourceTest() override { std::filesystem::remove_all(directory); }

    // Replaces the file the way admins and tools do: write elsewhere, rename over.
    void write(const std::string& text) const {
        std::ofstream(path + ".new", std::ios::trunc) << text;
        std::filesystem::rename(path + ".new", path);
    }

    template <typename Condition>
    bool eventually(Condition condition, std::chrono::milliseconds limit = 1500ms) {
        auto deadline = std::chrono::steady_clock::now() + limit;
        while (std::chrono::steady_clock::now() < deadline) {
            if (condition()) return true;
            std::this_thread::sleep_for(20ms);
        }
        return condition();
    }

    std::string directory;
    std::string path;
    DirectoryConfig config;
    SnapshotHolder holder;
};

std::string account(const std::string& uid, const std::string& mode = "allowAll") {
    return "dn: uid=" + uid + ",dc=test\nobjectClass: inetOrgPerson\nuid: " + uid +
           "\nmail: " + uid + "@example.com\nmailPolicySendMode: " + mode + "\n\n";
}

TEST_F(LdifSourceTest, LoadsAtStartAndFollowsRewrites) {
    write(account("alice", "denyAll"));
    auto source = make_directory_source(config, holder);
    source->start();
    ASSERT_TRUE(eventually([&] { return holder.current() != nullptr; }));
    EXPECT_EQ(source->status().state, "ldif");
    EXPECT_EQ(holder.current()->account_by_address("alice@example.com")->settings().send.mode,
              Mode::DenyAll);

    write(account("alice", "localOnly") + account("bob"));
    EXPECT_TRUE(eventually([&] { return holder.current()->account_count() == 2; }));
    EXPECT_EQ(holder.current()->account_by_address("alice@example.com")->settings().send.mode,
              Mode::LocalOnly);

    // Edited in place (same inode), too.
    std::ofstream(path, std::ios::app) << account("carol");
    EXPECT_TRUE(eventually([&] { return holder.current()->account_count() == 3; }));
    source->stop();
}

TEST_F(LdifSourceTest, BrokenFileKeepsTheLastGoodSnapshot) {
    write(account("alice"));
    auto source = make_directory_source(config, holder);
    source->start();
    ASSERT_TRUE(eventually([&] { return holder.current() != nullptr; }));
    auto good = holder.current();

    write(account("alice") + "dn: uid=bob,dc=test\nmail bob@example.com\n");
    EXPECT_TRUE(eventually([&] { return !source->status().detail.empty(); }));
    EXPECT_EQ(source->status().detail, path + ":8: expected \"attribute: value\"");
    EXPECT_EQ(holder.current(), good);
    EXPECT_NE(holder.current()->account_by_address("alice@example.com"), nullptr);

    write(account("bob"));
    EXPECT_TRUE(eventually([&] { return holder.current() != good; }));
    EXPECT_EQ(source->status().state, "ldif");
    EXPECT_EQ(source->status().detail, "");
    EXPECT_NE(holder.current()->account_by_address("bob@example.com"), nullptr);
}

TEST_F(LdifSourceTest, MissingFileFailsUntilItAppears) {
    auto source = make_directory_source(config, holder);
    source->start();
    EXPECT_TRUE(eventually([&] { return source->status().state == "failed"; }));
    EXPECT_EQ(holder.current(), nullptr);
    EXPECT_EQ(source->status().detail, path + ":0: cannot open file");
    write(account("alice"));
    EXPECT_TRUE(eventually([&] { return holder.current() != nullptr; }));
    EXPECT_EQ(source->status().state, "ldif");
}

TEST_F(LdifSourceTest, AReReadKeepsTheAccountsThatDidNotChange) {
    write(account("alice") + account("bob") + account("carol"));
    auto source = make_directory_source(config, holder);
    source->start();
    ASSERT_TRUE(eventually([&] { return holder.current() != nullptr; }));
    auto before = holder.current();

    write(account("alice") + account("bob", "denyAll"));
    ASSERT_TRUE(eventually([&] { return holder.current() != before; }));
    auto after = holder.current();
    EXPECT_EQ(after->account_by_address("alice@example.com"),
              before->account_by_address("alice@example.com"));
    EXPECT_EQ(after->account_by_address("bob@example.com")->settings().send.mode, Mode::DenyAll);
    EXPECT_EQ(after->account_by_address("carol@example.com"), nullptr);
    EXPECT_EQ(after->account_count(), 2U);
    source->stop();
}

TEST_F(LdifSourceTest, ABrokenFileChangesNothingEvenWhereItsStartIsGood) {
    write(account("alice") + account("bob"));
    auto source = make_directory_source(config, holder);
    source->start();
    ASSERT_TRUE(eventually([&] { return holder.current() != nullptr; }));
    auto good = holder.current();

    // Valid changes first, the error at the end: none of it may reach the replica.
    write(account("alice", "denyAll") + account("dave") + "dn: uid=bob,dc=test\nmail bob\n");
    ASSERT_TRUE(eventually([&] { return !source->status().detail.empty(); }));
    EXPECT_EQ(holder.current(), good);

    // The same content as the good file again: the accounts are still the very same.
    write(account("alice") + account("bob"));
    ASSERT_TRUE(eventually([&] { return source->status().detail.empty(); }));
    auto reread = holder.current();
    EXPECT_EQ(reread->account_by_address("alice@example.com"),
              good->account_by_address("alice@example.com"));
    EXPECT_EQ(reread->account_by_address("bob@example.com"),
              good->account_by_address("bob@example.com"));
    EXPECT_EQ(reread->account_by_address("dave@example.com"), nullptr);
    source->stop();
}

TEST(DirectorySource, UnknownSchemeIsRefusedByName) {
    SnapshotHolder holder;
    DirectoryConfig config;
    for (const char* bad : {"file:/etc/x.ldif", "ldif:", "/etc/directory.ldif", "http://x"}) {
        config.source = bad;
        try {
            make_directory_source(config, holder);
            ADD_FAILURE() << bad;
        } catch (const std::invalid_argument& error) {
            EXPECT_NE(std::string(error.what()).find(std::string("\"") + bad + "\""),
                      std::string::npos);
            EXPECT_NE(std::string(error.what()).find("ldif:"), std::string::npos);
        }
    }
}

}  // namespace
}  // namespace mailpolicy
