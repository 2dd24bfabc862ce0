// A throwaway OpenLDAP slapd for tests: its own mktemp directory, a free loopback port,
// back_mdb with the syncprov overlay, our schema loaded. Entries are changed through
// the real ldapadd/ldapmodify/ldapdelete tools (password in a file, never argv).
// Not for production; every call has a timeout so a broken slapd fails a test, not hangs it.
#pragma once

#include <sys/types.h>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace mailpolicy::test {

struct TestSlapdOptions {
    // An extra DN (an entry with userPassword, created at start) for tests that bind
    // as the daemon would; empty: none.
    std::string reader_dn = "cn=reader,dc=example,dc=test";
    std::string reader_password = "reader-secret";
    // Adds `limits dn.exact="<reader>" size=unlimited time=unlimited`.
    bool reader_unlimited = true;
    // The global `sizelimit` (slapd's default is 500; the rootdn is never limited).
    int size_limit = 500;
    // Extra lines for the database section, e.g. "index mailPolicyDomainName eq".
    std::vector<std::string> extra_database_config;
    // Creates dc=example,dc=test and ou=people,dc=example,dc=test at start.
    bool create_base = true;
    // Runs from a cn=config directory (slaptest -F) instead of slapd.conf, without our
    // schema: tests load schema/mailpolicy.ldif themselves through config_add().
    // The config database is managed by this uid over ldapi:// (SASL EXTERNAL).
    bool cn_config = false;
    // TLS: a fresh CA and a certificate for the host that it signed (openssl, EC keys),
    // configured for StartTLS, plus a second listener on ldaps_url(). ca_file() is the CA
    // to trust; other_ca_file() a CA that signed nothing.
    bool tls = false;
    // The certificate the server shows with `tls`: signed by ca_file() for the host,
    // signed by ca_file() for another name, or self-signed for the host (for the tests
    // that a client refuses them).
    enum class Certificate {
        ForTheHost,
        WrongName,
        SelfSigned
    } certificate = Certificate::ForTheHost;
    // The address of the ldap:// and ldaps:// listeners (a non-loopback address of this
    // machine for tests of what is sent to a remote server).
    std::string host = "127.0.0.1";
    // slapd's -d level: "0" for nothing, "stats" for a line per connection and operation
    // in log() (BIND dn=… mech=SIMPLE ssf=0 shows a cleartext bind).
    std::string debug_level = "0";
};

// Outcome of one LDAP tool run, for tests that expect the server to refuse something.
struct ToolResult {
    int exit_status = -1;  // the tool's exit status; -1 if it was killed or timed out
    std::string output;
    std::string errors;
    bool ok() const { return exit_status == 0; }
};

class TestSlapd {
  public:
    explicit TestSlapd(TestSlapdOptions options = {});
    ~TestSlapd();
    TestSlapd(const TestSlapd&) = delete;
    TestSlapd& operator=(const TestSlapd&) = delete;

    // "ldap://<host>:<port>/" and the ldapi:// URL of its unix socket.
    std::string url() const;
    std::string ldapi_url() const;
    // "ldaps://<host>:<port>/" (only with the tls option).
    std::string ldaps_url() const;
    int port() const { return port_; }
    const std::string& directory() const { return directory_; }
    static std::string base_dn() { return "dc=example,dc=test"; }
    static std::string admin_dn() { return "cn=admin,dc=example,dc=test"; }
    static std::string admin_password() { return "secret"; }
    // Files holding the passwords (no newline), for bind-password-file settings.
    std::string admin_password_file() const;
    std::string reader_password_file() const;
    // PEM files of the tls option.
    std::string ca_file() const;
    std::string other_ca_file() const;
    // What slapd wrote to stderr so far (with debug_level "stats": its operations).
    std::string log() const;

    // As the rootdn. These throw std::runtime_error with the tool's stderr on failure.
    void add_ldif(std::string_view ldif);
    void modify_ldif(std::string_view ldif);
    void delete_dn(std::string_view dn);
    // Non-throwing forms.
    ToolResult try_add_ldif(std::string_view ldif);
    ToolResult try_modify_ldif(std::string_view ldif);
    // ldapsearch as the rootdn; LDIF text of the result (-LLL).
    // ldapadd / ldapmodify to cn=config as root over ldapi (only with cn_config).
    ToolResult config_add(std::string_view ldif);
    ToolResult config_modify(std::string_view ldif);
    std::string search(std::string_view base, std::string_view filter,
                       const std::vector<std::string>& attributes = {});
    // ldapsearch bound as someone (size limits apply except for the rootdn).
    enum class Identity { Admin, Reader, Anonymous };
    ToolResult try_search(Identity who, std::string_view base, std::string_view filter,
                          const std::vector<std::string>& attributes = {});

    // SIGTERM and wait for exit; the data stays. start() runs it again on the same
    // port with the same data.
    void stop();
    void start();
    bool running() const { return pid_ > 0; }
    // Loads entries offline with slapadd (stops and restarts the server if running).
    void bulk_load(std::string_view ldif);
    void bulk_load_file(const std::string& ldif_path);

  private:
    void make_certificates();
    void write_config();
    void convert_config();
    std::vector<std::string> config_arguments() const;
    void load_base_entries();
    void wait_until_answering();
    ToolResult run_ldap_tool(const std::vector<std::string>& arguments, std::string_view input,
                             std::chrono::seconds timeout = std::chrono::seconds(120));

    TestSlapdOptions options_;
    std::string directory_;
    int port_ = 0;
    int ldaps_port_ = 0;
    pid_t pid_ = -1;
};

}  // namespace mailpolicy::test
