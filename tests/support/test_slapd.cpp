// TestSlapd: runs slapd in the foreground (-d 0) as our child so we can wait for it,
// and drives it with the OpenLDAP command-line tools. Tools run with LDAPNOINIT so a
// developer's ~/.ldaprc cannot change what the tests see; each run has a deadline.
#include "tests/support/test_slapd.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tests/support/free_port.h"

extern char** environ;

namespace mailpolicy::test {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto bulk_load_timeout = std::chrono::seconds(1800);  // a million entries
constexpr auto start_timeout = std::chrono::seconds(20);
constexpr auto stop_timeout = std::chrono::seconds(15);

void write_file(const std::string& path, std::string_view text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    if (!out.flush()) throw std::runtime_error("cannot write " + path);
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// Starts `arguments` with stdin/stdout/stderr redirected to files; returns the pid.
pid_t spawn(const std::vector<std::string>& arguments, const std::string& stdin_path,
            const std::string& stdout_path, const std::string& stderr_path) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, stdin_path.c_str(), O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    posix_spawn_file_actions_addopen(&actions, 2, stderr_path.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0600);
    std::vector<char*> argv;
    for (const auto& argument : arguments) argv.push_back(const_cast<char*>(argument.c_str()));
    argv.push_back(nullptr);
    std::vector<std::string> environment{"LDAPNOINIT=1", "PATH=/usr/sbin:/usr/bin:/sbin:/bin"};
    std::vector<char*> envp;
    for (auto& variable : environment) envp.push_back(variable.data());
    envp.push_back(nullptr);
    pid_t pid = -1;
    int error = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (error != 0) {
        throw std::runtime_error("cannot run " + arguments[0] + ": " + std::strerror(error));
    }
    return pid;
}

// Waits for the child until the deadline; -1 (after SIGKILL) when it did not exit in time.
int wait_for_exit(pid_t pid, Clock::duration timeout) {
    auto deadline = Clock::now() + timeout;
    for (;;) {
        int status = 0;
        pid_t done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        if (done < 0 && errno != EINTR) return -1;
        if (Clock::now() > deadline) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            return -1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

std::string join_lines(const std::vector<std::string>& lines) {
    std::string text;
    for (const auto& line : lines) text += line + "\n";
    return text;
}

std::vector<std::string> admin_tool(const std::string& tool, const TestSlapd& slapd) {
    return {tool, "-x",
            "-H", slapd.url(),
            "-D", TestSlapd::admin_dn(),
            "-y", slapd.admin_password_file(),
            "-o", "nettimeout=10"};
}

void throw_unless_ok(const ToolResult& result, const std::string& what) {
    if (!result.ok()) {
        throw std::runtime_error(what + " failed (exit " + std::to_string(result.exit_status) +
                                 "): " + result.errors + result.output);
    }
}
}  // namespace

TestSlapd::TestSlapd(TestSlapdOptions options) : options_(std::move(options)) {
    char pattern[] = "/tmp/mailpolicy-slapd.XXXXXX";
    if (::mkdtemp(pattern) == nullptr) throw std::runtime_error("mkdtemp failed");
    directory_ = pattern;
    try {
        std::filesystem::create_directory(directory_ + "/db");
        write_file(admin_password_file(), admin_password());
        write_file(reader_password_file(), options_.reader_password);
        write_file(directory_ + "/empty", "");
        if (options_.tls) make_certificates();
        write_config();
        if (options_.create_base) load_base_entries();
        if (options_.cn_config) convert_config();
        start();
    } catch (...) {
        std::error_code ignored;
        std::filesystem::remove_all(directory_, ignored);
        throw;
    }
}

TestSlapd::~TestSlapd() {
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        int status = 0;
        ::waitpid(pid_, &status, 0);
    }
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
}

std::string TestSlapd::url() const {
    return "ldap://" + options_.host + ":" + std::to_string(port_) + "/";
}

std::string TestSlapd::ldapi_url() const {
    std::string escaped;
    for (char c : directory_ + "/ldapi")
        escaped += c == '/' ? std::string("%2F") : std::string(1, c);
    return "ldapi://" + escaped + "/";
}

std::string TestSlapd::ldaps_url() const {
    return "ldaps://" + options_.host + ":" + std::to_string(ldaps_port_) + "/";
}

std::string TestSlapd::admin_password_file() const {
    return directory_ + "/admin.pw";
}
std::string TestSlapd::reader_password_file() const {
    return directory_ + "/reader.pw";
}
std::string TestSlapd::ca_file() const {
    return directory_ + "/ca.pem";
}
std::string TestSlapd::other_ca_file() const {
    return directory_ + "/other-ca.pem";
}
std::string TestSlapd::log() const {
    return read_file(directory_ + "/slapd.log");
}

void TestSlapd::make_certificates() {
    const std::string& d = directory_;
    auto openssl = [&](std::vector<std::string> arguments) {
        arguments.insert(arguments.begin(), "openssl");
        throw_unless_ok(run_ldap_tool(arguments, ""), "openssl " + arguments[1]);
    };
    auto new_key = [](std::vector<std::string> arguments) {
        for (std::string option :
             {"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"}) {
            arguments.push_back(option);
        }
        return arguments;
    };
    openssl(new_key({"req", "-x509", "-days", "2", "-keyout", d + "/ca.key", "-out", ca_file(),
                     "-subj", "/CN=TestCA"}));
    openssl(new_key({"req", "-x509", "-days", "2", "-keyout", d + "/other.key", "-out",
                     other_ca_file(), "-subj", "/CN=OtherCA"}));
    using Certificate = TestSlapdOptions::Certificate;
    const bool wrong_name = options_.certificate == Certificate::WrongName;
    const std::string name = wrong_name ? "ldap.wrong-name.test" : options_.host;
    const std::string san = wrong_name ? "DNS:" + name : "IP:" + name;
    if (options_.certificate == Certificate::SelfSigned) {
        openssl(new_key({"req", "-x509", "-days", "2", "-keyout", d + "/server.key", "-out",
                         d + "/server.pem", "-subj", "/CN=" + name, "-addext",
                         "subjectAltName=" + san}));
        return;
    }
    openssl(new_key(
        {"req", "-keyout", d + "/server.key", "-out", d + "/server.csr", "-subj", "/CN=" + name}));
    write_file(d + "/san.ext", "subjectAltName=" + san + "\n");
    openssl({"x509", "-req", "-in", d + "/server.csr", "-CA", ca_file(), "-CAkey", d + "/ca.key",
             "-CAcreateserial", "-out", d + "/server.pem", "-days", "2", "-extfile",
             d + "/san.ext"});
}

void TestSlapd::write_config() {
    const std::string schema = "/etc/ldap/schema/";
    std::vector<std::string> lines = {
        "include " + schema + "core.schema",
        "include " + schema + "cosine.schema",
        "include " + schema + "inetorgperson.schema",
        "include " + schema + "nis.schema",
        "pidfile " + directory_ + "/slapd.pid",
        "modulepath /usr/lib/ldap",
        "moduleload back_mdb",
        "moduleload syncprov",
        "sizelimit " + std::to_string(options_.size_limit),
    };
    if (options_.tls) {
        lines.insert(lines.end(), {"TLSCACertificateFile " + ca_file(),
                                   "TLSCertificateFile " + directory_ + "/server.pem",
                                   "TLSCertificateKeyFile " + directory_ + "/server.key"});
    }
    if (options_.cn_config) {
        lines.push_back("database config");
        lines.push_back("access to * by dn.exact=gidNumber=" + std::to_string(::getgid()) +
                        "+uidNumber=" + std::to_string(::getuid()) +
                        ",cn=peercred,cn=external,cn=auth manage by * break");
    } else {
        lines.insert(lines.begin() + 4,
                     "include " MAILPOLICY_SOURCE_DIR "/schema/mailpolicy.schema");
    }
    lines.insert(lines.end(),
                 {
                     "database mdb",
                     "maxsize 4294967296",
                     "suffix \"" + base_dn() + "\"",
                     "rootdn \"" + admin_dn() + "\"",
                     "rootpw " + admin_password(),
                     "directory " + directory_ + "/db",
                     "index objectClass,entryCSN,entryUUID,mail,uid eq",
                     "access to attrs=userPassword by self write by anonymous auth by * none",
                     "access to * by * read",
                 });
    if (!options_.reader_dn.empty() && options_.reader_unlimited) {
        lines.push_back("limits dn.exact=\"" + options_.reader_dn +
                        "\" size=unlimited time=unlimited");
    }
    for (const auto& line : options_.extra_database_config) lines.push_back(line);
    lines.push_back("overlay syncprov");
    lines.push_back("syncprov-checkpoint 100 10");
    lines.push_back("syncprov-sessionlog 10000");
    write_file(directory_ + "/slapd.conf", join_lines(lines));
}

std::vector<std::string> TestSlapd::config_arguments() const {
    // Before convert_config() there is only slapd.conf, also in cn=config mode.
    if (options_.cn_config && std::filesystem::exists(directory_ + "/slapd.d/cn=config.ldif")) {
        return {"-F", directory_ + "/slapd.d"};
    }
    return {"-f", directory_ + "/slapd.conf"};
}

// slaptest opens the databases read-only, so this runs after the first slapadd (or on an
// empty database with -u, which then writes nothing: hence no -u).
void TestSlapd::convert_config() {
    if (!options_.create_base) bulk_load("");
    std::filesystem::create_directory(directory_ + "/slapd.d");
    throw_unless_ok(
        run_ldap_tool({"slaptest", "-f", directory_ + "/slapd.conf", "-F", directory_ + "/slapd.d"},
                      ""),
        "slaptest");
}

void TestSlapd::load_base_entries() {
    std::string ldif =
        "dn: dc=example,dc=test\nobjectClass: dcObject\nobjectClass: organization\n"
        "dc: example\no: Example\n\n"
        "dn: ou=people,dc=example,dc=test\nobjectClass: organizationalUnit\nou: people\n\n";
    if (!options_.reader_dn.empty()) {
        auto equals = options_.reader_dn.find('=');
        auto comma = options_.reader_dn.find(',');
        std::string cn = options_.reader_dn.substr(equals + 1, comma - equals - 1);
        ldif += "dn: " + options_.reader_dn +
                "\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: " + cn +
                "\nuserPassword: " + options_.reader_password + "\n\n";
    }
    bulk_load(ldif);
}

void TestSlapd::start() {
    if (pid_ > 0) return;
    for (int attempt = 0;; ++attempt) {
        if (port_ == 0) port_ = free_loopback_port();
        std::string listeners = url() + " " + ldapi_url();
        if (options_.tls) {
            if (ldaps_port_ == 0) ldaps_port_ = free_loopback_port();
            listeners += " " + ldaps_url();
        }
        std::vector<std::string> arguments{"slapd", "-d", options_.debug_level, "-h", listeners};
        for (const auto& argument : config_arguments()) arguments.push_back(argument);
        pid_ = spawn(arguments, directory_ + "/empty", directory_ + "/slapd.out",
                     directory_ + "/slapd.log");
        try {
            wait_until_answering();
            return;
        } catch (const std::runtime_error&) {
            // Another process may have taken the port between our probe and slapd's bind.
            if (attempt >= 2) throw;
            port_ = 0;
            ldaps_port_ = 0;
        }
    }
}

void TestSlapd::wait_until_answering() {
    auto deadline = Clock::now() + start_timeout;
    while (Clock::now() < deadline) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            throw std::runtime_error("slapd exited at start: " +
                                     read_file(directory_ + "/slapd.log"));
        }
        ToolResult probe =
            run_ldap_tool({"ldapsearch", "-x", "-H", url(), "-b", "", "-s", "base", "-o",
                           "nettimeout=2", "-l", "2", "-LLL", "namingContexts"},
                          "");
        if (probe.ok()) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ::kill(pid_, SIGKILL);
    wait_for_exit(pid_, stop_timeout);
    pid_ = -1;
    throw std::runtime_error("slapd did not answer within 20 s: " +
                             read_file(directory_ + "/slapd.log"));
}

void TestSlapd::stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    wait_for_exit(pid_, stop_timeout);
    pid_ = -1;
}

ToolResult TestSlapd::run_ldap_tool(const std::vector<std::string>& arguments,
                                    std::string_view input, std::chrono::seconds timeout) {
    // Unique names: tests may drive one server from several threads.
    static std::atomic<unsigned> runs{0};
    std::string prefix = directory_ + "/tool." + std::to_string(runs++);
    std::string input_path = prefix + ".in";
    write_file(input_path, input);
    std::string out_path = prefix + ".out";
    std::string err_path = prefix + ".err";
    write_file(err_path, "");
    ToolResult result;
    result.exit_status = wait_for_exit(spawn(arguments, input_path, out_path, err_path), timeout);
    result.output = read_file(out_path);
    result.errors = read_file(err_path);
    for (const auto& path : {input_path, out_path, err_path}) ::unlink(path.c_str());
    return result;
}

ToolResult TestSlapd::try_add_ldif(std::string_view ldif) {
    return run_ldap_tool(admin_tool("ldapadd", *this), ldif);
}

ToolResult TestSlapd::try_modify_ldif(std::string_view ldif) {
    return run_ldap_tool(admin_tool("ldapmodify", *this), ldif);
}

void TestSlapd::add_ldif(std::string_view ldif) {
    throw_unless_ok(try_add_ldif(ldif), "ldapadd");
}

void TestSlapd::modify_ldif(std::string_view ldif) {
    throw_unless_ok(try_modify_ldif(ldif), "ldapmodify");
}

void TestSlapd::delete_dn(std::string_view dn) {
    auto arguments = admin_tool("ldapdelete", *this);
    arguments.emplace_back(dn);
    throw_unless_ok(run_ldap_tool(arguments, ""), "ldapdelete " + std::string(dn));
}

std::string TestSlapd::search(std::string_view base, std::string_view filter,
                              const std::vector<std::string>& attributes) {
    ToolResult result = try_search(Identity::Admin, base, filter, attributes);
    throw_unless_ok(result, "ldapsearch");
    return result.output;
}

ToolResult TestSlapd::try_search(Identity who, std::string_view base, std::string_view filter,
                                 const std::vector<std::string>& attributes) {
    std::vector<std::string> arguments{"ldapsearch", "-x", "-H", url(), "-o", "nettimeout=10"};
    if (who != Identity::Anonymous) {
        bool admin = who == Identity::Admin;
        for (const auto& argument :
             {std::string("-D"), admin ? admin_dn() : options_.reader_dn, std::string("-y"),
              admin ? admin_password_file() : reader_password_file()}) {
            arguments.push_back(argument);
        }
    }
    for (std::string option : {"-LLL", "-b"}) arguments.push_back(option);
    arguments.emplace_back(base);
    arguments.emplace_back(filter);
    for (const auto& attribute : attributes) arguments.push_back(attribute);
    return run_ldap_tool(arguments, "");
}

ToolResult TestSlapd::config_add(std::string_view ldif) {
    return run_ldap_tool({"ldapadd", "-Y", "EXTERNAL", "-Q", "-H", ldapi_url()}, ldif);
}

ToolResult TestSlapd::config_modify(std::string_view ldif) {
    return run_ldap_tool({"ldapmodify", "-Y", "EXTERNAL", "-Q", "-H", ldapi_url()}, ldif);
}

void TestSlapd::bulk_load(std::string_view ldif) {
    std::string path = directory_ + "/bulk.ldif";
    write_file(path, ldif);
    bulk_load_file(path);
}

void TestSlapd::bulk_load_file(const std::string& ldif_path) {
    bool was_running = running();
    stop();
    std::vector<std::string> arguments{"slapadd", "-q", "-l", ldif_path};
    for (const auto& argument : config_arguments()) arguments.push_back(argument);
    ToolResult result = run_ldap_tool(arguments, "", bulk_load_timeout);
    throw_unless_ok(result, "slapadd " + ldif_path);
    if (was_running) start();
}

}  // namespace mailpolicy::test
