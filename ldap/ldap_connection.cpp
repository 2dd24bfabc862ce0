// Opening and authenticating an LDAP connection. ldap_connect() runs first so that an
// unreachable server and a refused bind give different, specific messages; a failed
// ldaps:// connect to a port that does answer is reported as a TLS/certificate problem
// (libldap with GnuTLS says only "Can't contact LDAP server"). Timeouts keep a silent
// network from hanging the source thread; keepalive notices a dead peer.
#include "ldap/ldap_connection.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <Poco/Logger.h>

#include "ldap/ldap_tls_options.h"
#include "ldap/secret_file.h"

namespace mailpolicy {
namespace {

constexpr int network_timeout_seconds = 5;
constexpr int operation_timeout_seconds = 15;

Poco::Logger& logger() {
    return Poco::Logger::get("mailpolicyd.ldap");
}

bool is_ldapi(const std::string& url) {
    return url.rfind("ldapi://", 0) == 0;
}

bool is_ldaps(const std::string& url) {
    return url.rfind("ldaps://", 0) == 0;
}

// True when a plain TCP connection to the URL's host and port succeeds within the
// timeout: a failed ldaps:// connect then failed in TLS, not in reaching the server.
bool tcp_reachable(const std::string& url, int timeout_ms) {
    LDAPURLDesc* parsed = nullptr;
    if (ldap_url_parse(url.c_str(), &parsed) != LDAP_URL_SUCCESS) return false;
    std::string host = parsed->lud_host && *parsed->lud_host ? parsed->lud_host : "localhost";
    std::string port = std::to_string(parsed->lud_port ? parsed->lud_port : LDAPS_PORT);
    ldap_free_urldesc(parsed);
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* addresses = nullptr;
    if (::getaddrinfo(host.c_str(), port.c_str(), &hints, &addresses) != 0) return false;
    bool reached = false;
    for (addrinfo* a = addresses; a != nullptr && !reached; a = a->ai_next) {
        int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) continue;
        if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
            reached = true;
        } else if (errno == EINPROGRESS) {
            pollfd connecting{fd, POLLOUT, 0};
            int error = 0;
            socklen_t length = sizeof error;
            reached = ::poll(&connecting, 1, timeout_ms) == 1 &&
                      ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error == 0;
        }
        ::close(fd);
    }
    ::freeaddrinfo(addresses);
    return reached;
}

// What an admin should check when the TLS handshake fails.
std::string tls_failure_hint(const DirectoryConfig& config) {
    std::string trusted = config.tls_ca_file.empty()
                              ? "the system's CA bundle " + system_ca_bundle()
                              : "tls-ca-file " + config.tls_ca_file;
    return "the TLS handshake failed: the server's certificate was not accepted (it must be "
           "signed by a CA in " +
           trusted + " and name the host of the URL)";
}

// bind-password-file through the one secret reader (secret_file.h), as an LdapError.
std::string read_bind_password(const DirectoryConfig& config) {
    if (config.bind_password_file.empty())
        throw LdapError(LDAP_PARAM_ERROR, "bind-dn is set but bind-password-file is not");
    try {
        return read_secret_file(config.bind_password_file, "directory.bind-password-file");
    } catch (const std::runtime_error& error) {
        throw LdapError(LDAP_PARAM_ERROR, error.what());
    }
}

// Overwrites a secret before its memory is released.
void wipe(std::string& secret) {
    volatile char* bytes = secret.data();
    for (std::size_t i = 0; i < secret.size(); ++i) bytes[i] = 0;
    secret.clear();
}

}  // namespace

bool LdapError::is_connection_problem() const {
    switch (code_) {
        case LDAP_SERVER_DOWN:
        case LDAP_CONNECT_ERROR:
        case LDAP_TIMEOUT:
        case LDAP_BUSY:
        case LDAP_UNAVAILABLE:
            return true;
        default:
            return false;
    }
}

std::string describe_ldap_result(LDAP* ld, int code) {
    std::string text = std::string(ldap_err2string(code)) + " (" + std::to_string(code) + ")";
    char* diagnostic = nullptr;
    if (ld != nullptr && ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diagnostic) == 0 &&
        diagnostic != nullptr) {
        if (*diagnostic != '\0') text += ": " + std::string(diagnostic);
        ldap_memfree(diagnostic);
    }
    return text;
}

CleartextBind cleartext_bind_rule(DirectoryConfig::StartTls starttls, bool local_peer) {
    if (local_peer) return CleartextBind::Allowed;
    if (starttls == DirectoryConfig::StartTls::No) return CleartextBind::AllowedWithWarning;
    return CleartextBind::Refused;
}

bool is_loopback_address(const std::string& numeric_address) {
    in_addr v4{};
    if (::inet_pton(AF_INET, numeric_address.c_str(), &v4) == 1)
        return (ntohl(v4.s_addr) >> 24) == 127;
    in6_addr v6{};
    if (::inet_pton(AF_INET6, numeric_address.c_str(), &v6) != 1) return false;
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
}

LdapConnection::LdapConnection(const DirectoryConfig& config) : url_(config.source) {
    int rc = ldap_initialize(&ld_, url_.c_str());
    if (rc != LDAP_SUCCESS || ld_ == nullptr) {
        throw LdapError(rc, "invalid LDAP URL " + url_ + ": " + describe_ldap_result(nullptr, rc));
    }
    try {
        set_options(config);
        rc = ldap_connect(ld_);
        if (rc != LDAP_SUCCESS) {
            std::string reason = describe_ldap_result(ld_, rc);
            if (is_ldaps(url_) && tcp_reachable(url_, network_timeout_seconds * 1000)) {
                reason = tls_failure_hint(config) + ", or the port does not speak TLS; " + reason;
            }
            throw LdapError(rc, "cannot connect to " + url_ + ": " + reason);
        }
        start_tls(config);
        bind(config);
    } catch (...) {
        ldap_unbind_ext(ld_, nullptr, nullptr);
        ld_ = nullptr;
        throw;
    }
}

LdapConnection::~LdapConnection() {
    if (ld_ != nullptr) ldap_unbind_ext(ld_, nullptr, nullptr);
}

LDAP* LdapConnection::release() {
    LDAP* ld = ld_;
    ld_ = nullptr;
    return ld;
}

int LdapConnection::descriptor() const {
    int fd = -1;
    if (ld_ == nullptr || ldap_get_option(ld_, LDAP_OPT_DESC, &fd) != LDAP_OPT_SUCCESS) return -1;
    return fd;
}

void LdapConnection::set_options(const DirectoryConfig& config) {
    int version = LDAP_VERSION3;
    ldap_set_option(ld_, LDAP_OPT_PROTOCOL_VERSION, &version);
    ldap_set_option(ld_, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
    timeval network_timeout{network_timeout_seconds, 0};
    ldap_set_option(ld_, LDAP_OPT_NETWORK_TIMEOUT, &network_timeout);
    timeval operation_timeout{operation_timeout_seconds, 0};
    ldap_set_option(ld_, LDAP_OPT_TIMEOUT, &operation_timeout);
    int idle = 60, probes = 3, interval = 10;
    ldap_set_option(ld_, LDAP_OPT_X_KEEPALIVE_IDLE, &idle);
    ldap_set_option(ld_, LDAP_OPT_X_KEEPALIVE_PROBES, &probes);
    ldap_set_option(ld_, LDAP_OPT_X_KEEPALIVE_INTERVAL, &interval);

    if (config.starttls != DirectoryConfig::StartTls::No || is_ldaps(config.source)) {
        configure_client_tls(ld_, config);
    }
}

void LdapConnection::start_tls(const DirectoryConfig& config) {
    if (config.starttls == DirectoryConfig::StartTls::No) return;
    int rc = ldap_start_tls_s(ld_, nullptr, nullptr);
    if (rc == LDAP_SUCCESS) return;
    std::string message = "StartTLS with " + url_ + " failed: " + describe_ldap_result(ld_, rc);
    // The server agreed to StartTLS (or it would have answered with an LDAP result code):
    // the handshake itself failed.
    if (rc == LDAP_CONNECT_ERROR) message += "; " + tls_failure_hint(config);
    // A failed handshake is not a server without TLS: it may be someone in the path.
    if (config.starttls == DirectoryConfig::StartTls::Demand || rc == LDAP_CONNECT_ERROR)
        throw LdapError(rc, message);
    logger().warning(message + "; continuing without TLS (starttls = try)");
    starttls_failure_ = message;
}

std::string LdapConnection::peer_address() const {
    sockaddr_storage peer{};
    socklen_t length = sizeof peer;
    const int fd = descriptor();
    if (fd < 0 || ::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &length) != 0)
        return "unknown";
    if (peer.ss_family == AF_UNIX) return "";
    char host[NI_MAXHOST] = "";
    if (::getnameinfo(reinterpret_cast<sockaddr*>(&peer), length, host, sizeof host, nullptr, 0,
                      NI_NUMERICHOST) != 0) {
        return "unknown";
    }
    return host;
}

void LdapConnection::guard_cleartext_bind(const DirectoryConfig& config) {
    const std::string peer = peer_address();
    const bool local = peer.empty() || is_loopback_address(peer);
    const std::string where = url_ + (local ? "" : " (" + peer + ")");
    switch (cleartext_bind_rule(config.starttls, local)) {
        case CleartextBind::Allowed:
            return;
        case CleartextBind::AllowedWithWarning:
            logger().warning("sending the bind password of " + config.bind_dn + " to " + where +
                             " WITHOUT TLS, because starttls = no: anyone on the network path "
                             "can read it; use ldaps:// or starttls = demand");
            return;
        case CleartextBind::Refused:
            throw LdapError(
                LDAP_CONFIDENTIALITY_REQUIRED,
                "not binding as " + config.bind_dn + " to " + where +
                    ": the connection has no TLS (" +
                    (starttls_failure_.empty() ? std::string("StartTLS not used")
                                               : starttls_failure_) +
                    ") and the bind password never goes in cleartext to a host that is not "
                    "loopback; enable StartTLS on the server, or use ldaps://");
    }
}

void LdapConnection::bind(const DirectoryConfig& config) {
    int rc = LDAP_SUCCESS;
    std::string who;
    if (!config.bind_dn.empty()) {
        if (!ldap_tls_inplace(ld_)) guard_cleartext_bind(config);
        std::string password = read_bind_password(config);
        berval credentials{static_cast<ber_len_t>(password.size()), password.data()};
        rc = ldap_sasl_bind_s(ld_, config.bind_dn.c_str(), LDAP_SASL_SIMPLE, &credentials, nullptr,
                              nullptr, nullptr);
        wipe(password);
        who = "as " + config.bind_dn;
    } else if (is_ldapi(url_)) {
        // An empty initial response: act as the identity the socket's peer credentials
        // prove, with no second round trip.
        char nothing[] = "";
        berval empty{0, nothing};
        rc = ldap_sasl_bind_s(ld_, nullptr, "EXTERNAL", &empty, nullptr, nullptr, nullptr);
        who = "with SASL EXTERNAL";
    } else {
        berval empty{0, nullptr};
        rc = ldap_sasl_bind_s(ld_, "", LDAP_SASL_SIMPLE, &empty, nullptr, nullptr, nullptr);
        who = "anonymously";
    }
    if (rc != LDAP_SUCCESS) {
        throw LdapError(
            rc, "bind " + who + " to " + url_ + " failed: " + describe_ldap_result(ld_, rc));
    }
}

}  // namespace mailpolicy
