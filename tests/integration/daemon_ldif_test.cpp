// The example shipped in examples/ works as scripts/run uses it: the real mailpolicyd
// started with examples/mailpolicyd.conf and a copy of examples/directory.ldif answers
// policy requests on a socket as the comments in the example directory promise, serves
// /readyz and /metrics, picks up an edit of the LDIF file, and stops cleanly on SIGTERM.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>

#include "tests/support/test_daemon.h"

namespace mailpolicy::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

const std::string kSendDenied = "550 5.7.1 Sending to this recipient is not permitted";

std::map<std::string, std::string> rcpt(const std::string& sender, const std::string& recipient,
                                        const std::string& login = "") {
    return {{"request", "smtpd_access_policy"},
            {"protocol_state", "RCPT"},
            {"protocol_name", "ESMTP"},
            {"client_address", "192.0.2.10"},
            {"client_name", "client.example"},
            {"helo_name", "client.example"},
            {"sender", sender},
            {"recipient", recipient},
            {"sasl_username", login},
            {"instance", "1a2b.3c4d.0"}};
}

class DaemonLdifTest : public ::testing::Test {
  protected:
    void SetUp() override {
        scratch_ = make_scratch_directory("example-ldif");
        ldif_ = scratch_ / "directory.ldif";
        fs::copy_file(fs::path(MAILPOLICY_SOURCE_DIR) / "examples" / "directory.ldif", ldif_);
        TestDaemon::Options options;
        options.base_config = MAILPOLICY_SOURCE_DIR "/examples/mailpolicyd.conf";
        options.source = "ldif:" + ldif_.string();
        daemon_ = std::make_unique<TestDaemon>(options);
    }

    void TearDown() override {
        if (HasFailure()) std::cerr << "mailpolicyd output:\n" << daemon_->output();
        daemon_.reset();
        fs::remove_all(scratch_);
    }

    std::string decide(const std::string& sender, const std::string& recipient) {
        return policy_action(daemon_->policy_port(), rcpt(sender, recipient));
    }

    fs::path scratch_;
    fs::path ldif_;
    std::unique_ptr<TestDaemon> daemon_;
};

TEST_F(DaemonLdifTest, ExampleAccountsDecideAsDocumented) {
    EXPECT_EQ(decide("alice@example.com", "anyone@elsewhere.example"), "DUNNO");
    EXPECT_EQ(decide("bob@example.com", "someone@elsewhere.example"),
              "550 5.7.1 Contractors may only write to example.com addresses");
    EXPECT_EQ(decide("bob@example.com", "alice@example.net"), "DUNNO");
    EXPECT_EQ(decide("billing@example.com", "invoices@bank.example"), "DUNNO");
    EXPECT_EQ(decide("billing@example.com", "carol@example.com"), "DUNNO");
    EXPECT_EQ(decide("billing@example.com", "buyer@shop.example"), kSendDenied);
    EXPECT_EQ(decide("stranger@elsewhere.example", "internal@example.com"),
              "550 5.7.1 This mailbox accepts mail from example.com only");
    // A colleague is local only when authenticated or from trusted-networks: an outside
    // client claiming alice@example.com is treated as an outside sender.
    EXPECT_EQ(policy_action(daemon_->policy_port(),
                            rcpt("alice@example.com", "internal@example.com", "alice")),
              "DUNNO");
    EXPECT_EQ(decide("alice@example.com", "internal@example.com"),
              "550 5.7.1 This mailbox accepts mail from example.com only");
    EXPECT_EQ(decide("carol@example.com", "sales@competitor.example"), kSendDenied);
    EXPECT_EQ(decide("carol@example.com", "PRESS@news.example"), kSendDenied);
    EXPECT_EQ(decide("carol@example.com", "editor@news.example"), "DUNNO");
    EXPECT_EQ(decide("dave@example.com", "friend@elsewhere.example"), "DUNNO");  // audit only
    EXPECT_EQ(decide("erin@example.com", "lab@lab.example.com"), "DUNNO");
    EXPECT_EQ(decide("erin@example.com", "lab@elsewhere.example"), kSendDenied);

    auto not_rcpt = rcpt("bob@example.com", "someone@elsewhere.example");
    not_rcpt["protocol_state"] = "DATA";
    EXPECT_EQ(policy_action(daemon_->policy_port(), not_rcpt), "DUNNO");
}

TEST_F(DaemonLdifTest, HealthReadinessAndMetricsAnswer) {
    EXPECT_EQ(http_get(daemon_->http_port(), "/healthz").status, 200);
    EXPECT_EQ(http_get(daemon_->http_port(), "/readyz").status, 200);
    decide("bob@example.com", "someone@elsewhere.example");
    auto metrics = http_get(daemon_->http_port(), "/metrics");
    EXPECT_EQ(metrics.status, 200);
    EXPECT_NE(metrics.body.find("# TYPE"), std::string::npos) << metrics.body;
}

TEST_F(DaemonLdifTest, EditingTheLdifFileTakesEffectWithoutRestart) {
    ASSERT_EQ(decide("alice@example.com", "anyone@elsewhere.example"), "DUNNO");
    std::string text = read_file(ldif_);
    const std::string alice_mail = "mail: alice@example.com\n";
    text.replace(text.find(alice_mail), alice_mail.size(),
                 alice_mail + "mailPolicySendMode: denyAll\n");
    fs::path edited = scratch_ / "directory.ldif.new";
    std::ofstream(edited) << text;
    fs::rename(edited, ldif_);  // as editors and config management replace files

    auto deadline = std::chrono::steady_clock::now() + 5s;
    std::string action;
    do {
        action = decide("alice@example.com", "anyone@elsewhere.example");
        if (action != "DUNNO") break;
        std::this_thread::sleep_for(100ms);
    } while (std::chrono::steady_clock::now() < deadline);
    EXPECT_EQ(action, kSendDenied);
}

TEST_F(DaemonLdifTest, StopsCleanlyOnSigterm) {
    EXPECT_EQ(daemon_->stop(), 0) << daemon_->output();
}

}  // namespace
}  // namespace mailpolicy::test
