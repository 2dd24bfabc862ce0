// The policy server as Postfix sees it: a real listener on a free loopback port, an
// in-memory directory, golden request -> reply transcripts, hundreds of persistent
// connections, malformed and vanishing clients, max-connections, and a clean stop.
#include "module/policy_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <mutex>
#include <thread>

#include "module/policy_service.h"
#include "tests/support/memory_snapshot.h"

namespace mailpolicy {
namespace {

// alice@example.com may send only inside example.com; bob@example.com is audited.
std::shared_ptr<const Snapshot> example_snapshot() {
    auto snapshot = std::make_shared<MemorySnapshot>();
    Domain domain;
    domain.dn = "dc=example,dc=com";
    domain.names = {"example.com"};
    snapshot->directory.add(std::move(domain));
    AccountFields alice;
    alice.dn = "uid=alice,ou=people,dc=example,dc=com";
    alice.primary = "alice@example.com";
    alice.logins = {"alice"};
    alice.settings.send.mode = Mode::LocalOnly;
    snapshot->directory.add(std::move(alice));
    AccountFields bob;
    bob.dn = "uid=bob,ou=people,dc=example,dc=com";
    bob.primary = "bob@example.com";
    bob.logins = {"bob"};
    bob.settings.send.mode = Mode::DenyAll;
    bob.settings.enforcement = Enforcement::Audit;
    snapshot->directory.add(std::move(bob));
    return snapshot;
}

std::string rcpt(const std::string& sender, const std::string& recipient,
                 const std::string& extra = "") {
    return "request=smtpd_access_policy\nprotocol_state=RCPT\nprotocol_name=ESMTP\n"
           "client_address=192.0.2.7\nclient_name=mx.example.net\nsender=" +
           sender + "\nrecipient=" + recipient + "\n" + extra + "instance=a1b2.5f3e.1\n\n";
}

// A blocking client with a receive timeout, so a missing reply fails instead of hanging.
class Client {
  public:
    explicit Client(std::uint16_t port, int receive_buffer = 0) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        if (receive_buffer > 0) {
            ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
        }
        timeval timeout{5, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    }
    explicit Client(const std::string& unix_path) {
        fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
        timeval timeout{5, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::strncpy(address.sun_path, unix_path.c_str(), sizeof address.sun_path - 1);
        connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    }
    ~Client() { close(); }
    void close() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

    bool connected() const { return connected_; }
    void send(const std::string& text) {
        ASSERT_EQ(::send(fd_, text.data(), text.size(), MSG_NOSIGNAL),
                  static_cast<ssize_t>(text.size()));
    }
    // One reply up to and including its empty line; "" if the server closed first.
    std::string reply() {
        while (true) {
            if (auto end = buffer_.find("\n\n"); end != std::string::npos) {
                std::string reply = buffer_.substr(0, end + 2);
                buffer_.erase(0, end + 2);
                return reply;
            }
            char chunk[4096];
            const ssize_t received = ::recv(fd_, chunk, sizeof chunk, 0);
            if (received <= 0) return "";
            buffer_.append(chunk, static_cast<std::size_t>(received));
        }
    }
    // True when the server closed the connection (EOF or reset) without sending more.
    bool closed_by_server() {
        char byte;
        const ssize_t received = ::recv(fd_, &byte, 1, 0);
        return received == 0 || (received < 0 && errno == ECONNRESET);
    }

  private:
    int fd_ = -1;
    bool connected_ = false;
    std::string buffer_;
};

class PolicyServerTest : public ::testing::Test {
  protected:
    void start(std::size_t max_connections = 1024, PolicySettingsInForce settings = {},
               std::optional<ListenAddress> listen = std::nullopt) {
        live_ = std::make_unique<LivePolicy>(std::move(settings));
        service_ =
            std::make_unique<PolicyService>(holder_, *live_, metrics_, [this](AuditRecord r) {
                std::lock_guard lock(audit_mutex_);
                audited_.push_back(std::move(r));
            });
        PolicyServerOptions options;
        if (listen) {
            options.listen = *listen;
        } else {
            options.listen = std::get<ListenAddress>(ListenAddress::parse("127.0.0.1:0"));
        }
        options.max_connections = max_connections;
        options.max_pending_output = max_pending_output_;
        options.idle_timeout = idle_timeout_;
        server_ = std::make_unique<PolicyServer>(
            options, [this](const PolicyRequest& r) { return service_->answer(r); }, metrics_);
        server_->start();
    }
    void TearDown() override {
        if (server_) server_->stop();
    }

    SnapshotHolder holder_;
    Metrics metrics_;
    std::unique_ptr<LivePolicy> live_;
    std::unique_ptr<PolicyService> service_;
    std::unique_ptr<PolicyServer> server_;
    std::size_t max_pending_output_ = 256 * 1024;
    std::chrono::milliseconds idle_timeout_{std::chrono::minutes(30)};
    std::mutex audit_mutex_;
    std::vector<AuditRecord> audited_;
};

TEST_F(PolicyServerTest, TranscriptsAllowedDeniedAuditAndOtherStates) {
    holder_.publish(example_snapshot());
    start();
    Client client(server_->port());
    ASSERT_TRUE(client.connected());
    client.send(rcpt("alice@example.com", "carol@example.com"));
    EXPECT_EQ(client.reply(), "action=DUNNO\n\n");
    client.send(rcpt("alice@example.com", "dave@example.org", "queue_id=4XyZ1\n"));
    EXPECT_EQ(client.reply(), "action=550 5.7.1 Sending to this recipient is not permitted\n\n");
    client.send(rcpt("bob@example.com", "dave@example.org", "sasl_username=bob\n"));
    EXPECT_EQ(client.reply(), "action=DUNNO\n\n");
    client.send("protocol_state=DATA\nsender=alice@example.com\nrecipient=dave@example.org\n\n");
    EXPECT_EQ(client.reply(), "action=DUNNO\n\n");
    client.send("protocol_state=END-OF-MESSAGE\nsender=alice@example.com\n\n");
    EXPECT_EQ(client.reply(), "action=DUNNO\n\n");

    std::lock_guard lock(audit_mutex_);
    ASSERT_EQ(audited_.size(), 2u);
    EXPECT_EQ(audited_[0].path, "smtp");
    EXPECT_EQ(audited_[0].direction, "send");
    EXPECT_EQ(audited_[0].action, "reject");
    EXPECT_EQ(audited_[0].sender, "alice@example.com");
    EXPECT_EQ(audited_[0].recipient, "dave@example.org");
    EXPECT_EQ(audited_[0].client_address, "192.0.2.7");
    EXPECT_EQ(audited_[0].account, "alice@example.com");
    EXPECT_EQ(audited_[0].reply_code, 550);
    EXPECT_EQ(audited_[0].reply_status, "5.7.1");
    EXPECT_EQ(audited_[0].instance, "4XyZ1");
    EXPECT_FALSE(audited_[0].rule.empty());
    EXPECT_EQ(audited_[1].action, "audit");
    EXPECT_EQ(audited_[1].login, "bob");
    EXPECT_EQ(audited_[1].instance, "a1b2.5f3e.1");
    EXPECT_EQ(metrics_.decisions(SubmissionPath::Smtp, Direction::Send, Outcome::Denied), 1u);
}

TEST_F(PolicyServerTest, UnavailableAnswersFollowOnUnavailable) {
    start();
    Client client(server_->port());
    client.send(rcpt("alice@example.com", "dave@example.org"));
    EXPECT_EQ(client.reply(), "action=451 4.3.0 Policy data temporarily unavailable\n\n");
    client.send("protocol_state=DATA\n\n");
    EXPECT_EQ(client.reply(), "action=DUNNO\n\n");
    live_->replace({PolicyConfig{}, OnUnavailable::Permit});
    client.send(rcpt("alice@example.com", "dave@example.org"));
    EXPECT_EQ(client.reply(), "action=DUNNO\n\n");
    holder_.publish(example_snapshot());
    client.send(rcpt("alice@example.com", "dave@example.org"));
    EXPECT_EQ(client.reply(), "action=550 5.7.1 Sending to this recipient is not permitted\n\n");
}

TEST_F(PolicyServerTest, PipelinedRequestsSentInOneWriteGetRepliesInOrder) {
    holder_.publish(example_snapshot());
    start();
    Client client(server_->port());
    client.send(rcpt("alice@example.com", "x@example.org") +
                rcpt("alice@example.com", "y@example.com") +
                rcpt("alice@example.com", "z@example.org"));
    EXPECT_EQ(client.reply(), "action=550 5.7.1 Sending to this recipient is not permitted\n\n");
    EXPECT_EQ(client.reply(), "action=DUNNO\n\n");
    EXPECT_EQ(client.reply(), "action=550 5.7.1 Sending to this recipient is not permitted\n\n");
}

TEST_F(PolicyServerTest, ThreeHundredPersistentConnectionsAreAllAnswered) {
    holder_.publish(example_snapshot());
    start();
    std::vector<std::unique_ptr<Client>> clients;
    for (int i = 0; i < 300; ++i) {
        clients.push_back(std::make_unique<Client>(server_->port()));
        ASSERT_TRUE(clients.back()->connected()) << i;
    }
    for (int round = 0; round < 3; ++round) {
        for (auto& client : clients) client->send(rcpt("alice@example.com", "x@example.org"));
        for (std::size_t i = 0; i < clients.size(); ++i) {
            ASSERT_EQ(clients[i]->reply(),
                      "action=550 5.7.1 Sending to this recipient is not permitted\n\n")
                << "client " << i << " round " << round;
        }
    }
    EXPECT_EQ(server_->open_connections(), 300u);
}

TEST_F(PolicyServerTest, MalformedClientIsClosedWithoutReplyOthersContinue) {
    holder_.publish(example_snapshot());
    start();
    Client good(server_->port());
    Client bad(server_->port());
    good.send(rcpt("alice@example.com", "a@example.com"));
    EXPECT_EQ(good.reply(), "action=DUNNO\n\n");
    bad.send("protocol_state=RCPT\nthis line has no equals sign\n\n");
    EXPECT_TRUE(bad.closed_by_server());
    Client non_utf8(server_->port());
    non_utf8.send(rcpt("alice@example.com", "d\xff@example.org"));
    EXPECT_TRUE(non_utf8.closed_by_server());
    Client long_line(server_->port());
    long_line.send("protocol_state=RCPT\nsender=" + std::string(70000, 'a') + "\n\n");
    EXPECT_TRUE(long_line.closed_by_server());
    good.send(rcpt("alice@example.com", "a@example.org"));
    EXPECT_EQ(good.reply(), "action=550 5.7.1 Sending to this recipient is not permitted\n\n");
}

TEST_F(PolicyServerTest, ClientLeavingMidRequestDoesNotHarmOthers) {
    holder_.publish(example_snapshot());
    start();
    Client good(server_->port());
    {
        Client leaving(server_->port());
        leaving.send("protocol_state=RCPT\nsender=alice@exa");
    }
    good.send(rcpt("alice@example.com", "a@example.com"));
    EXPECT_EQ(good.reply(), "action=DUNNO\n\n");
    for (int i = 0; i < 100 && server_->open_connections() != 1; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_EQ(server_->open_connections(), 1u);
}

TEST_F(PolicyServerTest, MaxConnectionsIsEnforcedAndSlotsComeBack) {
    holder_.publish(example_snapshot());
    start(5);
    std::vector<std::unique_ptr<Client>> clients;
    for (int i = 0; i < 5; ++i) {
        clients.push_back(std::make_unique<Client>(server_->port()));
        clients.back()->send(rcpt("alice@example.com", "a@example.com"));
        ASSERT_EQ(clients.back()->reply(), "action=DUNNO\n\n");
    }
    Client extra(server_->port());
    extra.send(rcpt("alice@example.com", "a@example.com"));
    EXPECT_TRUE(extra.closed_by_server());
    clients[0]->close();
    for (int i = 0; i < 100 && server_->open_connections() != 4; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    Client again(server_->port());
    again.send(rcpt("alice@example.com", "a@example.com"));
    EXPECT_EQ(again.reply(), "action=DUNNO\n\n");
}

TEST_F(PolicyServerTest, StopAnswersRequestsAlreadySentThenCloses) {
    holder_.publish(example_snapshot());
    start();
    Client client(server_->port());
    client.send(rcpt("alice@example.com", "a@example.com"));
    EXPECT_EQ(client.reply(), "action=DUNNO\n\n");
    client.send(rcpt("alice@example.com", "a@example.org"));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    server_->stop();
    EXPECT_EQ(client.reply(), "action=550 5.7.1 Sending to this recipient is not permitted\n\n");
    EXPECT_TRUE(client.closed_by_server());
}

TEST_F(PolicyServerTest, DefaultMaxConnectionsOf1024IsReachable) {
    holder_.publish(example_snapshot());
    start();
    std::vector<std::unique_ptr<Client>> clients;
    for (int i = 0; i < 1024; ++i) {
        clients.push_back(std::make_unique<Client>(server_->port()));
        ASSERT_TRUE(clients.back()->connected()) << i;
    }
    for (auto& client : clients) client->send(rcpt("alice@example.com", "a@example.com"));
    for (std::size_t i = 0; i < clients.size(); ++i) {
        ASSERT_EQ(clients[i]->reply(), "action=DUNNO\n\n") << "client " << i;
    }
    Client extra(server_->port());
    extra.send(rcpt("alice@example.com", "a@example.com"));
    EXPECT_TRUE(extra.closed_by_server());
}

TEST_F(PolicyServerTest, ClientThatReadsLateGetsEveryReplyInOrder) {
    holder_.publish(example_snapshot());
    max_pending_output_ = 4096;  // with a small receive buffer, reading pauses early
    start();
    Client client(server_->port(), 4096);
    constexpr int kRequests = 20000;
    std::thread sender([&] {
        for (int i = 0; i < kRequests; ++i) {
            client.send(rcpt("alice@example.com", i % 2 ? "a@example.com" : "a@example.org"));
        }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    for (int i = 0; i < kRequests; ++i) {
        const std::string expected =
            i % 2 ? "action=DUNNO\n\n"
                  : "action=550 5.7.1 Sending to this recipient is not permitted\n\n";
        ASSERT_EQ(client.reply(), expected) << "reply " << i;
    }
    sender.join();
}

TEST_F(PolicyServerTest, ListensOnIpv6Loopback) {
    holder_.publish(example_snapshot());
    start(1024, {}, std::get<ListenAddress>(ListenAddress::parse("[::1]:0")));
    const int fd = ::socket(AF_INET6, SOCK_STREAM, 0);
    sockaddr_in6 address{};
    address.sin6_family = AF_INET6;
    address.sin6_port = htons(server_->port());
    address.sin6_addr = in6addr_loopback;
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    const std::string request = rcpt("alice@example.com", "a@example.org");
    ASSERT_EQ(::send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
    char buffer[256];
    const ssize_t received = ::recv(fd, buffer, sizeof buffer, 0);
    ::close(fd);
    EXPECT_EQ(std::string(buffer, static_cast<std::size_t>(std::max<ssize_t>(received, 0))),
              "action=550 5.7.1 Sending to this recipient is not permitted\n\n");
}

TEST_F(PolicyServerTest, SilentConnectionsAreClosedAfterTheIdleTimeout) {
    holder_.publish(example_snapshot());
    idle_timeout_ = std::chrono::milliseconds(300);
    start();
    Client silent(server_->port());
    Client busy(server_->port());
    for (int i = 0; i < 10; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(60));
        busy.send(rcpt("alice@example.com", "a@example.com"));
        ASSERT_EQ(busy.reply(), "action=DUNNO\n\n");
    }
    EXPECT_TRUE(silent.closed_by_server());
    busy.send(rcpt("alice@example.com", "a@example.com"));
    EXPECT_EQ(busy.reply(), "action=DUNNO\n\n");
}

TEST_F(PolicyServerTest, ListensOnAUnixSocket) {
    holder_.publish(example_snapshot());
    const auto path = std::filesystem::temp_directory_path() /
                      ("policy_server_test." + std::to_string(::getpid()) + ".sock");
    start(1024, {}, std::get<ListenAddress>(ListenAddress::parse("unix:" + path.string())));
    Client client(path.string());
    ASSERT_TRUE(client.connected());
    client.send(rcpt("alice@example.com", "a@example.org"));
    EXPECT_EQ(client.reply(), "action=550 5.7.1 Sending to this recipient is not permitted\n\n");
    server_->stop();
    EXPECT_FALSE(std::filesystem::exists(path));
}

}  // namespace
}  // namespace mailpolicy
