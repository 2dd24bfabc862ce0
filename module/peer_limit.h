// Who is on the other end of an accepted connection, and a cap on the connections one
// client address may hold at once (listen.max-connections-per-peer), shared by the policy
// and HTTP listeners. Loopback and Unix-socket peers are exempt in the daemon: a local
// process can pick any of 127.0.0.0/8 as its source, so a cap there would stop no one and
// would only cut off the local Postfix, whose smtpd processes all come from 127.0.0.1.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

namespace mailpolicy {

struct PeerAddress {
    std::string text;       // "192.0.2.7", "2001:db8::1", "unix socket" or "unknown"
    bool is_local = false;  // loopback (127.0.0.0/8, ::1, ::ffff:127.x) or a Unix socket
};

// The peer of a connected socket.
PeerAddress peer_address(int socket);

struct PeerLimitOptions {
    std::size_t max_per_peer = 256;  // 0: no cap
    bool exempt_local = true;        // tests turn this off to cap loopback clients
};

// Counts open connections per client address; thread-safe.
class PeerLimit {
  public:
    explicit PeerLimit(PeerLimitOptions options) : options_(options) {}

    // Takes a slot for `peer`; false when it already holds max_per_peer connections.
    // Only a peer for which this returned true may be released.
    bool try_admit(const PeerAddress& peer);
    void release(const PeerAddress& peer);
    std::size_t max_per_peer() const { return options_.max_per_peer; }

  private:
    bool counted(const PeerAddress& peer) const;

    PeerLimitOptions options_;
    std::mutex mutex_;
    std::unordered_map<std::string, std::size_t> open_;
};

}  // namespace mailpolicy
