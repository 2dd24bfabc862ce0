// The Unix process chores of a daemon: detaching (--daemon) with a pipe through which the
// detached child tells the waiting parent whether start-up worked, the pid file, and
// blocking the signals the main thread later takes with sigtimedwait().
#pragma once

#include <csignal>
#include <string>

namespace mailpolicy {

// The handle a detached child uses to report start-up to its parent.
class StartupReport {
  public:
    StartupReport() = default;
    explicit StartupReport(int fd) : fd_(fd) {}
    // The parent exits 0 once it reads this.
    void success();
    // The parent prints the message and exits 1.
    void failure(const std::string& message);

  private:
    int fd_ = -1;
};

// Forks twice and detaches from the terminal. Returns only in the daemon; the original
// process waits for the report and exits with 0 or 1. Call before any thread starts.
StartupReport detach();

// Writes the pid file (atomically: temp file, rename; never through a symlink).
// Throws std::runtime_error.
void write_pidfile(const std::string& path);

// Blocks TERM, INT and HUP in this thread and every thread it starts later; ignores PIPE.
// Returns the set to wait on.
sigset_t block_daemon_signals();

}  // namespace mailpolicy
