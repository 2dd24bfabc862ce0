// Runs the real mailpolicyd binary for integration tests, and the process, socket and
// HTTP helpers the test peers share. Everything here throws std::runtime_error with the
// details a failing test needs (the daemon's own output included).
#include "tests/support/test_daemon.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace mailpolicy::test {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// Closes a descriptor when it goes out of scope.
struct Descriptor {
    int fd = -1;
    explicit Descriptor(int value) : fd(value) {}
    ~Descriptor() {
        if (fd >= 0) ::close(fd);
    }
    Descriptor(const Descriptor&) = delete;
    Descriptor& operator=(const Descriptor&) = delete;
};

sockaddr_in loopback(int port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return address;
}

// In the child after fork(): only async-signal-safe calls until exec.
[[noreturn]] void exec_child(const std::vector<char*>& argv, int output_fd) {
    ::dup2(output_fd, STDOUT_FILENO);
    ::dup2(output_fd, STDERR_FILENO);
    int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
    ::setpgid(0, 0);
    ::execvp(argv[0], argv.data());
    ::_exit(127);
}

std::vector<char*> c_argv(const std::vector<std::string>& argv) {
    std::vector<char*> result;
    for (const auto& argument : argv) result.push_back(const_cast<char*>(argument.c_str()));
    result.push_back(nullptr);
    return result;
}

int decode_status(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

std::string join(const std::vector<std::string>& argv) {
    std::string text;
    for (const auto& argument : argv) text += (text.empty() ? "" : " ") + argument;
    return text;
}

}  // namespace

fs::path make_scratch_directory(const std::string& prefix) {
    std::string pattern = (fs::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr)
        throw std::runtime_error("mkdtemp: " + std::string(strerror(errno)));
    fs::permissions(pattern, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                 fs::perms::others_read | fs::perms::others_exec);
    return pattern;
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

CommandResult run_command(const std::vector<std::string>& argv) {
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0)
        throw std::runtime_error("pipe: " + std::string(strerror(errno)));
    auto args = c_argv(argv);
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork: " + std::string(strerror(errno)));
    if (pid == 0) exec_child(args, pipe_fds[1]);
    ::close(pipe_fds[1]);
    CommandResult result;
    char buffer[4096];
    for (;;) {
        ssize_t n = ::read(pipe_fds[0], buffer, sizeof buffer);
        if (n > 0) {
            result.output.append(buffer, static_cast<std::size_t>(n));
        } else if (n == 0 || errno != EINTR) {
            break;
        }
    }
    ::close(pipe_fds[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    result.exit_status = decode_status(status);
    if (result.exit_status == 127)
        throw std::runtime_error("could not run: " + join(argv) + "\n" + result.output);
    return result;
}

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const fs::path& output) {
    int output_fd = ::open(output.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (output_fd < 0) throw std::runtime_error("open " + output.string());
    auto args = c_argv(argv);
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork: " + std::string(strerror(errno)));
    if (pid_ == 0) exec_child(args, output_fd);
    ::close(output_fd);
}

ChildProcess::~ChildProcess() {
    if (running()) stop(SIGKILL, std::chrono::seconds(5));
}

bool ChildProcess::running() {
    if (reaped_ || pid_ < 0) return false;
    int status = 0;
    pid_t result = ::waitpid(pid_, &status, WNOHANG);
    if (result == pid_) {
        reaped_ = true;
        status_ = decode_status(status);
        return false;
    }
    return true;
}

int ChildProcess::stop(int signal, std::chrono::milliseconds deadline) {
    if (!running()) return status_;
    ::kill(pid_, signal);
    auto until = Clock::now() + deadline;
    while (Clock::now() < until) {
        if (!running()) return status_;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    reaped_ = true;
    status_ = -1;
    return status_;
}

HttpAnswer http_get(int port, const std::string& path) {
    HttpAnswer answer;
    try {
        Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
        session.setTimeout(Poco::Timespan(5, 0));
        Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, path,
                                       Poco::Net::HTTPMessage::HTTP_1_1);
        session.sendRequest(request);
        Poco::Net::HTTPResponse response;
        std::istream& body = session.receiveResponse(response);
        answer.status = static_cast<int>(response.getStatus());
        std::ostringstream text;
        text << body.rdbuf();
        answer.body = text.str();
    } catch (const Poco::Exception&) {
        answer.status = 0;
    }
    return answer;
}

std::string policy_action(int port, const std::map<std::string, std::string>& request) {
    Descriptor socket_fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in address = loopback(port);
    if (::connect(socket_fd.fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
        throw std::runtime_error("connect to policy port: " + std::string(strerror(errno)));
    std::string text;
    for (const auto& [name, value] : request) text += name + "=" + value + "\n";
    text += "\n";
    if (::send(socket_fd.fd, text.data(), text.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(text.size()))
        throw std::runtime_error("send to policy port failed");
    std::string reply;
    auto until = Clock::now() + std::chrono::seconds(10);
    while (reply.find("\n\n") == std::string::npos && Clock::now() < until) {
        pollfd readable{socket_fd.fd, POLLIN, 0};
        if (::poll(&readable, 1, 100) <= 0) continue;
        char buffer[4096];
        ssize_t n = ::recv(socket_fd.fd, buffer, sizeof buffer, 0);
        if (n <= 0) break;
        reply.append(buffer, static_cast<std::size_t>(n));
    }
    const std::string prefix = "action=";
    if (reply.rfind(prefix, 0) != 0) return "";
    return reply.substr(prefix.size(), reply.find('\n') - prefix.size());
}

TestDaemon::TestDaemon(Options options) : directory_(make_scratch_directory("mailpolicyd")) {
    policy_port_ = free_loopback_port();
    http_port_ = free_loopback_port();
    std::map<std::string, std::map<std::string, std::string>> sections;
    sections["listen"]["policy"] = "127.0.0.1:" + std::to_string(policy_port_);
    sections["listen"]["http"] = "127.0.0.1:" + std::to_string(http_port_);
    sections["directory"]["source"] = options.source;
    if (!options.base_dn.empty()) sections["directory"]["base-dn"] = options.base_dn;
    sections["directory"]["cache-file"] = (directory_ / "directory.cache").string();
    if (!options.bind_dn.empty()) {
        sections["directory"]["bind-dn"] = options.bind_dn;
        std::ofstream(directory_ / "bind-password") << options.bind_password;
        sections["directory"]["bind-password-file"] = (directory_ / "bind-password").string();
    }
    sections["audit"]["store"] = "sqlite:" + audit_database().string();
    sections["log"]["target"] = "console";
    sections["log"]["level"] = "debug";
    for (const auto& [key, value] : options.settings) {
        auto dot = key.find('.');
        sections[key.substr(0, dot)][key.substr(dot + 1)] = value;
    }
    std::vector<std::string> argv = {MAILPOLICY_BINARY_DIR "/module/mailpolicyd", "-c"};
    if (options.base_config.empty()) {
        std::ofstream config(config_file());
        for (const auto& [section, values] : sections) {
            config << "[" << section << "]\n";
            for (const auto& [name, value] : values) config << name << " = " << value << "\n";
            config << "\n";
        }
        argv.push_back(config_file().string());
    } else {
        argv.push_back(options.base_config);
        for (const auto& [section, values] : sections) {
            for (const auto& [name, value] : values)
                argv.push_back("--" + section + "." + name + "=" + value);
        }
    }
    process_ = std::make_unique<ChildProcess>(argv, directory_ / "output.log");
    if (options.wait_ready) wait_ready();
}

TestDaemon::~TestDaemon() {
    if (process_) stop();
    std::error_code ignored;
    if (std::getenv("MAILPOLICY_KEEP_TEST_DIRS") == nullptr) fs::remove_all(directory_, ignored);
}

std::string TestDaemon::output() const {
    return read_file(directory_ / "output.log");
}

void TestDaemon::wait_ready(std::chrono::milliseconds deadline) {
    auto until = Clock::now() + deadline;
    while (Clock::now() < until) {
        if (!process_->running())
            throw std::runtime_error("mailpolicyd exited before it was ready:\n" + output());
        if (http_get(http_port_, "/readyz").status == 200) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    throw std::runtime_error("mailpolicyd not ready in time:\n" + output());
}

int TestDaemon::stop() {
    if (process_) {
        exit_status_ = process_->stop(SIGTERM, std::chrono::seconds(10));
        process_.reset();
    }
    return exit_status_;
}

std::vector<std::map<std::string, std::string>> audit_rows(const fs::path& database,
                                                           std::size_t at_least,
                                                           std::chrono::milliseconds deadline) {
    Poco::Data::SQLite::Connector::registerConnector();
    auto until = Clock::now() + deadline;
    std::vector<std::map<std::string, std::string>> rows;
    std::string last_error;
    do {
        rows.clear();
        try {
            if (fs::exists(database)) {
                Poco::Data::Session session("SQLite", database.string());
                Poco::Data::Statement select(session);
                select << "SELECT * FROM violations ORDER BY rowid";
                select.execute();
                Poco::Data::RecordSet records(select);
                for (std::size_t row = 0; row < records.rowCount(); ++row) {
                    std::map<std::string, std::string> values;
                    for (std::size_t column = 0; column < records.columnCount(); ++column) {
                        const auto& value = records.value(column, row);
                        values[records.columnName(column)] =
                            value.isEmpty() ? std::string() : value.convert<std::string>();
                    }
                    rows.push_back(std::move(values));
                }
            }
        } catch (const Poco::Exception& error) {
            last_error = error.displayText();  // not created yet, or busy: try again
        }
        if (rows.size() >= at_least) return rows;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    } while (Clock::now() < until);
    if (rows.empty() && !last_error.empty())
        throw std::runtime_error("audit database " + database.string() + ": " + last_error);
    return rows;
}

}  // namespace mailpolicy::test
