// The policy protocol server: one listening socket (TCP or Unix) served by a few epoll
// event loops, because Postfix keeps one connection per smtpd process open for minutes
// and decisions take microseconds. Past max-connections a new connection is accepted
// and closed at once (and logged), and so is one past max-connections-per-peer from one
// client address. A request must arrive whole within request_timeout of its first byte,
// so a client trickling bytes cannot hold a slot. A malformed request closes its
// connection only.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "module/listen_address.h"
#include "module/metrics.h"
#include "module/peer_limit.h"
#include "module/policy_protocol.h"

namespace mailpolicy {

struct PolicyServerOptions {
    ListenAddress listen;
    std::size_t max_connections = 1024;
    unsigned event_loops = 2;
    // A client that sends requests but does not read its replies is paused past this.
    std::size_t max_pending_output = 256 * 1024;
    // A connection that completes no request for this long is closed (Postfix's own idle
    // limit is 300 s, so only vanished peers get here). Bytes that do not end a request do
    // not count: a client trickling bytes is idle.
    std::chrono::milliseconds idle_timeout{std::chrono::minutes(30)};
    // listen.request-timeout: from a request's first byte to its empty line; also how long
    // replies may wait unread. Past it the connection is closed.
    std::chrono::milliseconds request_timeout{std::chrono::seconds(10)};
    // listen.max-connections-per-peer.
    PeerLimitOptions per_peer;
    // How long stop() waits for replies to requests already received to be written.
    std::chrono::milliseconds drain_timeout{2000};
};

// Answers one request with the full reply text; called from the loop threads.
using PolicyHandler = std::function<std::string(const PolicyRequest&)>;

class PolicyServer {
  public:
    PolicyServer(PolicyServerOptions options, PolicyHandler handler, Metrics& metrics);
    ~PolicyServer();
    PolicyServer(const PolicyServer&) = delete;
    PolicyServer& operator=(const PolicyServer&) = delete;

    // Binds and starts the loops. Throws std::runtime_error naming the address.
    void start();
    // Stops accepting, answers requests already received, closes every connection.
    void stop();

    // The bound TCP port (useful after listening on port 0); 0 for Unix sockets.
    std::uint16_t port() const { return port_; }
    std::size_t open_connections() const { return open_connections_.load(); }

  private:
    class EventLoop;
    friend class EventLoop;

    // Takes a connection slot; false when max-connections is reached.
    bool try_admit();
    void release();

    PolicyServerOptions options_;
    PolicyHandler handler_;
    Metrics& metrics_;
    PeerLimit peer_limit_;
    int listen_fd_ = -1;
    std::uint16_t port_ = 0;
    std::atomic<std::size_t> open_connections_{0};
    std::vector<std::unique_ptr<EventLoop>> loops_;
    bool started_ = false;
};

}  // namespace mailpolicy
