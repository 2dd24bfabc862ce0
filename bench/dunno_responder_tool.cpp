// dunno-responder: the ceiling for policy-protocol benchmarks. A minimal epoll server that
// answers every request (lines ending in an empty line) with "action=DUNNO" and does no
// policy work at all, so policy-load against it measures the client, the kernel and the
// loopback. Not a policy server: it ignores what it is asked.
//
//   dunno-responder [--listen 127.0.0.1:0] [--threads N]
// Prints "listening 127.0.0.1:<port>" once ready; SIGINT/SIGTERM stop it.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace {

std::atomic<bool> stopping{false};

void on_signal(int) {
    stopping = true;
}

struct Connection {
    std::string input;
    std::string output;
};

int listen_socket(const std::string& host, int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int on = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    if (::inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1) {
        std::fprintf(stderr, "dunno-responder: bad address %s\n", host.c_str());
        std::exit(64);
    }
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(fd, 4096) != 0) {
        std::perror("dunno-responder: bind/listen");
        std::exit(1);
    }
    return fd;
}

int bound_port(int fd) {
    sockaddr_in address{};
    socklen_t length = sizeof address;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    return ntohs(address.sin_port);
}

// Answers every complete request in `connection.input`; false when the peer is gone.
void answer_requests(Connection& connection) {
    static const std::string reply = "action=DUNNO\n\n";
    std::size_t start = 0;
    for (;;) {
        std::size_t end = connection.input.find("\n\n", start);
        if (end == std::string::npos) break;
        connection.output += reply;
        start = end + 2;
    }
    connection.input.erase(0, start);
}

bool flush(int fd, Connection& connection) {
    while (!connection.output.empty()) {
        ssize_t n = ::send(fd, connection.output.data(), connection.output.size(), MSG_NOSIGNAL);
        if (n > 0) {
            connection.output.erase(0, static_cast<std::size_t>(n));
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return true;
        } else {
            return false;
        }
    }
    return true;
}

// One event loop: accepts on its own SO_REUSEPORT socket, serves its own connections.
void serve(int listen_fd) {
    int epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.fd = listen_fd;
    ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, listen_fd, &event);
    std::unordered_map<int, Connection> connections;
    std::vector<epoll_event> events(1024);
    char buffer[65536];
    while (!stopping) {
        int ready = ::epoll_wait(epoll_fd, events.data(), static_cast<int>(events.size()), 200);
        for (int i = 0; i < ready; ++i) {
            int fd = events[static_cast<std::size_t>(i)].data.fd;
            if (fd == listen_fd) {
                for (;;) {
                    int client =
                        ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
                    if (client < 0) break;
                    int on = 1;
                    ::setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
                    epoll_event client_event{};
                    client_event.events = EPOLLIN;
                    client_event.data.fd = client;
                    ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, client, &client_event);
                    connections[client];
                }
                continue;
            }
            Connection& connection = connections[fd];
            bool alive = true;
            for (;;) {
                ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
                if (n > 0) {
                    connection.input.append(buffer, static_cast<std::size_t>(n));
                    if (static_cast<std::size_t>(n) < sizeof buffer) break;
                } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                    break;
                } else {
                    alive = false;
                    break;
                }
            }
            answer_requests(connection);
            if (alive) alive = flush(fd, connection);
            if (!alive) {
                ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, nullptr);
                ::close(fd);
                connections.erase(fd);
            }
        }
    }
    for (auto& [fd, connection] : connections) ::close(fd);
    ::close(epoll_fd);
}

}  // namespace

int main(int argc, char** argv) {
    std::string listen = "127.0.0.1:0";
    unsigned threads = std::max(1u, std::thread::hardware_concurrency());
    for (int i = 1; i < argc; ++i) {
        std::string argument = argv[i];
        if (argument == "--listen" && i + 1 < argc) {
            listen = argv[++i];
        } else if (argument == "--threads" && i + 1 < argc) {
            threads = static_cast<unsigned>(std::max(1, std::atoi(argv[++i])));
        } else {
            std::fprintf(stderr, "usage: dunno-responder [--listen HOST:PORT] [--threads N]\n");
            return 64;
        }
    }
    auto colon = listen.rfind(':');
    std::string host = listen.substr(0, colon);
    int port = std::atoi(listen.substr(colon + 1).c_str());

    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    std::signal(SIGPIPE, SIG_IGN);
    std::vector<int> sockets{listen_socket(host, port)};
    port = bound_port(sockets.front());
    for (unsigned i = 1; i < threads; ++i) sockets.push_back(listen_socket(host, port));
    std::printf("listening %s:%d\n", host.c_str(), port);
    std::fflush(stdout);
    std::vector<std::thread> loops;
    for (int fd : sockets) loops.emplace_back(serve, fd);
    for (auto& loop : loops) loop.join();
    for (int fd : sockets) ::close(fd);
    return 0;
}
