// Detaching, pid file and signal mask. The double fork keeps the daemon from ever
// reacquiring a controlling terminal; stdin/stdout/stderr go to /dev/null.
#include "module/daemon_process.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "ldap/safe_file.h"

namespace mailpolicy {

void StartupReport::success() {
    if (fd_ < 0) return;
    [[maybe_unused]] auto written = ::write(fd_, "R", 1);
    ::close(fd_);
    fd_ = -1;
}

void StartupReport::failure(const std::string& message) {
    if (fd_ < 0) return;
    [[maybe_unused]] auto written = ::write(fd_, message.data(), message.size());
    ::close(fd_);
    fd_ = -1;
}

namespace {

// The original process: waits for the daemon's report and exits accordingly.
[[noreturn]] void wait_for_report(int read_fd) {
    std::string report;
    char buffer[512];
    ssize_t received;
    while ((received = ::read(read_fd, buffer, sizeof buffer)) > 0 ||
           (received < 0 && errno == EINTR)) {
        if (received > 0) report.append(buffer, static_cast<std::size_t>(received));
    }
    if (report == "R") std::_Exit(0);
    if (report.empty()) report = "the daemon exited during start-up";
    std::fprintf(stderr, "mailpolicyd: %s\n", report.c_str());
    std::_Exit(1);
}

void redirect_standard_streams() {
    const int null = ::open("/dev/null", O_RDWR);
    if (null < 0) return;
    ::dup2(null, STDIN_FILENO);
    ::dup2(null, STDOUT_FILENO);
    ::dup2(null, STDERR_FILENO);
    if (null > STDERR_FILENO) ::close(null);
}

}  // namespace

StartupReport detach() {
    int report_pipe[2];
    if (::pipe2(report_pipe, O_CLOEXEC) != 0) {
        throw std::runtime_error(std::string("cannot detach: pipe: ") + std::strerror(errno));
    }
    const pid_t first = ::fork();
    if (first < 0) throw std::runtime_error(std::string("cannot fork: ") + std::strerror(errno));
    if (first > 0) {
        ::close(report_pipe[1]);
        ::waitpid(first, nullptr, 0);
        wait_for_report(report_pipe[0]);
    }
    ::close(report_pipe[0]);
    ::setsid();
    const pid_t second = ::fork();
    if (second < 0) std::_Exit(1);
    if (second > 0) std::_Exit(0);
    if (::chdir("/") != 0) std::_Exit(1);
    redirect_standard_streams();
    return StartupReport(report_pipe[1]);
}

void write_pidfile(const std::string& path) {
    try {
        replace_file(path, std::to_string(::getpid()) + "\n", 0644);
    } catch (const std::exception& error) {
        throw std::runtime_error("cannot write pid file " + path + ": " + error.what());
    }
}

sigset_t block_daemon_signals() {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGHUP);
    ::pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
    return signals;
}

}  // namespace mailpolicy
