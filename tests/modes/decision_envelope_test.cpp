// The decision of SPEC §2 as a user observes it, part 2: the envelope. Null senders,
// anti-spoofing of local senders, the login's own send policy, audit enforcement and how
// checks combine, unparseable addresses, several recipients, holder lookups.

#include "modes/decision.h"

#include <gtest/gtest.h>

#include "tests/modes/decision_fixture.h"

namespace mailpolicy {
namespace {

using testing_support::account;
using testing_support::Decisions;
using testing_support::kClassDn;
using testing_support::patterns;

// --- null sender -----------------------------------------------------------------------

TEST_F(Decisions, NullSenderIsAllowedByDefault) {
    alice.settings.receive.mode = Mode::DenyAll;
    for (const char* sender : {"", "<>"}) {
        const Verdict verdict = decide(from(sender), "alice@example.com");
        EXPECT_EQ(verdict.outcome, Outcome::Allowed) << sender;
        EXPECT_EQ(verdict.direction, Direction::Receive);
        EXPECT_EQ(verdict.rule, "receive: null sender allowed (policy.null-sender = allow)");
    }
}

TEST_F(Decisions, NullSenderIsAnOutsideAddressWhenExternal) {
    config.null_sender = NullSender::External;
    alice.settings.receive.mode = Mode::LocalOnly;
    bob.settings.receive.exceptions = patterns({"*"});
    const Verdict verdict = decide(from("<>"), "alice@example.com");
    EXPECT_EQ(verdict.outcome, Outcome::Denied);
    EXPECT_EQ(verdict.rule,
              "receive: account alice@example.com mode localOnly (from account alice@example.com)");
    // No pattern matches the null sender, not even "*": bob's allowAll stays allowed.
    EXPECT_EQ(decide(from("<>"), "bob@example.com").outcome, Outcome::Allowed);
}

// --- anti-spoofing ---------------------------------------------------------------------

class AntiSpoofing : public Decisions {
  protected:
    void SetUp() override {
        config.trusted_networks = {std::get<Network>(Network::parse("127.0.0.0/8"))};
        alice.settings.receive.mode = Mode::LocalOnly;
    }
    Envelope forged(const char* client) {
        Envelope envelope = from("bob@example.com");
        envelope.client = IpAddress::parse(client);
        return envelope;
    }
};

TEST_F(AntiSpoofing, LocalSenderFromAnUntrustedNetworkIsTreatedAsOutside) {
    const Verdict verdict = decide(forged("203.0.113.5"), "alice@example.com");
    EXPECT_EQ(verdict.outcome, Outcome::Denied);
    EXPECT_EQ(verdict.rule,
              "receive: account alice@example.com mode localOnly (from account alice@example.com)"
              " (sender not verified: treated as outside)");
}

TEST_F(AntiSpoofing, LocalSenderWithoutClientAddressIsTreatedAsOutside) {
    EXPECT_EQ(decide(from("bob@example.com"), "alice@example.com").outcome, Outcome::Denied);
}

TEST_F(AntiSpoofing, LocalSenderFromATrustedNetworkIsLocal) {
    EXPECT_EQ(decide(forged("127.0.0.1"), "alice@example.com").outcome, Outcome::Allowed);
}

TEST_F(AntiSpoofing, AuthenticatedLocalSenderIsLocal) {
    Envelope envelope = forged("203.0.113.5");
    envelope.login = "bob";
    EXPECT_EQ(decide(envelope, "alice@example.com").outcome, Outcome::Allowed);
}

TEST_F(AntiSpoofing, SendmailAndHttpPathsAreVerified) {
    for (SubmissionPath path : {SubmissionPath::Sendmail, SubmissionPath::Http}) {
        Envelope envelope = forged("203.0.113.5");
        envelope.path = path;
        EXPECT_EQ(decide(envelope, "alice@example.com").outcome, Outcome::Allowed)
            << to_string(path);
    }
}

TEST_F(AntiSpoofing, OffWhenVerifyLocalSendersIsFalse) {
    config.verify_local_senders = false;
    EXPECT_EQ(decide(forged("203.0.113.5"), "alice@example.com").outcome, Outcome::Allowed);
}

TEST_F(AntiSpoofing, ForgedSenderDoesNotRideOnAnExceptionNamingIt) {
    alice.settings.receive.mode = Mode::DenyAll;
    alice.settings.receive.exceptions = patterns({"bob@example.com"});
    EXPECT_EQ(decide(forged("203.0.113.5"), "alice@example.com").outcome, Outcome::Denied);
    EXPECT_EQ(decide(forged("127.0.0.1"), "alice@example.com").outcome, Outcome::Allowed);
}

TEST_F(AntiSpoofing, AddressInAHostedDomainWithoutAccountIsAlsoVerified) {
    Envelope envelope = forged("203.0.113.5");
    envelope.sender = "ghost@example.com";
    EXPECT_EQ(decide(envelope, "alice@example.com").outcome, Outcome::Denied);
}

// --- the login's send policy -----------------------------------------------------------

TEST_F(Decisions, LoginIsRestrictedEvenWhenTheEnvelopeSenderIsNot) {
    alice.settings.send.mode = Mode::DenyAll;
    const Verdict verdict = decide(from("x@outside.test", "Alice"), "y@partner.com");
    EXPECT_EQ(verdict.outcome, Outcome::Denied);
    EXPECT_EQ(verdict.direction, Direction::Send);
    EXPECT_EQ(verdict.account, "alice@example.com");
    EXPECT_EQ(verdict.rule,
              "send: account alice@example.com mode denyAll (from account alice@example.com)");
}

TEST_F(Decisions, LoginCheckRunsAfterTheSendersOwnCheck) {
    carol.settings.send.mode = Mode::AllowAll;
    alice.settings.send.mode = Mode::LocalOnly;
    const Verdict verdict = decide(from("carol@other.org", "alice"), "y@partner.com");
    EXPECT_EQ(verdict.outcome, Outcome::Denied);
    EXPECT_EQ(verdict.account, "alice@example.com");
}

TEST_F(Decisions, LoginGivenAsAnAddressFindsTheAccount) {
    alice.settings.send.mode = Mode::DenyAll;
    EXPECT_EQ(decide(from("x@outside.test", "A.Smith@Example.com"), "y@partner.com").outcome,
              Outcome::Denied);
}

// --- enforcement and combination -------------------------------------------------------

TEST_F(Decisions, AuditEnforcementAllowsButRecordsTheViolation) {
    alice.settings.send.mode = Mode::DenyAll;
    example.settings.enforcement = Enforcement::Audit;
    const Verdict verdict = decide(from("alice@example.com"), "y@partner.com");
    EXPECT_EQ(verdict.outcome, Outcome::AuditOnly);
    EXPECT_EQ(verdict.rule,
              "send: account alice@example.com mode denyAll (from account alice@example.com)");
    EXPECT_EQ(verdict.code, 550);
    EXPECT_EQ(verdict.status, "5.7.1");
    EXPECT_EQ(verdict.text, "Sending to this recipient is not permitted");
}

TEST_F(Decisions, ADenialLaterOutweighsAnEarlierAuditOnlyViolation) {
    alice.settings.send.mode = Mode::DenyAll;
    alice.settings.enforcement = Enforcement::Audit;
    bob.settings.receive.mode = Mode::DenyAll;
    const Verdict verdict = decide(from("alice@example.com", "alice"), "bob@example.com");
    EXPECT_EQ(verdict.outcome, Outcome::Denied);
    EXPECT_EQ(verdict.direction, Direction::Receive);
    EXPECT_EQ(verdict.account, "bob@example.com");
    EXPECT_EQ(verdict.text, "This recipient does not accept mail from the sender");
}

TEST_F(Decisions, TheFirstDenialDecides) {
    alice.settings.send.mode = Mode::DenyAll;
    bob.settings.receive.mode = Mode::DenyAll;
    const Verdict verdict = decide(from("alice@example.com", "alice"), "bob@example.com");
    EXPECT_EQ(verdict.direction, Direction::Send);
    EXPECT_EQ(verdict.account, "alice@example.com");
}

TEST_F(Decisions, AuditOnlyViolationOutweighsLaterAllowedChecks) {
    alice.settings.send.mode = Mode::DenyAll;
    alice.settings.enforcement = Enforcement::Audit;
    const Verdict verdict = decide(from("alice@example.com", "alice"), "bob@example.com");
    EXPECT_EQ(verdict.outcome, Outcome::AuditOnly);
    EXPECT_EQ(verdict.direction, Direction::Send);
}

TEST_F(Decisions, AllowedVerdictCarriesTheLastCheckThatRan) {
    const Verdict verdict = decide(from("alice@example.com", "alice"), "bob@example.com");
    EXPECT_EQ(verdict.outcome, Outcome::Allowed);
    EXPECT_EQ(verdict.direction, Direction::Receive);
    EXPECT_EQ(verdict.account, "bob@example.com");
    EXPECT_EQ(verdict.rule, "receive: account bob@example.com mode allowAll (from server default)");
    EXPECT_EQ(verdict.code, 0);
    EXPECT_EQ(verdict.text, "");
}

TEST_F(Decisions, RejectTextIsOneLineWhateverTheEntrySays) {
    alice.settings.send.mode = Mode::DenyAll;
    alice.settings.send.reject_text = "No\r\naction=OK\x7f";
    const Verdict verdict = decide(from("alice@example.com"), "y@partner.com");
    EXPECT_EQ(verdict.text, "No  action=OK ");
}

TEST_F(Decisions, CustomReplyCodeAndStatusAreUsed) {
    config.reject_code = 554;
    config.reject_status = "5.7.0";
    alice.settings.send.mode = Mode::DenyAll;
    const Verdict verdict = decide(from("alice@example.com"), "y@partner.com");
    EXPECT_EQ(verdict.code, 554);
    EXPECT_EQ(verdict.status, "5.7.0");
}

// --- unparseable addresses -------------------------------------------------------------

TEST_F(Decisions, UnparseableRecipientIsAnOutsideAddress) {
    alice.settings.send.mode = Mode::LocalOnly;
    EXPECT_EQ(decide(from("alice@example.com"), "not an address").outcome, Outcome::Denied);
}

TEST_F(Decisions, UnparseableRecipientIsMatchedByNoPattern) {
    alice.settings.send.exceptions = patterns({"*"});
    EXPECT_EQ(decide(from("alice@example.com"), "not an address").outcome, Outcome::Allowed);
    EXPECT_EQ(decide(from("alice@example.com"), "x@outside.test").outcome, Outcome::Denied);
}

TEST_F(Decisions, UnparseableSenderIsAnOutsideAddressForReceiveChecks) {
    alice.settings.receive.mode = Mode::LocalOnly;
    const Verdict verdict = decide(from("bob@@example.com"), "alice@example.com");
    EXPECT_EQ(verdict.outcome, Outcome::Denied);
    EXPECT_EQ(verdict.direction, Direction::Receive);
}

// --- the multi-recipient form and holder lookups ---------------------------------------

TEST_F(Decisions, EachRecipientGetsItsOwnVerdictInOrder) {
    alice.settings.send.mode = Mode::LocalOnly;
    const std::vector<std::string> recipients{"bob@example.com", "x@outside.test", "<>"};
    const auto verdicts = engine().decide(from("alice@example.com"), recipients);
    ASSERT_EQ(verdicts.size(), 3u);
    EXPECT_EQ(verdicts[0].recipient, "bob@example.com");
    EXPECT_EQ(verdicts[0].outcome, Outcome::Allowed);
    EXPECT_EQ(verdicts[1].outcome, Outcome::Denied);
    EXPECT_EQ(verdicts[2].recipient, "<>");
    EXPECT_EQ(verdicts[2].outcome, Outcome::Denied);
}

TEST_F(Decisions, VerdictTextsSurviveCopiesAndMovesOfTheVerdict) {
    alice.settings.send.mode = Mode::LocalOnly;
    std::optional<Verdict> original = decide(from("alice@example.com"), "someone-long@outside.test");
    ASSERT_EQ(original->outcome, Outcome::Denied);
    const Verdict copy = *original;
    Verdict moved = std::move(*original);
    original.reset();  // its storage is gone: the others must not point into it
    for (const Verdict* verdict : {&copy, static_cast<const Verdict*>(&moved)}) {
        EXPECT_EQ(verdict->recipient, "someone-long@outside.test");
        EXPECT_EQ(verdict->account, "alice@example.com");
        EXPECT_EQ(verdict->rule,
                  "send: account alice@example.com mode localOnly (from account alice@example.com)");
        EXPECT_EQ(verdict->status, "5.7.1");
        EXPECT_EQ(verdict->text, "Sending to this recipient is not permitted");
        EXPECT_EQ(verdict->code, 550);
    }
    Verdict assigned;
    assigned = copy;
    EXPECT_EQ(assigned.rule, copy.rule);
    EXPECT_NE(assigned.rule.data(), copy.rule.data());
}

TEST_F(Decisions, HolderForAddressFindsAccountsAndHostedAddresses) {
    const Engine& e = engine();
    const auto alias =
        e.holder_for_address(std::get<Address>(parse_address("a.smith@example.com")));
    ASSERT_TRUE(alias.has_value());
    ASSERT_NE(alias->account, nullptr);
    EXPECT_EQ(alias->address, "alice@example.com");
    EXPECT_EQ(alias->domain_name, "example.com");
    ASSERT_NE(alias->domain, nullptr);
    const auto hosted = e.holder_for_address(std::get<Address>(parse_address("ghost@example.net")));
    ASSERT_TRUE(hosted.has_value());
    EXPECT_EQ(hosted->account, nullptr);
    EXPECT_EQ(hosted->address, "ghost@example.net");
    EXPECT_NE(hosted->domain, nullptr);
    EXPECT_FALSE(e.holder_for_address(std::get<Address>(parse_address("x@outside.test"))));
    EXPECT_FALSE(e.holder_for_address(Address{}));
    EXPECT_FALSE(e.holder_for_address(std::get<Address>(parse_address("x@[192.0.2.1]"))));
}

TEST_F(Decisions, HolderForLoginUsesLoginNamesThenAddresses) {
    const Engine& e = engine();
    EXPECT_EQ(e.holder_for_login("Carol")->address, "carol@other.org");
    EXPECT_EQ(e.holder_for_login("a.smith@example.com")->address, "alice@example.com");
    EXPECT_EQ(e.holder_for_login("ghost@example.com")->account, nullptr);
    EXPECT_FALSE(e.holder_for_login("nobody"));
}

TEST(Outcome, HasCanonicalNames) {
    EXPECT_EQ(to_string(Outcome::Allowed), "allowed");
    EXPECT_EQ(to_string(Outcome::Denied), "denied");
    EXPECT_EQ(to_string(Outcome::AuditOnly), "audit");
}

}  // namespace
}  // namespace mailpolicy
