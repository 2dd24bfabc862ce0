// One authenticated LDAP connection as the [directory] section describes it: URL,
// timeouts and keepalive, StartTLS (no/try/demand), then a simple bind, SASL EXTERNAL
// (ldapi:// without bind-dn) or anonymous. The bind password goes without TLS only
// where cleartext_bind_rule allows it. Failures throw LdapError with a message an
// admin can act on; the password is never part of any message.
#pragma once

#include <ldap.h>

#include <stdexcept>
#include <string>

#include "ldap/directory_source.h"

namespace mailpolicy {

// An LDAP failure: the result code and a complete, human-readable message.
class LdapError : public std::runtime_error {
  public:
    LdapError(int code, const std::string& message) : std::runtime_error(message), code_(code) {}
    int code() const { return code_; }
    // True when the server is unreachable or went away (retrying may help by itself);
    // false when it refused us (credentials, limits, configuration).
    bool is_connection_problem() const;

  private:
    int code_;
};

// "Invalid credentials (49)", plus the server's diagnostic message when it sent one.
std::string describe_ldap_result(LDAP* ld, int code);

// Whether a simple bind with a password may go over a connection without TLS.
enum class CleartextBind { Allowed, AllowedWithWarning, Refused };

// The rule: to a loopback address or over a unix socket (`local_peer`) it may; to any
// other host only when the admin wrote starttls = no on purpose (then with a loud
// warning); with starttls = try (StartTLS failed) or demand, never.
CleartextBind cleartext_bind_rule(DirectoryConfig::StartTls starttls, bool local_peer);

// True for a numeric loopback address: 127.0.0.0/8, ::1 and ::ffff:127.x.y.z.
bool is_loopback_address(const std::string& numeric_address);

class LdapConnection {
  public:
    // Connects and binds; throws LdapError.
    explicit LdapConnection(const DirectoryConfig& config);
    ~LdapConnection();
    LdapConnection(const LdapConnection&) = delete;
    LdapConnection& operator=(const LdapConnection&) = delete;

    LDAP* handle() const { return ld_; }
    // Hands the handle to an owner that unbinds it (ldap_sync_destroy does).
    LDAP* release();
    // The socket, for poll() and for shutdown() from another thread; -1 if none.
    int descriptor() const;

  private:
    void set_options(const DirectoryConfig& config);
    void start_tls(const DirectoryConfig& config);
    void bind(const DirectoryConfig& config);
    // Throws unless cleartext_bind_rule lets the password go without TLS.
    void guard_cleartext_bind(const DirectoryConfig& config);
    // The numeric address of the server's end of the socket; "" for a unix socket.
    std::string peer_address() const;

    LDAP* ld_ = nullptr;
    std::string url_;
    std::string starttls_failure_;  // why StartTLS failed under starttls = try
};

}  // namespace mailpolicy
