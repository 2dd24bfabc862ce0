// policy-load: a closed-loop load generator for the Postfix policy protocol. N persistent
// connections, each sending RCPT requests back to back (the next one as soon as the reply
// arrives), as Postfix's smtpd processes do. Reports decisions per second, latency
// percentiles, replies by action, and errors (connections refused, dropped, bad replies).
// Requests are generated for a directory of accounts u<i>@example.com, or read from a file
// of "sender recipient [login]" lines. It measures; it judges nothing.
//
//   policy-load --port P [--host 127.0.0.1] [--connections 16] [--duration 10]
//               [--warmup 1] [--threads 2] [--accounts 1000000] [--requests FILE]
// Last line: "RESULT connections=… decisions_per_s=… p50_us=… p99_us=… …".
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/load_figures.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Settings {
    std::string host = "127.0.0.1";
    int port = 0;
    int connections = 16;
    double duration_seconds = 10;
    double warmup_seconds = 1;
    int threads = 2;
    long accounts = 1000000;
    std::string requests_file;
};

// What one thread saw during the measured window.
struct Tally {
    std::vector<uint32_t> latencies_ns;  // capped at ~4.29 s, far beyond anything of interest
    std::map<std::string, uint64_t> actions;
    uint64_t refused = 0;
    uint64_t dropped = 0;
    uint64_t bad_replies = 0;
};

std::string request_text(const std::string& sender, const std::string& recipient,
                         const std::string& login, uint64_t number) {
    std::string text;
    text.reserve(640);
    text += "request=smtpd_access_policy\nprotocol_state=RCPT\nprotocol_name=ESMTP\n";
    text += "client_address=192.0.2." + std::to_string(number % 250 + 1) + "\n";
    text += "client_name=client.example\nreverse_client_name=client.example\n";
    text += "helo_name=client.example\n";
    text += "sender=" + sender + "\nrecipient=" + recipient + "\nrecipient_count=0\n";
    text += "queue_id=\ninstance=" + std::to_string(number) + ".bench\nsize=0\n";
    text += "etrn_domain=\nstress=\nsasl_method=\nsasl_username=" + login + "\nsasl_sender=\n";
    text += "ccert_subject=\nccert_issuer=\nccert_fingerprint=\nencryption_protocol=\n";
    text += "encryption_cipher=\nencryption_keysize=0\nserver_address=127.0.0.1\n";
    text += "server_port=25\npolicy_context=\ncompatibility_level=3.6\nmail_version=3.7.11\n\n";
    return text;
}

// A pool of requests: 70% to local recipients, 30% to outside domains, a tenth with a login.
std::vector<std::string> generated_requests(long accounts, std::size_t count) {
    std::mt19937_64 random(42);
    std::uniform_int_distribution<long> account(0, std::max(0L, accounts - 1));
    std::uniform_int_distribution<int> percent(0, 99);
    std::vector<std::string> pool;
    pool.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        std::string sender = "u" + std::to_string(account(random)) + "@example.com";
        std::string recipient = percent(random) < 70
                                    ? "u" + std::to_string(account(random)) + "@example.com"
                                    : "x" + std::to_string(account(random)) + "@outside" +
                                          std::to_string(percent(random)) + ".example";
        std::string login = percent(random) < 10 ? sender : "";
        pool.push_back(request_text(sender, recipient, login, i));
    }
    return pool;
}

std::vector<std::string> file_requests(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        std::fprintf(stderr, "policy-load: cannot read %s\n", path.c_str());
        std::exit(66);
    }
    std::vector<std::string> pool;
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string sender, recipient, login;
        if (!(fields >> sender >> recipient)) continue;
        fields >> login;
        pool.push_back(request_text(sender, recipient, login, pool.size()));
    }
    if (pool.empty()) {
        std::fprintf(stderr, "policy-load: no requests in %s\n", path.c_str());
        std::exit(65);
    }
    return pool;
}

struct Connection {
    int fd = -1;
    std::size_t next_request = 0;
    const std::string* request = nullptr;  // points into the pool: nothing is copied
    std::size_t sent = 0;
    std::string input;
    Clock::time_point sent_at;
};

// Opens a blocking connection (connection setup is not what is measured); -1 if refused.
int open_connection(const Settings& settings) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(settings.port));
    ::inet_pton(AF_INET, settings.host.c_str(), &address.sin_addr);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        ::close(fd);
        return -1;
    }
    int on = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
}

bool send_pending(Connection& connection) {
    while (connection.sent < connection.request->size()) {
        ssize_t n = ::send(connection.fd, connection.request->data() + connection.sent,
                           connection.request->size() - connection.sent, MSG_NOSIGNAL);
        if (n > 0) {
            connection.sent += static_cast<std::size_t>(n);
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return true;
        } else {
            return false;
        }
    }
    return true;
}

class Worker {
  public:
    Worker(const Settings& settings, const std::vector<std::string>& pool, int connections,
           std::size_t first_request)
        : settings_(settings),
          pool_(pool),
          connection_count_(connections),
          first_request_(first_request) {}

    // Connects, then runs until `stop_at`, counting only replies after `measure_from`.
    void run(std::atomic<int>& connected, const std::atomic<bool>& go,
             Clock::time_point& measure_from, Clock::time_point& stop_at) {
        epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
        connections_.resize(static_cast<std::size_t>(connection_count_));
        for (std::size_t i = 0; i < connections_.size(); ++i) {
            Connection& connection = connections_[i];
            connection.fd = open_connection(settings_);
            connection.next_request = first_request_ + i * 7919;
            if (connection.fd < 0) {
                ++tally_.refused;
                continue;
            }
            epoll_event event{};
            event.events = EPOLLIN;
            event.data.u64 = i;
            ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, connection.fd, &event);
        }
        ++connected;
        while (!go) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        for (auto& connection : connections_) {
            if (connection.fd >= 0) send_next(connection);
        }
        loop(measure_from, stop_at);
        for (auto& connection : connections_) {
            if (connection.fd >= 0) ::close(connection.fd);
        }
        ::close(epoll_fd_);
    }

    Tally& tally() { return tally_; }

  private:
    void send_next(Connection& connection) {
        connection.request = &pool_[connection.next_request % pool_.size()];
        connection.sent = 0;
        ++connection.next_request;
        connection.sent_at = Clock::now();
        if (!send_pending(connection)) drop(connection);
    }

    void drop(Connection& connection) {
        ++tally_.dropped;
        ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, connection.fd, nullptr);
        ::close(connection.fd);
        connection.fd = -1;
    }

    void loop(const Clock::time_point& measure_from, const Clock::time_point& stop_at) {
        std::vector<epoll_event> events(1024);
        char buffer[65536];
        while (Clock::now() < stop_at) {
            int ready = ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), 50);
            for (int i = 0; i < ready; ++i) {
                Connection& connection = connections_[events[static_cast<std::size_t>(i)].data.u64];
                if (connection.fd < 0) continue;
                ssize_t n = ::recv(connection.fd, buffer, sizeof buffer, 0);
                if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
                    drop(connection);
                    continue;
                }
                if (n < 0) continue;
                connection.input.append(buffer, static_cast<std::size_t>(n));
                std::size_t end = connection.input.find("\n\n");
                if (end == std::string::npos) continue;
                auto now = Clock::now();
                record(connection.input.substr(0, end), now - connection.sent_at,
                       now >= measure_from);
                connection.input.erase(0, end + 2);
                send_next(connection);
            }
        }
    }

    void record(const std::string& reply, Clock::duration latency, bool measured) {
        if (!measured) return;
        if (reply.rfind("action=", 0) != 0) {
            ++tally_.bad_replies;
            return;
        }
        std::string action = reply.substr(7, reply.find('\n') - 7);
        action = action.substr(0, action.find(' '));  // "550", "451", "DUNNO"
        ++tally_.actions[action];
        auto nanoseconds = std::chrono::duration_cast<std::chrono::nanoseconds>(latency).count();
        tally_.latencies_ns.push_back(
            static_cast<uint32_t>(std::min<int64_t>(nanoseconds, UINT32_MAX)));
    }

    const Settings& settings_;
    const std::vector<std::string>& pool_;
    int connection_count_;
    std::size_t first_request_;
    int epoll_fd_ = -1;
    std::vector<Connection> connections_;
    Tally tally_;
};

Settings parse_arguments(int argc, char** argv) {
    Settings settings;
    for (int i = 1; i < argc; ++i) {
        std::string name = argv[i];
        if (i + 1 >= argc) name = "--help";
        std::string value = name == "--help" ? "" : argv[++i];
        if (name == "--host") {
            settings.host = value;
        } else if (name == "--port") {
            settings.port = std::atoi(value.c_str());
        } else if (name == "--connections") {
            settings.connections = std::max(1, std::atoi(value.c_str()));
        } else if (name == "--duration") {
            settings.duration_seconds = std::atof(value.c_str());
        } else if (name == "--warmup") {
            settings.warmup_seconds = std::atof(value.c_str());
        } else if (name == "--threads") {
            settings.threads = std::max(1, std::atoi(value.c_str()));
        } else if (name == "--accounts") {
            settings.accounts = std::max(1L, std::atol(value.c_str()));
        } else if (name == "--requests") {
            settings.requests_file = value;
        } else {
            std::fprintf(stderr,
                         "usage: policy-load --port P [--host H] [--connections N] "
                         "[--duration S] [--warmup S] [--threads T] [--accounts N] "
                         "[--requests FILE]\n");
            std::exit(64);
        }
    }
    if (settings.port <= 0) {
        std::fprintf(stderr, "policy-load: --port is required\n");
        std::exit(64);
    }
    return settings;
}

using mailpolicy::bench::percentile_us;

}  // namespace

int main(int argc, char** argv) {
    Settings settings = parse_arguments(argc, argv);
    auto pool = settings.requests_file.empty() ? generated_requests(settings.accounts, 100000)
                                               : file_requests(settings.requests_file);
    int threads = std::min(settings.threads, settings.connections);
    std::vector<std::unique_ptr<Worker>> workers;
    for (int t = 0; t < threads; ++t) {
        int share = settings.connections / threads + (t < settings.connections % threads ? 1 : 0);
        workers.push_back(
            std::make_unique<Worker>(settings, pool, share, static_cast<std::size_t>(t) * 104729));
    }
    std::atomic<int> connected{0};
    std::atomic<bool> go{false};
    Clock::time_point measure_from = Clock::time_point::max();
    Clock::time_point stop_at = Clock::time_point::max();
    std::vector<std::thread> running;
    for (auto& worker : workers) {
        running.emplace_back(
            [&, w = worker.get()] { w->run(connected, go, measure_from, stop_at); });
    }
    while (connected < threads) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    auto start = Clock::now();
    measure_from = start + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(settings.warmup_seconds));
    stop_at = measure_from + std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double>(settings.duration_seconds));
    go = true;
    for (auto& thread : running) thread.join();

    Tally total;
    for (auto& worker : workers) {
        Tally& tally = worker->tally();
        total.latencies_ns.insert(total.latencies_ns.end(), tally.latencies_ns.begin(),
                                  tally.latencies_ns.end());
        for (const auto& [action, count] : tally.actions) total.actions[action] += count;
        total.refused += tally.refused;
        total.dropped += tally.dropped;
        total.bad_replies += tally.bad_replies;
    }
    std::sort(total.latencies_ns.begin(), total.latencies_ns.end());
    double rate = static_cast<double>(total.latencies_ns.size()) / settings.duration_seconds;
    std::string actions;
    for (const auto& [action, count] : total.actions)
        actions += (actions.empty() ? "" : ",") + action + ":" + std::to_string(count);
    std::printf(
        "RESULT connections=%d decisions=%zu decisions_per_s=%.0f p50_us=%.1f p99_us=%.1f "
        "max_us=%.1f refused=%llu dropped=%llu bad_replies=%llu actions=%s\n",
        settings.connections, total.latencies_ns.size(), rate,
        percentile_us(total.latencies_ns, 0.50), percentile_us(total.latencies_ns, 0.99),
        percentile_us(total.latencies_ns, 1.0), static_cast<unsigned long long>(total.refused),
        static_cast<unsigned long long>(total.dropped),
        static_cast<unsigned long long>(total.bad_replies),
        actions.empty() ? "-" : actions.c_str());
    return total.refused + total.dropped + total.bad_replies == 0 ? 0 : 1;
}
