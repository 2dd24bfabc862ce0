// How the live source authenticates and what an admin sees when it cannot: a wrong
// password, an unreadable password file, slapd's 500-entry size limit for a non-root
// bind DN (and the same load working once the limit is lifted), SASL EXTERNAL over
// ldapi://. The user-visible outcome is status().detail and the published snapshot.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <fstream>

#include "ldap/ldap_source.h"
#include "tests/ldap/ldap_test_helpers.h"

namespace mailpolicy {
namespace {

using namespace mailpolicy::test;
using std::chrono::seconds;

std::string many_accounts_ldif(int count) {
    std::string ldif;
    for (int i = 0; i < count; ++i) ldif += account_ldif("user" + std::to_string(i), "localOnly");
    return ldif;
}

TEST(LdapConnectionTest, WrongPasswordIsReportedWithTheBindDnAndLdapResult) {
    TestSlapd slapd;
    slapd.add_ldif(sample_directory_ldif());
    DirectoryConfig config = reader_config(slapd);
    config.bind_password_file = slapd.directory() + "/wrong.pw";
    std::ofstream(config.bind_password_file) << "not-the-password\n";
    SnapshotHolder holder;
    auto source = make_ldap_source(config, holder);
    source->start();
    ASSERT_TRUE(wait_for_state(*source, "failed")) << describe(holder, *source);
    std::string detail = source->status().detail;
    EXPECT_NE(detail.find("bind as cn=reader,dc=example,dc=test"), std::string::npos) << detail;
    EXPECT_NE(detail.find("Invalid credentials (49)"), std::string::npos) << detail;
    EXPECT_EQ(detail.find("not-the-password"), std::string::npos) << detail;
    EXPECT_EQ(holder.current(), nullptr);
}

TEST(LdapConnectionTest, UnreadablePasswordFileIsNamed) {
    TestSlapd slapd;
    DirectoryConfig config = reader_config(slapd);
    config.bind_password_file = slapd.directory() + "/missing.pw";
    SnapshotHolder holder;
    auto source = make_ldap_source(config, holder);
    source->start();
    ASSERT_TRUE(wait_for_state(*source, "failed")) << describe(holder, *source);
    EXPECT_NE(source->status().detail.find("bind-password-file " + config.bind_password_file),
              std::string::npos)
        << source->status().detail;
}

// An empty password would make the simple bind an unauthenticated one, which some
// servers accept as anonymous: refused before anything is sent.
TEST(LdapConnectionTest, EmptyPasswordFileIsRefused) {
    TestSlapd slapd;
    slapd.add_ldif(sample_directory_ldif());
    DirectoryConfig config = reader_config(slapd);
    config.bind_password_file = slapd.directory() + "/empty.pw";
    std::ofstream(config.bind_password_file) << "\n";
    ::chmod(config.bind_password_file.c_str(), 0600);
    SnapshotHolder holder;
    auto source = make_ldap_source(config, holder);
    source->start();
    ASSERT_TRUE(wait_for_state(*source, "failed")) << describe(holder, *source);
    EXPECT_EQ(source->status().detail,
              "directory.bind-password-file " + config.bind_password_file + ": is empty");
    EXPECT_EQ(holder.current(), nullptr);
}

// The password file goes through the one secret reader: one that others can write is
// not used, so nobody but its owner decides which password the daemon sends.
TEST(LdapConnectionTest, PasswordFileOthersCanWriteIsRefused) {
    TestSlapd slapd;
    slapd.add_ldif(sample_directory_ldif());
    DirectoryConfig config = reader_config(slapd);
    config.bind_password_file = slapd.directory() + "/shared.pw";
    std::ofstream(config.bind_password_file) << "reader-secret\n";
    ::chmod(config.bind_password_file.c_str(), 0666);
    SnapshotHolder holder;
    auto source = make_ldap_source(config, holder);
    source->start();
    ASSERT_TRUE(wait_for_state(*source, "failed")) << describe(holder, *source);
    EXPECT_NE(source->status().detail.find("group or others can write it (mode 0666)"),
              std::string::npos)
        << source->status().detail;
    EXPECT_EQ(holder.current(), nullptr);
}

TEST(LdapConnectionTest, PasswordFileWithTrailingNewlineWorks) {
    TestSlapd slapd;
    slapd.add_ldif(sample_directory_ldif());
    DirectoryConfig config = reader_config(slapd);
    config.bind_password_file = slapd.directory() + "/newline.pw";
    std::ofstream(config.bind_password_file) << "reader-secret\n";
    SnapshotHolder holder;
    auto source = make_ldap_source(config, holder);
    source->start();
    EXPECT_TRUE(wait_for_snapshot(holder, account_count_is(2))) << describe(holder, *source);
}

TEST(LdapConnectionTest, MoreThanSizeLimitEntriesFailClearlyWithoutTheLimitsLine) {
    TestSlapdOptions options;
    options.reader_unlimited = false;
    TestSlapd slapd(options);
    slapd.bulk_load(many_accounts_ldif(600));
    SnapshotHolder holder;
    auto source = make_ldap_source(reader_config(slapd), holder);
    source->start();
    ASSERT_TRUE(wait_for_state(*source, "failed")) << describe(holder, *source);
    std::string detail = source->status().detail;
    EXPECT_NE(detail.find("Size limit exceeded (4)"), std::string::npos) << detail;
    EXPECT_NE(detail.find("limits dn.exact=\"cn=reader,dc=example,dc=test\" size=unlimited"),
              std::string::npos)
        << detail;
    // A partial directory is never served.
    EXPECT_EQ(holder.current(), nullptr);
}

TEST(LdapConnectionTest, MoreThanSizeLimitEntriesLoadWithTheLimitsLine) {
    TestSlapd slapd;  // reader_unlimited = true
    slapd.bulk_load(many_accounts_ldif(600));
    SnapshotHolder holder;
    auto source = make_ldap_source(reader_config(slapd), holder);
    source->start();
    auto snapshot = wait_for_snapshot(holder, account_count_is(600), seconds(10));
    ASSERT_TRUE(snapshot) << describe(holder, *source);
    EXPECT_NE(snapshot->account_by_address("user599@example.com"), nullptr);
    EXPECT_EQ(source->status().state, "syncrepl");
}

TEST(LdapConnectionTest, LdapiWithoutBindDnUsesSaslExternal) {
    TestSlapd slapd;
    slapd.add_ldif(sample_directory_ldif());
    DirectoryConfig config = reader_config(slapd);
    config.source = slapd.ldapi_url();
    config.bind_dn.clear();
    config.bind_password_file.clear();
    SnapshotHolder holder;
    auto source = make_ldap_source(config, holder);
    source->start();
    EXPECT_TRUE(wait_for_snapshot(holder, account_count_is(2))) << describe(holder, *source);
    EXPECT_TRUE(wait_for_state(*source, "syncrepl")) << describe(holder, *source);
}

TEST(LdapConnectionTest, AnonymousBindWhenNoBindDn) {
    TestSlapd slapd;
    slapd.add_ldif(sample_directory_ldif());
    DirectoryConfig config = reader_config(slapd);
    config.bind_dn.clear();
    config.bind_password_file.clear();
    SnapshotHolder holder;
    auto source = make_ldap_source(config, holder);
    source->start();
    EXPECT_TRUE(wait_for_snapshot(holder, account_count_is(2))) << describe(holder, *source);
}

TEST(LdapConnectionTest, UnreachableServerIsReportedAsDisconnected) {
    std::string url;
    {
        TestSlapd slapd;
        url = slapd.url();
    }  // gone: nothing listens on its port any more
    DirectoryConfig config;
    config.source = url;
    config.base_dn = TestSlapd::base_dn();
    config.cache_file.clear();
    SnapshotHolder holder;
    auto source = make_ldap_source(config, holder);
    source->start();
    ASSERT_TRUE(wait_for_state(*source, "disconnected")) << describe(holder, *source);
    EXPECT_NE(source->status().detail.find("cannot connect to " + url), std::string::npos)
        << source->status().detail;
}

}  // namespace
}  // namespace mailpolicy
