// The configuration of SPEC §4 (one INI file shared by every program) as typed values.
// Every key is checked when read: an unknown key or a bad value is a ConfigError whose
// message names the key, the value and what is allowed. No option carries a password;
// secrets are only ever read from files (secret_file.h).
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "ldap/directory_source.h"
#include "modes/settings.h"
#include "module/listen_address.h"
#include "module/policy_protocol.h"

namespace mailpolicy {

inline constexpr const char* kDefaultConfigFile = "/etc/mailpolicyd/mailpolicyd.conf";
// Exit status for a bad command line or config file.
inline constexpr int kConfigErrorExitStatus = 2;

struct ListenConfig {
    ListenAddress policy;
    std::optional<ListenAddress> http;  // empty listen.http: no HTTP server
    std::string http_token_file;
    std::size_t max_connections = 1024;
    std::size_t max_connections_per_peer = 256;  // 0: no cap; loopback and unix are exempt
    std::chrono::seconds request_timeout{10};
};

struct AuditConfig {
    std::string store = "sqlite:/var/lib/mailpolicyd/audit.db";  // or postgresql:…, none
    std::chrono::days retention{90};
};

struct NdrConfig {
    std::string reporting_mta;  // empty: the host name
    std::string from;           // empty: MAILER-DAEMON@<reporting-mta>
    enum class Return { Headers, Full } return_content = Return::Headers;
};

struct LogConfig {
    std::string level = "information";  // a Poco level name
    enum class Target { Syslog, Console, File } target = Target::Syslog;
    std::string file;  // for Target::File
};

struct SendmailConfig {
    std::string real_sendmail = "/usr/sbin/sendmail";
    std::string policy_url = "http://127.0.0.1:10046";
    std::string token_file;
    enum class OnUnavailable { Tempfail, Pass } on_unavailable = OnUnavailable::Tempfail;
    std::string origin;  // empty: /etc/mailname, else the host name
};

struct AdminConfig {
    std::string bind_dn;
    std::string bind_password_file;
};

struct Config {
    ListenConfig listen;
    DirectoryConfig directory;
    PolicyConfig policy;
    OnUnavailable on_unavailable = OnUnavailable::Tempfail;  // policy.on-unavailable
    AuditConfig audit;
    NdrConfig ndr;
    LogConfig log;
    SendmailConfig sendmail;
    AdminConfig admin;
};

class ConfigError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// mailpolicyd's own command line besides the config keys.
struct CommandLine {
    std::string config_file = kDefaultConfigFile;  // made absolute when given
    bool config_file_given = false;                // -c: then a missing file is an error
    bool daemon = false;
    std::string pidfile;
    bool help = false;
    bool version = false;
    std::vector<std::string> arguments;  // as given, to re-read the same way on SIGHUP
};

struct Startup {
    CommandLine command_line;
    Config config;
};

// `mailpolicyd [-c FILE] [--key=value …] [--daemon --pidfile FILE] [--help] [--version]`:
// the command line overrides the file. `arguments` excludes the program name.
// Throws ConfigError. With --help or --version the config file is not read.
Startup load_startup(const std::vector<std::string>& arguments);

// Reads the config again as load_startup did (SIGHUP), from the same (absolute) file
// path whatever the current directory is now. Throws ConfigError.
Config reload_config(const CommandLine& command_line);

// Reads a config file alone (other programs). A missing file is an error only when
// `must_exist`; then the defaults apply. Throws ConfigError.
Config load_config_file(const std::string& path, bool must_exist);

// Turns key/value texts ("policy.enforcement" -> "audit") into typed config; keys not
// given take their defaults. Throws ConfigError naming the first bad key.
Config config_from_values(const std::map<std::string, std::string, std::less<>>& values);

// The --help text: every option with its default and meaning.
std::string help_text();

}  // namespace mailpolicy
