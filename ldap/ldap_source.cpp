// The live LDAP source: one thread connects, loads with syncrepl (or polls), publishes
// batches, saves the cache, and on any failure keeps the last snapshot, reports why,
// and reconnects with backoff from the last cookie. The cache file stands in only when
// the very first attempt fails. stop() wakes the thread through an eventfd and by
// shutting down its socket, which also interrupts a refresh in progress; a clean stop
// saves what was published but not yet saved. The cache is written by a forked child
// (see CacheWriter), so a save does not hold up changes arriving meanwhile.
#include "ldap/ldap_source.h"

#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <mutex>
#include <optional>
#include <thread>

#include <Poco/Logger.h>

#include "ldap/cache_writer.h"
#include "ldap/ldap_backoff.h"
#include "ldap/ldap_connection.h"
#include "ldap/ldap_poll.h"
#include "ldap/replica.h"
#include "ldap/syncrepl.h"

namespace mailpolicy {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// A change is published once the server has been quiet this long, or at the latest
// this long after the first unpublished change: bursts share one rebuild, and a single
// change is visible in well under the cap.
constexpr milliseconds quiet_period(15);
constexpr milliseconds publish_deadline(50);
constexpr milliseconds idle_wait(1000);
// The cache is rewritten once changes have settled, at most this often, and at the latest
// this long after the first unsaved change. Writing a large replica holds up the sync
// thread (seconds for a million entries), so it is kept out of bursts of changes.
constexpr milliseconds cache_settle(2000);
constexpr milliseconds cache_interval(30000);
constexpr milliseconds cache_staleness(300000);
// At stop, how long a running writer may still take before it is killed and the
// source thread writes the cache itself.
constexpr milliseconds cache_writer_stop_limit(30000);

Poco::Logger& logger() {
    return Poco::Logger::get("mailpolicyd.ldap");
}

int milliseconds_until(Clock::time_point when) {
    auto left = std::chrono::duration_cast<milliseconds>(when - Clock::now()).count();
    return static_cast<int>(std::clamp<long long>(left, 0, idle_wait.count()));
}

long long milliseconds_since(Clock::time_point when) {
    return std::chrono::duration_cast<milliseconds>(Clock::now() - when).count();
}

class LdapSource final : public DirectorySource {
  public:
    LdapSource(const DirectoryConfig& config, SnapshotHolder& holder)
        : config_(config), holder_(holder), wake_fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}
    ~LdapSource() override {
        stop();
        if (wake_fd_ >= 0) ::close(wake_fd_);
    }

    void start() override;
    void stop() override;
    SourceStatus status() const override;

  private:
    // Registers the socket in use so that stop() can shut it down.
    class ActiveSocket {
      public:
        ActiveSocket(LdapSource& source, int fd);
        ~ActiveSocket();

      private:
        LdapSource& source_;
    };

    void run();
    void serve_once(Replica& replica);
    void connect_and_serve(Replica& replica);
    void serve_syncrepl(LdapConnection& connection, Replica& replica);
    void persist(SyncSession& session, Replica& replica);
    Clock::time_point next_wakeup(std::optional<Clock::time_point> first_pending,
                                  Clock::time_point last_message) const;
    void serve_polling(LdapConnection& connection, Replica& replica);
    void publish(Replica& replica);
    void maybe_save_cache(Replica& replica, bool now);
    void save_cache_in_thread(Replica& replica);
    void collect_cache_writer(std::optional<Clock::time_point> deadline = std::nullopt);
    void save_cache_at_stop(Replica& replica);
    void handle_failure(const LdapError& error, Replica& replica);
    bool load_cache_file(Replica& replica, const std::string& reason);
    void wait(milliseconds duration);
    void set_status(std::string state, std::string detail);

    const DirectoryConfig config_;
    SnapshotHolder& holder_;
    int wake_fd_;
    std::thread thread_;
    std::atomic<bool> stopping_{false};

    mutable std::mutex mutex_;  // guards status_ and active_fd_
    SourceStatus status_{"loading", ""};
    int active_fd_ = -1;

    // Owned by the source thread.
    Backoff backoff_;
    std::string cookie_;
    bool use_polling_ = false;
    bool published_ = false;
    bool serving_cache_ = false;
    bool cache_tried_ = false;
    bool cache_dirty_ = false;
    Clock::time_point last_change_{};
    Clock::time_point last_save_{};
    Clock::time_point dirty_since_{};
    std::string last_logged_error_;
    CacheWriter cache_writer_;
    std::size_t writing_count_ = 0;            // entries the running writer saves
    Clock::time_point writing_dirty_since_{};  // dirty_since_ of the content it saves
};

LdapSource::ActiveSocket::ActiveSocket(LdapSource& source, int fd) : source_(source) {
    std::lock_guard lock(source_.mutex_);
    source_.active_fd_ = fd;
    if (source_.stopping_ && fd >= 0) ::shutdown(fd, SHUT_RDWR);
}

LdapSource::ActiveSocket::~ActiveSocket() {
    std::lock_guard lock(source_.mutex_);
    source_.active_fd_ = -1;
}

void LdapSource::start() {
    if (thread_.joinable()) return;
    std::uint64_t count = 0;
    if (wake_fd_ >= 0 && ::read(wake_fd_, &count, sizeof count) < 0) {
        // Nothing to drain: no earlier stop() woke it.
    }
    stopping_ = false;
    use_polling_ = config_.sync == DirectoryConfig::Sync::Poll;
    thread_ = std::thread([this] { run(); });
}

void LdapSource::stop() {
    stopping_ = true;
    std::uint64_t one = 1;
    if (wake_fd_ >= 0 && ::write(wake_fd_, &one, sizeof one) < 0) {
        // The counter is already non-zero: the thread is being woken anyway.
    }
    {
        std::lock_guard lock(mutex_);
        if (active_fd_ >= 0) ::shutdown(active_fd_, SHUT_RDWR);
    }
    if (thread_.joinable()) thread_.join();
}

SourceStatus LdapSource::status() const {
    std::lock_guard lock(mutex_);
    return status_;
}

void LdapSource::set_status(std::string state, std::string detail) {
    std::lock_guard lock(mutex_);
    status_ = SourceStatus{std::move(state), std::move(detail)};
}

void LdapSource::run() {
    // libldap writes to sockets the server may have closed: EPIPE, not a dead process.
    sigset_t pipe_signal;
    sigemptyset(&pipe_signal);
    sigaddset(&pipe_signal, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_signal, nullptr);

    Replica replica(config_, holder_);
    while (!stopping_) {
        try {
            serve_once(replica);
        } catch (const LdapError& error) {
            if (stopping_) break;
            if (error.code() == LDAP_UNAVAILABLE_CRITICAL_EXTENSION && !use_polling_ &&
                config_.sync == DirectoryConfig::Sync::Auto) {
                logger().warning(std::string(error.what()) + "; polling every " +
                                 std::to_string(config_.poll_interval.count()) + " s instead");
                use_polling_ = true;
                continue;
            }
            handle_failure(error, replica);
            wait(backoff_.next());
        }
    }
    save_cache_at_stop(replica);
}

void LdapSource::serve_once(Replica& replica) {
    try {
        connect_and_serve(replica);
    } catch (const LdapError&) {
        throw;
    } catch (const std::exception& problem) {
        // Anything else (memory, a replica error) is reported and retried like a refusal.
        throw LdapError(LDAP_OTHER, "directory " + config_.source + ": " + problem.what());
    }
}

void LdapSource::connect_and_serve(Replica& replica) {
    LdapConnection connection(config_);
    if (use_polling_) {
        serve_polling(connection, replica);
    } else {
        serve_syncrepl(connection, replica);
    }
}

void LdapSource::serve_syncrepl(LdapConnection& connection, Replica& replica) {
    auto started = Clock::now();
    SyncSession session(connection, config_, replica, cookie_);
    ActiveSocket socket(*this, session.descriptor());
    session.refresh();
    cookie_ = session.cookie();
    bool was_cache = serving_cache_;
    serving_cache_ = false;
    backoff_.reset();
    last_logged_error_.clear();
    // The status first: whoever sees the new snapshot must see "syncrepl" too.
    set_status("syncrepl", "");
    if (!published_ || replica.has_pending()) publish(replica);
    auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - started);
    logger().information("syncrepl with " + config_.source + ": " +
                         std::to_string(replica.entry_count()) + " entries after " +
                         std::to_string(took.count()) + " ms" +
                         (was_cache ? " (replacing the cache file's content)" : ""));
    persist(session, replica);
}

void LdapSource::persist(SyncSession& session, Replica& replica) {
    std::optional<Clock::time_point> first_pending;
    Clock::time_point last_message = Clock::now();
    try {
        while (!stopping_) {
            pollfd fds[3] = {{session.descriptor(), POLLIN, 0},
                             {wake_fd_, POLLIN, 0},
                             {cache_writer_.descriptor(), POLLIN, 0}};
            ::poll(fds, 3, milliseconds_until(next_wakeup(first_pending, last_message)));
            if (stopping_) return;
            std::size_t handled = session.process_ready();
            cookie_ = session.cookie();
            auto now = Clock::now();
            if (handled > 0) last_message = now;
            if (replica.has_pending() && !first_pending) first_pending = now;
            if (first_pending &&
                (now - last_message >= quiet_period || now - *first_pending >= publish_deadline)) {
                publish(replica);
                first_pending.reset();
            }
            maybe_save_cache(replica, false);
        }
    } catch (const LdapError&) {
        // Changes that arrived whole before the loss are real: serve them.
        if (replica.has_pending()) publish(replica);
        throw;
    }
}

Clock::time_point LdapSource::next_wakeup(std::optional<Clock::time_point> first_pending,
                                          Clock::time_point last_message) const {
    auto now = Clock::now();
    auto deadline = now + idle_wait;
    if (first_pending) {
        deadline = std::min(last_message + quiet_period, *first_pending + publish_deadline);
    }
    if (cache_dirty_) {
        auto due = std::min(std::max(last_change_ + cache_settle, last_save_ + cache_interval),
                            dirty_since_ + cache_staleness);
        deadline = std::min(deadline, std::max(due, now + milliseconds(100)));
    }
    return deadline;
}

void LdapSource::serve_polling(LdapConnection& connection, Replica& replica) {
    ActiveSocket socket(*this, connection.descriptor());
    while (!stopping_) {
        // Streamed into the replica; an unchanged directory leaves nothing pending.
        auto count =
            poll_directory(connection, config_, replica, [this] { return stopping_.load(); });
        if (!count) return;
        const bool changed = !published_ || serving_cache_ || replica.has_pending();
        serving_cache_ = false;
        backoff_.reset();
        last_logged_error_.clear();
        // The status first: whoever sees the new snapshot must see "poll" too.
        set_status("poll", "");
        if (changed) {
            logger().information("poll of " + config_.source + ": " + std::to_string(*count) +
                                 " entries, content changed");
            cookie_.clear();
            publish(replica);
        }
        maybe_save_cache(replica, true);
        wait(config_.poll_interval);
    }
}

void LdapSource::publish(Replica& replica) {
    replica.publish();
    published_ = true;
    last_change_ = Clock::now();
    if (!cache_dirty_) dirty_since_ = last_change_;
    cache_dirty_ = true;
}

void LdapSource::maybe_save_cache(Replica& replica, bool now) {
    collect_cache_writer();
    if (config_.cache_file.empty() || !cache_dirty_ || cache_writer_.running()) return;
    auto started = Clock::now();
    bool settled = started - last_change_ >= cache_settle && started - last_save_ >= cache_interval;
    bool stale = started - dirty_since_ >= cache_staleness;
    if (!now && !settled && !stale) return;
    if (!cache_writer_.start(replica, config_.cache_file, cookie_)) {
        save_cache_in_thread(replica);
        return;
    }
    writing_count_ = replica.entry_count();
    writing_dirty_since_ = dirty_since_;
    cache_dirty_ = false;
    last_save_ = Clock::now();
    logger().debug("writing " + std::to_string(writing_count_) + " entries to " +
                   config_.cache_file + " in a child process (fork took " +
                   std::to_string(milliseconds_since(started)) + " ms)");
}

// A writer that failed leaves the content unsaved: it is tried again after cache_interval.
void LdapSource::collect_cache_writer(std::optional<Clock::time_point> deadline) {
    auto outcome = cache_writer_.finish(deadline);
    if (!outcome) return;
    if (outcome->empty()) {
        logger().debug("saved " + std::to_string(writing_count_) + " entries to " +
                       config_.cache_file + " in " +
                       std::to_string(milliseconds_since(cache_writer_.started())) + " ms");
        return;
    }
    logger().warning("cannot save the directory cache: " + *outcome);
    dirty_since_ =
        cache_dirty_ ? std::min(dirty_since_, writing_dirty_since_) : writing_dirty_since_;
    cache_dirty_ = true;
}

// Straight from the replica's compact records: a copy of a million entries first would
// double the memory. The source thread waits meanwhile.
void LdapSource::save_cache_in_thread(Replica& replica) {
    auto started = Clock::now();
    try {
        replica.save_cache(config_.cache_file, cookie_);
    } catch (const std::exception& problem) {
        logger().warning("cannot save the directory cache: " + std::string(problem.what()));
    }
    cache_dirty_ = false;
    last_save_ = Clock::now();
    logger().debug("saved " + std::to_string(replica.entry_count()) + " entries to " +
                   config_.cache_file + " in " + std::to_string(milliseconds_since(started)) +
                   " ms");
}

// A clean stop keeps what was published: a change made just before it is in the cache
// the next start may have to serve from.
void LdapSource::save_cache_at_stop(Replica& replica) {
    collect_cache_writer(Clock::now() + cache_writer_stop_limit);
    if (!config_.cache_file.empty() && cache_dirty_) save_cache_in_thread(replica);
}

void LdapSource::handle_failure(const LdapError& error, Replica& replica) {
    std::string message = error.what();
    if (message != last_logged_error_) {
        logger().error(message +
                       (published_ ? "; serving the last snapshot, retrying" : "; retrying"));
        last_logged_error_ = message;
    }
    if (!published_ && !cache_tried_) serving_cache_ = load_cache_file(replica, message);
    std::string state = serving_cache_                  ? "cache"
                        : error.is_connection_problem() ? "disconnected"
                                                        : "failed";
    set_status(state, message);
}

// `reason`: why LDAP could not be used, for the status.
bool LdapSource::load_cache_file(Replica& replica, const std::string& reason) {
    cache_tried_ = true;
    if (config_.cache_file.empty()) return false;
    try {
        // Streamed into the replica: never the whole directory as Entry values at once.
        cookie_ = replica.load_cache(config_.cache_file);
        std::size_t count = replica.entry_count();
        // Whoever sees the snapshot must also see that it is the cache file's, and why.
        set_status("cache", reason);
        replica.publish();
        published_ = true;
        logger().warning("serving " + std::to_string(count) + " entries from the cache file " +
                         config_.cache_file + " until " + config_.source + " answers");
        return true;
    } catch (const std::exception& problem) {
        logger().warning("no usable cache: " + std::string(problem.what()));
        return false;
    }
}

void LdapSource::wait(milliseconds duration) {
    auto deadline = Clock::now() + duration;
    while (!stopping_ && Clock::now() < deadline) {
        pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {cache_writer_.descriptor(), POLLIN, 0}};
        ::poll(fds, 2, milliseconds_until(deadline));
        if (fds[1].revents != 0) collect_cache_writer();
    }
}

}  // namespace

std::unique_ptr<DirectorySource> make_ldap_source(const DirectoryConfig& config,
                                                  SnapshotHolder& holder) {
    return std::make_unique<LdapSource>(config, holder);
}

}  // namespace mailpolicy
