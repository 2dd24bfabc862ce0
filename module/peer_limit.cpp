// Peer addresses from getpeername() and the per-address connection count. The count is
// kept only for peers that are capped, so the map holds at most one entry per remote
// address with a connection open.
#include "module/peer_limit.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

namespace mailpolicy {

namespace {

bool is_loopback_v4(const in_addr& address) {
    return (ntohl(address.s_addr) >> 24) == 127;
}

PeerAddress from_v6(const sockaddr_in6& address) {
    char text[INET6_ADDRSTRLEN] = "";
    if (IN6_IS_ADDR_V4MAPPED(&address.sin6_addr)) {
        in_addr v4{};
        std::memcpy(&v4, &address.sin6_addr.s6_addr[12], sizeof v4);
        ::inet_ntop(AF_INET, &v4, text, sizeof text);
        return {text, is_loopback_v4(v4)};
    }
    ::inet_ntop(AF_INET6, &address.sin6_addr, text, sizeof text);
    return {text, IN6_IS_ADDR_LOOPBACK(&address.sin6_addr) != 0};
}

}  // namespace

PeerAddress peer_address(int socket) {
    sockaddr_storage storage{};
    socklen_t length = sizeof storage;
    if (::getpeername(socket, reinterpret_cast<sockaddr*>(&storage), &length) != 0) {
        return {"unknown", false};
    }
    if (storage.ss_family == AF_INET) {
        const auto& address = reinterpret_cast<const sockaddr_in&>(storage);
        char text[INET_ADDRSTRLEN] = "";
        ::inet_ntop(AF_INET, &address.sin_addr, text, sizeof text);
        return {text, is_loopback_v4(address.sin_addr)};
    }
    if (storage.ss_family == AF_INET6) {
        return from_v6(reinterpret_cast<const sockaddr_in6&>(storage));
    }
    return {"unix socket", storage.ss_family == AF_UNIX};
}

bool PeerLimit::counted(const PeerAddress& peer) const {
    return options_.max_per_peer > 0 && !(options_.exempt_local && peer.is_local);
}

bool PeerLimit::try_admit(const PeerAddress& peer) {
    if (!counted(peer)) return true;
    std::lock_guard lock(mutex_);
    std::size_t& open = open_[peer.text];
    if (open >= options_.max_per_peer) return false;
    ++open;
    return true;
}

void PeerLimit::release(const PeerAddress& peer) {
    if (!counted(peer)) return;
    std::lock_guard lock(mutex_);
    const auto found = open_.find(peer.text);
    if (found == open_.end()) return;
    if (--found->second == 0) open_.erase(found);
}

}  // namespace mailpolicy
