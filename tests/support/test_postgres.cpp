// TestPostgres: initdb into a fresh directory, then pg_ctl start/stop with -w so each
// call returns only once the server answers (or is gone). As root, every server
// command runs through `runuser -u postgres --` on a directory chowned to that user.
#include "tests/support/test_postgres.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "tests/support/free_port.h"

extern char** environ;

namespace mailpolicy::test {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto command_timeout = std::chrono::seconds(120);

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// The newest /usr/lib/postgresql/<version>/bin.
std::string find_bin_directory() {
    std::vector<std::filesystem::path> found;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", error)) {
        if (std::filesystem::exists(entry.path() / "bin" / "initdb")) found.push_back(entry.path());
    }
    if (found.empty()) throw std::runtime_error("no PostgreSQL in /usr/lib/postgresql/*/bin");
    std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
        return std::stoi(a.filename().string()) < std::stoi(b.filename().string());
    });
    return (found.back() / "bin").string();
}

struct CommandResult {
    int exit_status = -1;  // -1: killed or timed out
    std::string output;
};

// Runs `arguments` with stdout and stderr in `output_path`, killing it past the timeout.
CommandResult run(const std::vector<std::string>& arguments, const std::string& output_path) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, output_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    std::vector<char*> argv;
    for (const auto& argument : arguments) argv.push_back(const_cast<char*>(argument.c_str()));
    argv.push_back(nullptr);
    pid_t pid = -1;
    const int error = ::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (error != 0)
        throw std::runtime_error("cannot run " + arguments[0] + ": " + std::strerror(error));
    CommandResult result;
    const auto deadline = Clock::now() + command_timeout;
    int status = 0;
    while (::waitpid(pid, &status, WNOHANG) == 0) {
        if (Clock::now() > deadline) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            result.output = read_file(output_path) + "\n(timed out)";
            return result;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (WIFEXITED(status)) result.exit_status = WEXITSTATUS(status);
    result.output = read_file(output_path);
    return result;
}

// As root, PostgreSQL's own commands run as the postgres user.
std::vector<std::string> as_server_user(std::vector<std::string> arguments) {
    if (::geteuid() != 0) return arguments;
    arguments.insert(arguments.begin(), {"/usr/sbin/runuser", "-u", "postgres", "--"});
    return arguments;
}

void check(const CommandResult& result, const std::string& what) {
    if (result.exit_status != 0) {
        throw std::runtime_error("TestPostgres: " + what + " failed:\n" + result.output);
    }
}

}  // namespace

TestPostgres::TestPostgres() : bin_directory_(find_bin_directory()) {
    // As root the server runs as `postgres`, which must reach the directory: /tmp, not
    // a TMPDIR that may sit under root's 0700 home.
    const std::filesystem::path parent =
        ::geteuid() == 0 ? std::filesystem::path("/tmp") : std::filesystem::temp_directory_path();
    std::string pattern = (parent / "mailpolicy-pg-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error("mkdtemp: " + std::string(std::strerror(errno)));
    }
    directory_ = pattern;
    try {
        if (::geteuid() == 0) {
            const passwd* user = ::getpwnam("postgres");
            if (user == nullptr) throw std::runtime_error("TestPostgres: no postgres user");
            if (::chown(directory_.c_str(), user->pw_uid, user->pw_gid) != 0) {
                throw std::runtime_error("chown: " + std::string(std::strerror(errno)));
            }
        }
        check(run(as_server_user({binary("initdb"), "-D", directory_ + "/data", "-U", "postgres",
                                  "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"}),
                  directory_ + "/initdb.out"),
              "initdb");
        append_config("listen_addresses = '127.0.0.1'\nunix_socket_directories = '" + directory_ +
                      "'\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\n");
        start_on_a_free_port();
    } catch (...) {
        std::error_code ignored;
        std::filesystem::remove_all(directory_, ignored);
        throw;
    }
}

TestPostgres::~TestPostgres() {
    if (running_) {
        run(as_server_user({binary("pg_ctl"), "-D", directory_ + "/data", "-m", "immediate", "-w",
                            "-t", "60", "stop"}),
            directory_ + "/pg_ctl.out");
    }
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
}

void TestPostgres::append_config(const std::string& lines) const {
    std::ofstream conf(directory_ + "/data/postgresql.conf", std::ios::app);
    conf << "\n" << lines;
    if (!conf.flush()) throw std::runtime_error("TestPostgres: cannot write postgresql.conf");
}

// The port was free when we looked; another process may take it before the server
// binds it, so a failed start is retried on a new one (the last `port =` line wins).
void TestPostgres::start_on_a_free_port() {
    for (int attempt = 1;; ++attempt) {
        port_ = free_loopback_port();
        append_config("port = " + std::to_string(port_) + "\n");
        try {
            start();
            return;
        } catch (const std::runtime_error&) {
            if (attempt == 3) throw;
        }
    }
}

std::string TestPostgres::conninfo() const {
    return "host=127.0.0.1 port=" + std::to_string(port_) + " user=postgres dbname=postgres";
}

void TestPostgres::start() {
    const auto result =
        run(as_server_user({binary("pg_ctl"), "-D", directory_ + "/data", "-l",
                            directory_ + "/postgres.log", "-w", "-t", "60", "start"}),
            directory_ + "/pg_ctl.out");
    if (result.exit_status != 0) {
        throw std::runtime_error("TestPostgres: pg_ctl start failed:\n" + result.output +
                                 "\nserver log:\n" + read_file(directory_ + "/postgres.log"));
    }
    running_ = true;
}

void TestPostgres::stop() {
    check(run(as_server_user({binary("pg_ctl"), "-D", directory_ + "/data", "-m", "fast", "-w",
                              "-t", "60", "stop"}),
              directory_ + "/pg_ctl.out"),
          "pg_ctl stop");
    running_ = false;
}

std::string TestPostgres::psql(const std::string& sql) const {
    const auto result =
        run({binary("psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
             "-p", std::to_string(port_), "-U", "postgres", "-d", "postgres", "-c", sql},
            directory_ + "/psql.out");
    check(result, "psql -c " + sql);
    return result.output;
}

std::string TestPostgres::binary(const std::string& name) const {
    return bin_directory_ + "/" + name;
}

}  // namespace mailpolicy::test
