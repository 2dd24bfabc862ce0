// StartTLS as [directory] starttls asks: demand with the right CA loads the directory,
// demand with a CA that did not sign the server's certificate refuses with a message
// naming StartTLS, and try against a server without TLS carries on in the clear.
// Certificates are made fresh for each run with openssl (EC keys: fast).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include "ldap/ldap_source.h"
#include "tests/ldap/ldap_test_helpers.h"

namespace mailpolicy {
namespace {

using namespace mailpolicy::test;

void run(const std::string& command) {
    std::string quiet = command + " >/dev/null 2>&1";
    ASSERT_EQ(std::system(quiet.c_str()), 0) << command;
}

// A CA (ca.pem) and a server certificate for 127.0.0.1 that it signed, in `directory`;
// plus other-ca.pem, a CA that signed nothing.
void make_certificates(const std::string& directory) {
    const std::string key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    const std::string in = "cd " + directory + " && ";
    run(in + "openssl req -x509 " + key + " -keyout ca.key -out ca.pem -days 2 -subj /CN=TestCA");
    run(in + "openssl req -x509 " + key +
        " -keyout other.key -out other-ca.pem -days 2 -subj /CN=OtherCA");
    run(in + "openssl req " + key + " -keyout server.key -out server.csr -subj /CN=127.0.0.1");
    std::ofstream(directory + "/san.ext") << "subjectAltName=IP:127.0.0.1\n";
    run(in +
        "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
        "-out server.pem -days 2 -extfile san.ext");
}

// Restarts slapd with TLS: the certificate lines go first, in the global section.
void enable_tls(TestSlapd& slapd) {
    const std::string& directory = slapd.directory();
    make_certificates(directory);
    slapd.stop();
    std::string path = directory + "/slapd.conf";
    std::ifstream in(path);
    std::string config((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    in.close();
    std::ofstream(path, std::ios::trunc) << "TLSCACertificateFile " << directory << "/ca.pem\n"
                                         << "TLSCertificateFile " << directory << "/server.pem\n"
                                         << "TLSCertificateKeyFile " << directory << "/server.key\n"
                                         << config;
    slapd.start();
}

TEST(LdapTlsTest, StartTlsDemandWithTheRightCaLoads) {
    TestSlapd slapd;
    slapd.add_ldif(sample_directory_ldif());
    enable_tls(slapd);
    DirectoryConfig config = reader_config(slapd);
    config.starttls = DirectoryConfig::StartTls::Demand;
    config.tls_ca_file = slapd.directory() + "/ca.pem";
    SnapshotHolder holder;
    auto source = make_ldap_source(config, holder);
    source->start();
    EXPECT_TRUE(wait_for_snapshot(holder, account_count_is(2))) << describe(holder, *source);
    EXPECT_TRUE(wait_for_state(*source, "syncrepl")) << describe(holder, *source);
}

TEST(LdapTlsTest, StartTlsDemandWithAnotherCaRefuses) {
    TestSlapd slapd;
    slapd.add_ldif(sample_directory_ldif());
    enable_tls(slapd);
    DirectoryConfig config = reader_config(slapd);
    config.starttls = DirectoryConfig::StartTls::Demand;
    config.tls_ca_file = slapd.directory() + "/other-ca.pem";
    SnapshotHolder holder;
    auto source = make_ldap_source(config, holder);
    source->start();
    ASSERT_TRUE(wait_until([&] { return source->status().state != "loading"; }));
    EXPECT_NE(source->status().detail.find("StartTLS with " + config.source + " failed"),
              std::string::npos)
        << source->status().detail;
    EXPECT_EQ(holder.current(), nullptr);
}

TEST(LdapTlsTest, StartTlsTryWithoutServerTlsCarriesOn) {
    TestSlapd slapd;  // no TLS configured
    slapd.add_ldif(sample_directory_ldif());
    DirectoryConfig config = reader_config(slapd);
    config.starttls = DirectoryConfig::StartTls::Try;
    SnapshotHolder holder;
    auto source = make_ldap_source(config, holder);
    source->start();
    EXPECT_TRUE(wait_for_snapshot(holder, account_count_is(2))) << describe(holder, *source);
}

}  // namespace
}  // namespace mailpolicy
