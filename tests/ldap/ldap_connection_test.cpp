// How the live source authenticates and what an admin sees when it cannot: a wrong
// password, an unreadable password file, slapd's 500-entry size limit for a non-root
// bind DN (and the same load working once the limit is lifted), SASL EXTERNAL over
// ldapi://. The user-visible outcome is status().detail and the published snapshot.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "ldap/ldap_connection.h"
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

// An IPv4 address of this machine that is not loopback ("" when it has none): a slapd
// listening there is, by the address the daemon connects to, a remote server.
std::string non_loopback_address() {
    ifaddrs* interfaces = nullptr;
    if (::getifaddrs(&interfaces) != 0) return "";
    std::string found;
    for (ifaddrs* i = interfaces; i != nullptr && found.empty(); i = i->ifa_next) {
        if (i->ifa_addr == nullptr || i->ifa_addr->sa_family != AF_INET) continue;
        if ((i->ifa_flags & IFF_UP) == 0 || (i->ifa_flags & IFF_LOOPBACK) != 0) continue;
        char text[INET_ADDRSTRLEN] = "";
        auto* address = reinterpret_cast<sockaddr_in*>(i->ifa_addr);
        if (::inet_ntop(AF_INET, &address->sin_addr, text, sizeof text)) found = text;
    }
    ::freeifaddrs(interfaces);
    return found;
}

// A slapd without TLS on a non-loopback address of this machine, logging its operations.
TestSlapdOptions remote_plain_server(const std::string& host) {
    TestSlapdOptions options;
    options.host = host;
    options.debug_level = "stats";
    return options;
}

// The slapd log's lines of the first connection that asked for StartTLS, once slapd
// logged that connection closed; "" if that did not happen within the deadline.
std::string starttls_connection_log(const TestSlapd& slapd) {
    std::string lines;
    wait_until(
        [&] {
            std::istringstream log(slapd.log());
            std::string line, id;
            lines.clear();
            while (std::getline(log, line)) {
                const auto conn = line.find("conn=");
                if (conn == std::string::npos) continue;
                const std::string this_id = line.substr(conn, line.find(' ', conn) - conn + 1);
                if (id.empty() && line.find(" EXT oid=1.3.6.1.4.1.1466.20037") != std::string::npos)
                    id = this_id;
                if (id.empty() || this_id != id) continue;
                lines += line + "\n";
                if (line.ends_with(" closed")) return true;
            }
            return false;
        },
        seconds(10));
    return lines.ends_with(" closed\n") ? lines : "";
}

TEST(CleartextBindRuleTest, LoopbackAddressesAreRecognised) {
    for (const char* loopback : {"127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"})
        EXPECT_TRUE(is_loopback_address(loopback)) << loopback;
    for (const char* remote : {"192.0.2.2", "10.0.0.1", "128.0.0.1", "::ffff:192.0.2.1", "fd00::2",
                               "::", "localhost", "ldap.example.com", ""}) {
        EXPECT_FALSE(is_loopback_address(remote)) << remote;
    }
}

TEST(CleartextBindRuleTest, PasswordGoesWithoutTlsOnlyToLoopbackOrWhenTheAdminSaidNo) {
    using StartTls = DirectoryConfig::StartTls;
    EXPECT_EQ(cleartext_bind_rule(StartTls::Try, true), CleartextBind::Allowed);
    EXPECT_EQ(cleartext_bind_rule(StartTls::No, true), CleartextBind::Allowed);
    EXPECT_EQ(cleartext_bind_rule(StartTls::Try, false), CleartextBind::Refused);
    EXPECT_EQ(cleartext_bind_rule(StartTls::Demand, false), CleartextBind::Refused);
    EXPECT_EQ(cleartext_bind_rule(StartTls::No, false), CleartextBind::AllowedWithWarning);
}

// starttls = try against a remote server that refuses StartTLS (as an attacker in the
// path who strips it would make it look): the server never sees our bind.
TEST(LdapConnectionTest, StartTlsTryNeverSendsThePasswordInCleartextToARemoteHost) {
    const std::string host = non_loopback_address();
    if (host.empty()) GTEST_SKIP() << "this machine has no non-loopback IPv4 address";
    TestSlapd slapd(remote_plain_server(host));
    slapd.add_ldif(sample_directory_ldif());
    DirectoryConfig config = reader_config(slapd);
    config.starttls = DirectoryConfig::StartTls::Try;
    LogCapture log("mailpolicyd.ldap");
    SnapshotHolder holder;
    auto source = make_ldap_source(config, holder);
    source->start();
    ASSERT_TRUE(wait_for_state(*source, "failed")) << describe(holder, *source);
    const std::string detail = source->status().detail;
    EXPECT_NE(detail.find("not binding as cn=reader,dc=example,dc=test to " + slapd.url() + " (" +
                          host + "): the connection has no TLS (StartTLS with"),
              std::string::npos)
        << detail;
    EXPECT_TRUE(log.contains(detail)) << log.text();
    EXPECT_EQ(holder.current(), nullptr);

    const std::string connection = starttls_connection_log(slapd);
    ASSERT_NE(connection, "") << slapd.log();
    EXPECT_NE(connection.find("RESULT tag=120 err=2"), std::string::npos) << connection;
    EXPECT_EQ(connection.find(" BIND "), std::string::npos) << connection;
    EXPECT_EQ(slapd.log().find("BIND dn=\"cn=reader,dc=example,dc=test\""), std::string::npos)
        << slapd.log();
}

// starttls = no, written by the admin: the bind goes to the remote host, with a warning
// that says what it costs.
TEST(LdapConnectionTest, StartTlsNoBindsToARemoteHostWithALoudWarning) {
    const std::string host = non_loopback_address();
    if (host.empty()) GTEST_SKIP() << "this machine has no non-loopback IPv4 address";
    TestSlapd slapd(remote_plain_server(host));
    slapd.add_ldif(sample_directory_ldif());
    DirectoryConfig config = reader_config(slapd);
    config.starttls = DirectoryConfig::StartTls::No;
    LogCapture log("mailpolicyd.ldap");
    SnapshotHolder holder;
    auto source = make_ldap_source(config, holder);
    source->start();
    EXPECT_TRUE(wait_for_snapshot(holder, account_count_is(2))) << describe(holder, *source);
    EXPECT_TRUE(log.contains("sending the bind password of cn=reader,dc=example,dc=test to " +
                             slapd.url() + " (" + host + ") WITHOUT TLS, because starttls = no"))
        << log.text();
}

// On loopback nobody is in the path: starttls = try binds without TLS when the server
// has none, and says so.
TEST(LdapConnectionTest, StartTlsTryBindsOverLoopbackWhenTheServerHasNoTls) {
    TestSlapdOptions options;
    options.debug_level = "stats";
    TestSlapd slapd(options);
    slapd.add_ldif(sample_directory_ldif());
    DirectoryConfig config = reader_config(slapd);
    config.starttls = DirectoryConfig::StartTls::Try;
    LogCapture log("mailpolicyd.ldap");
    SnapshotHolder holder;
    auto source = make_ldap_source(config, holder);
    source->start();
    EXPECT_TRUE(wait_for_snapshot(holder, account_count_is(2))) << describe(holder, *source);
    EXPECT_TRUE(log.contains("continuing without TLS (starttls = try)")) << log.text();
    EXPECT_TRUE(wait_until([&] {
        return slapd.log().find(
                   "BIND dn=\"cn=reader,dc=example,dc=test\" mech=SIMPLE "
                   "bind_ssf=0 ssf=0") != std::string::npos;
    })) << slapd.log();
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
