// Opening listening sockets for the servers: TCP (IPv4, IPv6, "*" dual-stack) or a Unix
// socket, non-blocking and close-on-exec. Also raises the open-file limit so that
// listen.max-connections is really reachable. Failures throw std::runtime_error naming
// the address and the system's reason.
#pragma once

#include <cstddef>
#include <cstdint>

#include "module/listen_address.h"

namespace mailpolicy {

// A listening socket's descriptor. A stale Unix socket file is replaced; any other file
// at that path is left alone and refused.
int open_listen_socket(const ListenAddress& address, int backlog);

// The port a TCP socket is bound to (after binding port 0); 0 for Unix sockets.
std::uint16_t bound_port(int socket);

// Raises the soft RLIMIT_NOFILE towards the hard limit when it is below `wanted`;
// returns the soft limit now in force.
std::size_t raise_open_file_limit(std::size_t wanted);

}  // namespace mailpolicy
