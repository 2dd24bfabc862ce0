// Blocking sockets with poll() for every wait, so each wait has its own deadline and a
// server that never answers fails the test instead of hanging it.
#include "tests/support/socket_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace mailpolicy::test {

namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

}  // namespace

SocketClient::SocketClient(std::uint16_t port, const std::string& source) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (!source.empty()) {
        sockaddr_in local{};
        local.sin_family = AF_INET;
        ::inet_pton(AF_INET, source.c_str(), &local.sin_addr);
        if (::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) return;
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
}

SocketClient::~SocketClient() {
    close();
}

void SocketClient::close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

bool SocketClient::send(std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (sent <= 0) return false;
        bytes.remove_prefix(static_cast<std::size_t>(sent));
    }
    return true;
}

bool SocketClient::receive_some(std::chrono::milliseconds within, bool& closed) {
    pollfd wait{fd_, POLLIN, 0};
    if (::poll(&wait, 1, static_cast<int>(within.count())) <= 0) return false;
    char chunk[8192];
    const ssize_t received = ::recv(fd_, chunk, sizeof chunk, 0);
    if (received <= 0) {
        closed = received == 0 || errno == ECONNRESET || errno == EPIPE;
        return false;
    }
    buffer_.append(chunk, static_cast<std::size_t>(received));
    return true;
}

std::string SocketClient::receive_until(std::string_view until, std::chrono::milliseconds within) {
    const auto deadline = Clock::now() + within;
    bool closed = false;
    while (buffer_.find(until) == std::string::npos && !closed) {
        if (!receive_some(std::chrono::milliseconds(remaining_ms(deadline)), closed) &&
            Clock::now() >= deadline) {
            break;
        }
    }
    const auto end = buffer_.find(until);
    const std::size_t length = end == std::string::npos ? buffer_.size() : end + until.size();
    std::string taken = buffer_.substr(0, length);
    buffer_.erase(0, length);
    return taken;
}

bool SocketClient::wait_closed(std::chrono::milliseconds within) {
    const auto deadline = Clock::now() + within;
    bool closed = false;
    while (!closed && Clock::now() < deadline) {
        receive_some(std::chrono::milliseconds(remaining_ms(deadline)), closed);
    }
    return closed;
}

Trickler::Trickler(std::uint16_t port, std::string text, std::chrono::milliseconds interval,
                   const std::string& source)
    : client_(port, source) {
    if (client_.connected()) {
        thread_ = std::thread([this, text = std::move(text), interval] { run(text, interval); });
    }
}

Trickler::~Trickler() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    changed_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void Trickler::run(std::string text, std::chrono::milliseconds interval) {
    const auto first_byte = Clock::now();
    bool closed = false;
    for (std::size_t i = 0; !closed; ++i) {
        {
            std::unique_lock lock(mutex_);
            if (stopping_) return;
        }
        if (!client_.send(std::string_view(text).substr(i % text.size(), 1))) break;
        // The pause between bytes is also the wait for the server to close.
        closed = client_.wait_closed(interval);
    }
    std::lock_guard lock(mutex_);
    closed_after_ =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - first_byte);
    changed_.notify_all();
}

std::optional<std::chrono::milliseconds> Trickler::wait_closed(std::chrono::milliseconds within) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, within, [this] { return closed_after_.has_value(); });
    return closed_after_;
}

std::string Trickler::received() {
    std::lock_guard lock(mutex_);
    return closed_after_ ? client_.received() : std::string();
}

}  // namespace mailpolicy::test
