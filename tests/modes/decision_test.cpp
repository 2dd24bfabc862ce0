// The decision of SPEC §2 as a user observes it: verdict, deciding direction, account and
// the exact rule text, for every mode in both directions, exceptions, local domains,
// null senders, anti-spoofing, logins, audit enforcement and combination of checks.

#include "modes/decision.h"

#include <gtest/gtest.h>

#include "modes/memory_directory.h"
#include "tests/modes/entry_builders.h"

namespace mailpolicy {
namespace {

using testing_support::account;
using testing_support::domain;
using testing_support::patterns;
using testing_support::policy_class;

constexpr const char* kClassDn = "cn=contractors,ou=classes,dc=example,dc=com";

// example.com (alias example.net) with alice, bob and a domain entry; other.org is hosted
// through carol's account only; partner.com and outside.test are not hosted.
class Decisions : public testing::Test {
  protected:
    Account alice = account("uid=alice,dc=example,dc=com", "alice@example.com",
                            {"a.smith@example.com"}, {"alice"});
    Account bob = account("uid=bob,dc=example,dc=com", "bob@example.com", {}, {"bob"});
    Account carol = account("uid=carol,dc=other,dc=org", "carol@other.org", {}, {"carol"});
    Domain example = domain("dc=example,dc=com", {"example.com", "example.net"});
    PolicyClass contractors = policy_class(kClassDn);
    PolicyConfig config;

    Verdict decide(const Envelope& envelope, std::string_view recipient) {
        build();
        return Engine(directory_, config).decide(envelope, recipient);
    }
    const Engine& engine() {
        build();
        engine_.emplace(directory_, config);
        return *engine_;
    }
    static Envelope from(std::string sender, std::optional<std::string> login = std::nullopt) {
        Envelope envelope;
        envelope.sender = std::move(sender);
        envelope.login = std::move(login);
        return envelope;
    }
    // A sender the anti-spoofing rule accepts as local: it came through sendmail.
    static Envelope from_verified(std::string sender) {
        Envelope envelope = from(std::move(sender));
        envelope.path = SubmissionPath::Sendmail;
        return envelope;
    }

  private:
    void build() {
        if (built_) return;
        built_ = true;
        directory_.add(alice);
        directory_.add(bob);
        directory_.add(carol);
        directory_.add(example);
        directory_.add(contractors);
    }
    bool built_ = false;
    MemoryDirectory directory_;
    std::optional<Engine> engine_;
};

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
    Account hans = account("uid=hans,dc=buecher", "hans@xn--bcher-kva.example");
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

// Counts policy lookups so a test can see how many checks ran.
class CountingDirectory final : public Directory {
  public:
    explicit CountingDirectory(const Directory& inner) : inner_(inner) {}
    const Account* account_by_address(std::string_view a) const override {
        return inner_.account_by_address(a);
    }
    const Account* account_by_login(std::string_view l) const override {
        return inner_.account_by_login(l);
    }
    const Domain* domain_by_name(std::string_view n) const override {
        return inner_.domain_by_name(n);
    }
    const PolicyClass* class_by_dn(std::string_view dn) const override {
        ++class_lookups;
        return inner_.class_by_dn(dn);
    }
    bool hosts_domain(std::string_view d) const override { return inner_.hosts_domain(d); }
    mutable int class_lookups = 0;

  private:
    const Directory& inner_;
};

TEST(LoginAndSender, TheSameAccountIsCheckedOnce) {
    Account alice = account("uid=alice,dc=example,dc=com", "alice@example.com", {}, {"alice"});
    alice.class_dn = kClassDn;
    Account bob = account("uid=bob,dc=example,dc=com", "bob@example.com", {}, {"bob"});
    bob.class_dn = kClassDn;
    MemoryDirectory directory;
    directory.add(alice);
    directory.add(bob);
    CountingDirectory counting(directory);
    const PolicyConfig config;
    const Engine engine(counting, config);
    Envelope envelope;
    envelope.sender = "alice+x@example.com";
    envelope.login = "ALICE";
    engine.decide(envelope, "y@outside.test");
    EXPECT_EQ(counting.class_lookups, 1);
    envelope.login = "bob";
    counting.class_lookups = 0;
    engine.decide(envelope, "y@outside.test");
    EXPECT_EQ(counting.class_lookups, 2);
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
