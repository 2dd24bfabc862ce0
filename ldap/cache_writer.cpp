// CacheWriter: fork, write in the child, collect the verdict through a pipe.
// Not for: deciding when to save (ldap_source.cpp does).
#include "ldap/cache_writer.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace mailpolicy {

namespace {

using std::chrono::milliseconds;

// A cache writer that takes longer is presumed stuck and killed; the save is retried.
constexpr milliseconds cache_writer_limit(300000);

int milliseconds_until(CacheWriter::Clock::time_point when) {
    auto left = std::chrono::duration_cast<milliseconds>(when - CacheWriter::Clock::now()).count();
    return static_cast<int>(std::clamp<long long>(left, 0, 1000));
}

}  // namespace

bool CacheWriter::start(const Replica& replica, const std::string& path,
                        const std::string& cookie) {
    int ends[2];
    if (::pipe2(ends, O_CLOEXEC) != 0) return false;
    pid_t pid = ::fork();
    if (pid == 0) {
        ::close(ends[0]);
        write_in_child(ends[1], replica, path, cookie);
    }
    ::close(ends[1]);
    if (pid < 0) {
        ::close(ends[0]);
        return false;
    }
    ::fcntl(ends[0], F_SETFL, O_NONBLOCK);
    pid_ = pid;
    pipe_ = ends[0];
    verdict_.clear();
    started_ = Clock::now();
    return true;
}

void CacheWriter::write_in_child(int verdict_fd, const Replica& replica, const std::string& path,
                                 const std::string& cookie) {
    // Hold no sockets or files of the daemon open (a peer would not see them close):
    // keep only the verdict pipe, as descriptor 3.
    if (verdict_fd == 3 || ::dup2(verdict_fd, 3) == 3) {
        verdict_fd = 3;
        ::close_range(4, ~0U, 0);
    }
    std::string verdict = "saved";
    try {
        replica.save_cache(path, cookie);
    } catch (const std::exception& problem) {
        verdict = problem.what();
    } catch (...) {
        verdict = "unknown error";
    }
    if (::write(verdict_fd, verdict.data(), std::min<std::size_t>(verdict.size(), 4000)) < 0) {
        // The source thread learns of it from the exit status.
    }
    ::_exit(verdict == "saved" ? 0 : 1);
}

std::optional<std::string> CacheWriter::finish(std::optional<Clock::time_point> deadline) {
    if (pid_ <= 0) return std::nullopt;
    for (;;) {
        char buffer[4096];
        ssize_t got = ::read(pipe_, buffer, sizeof buffer);
        if (got > 0) {
            verdict_.append(buffer, static_cast<std::size_t>(got));
            continue;
        }
        if (got == 0) break;  // the child has exited
        if (errno == EINTR) continue;
        auto now = Clock::now();
        bool overdue = now - started_ > cache_writer_limit || (deadline && now >= *deadline);
        if (overdue) {
            ::kill(pid_, SIGKILL);
            verdict_ = "the cache writer did not finish in time and was stopped";
            break;
        }
        if (!deadline) return std::nullopt;
        pollfd done{pipe_, POLLIN, 0};
        ::poll(&done, 1, milliseconds_until(*deadline));
    }
    int status = 0;
    pid_t reaped;
    do {
        reaped = ::waitpid(pid_, &status, 0);
    } while (reaped < 0 && errno == EINTR);
    ::close(pipe_);
    pipe_ = -1;
    pid_ = -1;
    // ECHILD (someone else reaped it): the verdict alone tells.
    bool exited_well = reaped < 0 || (WIFEXITED(status) && WEXITSTATUS(status) == 0);
    if (verdict_ == "saved" && exited_well) return std::string();
    if (verdict_.empty() || verdict_ == "saved") {
        verdict_ =
            "the cache writer process ended abnormally (status " + std::to_string(status) + ")";
    }
    return verdict_;
}

}  // namespace mailpolicy
