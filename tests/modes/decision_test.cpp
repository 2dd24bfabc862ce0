// The decision of SPEC §2 as a user observes it, part 1: verdict, deciding direction,
// account and exact rule text for every mode in both directions, exceptions, who is
// restricted and the local-domain sets. Envelope matters (senders, logins) are in
// decision_envelope_test.cpp.

#include "modes/decision.h"

#include <gtest/gtest.h>

#include "tests/modes/decision_fixture.h"

namespace mailpolicy {
namespace {

using testing_support::account;
using testing_support::Decisions;
using testing_support::kClassDn;
using testing_support::patterns;

// --- every mode x direction, over peers inside and outside L ------------------------

struct ModeCase {
    Direction direction;
    Mode mode;
    std::string peer;
    bool allowed;
};

std::string describe(const ModeCase& c) {
    return std::string(to_string(c.direction)) + " " + std::string(to_string(c.mode)) + " " +
           c.peer;
}

void PrintTo(const ModeCase& c, std::ostream* out) {
    *out << describe(c);
}

class ModeRules : public Decisions, public testing::WithParamInterface<ModeCase> {};

TEST_P(ModeRules, JudgeThePeersDomainAgainstTheLocalDomains) {
    const ModeCase& c = GetParam();
    alice.settings.of(c.direction).mode = c.mode;
    const Verdict verdict = c.direction == Direction::Send
                                ? decide(from("alice@example.com"), c.peer)
                                : decide(from_verified(c.peer), "alice@example.com");
    EXPECT_EQ(verdict.outcome, c.allowed ? Outcome::Allowed : Outcome::Denied) << describe(c);
    if (!c.allowed) {
        EXPECT_EQ(verdict.direction, c.direction) << describe(c);
        EXPECT_EQ(verdict.account, "alice@example.com");
        EXPECT_EQ(verdict.rule,
                  std::string(to_string(c.direction)) + ": account alice@example.com mode " +
                      std::string(to_string(c.mode)) + " (from account alice@example.com)");
        EXPECT_EQ(verdict.code, 550);
        EXPECT_EQ(verdict.status, "5.7.1");
    }
}

std::vector<ModeCase> mode_cases() {
    struct Peer {
        std::string address;
        bool local, under_local;  // in L; in L or a subdomain of a member
    };
    const std::vector<Peer> peers{
        {"bob@example.com", true, true},           {"someone@example.net", true, true},
        {"x@sub.example.com", false, true},        {"x@a.b.example.com", false, true},
        {"x@sub.example.net", false, true},        {"x@notexample.com", false, false},
        {"x@example.com.evil.test", false, false}, {"x@outside.test", false, false},
        {"carol@other.org", false, false},         {"x@[192.0.2.1]", false, false},
    };
    std::vector<ModeCase> cases;
    for (Direction direction : {Direction::Send, Direction::Receive}) {
        for (const Peer& peer : peers) {
            cases.push_back({direction, Mode::AllowAll, peer.address, true});
            cases.push_back({direction, Mode::LocalOnly, peer.address, peer.local});
            cases.push_back({direction, Mode::LocalAndSubdomains, peer.address, peer.under_local});
            cases.push_back({direction, Mode::DenyAll, peer.address, false});
        }
    }
    return cases;
}

INSTANTIATE_TEST_SUITE_P(EveryModeBothDirections, ModeRules, testing::ValuesIn(mode_cases()));

// --- exceptions flip the mode's verdict ------------------------------------------------

struct ExceptionCase {
    Direction direction;
    Mode mode;
    std::string pattern;
    std::string peer;
    bool allowed;
};

void PrintTo(const ExceptionCase& c, std::ostream* out) {
    *out << to_string(c.direction) << " " << to_string(c.mode) << " " << c.pattern << " " << c.peer;
}

class ExceptionRules : public Decisions, public testing::WithParamInterface<ExceptionCase> {};

TEST_P(ExceptionRules, FlipTheModesVerdict) {
    const ExceptionCase& c = GetParam();
    alice.settings.of(c.direction).mode = c.mode;
    alice.settings.of(c.direction).exceptions = patterns({"nomatch.invalid", c.pattern});
    const Verdict verdict = c.direction == Direction::Send
                                ? decide(from("alice@example.com"), c.peer)
                                : decide(from_verified(c.peer), "alice@example.com");
    EXPECT_EQ(verdict.outcome, c.allowed ? Outcome::Allowed : Outcome::Denied)
        << c.pattern << " " << c.peer;
    EXPECT_EQ(verdict.rule, std::string(to_string(c.direction)) + ": exception " + c.pattern +
                                " on account alice@example.com flips mode " +
                                std::string(to_string(c.mode)) +
                                " (from account alice@example.com)");
}

INSTANTIATE_TEST_SUITE_P(
    EveryMode, ExceptionRules,
    testing::Values(
        ExceptionCase{Direction::Send, Mode::AllowAll, "*@outside.test", "x@outside.test", false},
        ExceptionCase{Direction::Receive, Mode::AllowAll, "spam.test", "x@spam.test", false},
        ExceptionCase{Direction::Send, Mode::DenyAll, "*@partner.com", "bob@partner.com", true},
        ExceptionCase{Direction::Receive, Mode::DenyAll, "bob@partner.com", "Bob@Partner.com",
                      true},
        ExceptionCase{Direction::Send, Mode::LocalOnly, "partner.com", "x@partner.com", true},
        ExceptionCase{Direction::Send, Mode::LocalOnly, "bob@example.com", "bob@example.com",
                      false},
        ExceptionCase{Direction::Receive, Mode::LocalOnly, "*@*.partner.com", "x@eu.partner.com",
                      true},
        ExceptionCase{Direction::Send, Mode::LocalAndSubdomains, "*.example.com",
                      "x@sub.example.com", false},
        ExceptionCase{Direction::Receive, Mode::LocalAndSubdomains, "partner.com", "x@partner.com",
                      true}));

TEST_F(Decisions, ExceptionRuleNamesTheListsSourceAndTheModesSource) {
    alice.class_dn = kClassDn;
    contractors.settings.receive.exceptions = patterns({"*@partner.com"});
    example.settings.receive.mode = Mode::DenyAll;
    const Verdict verdict = decide(from("bob@partner.com"), "alice@example.com");
    EXPECT_EQ(verdict.outcome, Outcome::Allowed);
    EXPECT_EQ(verdict.rule,
              "receive: exception *@partner.com on class cn=contractors,ou=classes,dc=example,"
              "dc=com flips mode denyAll (from domain example.com)");
}

TEST_F(Decisions, ModeRuleNamesTheHolderAndTheModesSource) {
    example.settings.send.mode = Mode::LocalOnly;
    const Verdict verdict = decide(from("alice@example.com"), "x@outside.test");
    EXPECT_EQ(verdict.outcome, Outcome::Denied);
    EXPECT_EQ(verdict.rule,
              "send: account alice@example.com mode localOnly (from domain example.com)");
    EXPECT_EQ(verdict.text, "Sending to this recipient is not permitted");
}

TEST_F(Decisions, ServerDefaultModeAppliesWhenNoEntrySetsOne) {
    config.default_receive_mode = Mode::LocalOnly;
    const Verdict verdict = decide(from("x@outside.test"), "alice@example.com");
    EXPECT_EQ(verdict.outcome, Outcome::Denied);
    EXPECT_EQ(verdict.rule,
              "receive: account alice@example.com mode localOnly (from server default)");
    EXPECT_EQ(verdict.text, "This recipient does not accept mail from the sender");
}

TEST_F(Decisions, DisabledDirectionAllowsEverything) {
    alice.settings.send.enabled = false;
    example.settings.send.mode = Mode::DenyAll;
    const Verdict verdict = decide(from("alice@example.com"), "x@outside.test");
    EXPECT_EQ(verdict.outcome, Outcome::Allowed);
    EXPECT_EQ(
        verdict.rule,
        "send: account alice@example.com restrictions disabled (from account alice@example.com)");
}

// --- who is restricted ---------------------------------------------------------------

TEST_F(Decisions, OutsideAddressesAreNeverRestricted) {
    config.default_send_mode = Mode::DenyAll;
    config.default_receive_mode = Mode::DenyAll;
    const Verdict verdict = decide(from("x@outside.test"), "y@partner.com");
    EXPECT_EQ(verdict.outcome, Outcome::Allowed);
    EXPECT_EQ(verdict.account, "");
    EXPECT_EQ(verdict.direction, Direction::Send);
    EXPECT_EQ(verdict.rule, "no policy applies: neither sender nor recipient is local");
}

TEST_F(Decisions, LocalAddressWithoutAccountGetsItsDomainsPolicy) {
    example.settings.receive.mode = Mode::DenyAll;
    const Verdict verdict = decide(from("x@outside.test"), "postmaster@example.net");
    EXPECT_EQ(verdict.outcome, Outcome::Denied);
    EXPECT_EQ(verdict.account, "postmaster@example.net");
    EXPECT_EQ(verdict.rule,
              "receive: address postmaster@example.net mode denyAll (from domain example.com)");
}

TEST_F(Decisions, AliasAddressUsesTheAccountsPolicyAndPrimaryAddress) {
    alice.settings.receive.mode = Mode::DenyAll;
    const Verdict verdict = decide(from("x@outside.test"), "A.Smith+news@EXAMPLE.com.");
    EXPECT_EQ(verdict.outcome, Outcome::Denied);
    EXPECT_EQ(verdict.recipient, "A.Smith+news@EXAMPLE.com.");
    EXPECT_EQ(verdict.account, "alice@example.com");
}

TEST_F(Decisions, SenderExtensionAndCaseStillFindTheAccount) {
    alice.settings.send.mode = Mode::DenyAll;
    EXPECT_EQ(decide(from("<Alice+list@Example.COM.>"), "x@outside.test").outcome, Outcome::Denied);
}

TEST_F(Decisions, InternationalizedDomainsCompareInALabelForm) {
    AccountFields hans = account("uid=hans,dc=buecher", "hans@xn--bcher-kva.example");
    hans.settings.receive.mode = Mode::DenyAll;
    hans.settings.receive.exceptions = patterns({"*@bücher.example"});
    MemoryDirectory directory;
    directory.add(hans);
    const Engine idn_engine(directory, config);
    const Verdict denied = idn_engine.decide(from("x@outside.test"), "hans@BÜCHER.example");
    EXPECT_EQ(denied.outcome, Outcome::Denied);
    EXPECT_EQ(denied.account, "hans@xn--bcher-kva.example");
    const Verdict excepted =
        idn_engine.decide(from_verified("ida@bücher.example"), "hans@xn--bcher-kva.example");
    EXPECT_EQ(excepted.outcome, Outcome::Allowed);
}

// --- local-domain sets -----------------------------------------------------------------

TEST_F(Decisions, AccountLocalDomainsAreTheAccountsDomainAndItsAliases) {
    alice.settings.send.mode = Mode::LocalOnly;
    EXPECT_EQ(decide(from("alice@example.com"), "x@example.net").outcome, Outcome::Allowed);
    EXPECT_EQ(decide(from("alice@example.com"), "carol@other.org").outcome, Outcome::Denied);
}

TEST_F(Decisions, HostedLocalDomainsAreEveryHostedDomain) {
    config.local_domains = LocalDomains::Hosted;
    alice.settings.send.mode = Mode::LocalOnly;
    EXPECT_EQ(decide(from("alice@example.com"), "carol@other.org").outcome, Outcome::Allowed);
    EXPECT_EQ(decide(from("alice@example.com"), "nobody@other.org").outcome, Outcome::Allowed);
    EXPECT_EQ(decide(from("alice@example.com"), "x@sub.other.org").outcome, Outcome::Denied);
    EXPECT_EQ(decide(from("alice@example.com"), "x@outside.test").outcome, Outcome::Denied);
}

TEST_F(Decisions, HostedLocalDomainsIncludeSubdomainsUnderLocalAndSubdomains) {
    config.local_domains = LocalDomains::Hosted;
    alice.settings.send.mode = Mode::LocalAndSubdomains;
    EXPECT_EQ(decide(from("alice@example.com"), "x@sub.other.org").outcome, Outcome::Allowed);
    EXPECT_EQ(decide(from("alice@example.com"), "x@notother.org").outcome, Outcome::Denied);
}

TEST_F(Decisions, AccountWithoutDomainEntryHasOnlyItsOwnDomain) {
    carol.settings.send.mode = Mode::LocalAndSubdomains;
    EXPECT_EQ(decide(from("carol@other.org"), "x@other.org").outcome, Outcome::Allowed);
    EXPECT_EQ(decide(from("carol@other.org"), "x@mx.other.org").outcome, Outcome::Allowed);
    EXPECT_EQ(decide(from("carol@other.org"), "alice@example.com").outcome, Outcome::Denied);
}

}  // namespace
}  // namespace mailpolicy
