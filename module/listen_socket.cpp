// Listening sockets with plain POSIX calls: the policy server runs its own epoll loops,
// so it needs descriptors, not Poco sockets. Unix sockets are made 0666: access is
// controlled by the directory they live in, as with Postfix's own private/ sockets.
#include "module/listen_socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace mailpolicy {

namespace {

[[noreturn]] void fail(const ListenAddress& address, const std::string& what, int error) {
    throw std::runtime_error("cannot listen on " + address.text() + ": " + what + ": " +
                             std::strerror(error));
}

int bind_unix(const ListenAddress& address) {
    struct stat existing {};
    if (::lstat(address.path.c_str(), &existing) == 0) {
        if (!S_ISSOCK(existing.st_mode))
            fail(address, "a file that is not a socket exists", EEXIST);
        ::unlink(address.path.c_str());
    }
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) fail(address, "socket", errno);
    sockaddr_un name{};
    name.sun_family = AF_UNIX;
    std::strncpy(name.sun_path, address.path.c_str(), sizeof(name.sun_path) - 1);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&name), sizeof name) != 0) {
        const int error = errno;
        ::close(fd);
        fail(address, "bind", error);
    }
    ::chmod(address.path.c_str(), 0666);
    return fd;
}

int bind_tcp(const ListenAddress& address) {
    sockaddr_storage storage{};
    socklen_t length = 0;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
    if (address.host == "*") {
        v6->sin6_family = AF_INET6;
        v6->sin6_addr = in6addr_any;
        v6->sin6_port = htons(address.port);
        length = sizeof *v6;
    } else if (::inet_pton(AF_INET, address.host.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(address.port);
        length = sizeof *v4;
    } else if (::inet_pton(AF_INET6, address.host.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(address.port);
        length = sizeof *v6;
    } else {
        fail(address, "not an IP address", EINVAL);
    }
    const int fd = ::socket(storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) fail(address, "socket", errno);
    const int on = 1;
    const int off = 0;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (storage.ss_family == AF_INET6 && address.host == "*") {
        ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
    }
    if (::bind(fd, reinterpret_cast<sockaddr*>(&storage), length) != 0) {
        const int error = errno;
        ::close(fd);
        fail(address, "bind", error);
    }
    return fd;
}

}  // namespace

int open_listen_socket(const ListenAddress& address, int backlog) {
    const int fd =
        address.kind == ListenAddress::Kind::Unix ? bind_unix(address) : bind_tcp(address);
    if (::listen(fd, backlog) != 0) {
        const int error = errno;
        ::close(fd);
        fail(address, "listen", error);
    }
    return fd;
}

std::uint16_t bound_port(int socket) {
    sockaddr_storage storage{};
    socklen_t length = sizeof storage;
    if (::getsockname(socket, reinterpret_cast<sockaddr*>(&storage), &length) != 0) return 0;
    if (storage.ss_family == AF_INET) {
        return ntohs(reinterpret_cast<sockaddr_in*>(&storage)->sin_port);
    }
    if (storage.ss_family == AF_INET6) {
        return ntohs(reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port);
    }
    return 0;
}

std::size_t raise_open_file_limit(std::size_t wanted) {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
    if (limit.rlim_cur < wanted && limit.rlim_cur < limit.rlim_max) {
        // An unlimited hard limit still has the kernel's nr_open ceiling.
        limit.rlim_cur = limit.rlim_max == RLIM_INFINITY
                             ? static_cast<rlim_t>(std::max<std::size_t>(wanted, 65536))
                             : limit.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &limit);
        ::getrlimit(RLIMIT_NOFILE, &limit);
    }
    return static_cast<std::size_t>(limit.rlim_cur);
}

}  // namespace mailpolicy
