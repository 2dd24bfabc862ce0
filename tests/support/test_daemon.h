// Runs the real mailpolicyd binary for integration tests: a throwaway directory with a
// generated config, free loopback ports for the policy protocol and HTTP, an SQLite audit
// database, and the daemon's console output captured to a file. Also the small process
// and socket helpers the other test peers (TestPostfix) share. Failures throw.
#pragma once

#include <sys/types.h>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/free_port.h"

namespace mailpolicy::test {

// A fresh directory under /tmp, removed by the caller (TestDaemon and TestPostfix do).
std::filesystem::path make_scratch_directory(const std::string& prefix);

struct CommandResult {
    int exit_status = -1;  // exit code, or 128 + signal
    std::string output;    // stdout and stderr together
};

// Runs a program to completion (argv[0] searched in PATH), capturing its output.
CommandResult run_command(const std::vector<std::string>& argv);

// A child process with stdout and stderr going to a file.
class ChildProcess {
  public:
    ChildProcess(const std::vector<std::string>& argv, const std::filesystem::path& output);
    ~ChildProcess();  // SIGKILL if still running
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    pid_t pid() const { return pid_; }
    bool running();
    // Sends `signal` and waits up to `deadline`; returns the exit status (128 + signal when
    // killed by one), or -1 when it had to be killed with SIGKILL after the deadline.
    int stop(int signal, std::chrono::milliseconds deadline);

  private:
    pid_t pid_ = -1;
    int status_ = -1;
    bool reaped_ = false;
};

struct HttpAnswer {
    int status = 0;  // 0: no answer (connection refused, timeout)
    std::string body;
};

HttpAnswer http_get(int port, const std::string& path);

// Sends one policy request (name=value pairs) on a new connection and returns the reply's
// action value ("DUNNO", "550 5.7.1 …"), or "" when the server closed without a reply.
std::string policy_action(int port, const std::map<std::string, std::string>& request);

std::string read_file(const std::filesystem::path& path);

class TestDaemon {
  public:
    struct Options {
        std::string source;  // ldif:/path or ldap://127.0.0.1:port
        std::string base_dn;
        std::string bind_dn;
        std::string bind_password;  // written to a file for bind-password-file
        // Further config keys, e.g. {"policy.local-domains", "hosted"}.
        std::map<std::string, std::string> settings;
        bool wait_ready = true;
        // When set, runs `mailpolicyd -c base_config` with everything above given as
        // --key=value options instead of a generated file (as scripts/run does).
        std::string base_config;
    };

    explicit TestDaemon(Options options);
    ~TestDaemon();
    TestDaemon(const TestDaemon&) = delete;
    TestDaemon& operator=(const TestDaemon&) = delete;

    int policy_port() const { return policy_port_; }
    int http_port() const { return http_port_; }
    const std::filesystem::path& directory() const { return directory_; }
    std::filesystem::path audit_database() const { return directory_ / "audit.db"; }
    std::filesystem::path config_file() const { return directory_ / "mailpolicyd.conf"; }
    // What the daemon wrote to stdout and stderr so far.
    std::string output() const;

    // Waits for GET /readyz to answer 200; throws with the daemon's output on timeout.
    void wait_ready(std::chrono::milliseconds deadline = std::chrono::seconds(20));
    // SIGTERM, then waits; returns the exit status (0 for a clean stop).
    int stop();

  private:
    std::filesystem::path directory_;
    int policy_port_ = 0;
    int http_port_ = 0;
    std::unique_ptr<ChildProcess> process_;
    int exit_status_ = -1;
};

// Rows of the daemon's SQLite audit table `violations`, each as column -> text value,
// oldest first; waits up to `deadline` until at least `at_least` rows exist.
std::vector<std::map<std::string, std::string>> audit_rows(
    const std::filesystem::path& database, std::size_t at_least,
    std::chrono::milliseconds deadline = std::chrono::seconds(10));

}  // namespace mailpolicy::test
