// The policy listener against clients that hold connections without finishing requests:
// trickling clients are cut off at listen.request-timeout and a fresh client gets their
// slot, bytes that end no request do not reset the idle timeout, a busy Postfix-like
// client is never cut off, and max-connections-per-peer caps one address only.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "module/policy_server.h"
#include "module/policy_service.h"
#include "tests/support/memory_snapshot.h"
#include "tests/support/socket_client.h"

namespace mailpolicy {
namespace {

using namespace std::chrono_literals;
using test::SocketClient;
using test::Trickler;

const std::string kRequest =
    "request=smtpd_access_policy\nprotocol_state=RCPT\nclient_address=192.0.2.7\n"
    "sender=alice@example.com\nrecipient=bob@example.org\n\n";
const std::string kDenied = "action=550 5.7.1 Sending to this recipient is not permitted\n\n";

std::shared_ptr<const Snapshot> example_snapshot() {
    auto snapshot = std::make_shared<MemorySnapshot>();
    AccountFields alice;
    alice.dn = "uid=alice,dc=example,dc=com";
    alice.primary = "alice@example.com";
    alice.settings.send.mode = Mode::DenyAll;
    snapshot->directory.add(std::move(alice));
    return snapshot;
}

// Retries a fresh connection until it is answered or `within` passes: while the slots
// are held, the server closes new connections at once.
bool fresh_client_is_answered(std::uint16_t port, std::chrono::milliseconds within) {
    const auto deadline = std::chrono::steady_clock::now() + within;
    while (std::chrono::steady_clock::now() < deadline) {
        SocketClient client(port);
        if (client.connected() && client.send(kRequest) &&
            client.receive_until("\n\n", 1s) == kDenied) {
            return true;
        }
        std::this_thread::sleep_for(20ms);  // not a busy loop of refused connections
    }
    return false;
}

class PolicyServerLimitsTest : public ::testing::Test {
  protected:
    void SetUp() override {
        holder_.publish(example_snapshot());
        options_.listen = std::get<ListenAddress>(ListenAddress::parse("127.0.0.1:0"));
    }
    void start() {
        live_ = std::make_unique<LivePolicy>(PolicySettingsInForce{});
        service_ = std::make_unique<PolicyService>(holder_, *live_, metrics_, nullptr);
        server_ = std::make_unique<PolicyServer>(
            options_, [this](const PolicyRequest& r) { return service_->answer(r); }, metrics_);
        server_->start();
    }
    bool open_connections_reach(std::size_t count, std::chrono::milliseconds within) {
        const auto deadline = std::chrono::steady_clock::now() + within;
        while (server_->open_connections() != count) {
            if (std::chrono::steady_clock::now() >= deadline) return false;
            std::this_thread::sleep_for(5ms);
        }
        return true;
    }
    void TearDown() override {
        if (server_) server_->stop();
    }

    SnapshotHolder holder_;
    Metrics metrics_;
    PolicyServerOptions options_;
    std::unique_ptr<LivePolicy> live_;
    std::unique_ptr<PolicyService> service_;
    std::unique_ptr<PolicyServer> server_;
};

TEST_F(PolicyServerLimitsTest, TricklingClientsAreCutOffAtTheRequestDeadline) {
    options_.max_connections = 4;
    options_.request_timeout = 600ms;
    start();
    std::vector<std::unique_ptr<Trickler>> tricklers;
    for (int i = 0; i < 4; ++i) {
        tricklers.push_back(std::make_unique<Trickler>(server_->port(), kRequest, 50ms));
        ASSERT_TRUE(tricklers.back()->connected());
    }
    ASSERT_TRUE(open_connections_reach(4, 2s));
    // Every slot is held: a fifth client gets one only once the tricklers are cut off.
    EXPECT_TRUE(fresh_client_is_answered(server_->port(), 4s));
    for (auto& trickler : tricklers) {
        const auto closed_after = trickler->wait_closed(3s);
        ASSERT_TRUE(closed_after.has_value()) << "a trickling client kept its slot";
        EXPECT_GE(*closed_after, 550ms);
        EXPECT_LT(*closed_after, 2500ms);
    }
}

TEST_F(PolicyServerLimitsTest, BytesThatEndNoRequestDoNotResetTheIdleTimeout) {
    options_.idle_timeout = 500ms;
    options_.request_timeout = 60s;
    start();
    SocketClient client(server_->port());
    ASSERT_TRUE(client.send(kRequest));
    ASSERT_EQ(client.receive_until("\n\n", 2s), kDenied);
    Trickler trickler(server_->port(), kRequest, 50ms);
    const auto closed_after = trickler.wait_closed(4s);
    ASSERT_TRUE(closed_after.has_value()) << "trickled bytes kept the connection from idling";
    EXPECT_GE(*closed_after, 450ms);
    EXPECT_TRUE(client.wait_closed(3s));
}

TEST_F(PolicyServerLimitsTest, ABusyClientIsNeverCutOff) {
    options_.idle_timeout = 300ms;
    options_.request_timeout = 300ms;
    options_.max_connections = 1;
    start();
    SocketClient client(server_->port());
    const auto until = std::chrono::steady_clock::now() + 1500ms;
    int answered = 0;
    while (std::chrono::steady_clock::now() < until) {
        // A request in two writes, as a slow but honest client sends it.
        ASSERT_TRUE(client.send(kRequest.substr(0, 40)));
        std::this_thread::sleep_for(20ms);
        ASSERT_TRUE(client.send(kRequest.substr(40)));
        ASSERT_EQ(client.receive_until("\n\n", 2s), kDenied) << "after " << answered;
        ++answered;
        std::this_thread::sleep_for(80ms);
    }
    EXPECT_GT(answered, 10);
    ASSERT_TRUE(client.send(kRequest + kRequest));
    EXPECT_EQ(client.receive_until("\n\n", 2s), kDenied);
    EXPECT_EQ(client.receive_until("\n\n", 2s), kDenied);
}

TEST_F(PolicyServerLimitsTest, PerPeerCapRefusesOnlyTheAddressAtTheCap) {
    options_.per_peer = {.max_per_peer = 3, .exempt_local = false};
    start();
    std::vector<std::unique_ptr<SocketClient>> clients;
    for (int i = 0; i < 3; ++i) {
        clients.push_back(std::make_unique<SocketClient>(server_->port()));
        ASSERT_TRUE(clients.back()->send(kRequest));
        ASSERT_EQ(clients.back()->receive_until("\n\n", 2s), kDenied);
    }
    SocketClient extra(server_->port());
    extra.send(kRequest);
    EXPECT_TRUE(extra.wait_closed(2s));
    EXPECT_EQ(extra.received(), "");
    SocketClient other_peer(server_->port(), "127.0.0.2");
    ASSERT_TRUE(other_peer.connected());
    ASSERT_TRUE(other_peer.send(kRequest));
    EXPECT_EQ(other_peer.receive_until("\n\n", 2s), kDenied);
    clients[0]->close();
    EXPECT_TRUE(fresh_client_is_answered(server_->port(), 3s));
}

TEST_F(PolicyServerLimitsTest, LoopbackPeersAreExemptFromThePerPeerCap) {
    // A local Postfix: every smtpd process connects from 127.0.0.1.
    options_.per_peer = {.max_per_peer = 3, .exempt_local = true};
    start();
    std::vector<std::unique_ptr<SocketClient>> clients;
    for (int i = 0; i < 20; ++i) {
        clients.push_back(std::make_unique<SocketClient>(server_->port()));
        ASSERT_TRUE(clients.back()->send(kRequest));
    }
    for (auto& client : clients) EXPECT_EQ(client->receive_until("\n\n", 2s), kDenied);
}

}  // namespace
}  // namespace mailpolicy
