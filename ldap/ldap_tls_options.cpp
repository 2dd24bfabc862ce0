// libldap copies its global options into every new handle, and those come from the
// environment and files of whoever starts the process: LDAPTLS_REQCERT=never or
// TLS_REQCERT never in an ldaprc would switch certificate checking off, TLS_CACERTDIR
// could add trust anchors. So every TLS option that matters is set on the handle here,
// and LDAP_OPT_X_TLS_NEWCTX builds the handle's context from them (without it the
// handle would use the global context, made from the ambient options).
#include "ldap/ldap_tls_options.h"

#include <unistd.h>

#include "ldap/ldap_connection.h"

namespace mailpolicy {
namespace {

// String options an ambient config can set, reset to libldap's default (none).
constexpr int kResetOptions[] = {
    LDAP_OPT_X_TLS_CACERTDIR,    LDAP_OPT_X_TLS_CERTFILE, LDAP_OPT_X_TLS_KEYFILE,
    LDAP_OPT_X_TLS_CIPHER_SUITE, LDAP_OPT_X_TLS_CRLFILE,  LDAP_OPT_X_TLS_DHFILE,
};

void set(LDAP* ld, int option, const void* value, const std::string& what) {
    const int rc = ldap_set_option(ld, option, value);
    if (rc != LDAP_OPT_SUCCESS) {
        throw LdapError(rc, "cannot set up TLS (" + what + "): " + describe_ldap_result(ld, rc));
    }
}

// tls-ca-file, else the system bundle: never a CA the ambient config chose.
std::string trusted_ca_file(const DirectoryConfig& config) {
    if (!config.tls_ca_file.empty()) return config.tls_ca_file;
    std::string bundle = system_ca_bundle();
    if (bundle.empty()) {
        throw LdapError(LDAP_PARAM_ERROR,
                        "cannot set up TLS: tls-ca-file is not set and no system CA bundle "
                        "was found; set directory.tls-ca-file to the CA that signed the "
                        "server's certificate");
    }
    return bundle;
}

}  // namespace

std::string system_ca_bundle() {
    for (const char* path :
         {"/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt",
          "/etc/ssl/ca-bundle.pem", "/etc/ssl/cert.pem"}) {
        if (::access(path, R_OK) == 0) return path;
    }
    return "";
}

void configure_client_tls(LDAP* ld, const DirectoryConfig& config) {
    for (int option : kResetOptions) set(ld, option, nullptr, "resetting an inherited option");
    const int verify = LDAP_OPT_X_TLS_HARD;  // chain and host name, or no connection
    set(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &verify, "certificate checking");
    const int oldest = LDAP_OPT_X_TLS_PROTOCOL_TLS1_2;
    set(ld, LDAP_OPT_X_TLS_PROTOCOL_MIN, &oldest, "minimum protocol TLS 1.2");
    const std::string ca_file = trusted_ca_file(config);
    set(ld, LDAP_OPT_X_TLS_CACERTFILE, ca_file.c_str(), "CA file " + ca_file);
    const int is_server = 0;  // LDAP_OPT_X_TLS_NEWCTX takes "is server": we are a client
    set(ld, LDAP_OPT_X_TLS_NEWCTX, &is_server, "a TLS context with CA file " + ca_file);
}

}  // namespace mailpolicy
