// The cache file written by a forked child process, so that a save (seconds for a
// million entries) does not hold up the live source. Used by ldap_source.cpp.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>

#include "ldap/replica.h"

namespace mailpolicy {

// Writes the cache file in a forked child, as Redis does its snapshots: the child sees
// the replica as it was at fork() (copy-on-write pages, no copy of any record) and the
// source thread carries on applying changes at once; it waits only for fork() itself.
// The child runs only Replica::save_cache (open, write, fsync, rename and their buffers;
// it must never log or take a lock another thread may have held at fork()) and leaves
// with _exit(). Its verdict comes back through a pipe that also wakes the source
// thread's poll() when the child is done. fork() failing falls back to writing in-thread.
class CacheWriter {
  public:
    using Clock = std::chrono::steady_clock;

    CacheWriter() = default;
    ~CacheWriter() { finish(Clock::now()); }
    CacheWriter(const CacheWriter&) = delete;
    CacheWriter& operator=(const CacheWriter&) = delete;

    // Starts the child; false when fork() failed (the caller writes in-thread instead).
    bool start(const Replica& replica, const std::string& path, const std::string& cookie);
    bool running() const { return pid_ > 0; }
    // Readable once the child has finished (or failed); -1 when none runs.
    int descriptor() const { return pipe_; }
    // Collects a finished child without waiting, or waits until `deadline` and then kills
    // it. nullopt while it still runs; "" when the file was written, else why not.
    std::optional<std::string> finish(std::optional<Clock::time_point> deadline = std::nullopt);
    Clock::time_point started() const { return started_; }

  private:
    [[noreturn]] static void write_in_child(int verdict_fd, const Replica& replica,
                                            const std::string& path, const std::string& cookie);

    pid_t pid_ = -1;
    int pipe_ = -1;
    std::string verdict_;
    Clock::time_point started_{};
};

}  // namespace mailpolicy
