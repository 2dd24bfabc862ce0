// TLS to the directory, as [directory] asks: StartTLS demand/try, and ldaps:// sources.
// The right CA loads the directory and follows changes; a CA that did not sign the
// server's certificate, a certificate for another name and a self-signed one are refused
// with a message naming TLS and the certificate, and the source keeps retrying (serving
// nothing, or the cache file). Every test runs with LDAPTLS_REQCERT=never in the
// environment, as an admin's shell may have it: the daemon must verify all the same.
// Certificates are made fresh for each run by TestSlapd (openssl, EC keys: fast).
#include <gtest/gtest.h>
#include <ldap.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "ldap/ldap_source.h"
#include "tests/ldap/ldap_test_helpers.h"

namespace mailpolicy {
namespace {

using namespace mailpolicy::test;
using std::chrono::seconds;

// Set before main(), so before libldap reads its environment (once, on first use).
const bool hostile_environment = ::setenv("LDAPTLS_REQCERT", "never", 1) == 0;

TestSlapdOptions with_tls(
    TestSlapdOptions::Certificate certificate = TestSlapdOptions::Certificate::ForTheHost) {
    TestSlapdOptions options;
    options.tls = true;
    options.certificate = certificate;
    return options;
}

// libldap's global default really is "never" here, or these tests would prove nothing.
void expect_ambient_reqcert_never() {
    ASSERT_TRUE(hostile_environment);
    int ambient = -1;
    ASSERT_EQ(ldap_get_option(nullptr, LDAP_OPT_X_TLS_REQUIRE_CERT, &ambient), LDAP_OPT_SUCCESS);
    ASSERT_EQ(ambient, LDAP_OPT_X_TLS_NEVER);
}

bool mentions(const std::string& text, const std::string& word) {
    return text.find(word) != std::string::npos;
}

class LdapTlsTest : public SampleDirectoryTest {
  protected:
    explicit LdapTlsTest(
        TestSlapdOptions::Certificate certificate = TestSlapdOptions::Certificate::ForTheHost)
        : SampleDirectoryTest(with_tls(certificate)) {}
    void SetUp() override {
        SampleDirectoryTest::SetUp();
        expect_ambient_reqcert_never();
    }

    // Starts the source and expects it refused: a message about the certificate, nothing
    // published.
    void expect_refused() {
        auto source = start_source();
        ASSERT_TRUE(wait_until([&] { return source->status().state != "loading"; }));
        std::string detail = source->status().detail;
        EXPECT_TRUE(mentions(detail, "certificate")) << detail;
        EXPECT_EQ(holder_.current(), nullptr) << describe(holder_, *source);
    }
};

class LdapTlsWrongNameTest : public LdapTlsTest {
  protected:
    LdapTlsWrongNameTest() : LdapTlsTest(TestSlapdOptions::Certificate::WrongName) {}
};

class LdapTlsSelfSignedTest : public LdapTlsTest {
  protected:
    LdapTlsSelfSignedTest() : LdapTlsTest(TestSlapdOptions::Certificate::SelfSigned) {}
};

TEST_F(LdapTlsWrongNameTest, LdapsRefusesACertificateForAnotherName) {
    config_.source = slapd_.ldaps_url();
    config_.tls_ca_file = slapd_.ca_file();
    expect_refused();
}

TEST_F(LdapTlsWrongNameTest, StartTlsDemandRefusesACertificateForAnotherName) {
    config_.starttls = DirectoryConfig::StartTls::Demand;
    config_.tls_ca_file = slapd_.ca_file();
    expect_refused();
}

// A failed handshake is no reason to carry on without TLS: it may be an attacker's
// certificate.
TEST_F(LdapTlsWrongNameTest, StartTlsTryRefusesACertificateForAnotherName) {
    config_.starttls = DirectoryConfig::StartTls::Try;
    config_.tls_ca_file = slapd_.ca_file();
    expect_refused();
}

TEST_F(LdapTlsSelfSignedTest, LdapsRefusesASelfSignedCertificate) {
    config_.source = slapd_.ldaps_url();
    config_.tls_ca_file = slapd_.ca_file();
    expect_refused();
}

TEST_F(LdapTlsSelfSignedTest, LdapsWithTheSystemCaBundleRefusesASelfSignedCertificate) {
    config_.source = slapd_.ldaps_url();
    config_.tls_ca_file.clear();
    expect_refused();
}

TEST_F(LdapTlsSelfSignedTest, StartTlsDemandRefusesASelfSignedCertificate) {
    config_.starttls = DirectoryConfig::StartTls::Demand;
    config_.tls_ca_file = slapd_.ca_file();
    expect_refused();
}

TEST_F(LdapTlsTest, StartTlsDemandWithTheRightCaLoads) {
    config_.starttls = DirectoryConfig::StartTls::Demand;
    config_.tls_ca_file = slapd_.ca_file();
    auto source = start_source();
    EXPECT_TRUE(wait_for_snapshot(holder_, account_count_is(2))) << describe(holder_, *source);
    EXPECT_TRUE(wait_for_state(*source, "syncrepl")) << describe(holder_, *source);
}

TEST_F(LdapTlsTest, StartTlsDemandWithAnotherCaRefuses) {
    config_.starttls = DirectoryConfig::StartTls::Demand;
    config_.tls_ca_file = slapd_.other_ca_file();
    auto source = start_source();
    ASSERT_TRUE(wait_until([&] { return source->status().state != "loading"; }));
    std::string detail = source->status().detail;
    EXPECT_TRUE(mentions(detail, "StartTLS with " + config_.source + " failed")) << detail;
    EXPECT_TRUE(mentions(detail, "certificate")) << detail;
    EXPECT_EQ(holder_.current(), nullptr);
}

TEST(LdapTlsPlainServerTest, StartTlsTryWithoutServerTlsCarriesOn) {
    TestSlapd slapd;  // no TLS configured
    slapd.add_ldif(sample_directory_ldif());
    DirectoryConfig config = reader_config(slapd);
    config.starttls = DirectoryConfig::StartTls::Try;
    SnapshotHolder holder;
    auto source = make_ldap_source(config, holder);
    source->start();
    EXPECT_TRUE(wait_for_snapshot(holder, account_count_is(2))) << describe(holder, *source);
}

TEST_F(LdapTlsTest, LdapsWithTheRightCaLoadsAndFollowsChanges) {
    config_.source = slapd_.ldaps_url();
    config_.tls_ca_file = slapd_.ca_file();
    auto source = start_source();
    EXPECT_TRUE(wait_for_snapshot(holder_, account_count_is(2))) << describe(holder_, *source);
    ASSERT_TRUE(wait_for_state(*source, "syncrepl")) << describe(holder_, *source);

    slapd_.modify_ldif(set_send_mode_ldif("bob", "denyAll"));
    EXPECT_TRUE(wait_for_snapshot(holder_, send_mode_is("bob@example.com", Mode::DenyAll)))
        << describe(holder_, *source);
}

// The CA file is read again for every connection attempt: once it holds the right CA,
// the next retry loads the directory.
TEST_F(LdapTlsTest, LdapsWithAnotherCaNamesTheCertificateAndKeepsRetrying) {
    std::string ca_file = slapd_.directory() + "/trusted.pem";
    std::filesystem::copy_file(slapd_.other_ca_file(), ca_file);
    config_.source = slapd_.ldaps_url();
    config_.tls_ca_file = ca_file;
    auto source = start_source();
    ASSERT_TRUE(wait_until([&] { return source->status().state != "loading"; }));
    std::string detail = source->status().detail;
    EXPECT_TRUE(mentions(detail, "TLS")) << detail;
    EXPECT_TRUE(mentions(detail, "certificate")) << detail;
    EXPECT_TRUE(mentions(detail, ca_file)) << detail;
    EXPECT_EQ(holder_.current(), nullptr);

    std::filesystem::copy_file(slapd_.ca_file(), ca_file,
                               std::filesystem::copy_options::overwrite_existing);
    EXPECT_TRUE(wait_for_snapshot(holder_, account_count_is(2), seconds(8)))
        << describe(holder_, *source);
}

TEST_F(LdapTlsTest, LdapsWithAnotherCaServesTheCacheFile) {
    config_.source = slapd_.ldaps_url();
    config_.tls_ca_file = slapd_.ca_file();
    config_.cache_file = slapd_.directory() + "/directory.cache";
    {
        SnapshotHolder first;
        auto source = make_ldap_source(config_, first);
        source->start();
        ASSERT_TRUE(wait_for_snapshot(first, account_count_is(2))) << describe(first, *source);
        source->stop();  // a clean stop saves the cache
    }
    ASSERT_TRUE(std::filesystem::exists(config_.cache_file));

    config_.tls_ca_file = slapd_.other_ca_file();
    auto source = start_source();
    auto cached = wait_for_snapshot(holder_, account_count_is(2));
    ASSERT_TRUE(cached) << describe(holder_, *source);
    EXPECT_NE(cached->account_by_address("alice@example.com"), nullptr);
    EXPECT_EQ(source->status().state, "cache");
    EXPECT_TRUE(mentions(source->status().detail, "certificate")) << source->status().detail;
}

}  // namespace
}  // namespace mailpolicy
