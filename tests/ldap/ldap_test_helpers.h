// Shared by the live LDAP source tests: a small sample directory, waits with deadlines
// on the published snapshot and the source status, a sampler that counts snapshot
// swaps, a TCP proxy that can cut the source off while slapd keeps running, and a
// capture of what the source logs, and the common fixture. Header-only so that tests/CMakeLists.txt needs no change.
#pragma once

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <Poco/Channel.h>
#include <Poco/Logger.h>
#include <Poco/Message.h>

#include <gtest/gtest.h>

#include "ldap/directory_source.h"
#include "ldap/ldap_source.h"
#include "tests/support/test_slapd.h"

namespace mailpolicy::test {

inline std::string account_dn(const std::string& uid) {
    return "uid=" + uid + ",ou=people,dc=example,dc=test";
}

inline std::string account_ldif(const std::string& uid, const std::string& send_mode) {
    return "dn: " + account_dn(uid) +
           "\nobjectClass: inetOrgPerson\nobjectClass: mailPolicyAccount\ncn: " + uid +
           "\nsn: " + uid + "\nuid: " + uid + "\nmail: " + uid +
           "@example.com\nmailPolicySendMode: " + send_mode + "\n\n";
}

inline std::string set_send_mode_ldif(const std::string& uid, const std::string& send_mode) {
    return "dn: " + account_dn(uid) +
           "\nchangetype: modify\nreplace: mailPolicySendMode\nmailPolicySendMode: " + send_mode +
           "\n";
}

// Two accounts, one class, one domain entry.
inline std::string sample_directory_ldif() {
    return "dn: cn=contractors,dc=example,dc=test\nobjectClass: mailPolicyClass\n"
           "cn: contractors\nmailPolicySendMode: localOnly\n\n"
           "dn: ou=maildomain,dc=example,dc=test\nobjectClass: organizationalUnit\n"
           "objectClass: mailPolicyDomain\nou: maildomain\nmailPolicyDomainName: example.com\n\n" +
           account_ldif("alice", "localOnly") + account_ldif("bob", "allowAll");
}

// As the daemon would be configured: the reader DN, password from a file, no cache.
inline DirectoryConfig reader_config(const TestSlapd& slapd) {
    DirectoryConfig config;
    config.source = slapd.url();
    config.base_dn = TestSlapd::base_dn();
    config.bind_dn = "cn=reader,dc=example,dc=test";
    config.bind_password_file = slapd.reader_password_file();
    config.cache_file.clear();
    return config;
}

// Restarts `slapd` with every slapd.conf line containing `needle` removed (e.g.
// "syncprov" for a server without the overlay, "syncprov-sessionlog" for one that must
// answer a resuming consumer with a present phase).
inline void restart_without_config_lines(TestSlapd& slapd, const std::string& needle) {
    slapd.stop();
    std::string path = slapd.directory() + "/slapd.conf";
    std::ifstream in(path);
    std::string line, kept;
    while (std::getline(in, line)) {
        if (line.find(needle) == std::string::npos) kept += line + "\n";
    }
    in.close();
    std::ofstream(path, std::ios::trunc) << kept;
    slapd.start();
}

// Restarts `slapd` with `line` added at the end of slapd.conf, i.e. to the syncprov
// overlay's section (e.g. "syncprov-reloadhint TRUE").
inline void restart_with_config_line(TestSlapd& slapd, const std::string& line) {
    slapd.stop();
    std::ofstream(slapd.directory() + "/slapd.conf", std::ios::app) << line << "\n";
    slapd.start();
}

inline bool wait_until(const std::function<bool()>& condition,
                       std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (condition()) return true;
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
}

// The first published snapshot that satisfies `predicate`, or null after the timeout.
inline std::shared_ptr<const Snapshot> wait_for_snapshot(
    const SnapshotHolder& holder, const std::function<bool(const Snapshot&)>& predicate,
    std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::shared_ptr<const Snapshot> found;
    wait_until(
        [&] {
            auto current = holder.current();
            if (current && predicate(*current)) found = current;
            return found != nullptr;
        },
        timeout);
    return found;
}

inline std::function<bool(const Snapshot&)> account_count_is(std::size_t count) {
    return [count](const Snapshot& s) { return s.account_count() == count; };
}

inline std::function<bool(const Snapshot&)> send_mode_is(std::string address, Mode mode) {
    return [address, mode](const Snapshot& s) {
        const Account* account = s.account_by_address(address);
        return account != nullptr && account->settings().send.mode == mode;
    };
}

inline bool wait_for_state(const DirectorySource& source, const std::string& state,
                           std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    return wait_until([&] { return source.status().state == state; }, timeout);
}

inline std::string describe(const SnapshotHolder& holder, const DirectorySource& source) {
    auto status = source.status();
    auto snapshot = holder.current();
    return "source state \"" + status.state + "\" detail \"" + status.detail + "\", " +
           (snapshot ? std::to_string(snapshot->account_count()) + " accounts published"
                     : std::string("nothing published"));
}

// Collects what the logger `name` emits at information level and above while it lives;
// the logger's channel and level are restored afterwards.
class LogCapture {
  public:
    explicit LogCapture(const std::string& name)
        : logger_(Poco::Logger::get(name)),
          previous_channel_(logger_.getChannel()),
          previous_level_(logger_.getLevel()),
          sink_(new Sink) {
        logger_.setChannel(sink_);
        logger_.setLevel(Poco::Message::PRIO_INFORMATION);
    }
    ~LogCapture() {
        logger_.setChannel(previous_channel_);
        logger_.setLevel(previous_level_);
    }
    LogCapture(const LogCapture&) = delete;
    LogCapture& operator=(const LogCapture&) = delete;

    std::string text() const {
        std::lock_guard lock(sink_->mutex);
        return sink_->text;
    }
    bool contains(const std::string& part) const { return text().find(part) != std::string::npos; }

  private:
    struct Sink : Poco::Channel {
        void log(const Poco::Message& message) override {
            std::lock_guard lock(mutex);
            text += message.getText() + "\n";
        }
        mutable std::mutex mutex;
        std::string text;
    };

    Poco::Logger& logger_;
    Poco::Channel::Ptr previous_channel_;
    int previous_level_;
    Poco::AutoPtr<Sink> sink_;
};

// Counts how many different snapshots were published while it ran.
class SnapshotCounter {
  public:
    explicit SnapshotCounter(const SnapshotHolder& holder)
        : thread_([this, &holder] {
              while (!stopping_) {
                  seen_.insert(holder.current().get());
                  std::this_thread::sleep_for(std::chrono::microseconds(200));
              }
          }) {}
    ~SnapshotCounter() { stop(); }
    void stop() {
        stopping_ = true;
        if (thread_.joinable()) thread_.join();
    }
    std::size_t distinct() const { return seen_.size(); }

  private:
    std::atomic<bool> stopping_{false};
    std::set<const void*> seen_;
    std::thread thread_;
};

// A loopback TCP proxy to slapd; cut() drops every connection and refuses new ones
// until restore(), so the source is disconnected while slapd still takes changes.
class CuttableProxy {
  public:
    explicit CuttableProxy(int target_port) : target_port_(target_port) {
        listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address = loopback(0);
        socklen_t length = sizeof address;
        auto* generic = reinterpret_cast<sockaddr*>(&address);
        if (::bind(listener_, generic, length) != 0 || ::listen(listener_, 16) != 0 ||
            ::getsockname(listener_, generic, &length) != 0) {
            throw std::runtime_error("proxy: cannot listen");
        }
        port_ = ntohs(address.sin_port);
        thread_ = std::thread([this] { run(); });
    }
    ~CuttableProxy() {
        stopping_ = true;
        thread_.join();
        close_all();
        ::close(listener_);
    }
    std::string url() const { return "ldap://127.0.0.1:" + std::to_string(port_) + "/"; }
    void cut() { cut_ = true; }
    void restore() { cut_ = false; }

  private:
    static sockaddr_in loopback(int port) {
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        address.sin_port = htons(static_cast<uint16_t>(port));
        return address;
    }

    void close_all() {
        for (auto [client, server] : pairs_) {
            ::close(client);
            ::close(server);
        }
        pairs_.clear();
    }

    void accept_one() {
        int client = ::accept(listener_, nullptr, nullptr);
        if (client < 0) return;
        if (cut_) {
            ::close(client);
            return;
        }
        int server = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in target = loopback(target_port_);
        if (::connect(server, reinterpret_cast<sockaddr*>(&target), sizeof target) != 0) {
            ::close(server);
            ::close(client);
            return;
        }
        pairs_.emplace_back(client, server);
    }

    // Copies what is readable on `from` to `to`; false when either side is done.
    static bool forward(int from, int to) {
        char buffer[65536];
        ssize_t got = ::read(from, buffer, sizeof buffer);
        if (got <= 0) return false;
        for (ssize_t sent = 0; sent < got;) {
            ssize_t wrote =
                ::send(to, buffer + sent, static_cast<size_t>(got - sent), MSG_NOSIGNAL);
            if (wrote <= 0) return false;
            sent += wrote;
        }
        return true;
    }

    void run() {
        while (!stopping_) {
            if (cut_) close_all();
            std::vector<pollfd> fds{{listener_, POLLIN, 0}};
            for (auto [client, server] : pairs_) {
                fds.push_back({client, POLLIN, 0});
                fds.push_back({server, POLLIN, 0});
            }
            if (::poll(fds.data(), fds.size(), 10) <= 0) continue;
            if (fds[0].revents & POLLIN) accept_one();
            std::vector<std::pair<int, int>> alive;
            for (std::size_t i = 0; i < fds.size() / 2 && i < pairs_.size(); ++i) {
                auto [client, server] = pairs_[i];
                bool ok = true;
                if (fds[1 + 2 * i].revents) ok = forward(client, server);
                if (ok && fds[2 + 2 * i].revents) ok = forward(server, client);
                if (ok) {
                    alive.emplace_back(client, server);
                } else {
                    ::close(client);
                    ::close(server);
                }
            }
            for (std::size_t i = fds.size() / 2; i < pairs_.size(); ++i) alive.push_back(pairs_[i]);
            pairs_ = std::move(alive);
        }
    }

    int target_port_;
    int listener_ = -1;
    int port_ = 0;
    std::atomic<bool> stopping_{false};
    std::atomic<bool> cut_{false};
    std::vector<std::pair<int, int>> pairs_;
    std::thread thread_;
};

// A throwaway slapd holding the sample directory, a reader's config for it and the
// holder a source publishes to: the set-up of the live-source tests.
class SampleDirectoryTest : public ::testing::Test {
  protected:
    explicit SampleDirectoryTest(TestSlapdOptions options = {}) : slapd_(std::move(options)) {}
    void SetUp() override {
        slapd_.add_ldif(sample_directory_ldif());
        config_ = reader_config(slapd_);
    }

    std::unique_ptr<DirectorySource> start_source() {
        auto source = make_ldap_source(config_, holder_);
        source->start();
        return source;
    }

    TestSlapd slapd_;
    DirectoryConfig config_;
    SnapshotHolder holder_;
};

}  // namespace mailpolicy::test
