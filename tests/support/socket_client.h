// Raw loopback TCP clients for the listener tests: one that sends and reads with a
// deadline (never a fixed sleep), and a slow one that trickles a request byte by byte the
// way a slow-loris attacker does and notes when the server cut it off.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

namespace mailpolicy::test {

class SocketClient {
  public:
    // Connects to 127.0.0.1:`port`, from the loopback address `source` when one is given
    // (e.g. "127.0.0.2": another peer address on the same machine).
    explicit SocketClient(std::uint16_t port, const std::string& source = "");
    ~SocketClient();
    SocketClient(const SocketClient&) = delete;
    SocketClient& operator=(const SocketClient&) = delete;

    bool connected() const { return connected_; }
    // False when the server is gone.
    bool send(std::string_view bytes);
    // Reads until what came holds `until`, the server closes, or `within` passes; returns
    // what came up to and including `until` (or all of it) and keeps the rest.
    std::string receive_until(std::string_view until, std::chrono::milliseconds within);
    // True when the server closes (EOF or reset) within `within`; bytes that come first are
    // kept in received().
    bool wait_closed(std::chrono::milliseconds within);
    const std::string& received() const { return buffer_; }
    void close();

  private:
    // One recv after waiting up to `within`; false on EOF, reset or timeout.
    bool receive_some(std::chrono::milliseconds within, bool& closed);

    int fd_ = -1;
    bool connected_ = false;
    std::string buffer_;
};

// Sends `text` (over and over) one byte every `interval` until the server closes the
// connection or the Trickler is destroyed.
class Trickler {
  public:
    Trickler(std::uint16_t port, std::string text, std::chrono::milliseconds interval,
             const std::string& source = "");
    ~Trickler();
    Trickler(const Trickler&) = delete;
    Trickler& operator=(const Trickler&) = delete;

    bool connected() const { return client_.connected(); }
    // How long after its first byte the server closed the connection, once it did within
    // `within`; nullopt while it is still open.
    std::optional<std::chrono::milliseconds> wait_closed(std::chrono::milliseconds within);
    // What the server sent before closing (an HTTP 408, say); "" while it is open.
    std::string received();

  private:
    void run(std::string text, std::chrono::milliseconds interval);

    SocketClient client_;
    std::mutex mutex_;
    std::condition_variable changed_;
    bool stopping_ = false;
    std::optional<std::chrono::milliseconds> closed_after_;
    std::thread thread_;
};

}  // namespace mailpolicy::test
