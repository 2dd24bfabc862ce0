// Level-triggered epoll loops for the policy protocol. Each loop waits on the shared
// listening socket (EPOLLEXCLUSIVE: one loop wakes per connection), its own
// connections and an eventfd for stop(). Replies are queued per connection and written
// without blocking; reading pauses while too much output is pending.
#include "module/policy_server.h"

#include <Poco/Logger.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include "module/listen_socket.h"

namespace mailpolicy {

namespace {

Poco::Logger& logger() {
    return Poco::Logger::get("mailpolicyd.policy");
}

using Clock = std::chrono::steady_clock;

struct Connection {
    int fd = -1;
    PeerAddress peer;
    PolicyRequestParser parser;
    std::string output;
    std::uint32_t events = 0;                          // what epoll currently watches
    bool closing = false;                              // close once the output is written
    Clock::time_point last_request;                    // last complete request, or the accept
    std::optional<Clock::time_point> request_started;  // first byte of the unfinished request
    Clock::time_point output_moved;  // output became pending, or was last partly written
};

long whole_seconds(std::chrono::milliseconds duration) {
    return static_cast<long>(std::chrono::ceil<std::chrono::seconds>(duration).count());
}

}  // namespace

class PolicyServer::EventLoop {
  public:
    explicit EventLoop(PolicyServer& server) : server_(server) {
        epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
        wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (epoll_fd_ < 0 || wake_fd_ < 0) throw std::runtime_error("cannot create event loop");
        watch(wake_fd_, EPOLLIN, EPOLL_CTL_ADD);
        watch(server_.listen_fd_, EPOLLIN | EPOLLEXCLUSIVE, EPOLL_CTL_ADD);
        reserve_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    }
    ~EventLoop() {
        for (auto& [fd, connection] : connections_) close_now(*connection, false);
        ::close(epoll_fd_);
        ::close(wake_fd_);
        if (reserve_fd_ >= 0) ::close(reserve_fd_);
    }

    void start() {
        thread_ = std::thread([this] { run(); });
    }
    void stop() {
        stopping_.store(true);
        const std::uint64_t one = 1;
        [[maybe_unused]] auto written = ::write(wake_fd_, &one, sizeof one);
        if (thread_.joinable()) thread_.join();
    }

  private:
    void watch(int fd, std::uint32_t events, int operation) {
        epoll_event event{};
        event.events = events;
        event.data.fd = fd;
        ::epoll_ctl(epoll_fd_, operation, fd, &event);
    }

    void run() {
        epoll_event events[128];
        // Deadlines are checked by a sweep, so they hold to within a tenth of the shortest.
        const auto sweep_every = std::clamp<std::chrono::milliseconds>(
            std::min(server_.options_.idle_timeout, server_.options_.request_timeout) / 10,
            std::chrono::milliseconds(10), std::chrono::milliseconds(1000));
        auto next_sweep = Clock::now() + sweep_every;
        while (!stopping_.load()) {
            const int count =
                ::epoll_wait(epoll_fd_, events, 128, static_cast<int>(sweep_every.count()));
            for (int i = 0; i < count && !stopping_.load(); ++i) dispatch(events[i]);
            if (Clock::now() >= next_sweep) {
                close_expired_connections();
                next_sweep = Clock::now() + sweep_every;
            }
        }
        drain();
    }

    // Closes connections past a deadline: a request not finished in time, replies left
    // unread, or no complete request for the idle timeout (Postfix closes its own idle
    // connections after minutes; one silent for far longer is a peer that vanished).
    void close_expired_connections() {
        const auto now = Clock::now();
        std::erase_if(connections_, [&](auto& entry) {
            const std::string reason = expiry(*entry.second, now);
            if (reason.empty()) return false;
            logger().information("policy connection from %s closed: %s", entry.second->peer.text,
                                 reason);
            close_now(*entry.second, false);
            return true;
        });
    }

    // Why `connection` must be closed now, or "" when it may stay.
    std::string expiry(const Connection& connection, Clock::time_point now) const {
        const auto& options = server_.options_;
        if (connection.request_started &&
            now - *connection.request_started > options.request_timeout) {
            return "request not finished within listen.request-timeout (" +
                   std::to_string(whole_seconds(options.request_timeout)) + " s)";
        }
        if (!connection.output.empty() && now - connection.output_moved > options.request_timeout) {
            return "replies not read within listen.request-timeout (" +
                   std::to_string(whole_seconds(options.request_timeout)) + " s)";
        }
        if (now - connection.last_request > options.idle_timeout) {
            return "no request for " + std::to_string(whole_seconds(options.idle_timeout)) + " s";
        }
        return "";
    }

    void dispatch(const epoll_event& event) {
        const int fd = event.data.fd;
        if (fd == wake_fd_) return;
        if (fd == server_.listen_fd_) return accept_some();
        const auto found = connections_.find(fd);
        if (found == connections_.end()) return;
        Connection& connection = *found->second;
        if (event.events & (EPOLLIN | EPOLLHUP | EPOLLERR)) read_from(connection);
        if (!connection.closing && !connection.output.empty()) write_to(connection);
        settle(connection);
    }

    void accept_some() {
        for (int i = 0; i < 32; ++i) {
            const int fd =
                ::accept4(server_.listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd < 0) {
                if (errno == EMFILE || errno == ENFILE) shed_one_connection();
                return;
            }
            PeerAddress peer = peer_address(fd);
            if (!server_.try_admit()) {
                refuse(fd, peer,
                       "max-connections (" + std::to_string(server_.options_.max_connections) +
                           ") reached");
                continue;
            }
            if (!server_.peer_limit_.try_admit(peer)) {
                server_.release();
                refuse(fd, peer,
                       "listen.max-connections-per-peer (" +
                           std::to_string(server_.peer_limit_.max_per_peer()) +
                           ") reached for this address");
                continue;
            }
            auto connection = std::make_unique<Connection>();
            connection->fd = fd;
            connection->peer = std::move(peer);
            connection->events = EPOLLIN;
            connection->last_request = Clock::now();
            watch(fd, EPOLLIN, EPOLL_CTL_ADD);
            connections_.emplace(fd, std::move(connection));
            server_.metrics_.connection_opened();
        }
    }

    // Logged at most once a second per loop, so a flood cannot flood the log too.
    void refuse(int fd, const PeerAddress& peer, const std::string& reason) {
        server_.metrics_.count_refused_connection();
        const auto now = Clock::now();
        if (now - last_refusal_log_ >= std::chrono::seconds(1)) {
            logger().warning(
                "policy connection from %s refused: %s (%z more refused since the last such "
                "message)",
                peer.text, reason, refusals_not_logged_);
            last_refusal_log_ = now;
            refusals_not_logged_ = 0;
        } else {
            ++refusals_not_logged_;
        }
        ::close(fd);
    }

    // Out of descriptors: accept with the reserve one and close it, so the pending
    // connection does not keep the listening socket readable forever.
    void shed_one_connection() {
        if (reserve_fd_ < 0) return;
        ::close(reserve_fd_);
        const int fd = ::accept4(server_.listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd >= 0) {
            logger().error("policy connection refused: out of file descriptors");
            server_.metrics_.count_refused_connection();
            ::close(fd);
        }
        reserve_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    }

    void read_from(Connection& connection) {
        char buffer[16384];
        for (int round = 0; round < 8 && !connection.closing; ++round) {
            const ssize_t received = ::recv(connection.fd, buffer, sizeof buffer, 0);
            if (received < 0 && (errno == EAGAIN || errno == EINTR)) return;
            if (received <= 0) {
                if (connection.parser.in_request()) {
                    logger().information("policy client %s left in the middle of a request",
                                         connection.peer.text);
                }
                connection.closing = true;
                return;
            }
            take(connection, std::string_view(buffer, static_cast<std::size_t>(received)));
            if (connection.output.size() > server_.options_.max_pending_output) return;
        }
    }

    void take(Connection& connection, std::string_view bytes) {
        const auto now = Clock::now();
        const bool was_in_request = connection.parser.in_request();
        const bool had_output = !connection.output.empty();
        auto result = connection.parser.feed(bytes);
        note_progress(connection, now, was_in_request, !result.requests.empty());
        try {
            for (const PolicyRequest& request : result.requests) {
                connection.output += server_.handler_(request);
            }
            if (!had_output && !connection.output.empty()) connection.output_moved = now;
        } catch (const std::exception& error) {
            logger().error("policy request from %s failed: %s; closing the connection",
                           connection.peer.text, std::string(error.what()));
            connection.closing = true;
            return;
        }
        if (result.error) {
            logger().warning("malformed policy request from %s: %s; closing the connection",
                             connection.peer.text, *result.error);
            server_.metrics_.count_malformed_request();
            connection.closing = true;
        }
    }

    // The deadlines run from a request's first byte and from the last complete request.
    static void note_progress(Connection& connection, Clock::time_point now, bool was_in_request,
                              bool completed_some) {
        if (completed_some) connection.last_request = now;
        if (!connection.parser.in_request()) {
            connection.request_started.reset();
        } else if (!was_in_request || completed_some) {
            connection.request_started = now;
        }
    }

    void write_to(Connection& connection) {
        while (!connection.output.empty()) {
            const ssize_t sent = ::send(connection.fd, connection.output.data(),
                                        connection.output.size(), MSG_NOSIGNAL);
            if (sent < 0) {
                if (errno == EAGAIN || errno == EINTR) return;
                connection.output.clear();
                connection.closing = true;
                return;
            }
            connection.output.erase(0, static_cast<std::size_t>(sent));
            connection.output_moved = Clock::now();
        }
    }

    // Closes a finished connection, or sets what epoll should watch for it.
    void settle(Connection& connection) {
        if (connection.closing) {
            write_to(connection);  // what was answered before the end still goes out
            return close_now(connection, true);
        }
        std::uint32_t events = 0;
        if (connection.output.size() <= server_.options_.max_pending_output) events |= EPOLLIN;
        if (!connection.output.empty()) events |= EPOLLOUT;
        if (events != connection.events) {
            connection.events = events;
            watch(connection.fd, events, EPOLL_CTL_MOD);
        }
    }

    void close_now(Connection& connection, bool erase) {
        ::close(connection.fd);
        server_.peer_limit_.release(connection.peer);
        server_.release();
        server_.metrics_.connection_closed();
        if (erase) connections_.erase(connection.fd);
    }

    // After stop(): answer what has arrived, write it (bounded by drain_timeout), close.
    void drain() {
        ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, server_.listen_fd_, nullptr);
        ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, wake_fd_, nullptr);  // it stays readable
        for (auto& [fd, connection] : connections_) {
            read_from(*connection);
            write_to(*connection);
        }
        const auto deadline = std::chrono::steady_clock::now() + server_.options_.drain_timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            std::erase_if(connections_, [this](auto& entry) {
                if (!entry.second->output.empty()) return false;
                close_now(*entry.second, false);
                return true;
            });
            if (connections_.empty()) return;
            for (auto& [fd, connection] : connections_) watch(fd, EPOLLOUT, EPOLL_CTL_MOD);
            epoll_event events[128];
            const int count = ::epoll_wait(epoll_fd_, events, 128, 50);
            for (int i = 0; i < count; ++i) {
                const auto found = connections_.find(events[i].data.fd);
                if (found != connections_.end()) write_to(*found->second);
            }
        }
    }

    PolicyServer& server_;
    int epoll_fd_ = -1;
    int wake_fd_ = -1;
    int reserve_fd_ = -1;
    std::atomic<bool> stopping_{false};
    Clock::time_point last_refusal_log_{};
    std::size_t refusals_not_logged_ = 0;
    std::unordered_map<int, std::unique_ptr<Connection>> connections_;
    std::thread thread_;
};

PolicyServer::PolicyServer(PolicyServerOptions options, PolicyHandler handler, Metrics& metrics)
    : options_(std::move(options)),
      handler_(std::move(handler)),
      metrics_(metrics),
      peer_limit_(options_.per_peer) {}

PolicyServer::~PolicyServer() {
    stop();
}

void PolicyServer::start() {
    const std::size_t limit = raise_open_file_limit(options_.max_connections + 128);
    if (limit < options_.max_connections + 64) {
        logger().warning("open file limit %z is too low for max-connections %z", limit,
                         options_.max_connections);
    }
    listen_fd_ = open_listen_socket(options_.listen, 1024);
    port_ = bound_port(listen_fd_);
    const unsigned count = options_.event_loops == 0 ? 1 : options_.event_loops;
    for (unsigned i = 0; i < count; ++i) loops_.push_back(std::make_unique<EventLoop>(*this));
    for (auto& loop : loops_) loop->start();
    started_ = true;
}

void PolicyServer::stop() {
    if (!started_) return;
    started_ = false;
    for (auto& loop : loops_) loop->stop();
    loops_.clear();
    ::close(listen_fd_);
    listen_fd_ = -1;
    if (options_.listen.kind == ListenAddress::Kind::Unix) ::unlink(options_.listen.path.c_str());
}

bool PolicyServer::try_admit() {
    std::size_t open = open_connections_.load();
    do {
        if (open >= options_.max_connections) return false;
    } while (!open_connections_.compare_exchange_weak(open, open + 1));
    return true;
}

void PolicyServer::release() {
    open_connections_.fetch_sub(1);
}

}  // namespace mailpolicy
