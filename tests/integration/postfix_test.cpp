// End to end over SMTP: a real slapd holds the policies, the real mailpolicyd replicates
// them, a real Postfix asks it at RCPT TO (check_policy_service, configured as README.md
// says), and swaks is the SMTP client. Asserts what the client sees (per-recipient replies,
// whether the message was queued), what reached the relay host, and the audit rows.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "tests/support/test_daemon.h"
#include "tests/support/test_postfix.h"
#include "tests/support/test_slapd.h"

namespace mailpolicy::test {
namespace {

using namespace std::chrono_literals;

const std::string kSendDenied = "Sending to this recipient is not permitted";
const std::string kReceiveDenied = "This recipient does not accept mail from the sender";

std::string account(const std::string& uid, const std::string& policy_lines) {
    return "dn: uid=" + uid + ",ou=people,dc=example,dc=test\n" +
           "objectClass: inetOrgPerson\nobjectClass: mailPolicyAccount\n" + "uid: " + uid +
           "\ncn: " + uid + "\nsn: " + uid + "\nmail: " + uid + "@example.com\n" + policy_lines +
           "\n";
}

// The policies of examples/directory.ldif, in the test server's tree.
std::string directory_ldif() {
    return "dn: cn=contractors,dc=example,dc=test\nobjectClass: mailPolicyClass\n"
           "cn: contractors\nmailPolicySendMode: localOnly\n\n" +
           account("alice", "") +
           account("bob", "mailPolicyClassDN: cn=contractors,dc=example,dc=test\n") +
           account("billing",
                   "mailPolicySendMode: denyAll\nmailPolicySendException: *@example.com\n"
                   "mailPolicySendException: *@bank.example\n") +
           account("internal", "mailPolicyReceiveMode: localOnly\n") +
           account("carol",
                   "mailPolicySendException: *@competitor.example\n"
                   "mailPolicySendException: press@news.example\n") +
           account("dave", "mailPolicySendMode: localOnly\nmailPolicyEnforcement: audit\n") +
           account("erin", "mailPolicySendMode: localAndSubdomains\n") + account("frank", "");
}

std::string expected_rejection(const std::string& recipient, const std::string& text) {
    return "550 5.7.1 <" + recipient + ">: Recipient address rejected: " + text;
}

// The audit rows about one recipient (each test uses recipients of its own).
std::vector<std::map<std::string, std::string>> audit_rows_for(const TestDaemon& daemon,
                                                               const std::string& recipient,
                                                               std::size_t expected) {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    std::vector<std::map<std::string, std::string>> mine;
    do {
        mine.clear();
        for (auto& row : audit_rows(daemon.audit_database(), 0, 0ms)) {
            if (row["recipient"] == recipient) mine.push_back(row);
        }
        if (mine.size() >= expected) break;
        std::this_thread::sleep_for(50ms);
    } while (std::chrono::steady_clock::now() < deadline);
    return mine;
}

class PostfixTest : public ::testing::Test {
  protected:
    void SetUp() override {
        slapd_ = std::make_unique<TestSlapd>();
        slapd_->modify_ldif(
            "dn: dc=example,dc=test\nchangetype: modify\nadd: objectClass\n"
            "objectClass: mailPolicyDomain\n-\nadd: mailPolicyDomainName\n"
            "mailPolicyDomainName: example.com\nmailPolicyDomainName: example.net\n");
        slapd_->add_ldif(directory_ldif());
        TestDaemon::Options options;
        options.source = slapd_->url();
        options.base_dn = TestSlapd::base_dn();
        options.bind_dn = TestSlapdOptions{}.reader_dn;
        options.bind_password = TestSlapdOptions{}.reader_password;
        daemon_ = std::make_unique<TestDaemon>(options);
        TestPostfix::Options postfix_options;
        postfix_options.policy_port = daemon_->policy_port();
        postfix_ = std::make_unique<TestPostfix>(postfix_options);
    }

    void TearDown() override {
        postfix_.reset();
        EXPECT_EQ(daemon_->stop(), 0) << daemon_->output();
        if (HasFailure()) std::cerr << "mailpolicyd output:\n" << daemon_->output();
    }

    std::unique_ptr<TestSlapd> slapd_;
    std::unique_ptr<TestDaemon> daemon_;
    std::unique_ptr<TestPostfix> postfix_;
};

TEST_F(PostfixTest, DeniedRecipientIsRejectedAtRcptAndTheRestIsDelivered) {
    // billing may send only to the organisation and the bank (denyAll + exceptions).
    auto session =
        postfix_->send("billing@example.com",
                       {"invoices@bank.example", "buyer@shop.example", "alice@example.com"});
    SCOPED_TRACE(session.transcript);
    EXPECT_EQ(session.rcpt_reply("buyer@shop.example"),
              expected_rejection("buyer@shop.example", kSendDenied));
    EXPECT_EQ(session.rcpt_code("invoices@bank.example"), 250);
    EXPECT_EQ(session.rcpt_code("alice@example.com"), 250);
    EXPECT_TRUE(session.message_accepted());
    EXPECT_TRUE(postfix_->wait_delivered("invoices@bank.example")) << postfix_->maillog();
    EXPECT_TRUE(postfix_->wait_delivered("alice@example.com")) << postfix_->maillog();
    EXPECT_EQ(postfix_->maillog().find("to=<buyer@shop.example>, relay="), std::string::npos)
        << postfix_->maillog();
}

TEST_F(PostfixTest, PolicyConnectionIsReusedAcrossRecipients) {
    // Postfix sends every request of an smtpd process on one connection; a server that
    // closed it after each reply would cost a 1 s retry per recipient.
    std::vector<std::string> recipients;
    for (int i = 0; i < 6; ++i) recipients.push_back("r" + std::to_string(i) + "@shop.example");
    postfix_->send("billing@example.com", {"warm-up@bank.example"});
    auto started = std::chrono::steady_clock::now();
    auto session = postfix_->send("billing@example.com", recipients);
    auto elapsed = std::chrono::steady_clock::now() - started;
    for (const auto& recipient : recipients)
        EXPECT_EQ(session.rcpt_code(recipient), 550) << session.transcript;
    EXPECT_LT(elapsed, 3s) << session.transcript;
}

TEST_F(PostfixTest, EveryModeDecidesAsConfigured) {
    struct Case {
        std::string sender, recipient;
        int code;
    };
    const std::vector<Case> cases = {
        {"alice@example.com", "anyone@elsewhere.example", 250},  // allowAll, nothing set
        {"bob@example.com", "client@elsewhere.example", 550},    // class contractors: localOnly
        {"bob@example.com", "alice@example.com", 250},           //
        {"bob@example.com", "partner@example.net", 250},         // domain alias is local
        {"carol@example.com", "sales@competitor.example", 550},  // allowAll + block list
        {"carol@example.com", "press@news.example", 550},        //
        {"carol@example.com", "editor@news.example", 250},       //
        {"erin@example.com", "lab@lab.example.com", 250},        // localAndSubdomains
        {"erin@example.com", "lab@elsewhere.example", 550},      //
        {"dave@example.com", "friend@elsewhere.example", 250},   // audit only: allowed
    };
    for (const auto& c : cases) {
        auto session = postfix_->send(c.sender, {c.recipient});
        EXPECT_EQ(session.rcpt_code(c.recipient), c.code)
            << c.sender << " -> " << c.recipient << "\n"
            << session.transcript;
        if (c.code == 550) {
            EXPECT_EQ(session.rcpt_reply(c.recipient),
                      expected_rejection(c.recipient, kSendDenied));
        } else {
            EXPECT_TRUE(session.message_accepted()) << session.transcript;
        }
    }
}

TEST_F(PostfixTest, ReceiveRestrictionRejectsOutsideSendersOnly) {
    auto outside = postfix_->send("stranger@elsewhere.example", {"internal@example.com"});
    EXPECT_EQ(outside.rcpt_reply("internal@example.com"),
              expected_rejection("internal@example.com", kReceiveDenied))
        << outside.transcript;
    EXPECT_FALSE(outside.message_accepted());

    auto inside = postfix_->send("alice@example.com", {"internal@example.com"});
    EXPECT_EQ(inside.rcpt_code("internal@example.com"), 250) << inside.transcript;
    EXPECT_TRUE(inside.message_accepted()) << inside.transcript;
}

TEST_F(PostfixTest, AuthenticatedLoginCannotEscapeItsRestrictionsWithAForgedSender) {
    // XCLIENT LOGIN makes Postfix pass sasl_username=bob, as after SMTP AUTH.
    auto session = postfix_->send("alice@example.com", {"client@elsewhere.example"},
                                  {"--xclient-login", "bob"});
    EXPECT_EQ(session.rcpt_reply("client@elsewhere.example"),
              expected_rejection("client@elsewhere.example", kSendDenied))
        << session.transcript;
}

TEST_F(PostfixTest, EachViolationIsAudited) {
    auto denied = postfix_->send("bob@example.com", {"audit-me@elsewhere.example"});
    ASSERT_EQ(denied.rcpt_code("audit-me@elsewhere.example"), 550) << denied.transcript;
    auto rows = audit_rows_for(*daemon_, "audit-me@elsewhere.example", 1);
    ASSERT_EQ(rows.size(), 1u);
    auto& row = rows.front();
    EXPECT_EQ(row["path"], "smtp");
    EXPECT_EQ(row["direction"], "send");
    EXPECT_EQ(row["action"], "reject");
    EXPECT_EQ(row["sender"], "bob@example.com");
    EXPECT_EQ(row["client_address"], "127.0.0.1");
    EXPECT_EQ(row["reply_code"], "550");
    EXPECT_EQ(row["reply_status"], "5.7.1");
    EXPECT_EQ(row["reply_text"], kSendDenied);
    EXPECT_NE(row["rule"].find("localOnly"), std::string::npos) << row["rule"];
    EXPECT_NE(row["rule"].find("contractors"), std::string::npos) << row["rule"];
    EXPECT_EQ(row["account"], "bob@example.com");
    EXPECT_FALSE(row["instance"].empty());  // Postfix's instance attribute
    auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
    EXPECT_NEAR(std::stoll(row["time"]), now_ms, 60'000) << "time is UTC milliseconds";

    auto audited = postfix_->send("dave@example.com", {"audit-only@elsewhere.example"});
    ASSERT_EQ(audited.rcpt_code("audit-only@elsewhere.example"), 250) << audited.transcript;
    rows = audit_rows_for(*daemon_, "audit-only@elsewhere.example", 1);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows.front()["action"], "audit");
    EXPECT_EQ(rows.front()["sender"], "dave@example.com");

    auto inbound = postfix_->send("stranger@elsewhere.example", {"internal@example.com"});
    ASSERT_EQ(inbound.rcpt_code("internal@example.com"), 550) << inbound.transcript;
    rows = audit_rows_for(*daemon_, "internal@example.com", 1);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows.front()["direction"], "receive");
    EXPECT_EQ(rows.front()["sender"], "stranger@elsewhere.example");
    EXPECT_EQ(rows.front()["reply_text"], kReceiveDenied);
}

TEST_F(PostfixTest, LdapChangeReachesTheNextSmtpSessionWithinASecond) {
    auto before = postfix_->send("frank@example.com", {"someone@elsewhere.example"});
    ASSERT_EQ(before.rcpt_code("someone@elsewhere.example"), 250) << before.transcript;

    slapd_->modify_ldif(
        "dn: uid=frank,ou=people,dc=example,dc=test\nchangetype: modify\n"
        "add: mailPolicySendMode\nmailPolicySendMode: denyAll\n");
    std::this_thread::sleep_for(1s);
    auto after = postfix_->send("frank@example.com", {"someone@elsewhere.example"});
    EXPECT_EQ(after.rcpt_reply("someone@elsewhere.example"),
              expected_rejection("someone@elsewhere.example", kSendDenied))
        << after.transcript;
}

TEST_F(PostfixTest, SingleRestrictionListFormOfTheReadmeWorksToo) {
    postfix_.reset();
    TestPostfix::Options options;
    options.policy_port = daemon_->policy_port();
    options.main_cf["smtpd_relay_restrictions"] = "";
    options.main_cf["smtpd_recipient_restrictions"] =
        "check_policy_service { inet:127.0.0.1:" + std::to_string(daemon_->policy_port()) +
        ", timeout=10s, default_action=DEFER_IF_PERMIT }, permit_mynetworks, "
        "permit_sasl_authenticated, reject_unauth_destination";
    postfix_ = std::make_unique<TestPostfix>(options);

    // The policy runs before permit_mynetworks, so a local sender is still judged.
    auto session = postfix_->send("bob@example.com", {"alice@example.com", "x@elsewhere.example"});
    EXPECT_EQ(session.rcpt_code("alice@example.com"), 250) << session.transcript;
    EXPECT_EQ(session.rcpt_reply("x@elsewhere.example"),
              expected_rejection("x@elsewhere.example", kSendDenied))
        << session.transcript;
    EXPECT_TRUE(session.message_accepted()) << session.transcript;
}

TEST_F(PostfixTest, MailIsDeferredNotAcceptedWhileTheDaemonIsDown) {
    ASSERT_EQ(daemon_->stop(), 0) << daemon_->output();
    // check_policy_service { …, default_action=DEFER_IF_PERMIT }: try again later.
    auto session = postfix_->send("alice@example.com", {"anyone@elsewhere.example"});
    EXPECT_EQ(session.rcpt_code("anyone@elsewhere.example"), 450) << session.transcript;
    EXPECT_FALSE(session.message_accepted()) << session.transcript;
}

}  // namespace
}  // namespace mailpolicy::test
