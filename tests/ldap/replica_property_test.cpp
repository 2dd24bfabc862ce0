// Property test of SPEC §2 (issue 16): on random directories and random requests, the
// decision of the engine on the replica snapshot equals what a small model written from
// the specification alone (tests/support/spec_model.h) says. Each run prints its seed;
// MAILPOLICY_PROPERTY_SEED=<seed> replays it. The switches below name the kinds of input
// the generators produce; one is off only while the product does not handle it yet.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <random>
#include <sstream>

#include "ldap/replica.h"
#include "modes/decision.h"
#include "tests/support/random_directory.h"
#include "tests/support/spec_model.h"

namespace mailpolicy {
namespace {

using random_directory::Features;
using random_directory::Generator;
using random_directory::Request;
using random_directory::World;
using spec_model::Expectation;
using spec_model::Model;

constexpr bool kGenerateSeveralMailValues = false;
constexpr bool kGenerateOutsideAliasValues = false;
constexpr bool kGenerateDomainAliasMailboxes = false;
constexpr bool kGenerateOddCaseValues = true;
constexpr bool kGenerateUntrimmedValues = false;
constexpr bool kGenerateUntrimmedRejectTexts = false;
constexpr bool kGenerateUnknownValues = false;
constexpr bool kGenerateBracketPatterns = false;
constexpr bool kGenerateExtensionPatterns = false;
constexpr bool kGenerateAtDomainPatterns = false;
constexpr bool kGenerateIdnWildcardPatterns = true;
constexpr bool kGenerateQuotedLocalParts = true;
constexpr bool kGenerateOddLocalParts = false;
constexpr bool kGenerateLongExtensions = false;
constexpr bool kGenerateNonAsciiLocalParts = false;
constexpr bool kGenerateIdnDomains = true;
constexpr bool kGenerateNoDomainAddresses = false;
constexpr bool kGenerateUnverifiedLocalSenders = false;

// MAILPOLICY_PROPERTY_WORLDS changes the number of directories (to replay quicker or
// search longer).
const std::size_t kWorlds = [] {
    const char* text = std::getenv("MAILPOLICY_PROPERTY_WORLDS");
    return text ? std::strtoull(text, nullptr, 10) : std::size_t{250};
}();
constexpr std::size_t kRequestsPerWorld = 400;  // 100,000 requests per run
constexpr std::size_t kReportedDisagreements = 5;

Features features() {
    Features f;
    f.several_mail_values = kGenerateSeveralMailValues;
    f.outside_alias_values = kGenerateOutsideAliasValues;
    f.domain_alias_mailboxes = kGenerateDomainAliasMailboxes;
    f.odd_case_values = kGenerateOddCaseValues;
    f.untrimmed_values = kGenerateUntrimmedValues;
    f.untrimmed_reject_texts = kGenerateUntrimmedRejectTexts;
    f.unknown_values = kGenerateUnknownValues;
    f.bracket_patterns = kGenerateBracketPatterns;
    f.extension_patterns = kGenerateExtensionPatterns;
    f.at_domain_patterns = kGenerateAtDomainPatterns;
    f.idn_wildcard_patterns = kGenerateIdnWildcardPatterns;
    f.quoted_local_parts = kGenerateQuotedLocalParts;
    f.odd_local_parts = kGenerateOddLocalParts;
    f.long_extensions = kGenerateLongExtensions;
    f.non_ascii_local_parts = kGenerateNonAsciiLocalParts;
    f.idn_domains = kGenerateIdnDomains;
    f.no_domain_addresses = kGenerateNoDomainAddresses;
    f.unverified_local_senders = kGenerateUnverifiedLocalSenders;
    return f;
}

std::uint64_t run_seed() {
    if (const char* text = std::getenv("MAILPOLICY_PROPERTY_SEED")) {
        return std::strtoull(text, nullptr, 10);
    }
    return std::random_device{}() * 4294967296ull + std::random_device{}();
}

std::string lower(std::string_view text) {
    std::string result(text);
    for (char& c : result) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    }
    return result;
}

// What the verdict gets wrong, or "" when it is what the model expects.
std::string disagreement(const Expectation& expected, const Verdict& verdict,
                         const PolicyConfig& config) {
    for (const std::string& status : expected.forbidden_statuses) {
        if (verdict.status == status) return "status " + status + " where SPEC forbids it";
    }
    if (!expected.specified) return "";
    if (verdict.outcome != expected.outcome) {
        return "outcome " + std::string(to_string(verdict.outcome)) + ", expected " +
               std::string(to_string(expected.outcome));
    }
    if (expected.outcome == Outcome::Allowed) return "";
    if (expected.outcome == Outcome::Denied &&
        (verdict.code != config.reject_code || verdict.status != expected.status)) {
        return "reply " + std::to_string(verdict.code) + " " + std::string(verdict.status) +
               ", expected " + std::to_string(config.reject_code) + " " + expected.status;
    }
    if (expected.candidates.empty()) return "";
    for (const spec_model::Candidate& candidate : expected.candidates) {
        const bool account = std::find(candidate.accounts.begin(), candidate.accounts.end(),
                                       lower(verdict.account)) != candidate.accounts.end();
        if (candidate.direction == verdict.direction && account && candidate.text == verdict.text) {
            return "";
        }
    }
    std::string wanted;
    for (const auto& candidate : expected.candidates) {
        wanted += " [" + std::string(to_string(candidate.direction)) + " " +
                  candidate.accounts.front() + " \"" + candidate.text + "\"]";
    }
    return "decided by " + std::string(to_string(verdict.direction)) + " " +
           std::string(verdict.account) + " \"" + std::string(verdict.text) +
           "\", expected one of" + wanted;
}

std::string describe(const World& world) {
    std::ostringstream out;
    const PolicyConfig& config = world.config;
    out << "[policy] local-domains=" << to_string(config.local_domains)
        << " default-send-mode=" << to_string(config.default_send_mode)
        << " default-receive-mode=" << to_string(config.default_receive_mode)
        << " enforcement=" << to_string(config.enforcement)
        << " verify-local-senders=" << config.verify_local_senders
        << " null-sender=" << to_string(config.null_sender) << "\n";
    for (const Entry& entry : random_directory::to_entries(world.directory)) {
        out << "dn: " << entry.dn << "\n";
        for (const auto& [name, values] : entry.attributes) {
            for (const std::string& value : values) out << name << ": \"" << value << "\"\n";
        }
    }
    return out.str();
}

std::string describe(const Request& request) {
    std::ostringstream out;
    const Envelope& envelope = request.envelope;
    out << "sender=\"" << envelope.sender << "\" recipient=\"" << request.recipient
        << "\" login=" << (envelope.login ? "\"" + *envelope.login + "\"" : "(none)") << " client="
        << (!envelope.client                                   ? "(none)"
            : envelope.client == IpAddress::parse("127.0.0.1") ? "127.0.0.1"
                                                               : "203.0.113.7")
        << " path=" << to_string(envelope.path);
    return out.str();
}

std::shared_ptr<const Snapshot> replica_snapshot(const World& world) {
    const DirectoryConfig config = random_directory::directory_config();
    SnapshotHolder holder;
    Replica replica(config, holder);
    for (Entry& entry : random_directory::to_entries(world.directory))
        replica.upsert(std::move(entry));
    replica.publish();
    return holder.current();
}

// The model itself reads SPEC §2's own examples as SPEC does.
TEST(SpecModelTest, PatternsMatchAsSpecExamplesSay) {
    using spec_model::Match;
    auto match = [](std::string_view pattern, std::string_view address) {
        return spec_model::matches(*spec_model::read_pattern(pattern),
                                   spec_model::read_address(address));
    };
    for (std::string_view pattern :
         {"*@partner.com", "partner.com", "@partner.com", "<*@partner.com>"}) {
        EXPECT_EQ(match(pattern, "bob@partner.com"), Match::Yes) << pattern;
        EXPECT_EQ(match(pattern, "bob@eu.partner.com"), Match::No) << pattern;
    }
    for (std::string_view pattern : {"*@*.partner.com", "*.partner.com"}) {
        EXPECT_EQ(match(pattern, "bob@partner.com"), Match::No) << pattern;
        EXPECT_EQ(match(pattern, "bob@eu.partner.com"), Match::Yes) << pattern;
    }
    EXPECT_EQ(match("bob+news@partner.com", "Bob+other@Partner.COM."), Match::Yes);
    EXPECT_EQ(match("b?b@partner.com", "bob@partner.com"), Match::Yes);
    EXPECT_FALSE(spec_model::read_pattern("a b@partner.com"));
    EXPECT_FALSE(spec_model::read_pattern("a@b@partner.com"));
}

TEST(SpecModelTest, AddressesReadAsPostfixSendsThem) {
    using Kind = spec_model::ModelAddress::Kind;
    EXPECT_EQ(spec_model::read_address("\"rcv2+x y\"@Example.COM").text(), "rcv2@example.com");
    EXPECT_EQ(spec_model::read_address("rcv2+x y@example.com").text(), "rcv2@example.com");
    EXPECT_EQ(spec_model::read_address("<rcv2+x\"y@example.com>").text(), "rcv2@example.com");
    EXPECT_EQ(spec_model::read_address("a b@example.com").quoted_text(), "\"a b\"@example.com");
    EXPECT_EQ(spec_model::read_address("ivy@b\xC3\xBC"
                                       "cher.test")
                  .domain,
              "xn--bcher-kva.test");
    EXPECT_EQ(spec_model::read_address("bob").kind, Kind::NoDomain);
    EXPECT_EQ(spec_model::read_address("<>").kind, Kind::Null);
    EXPECT_EQ(spec_model::read_address("u@[192.0.2.1]").kind, Kind::Literal);
}

TEST(ReplicaPropertyTest, ReplicaDecidesAsTheSpecificationModelSays) {
    const std::uint64_t seed = run_seed();
    std::cout << "[ property ] MAILPOLICY_PROPERTY_SEED=" << seed << std::endl;
    ::testing::Test::RecordProperty("seed", std::to_string(seed));
    const auto start = std::chrono::steady_clock::now();
    Generator generator(seed, features());
    std::size_t requests = 0, open = 0, disagreements = 0;
    std::size_t outcomes[3] = {0, 0, 0};
    for (std::size_t w = 0; w < kWorlds; ++w) {
        const World world = generator.world();
        const auto snapshot = replica_snapshot(world);
        const Model model(world);
        const Engine engine(*snapshot, world.config);
        for (std::size_t r = 0; r < kRequestsPerWorld; ++r, ++requests) {
            const Request request = generator.request(world);
            const Verdict verdict = engine.decide(request.envelope, request.recipient);
            const Expectation expected = model.decide(request.envelope, request.recipient);
            open += !expected.specified;
            ++outcomes[static_cast<int>(verdict.outcome)];
            const std::string wrong = disagreement(expected, verdict, world.config);
            if (wrong.empty()) continue;
            if (++disagreements <= kReportedDisagreements) {
                ADD_FAILURE() << wrong << "\n  request: " << describe(request)
                              << "\n  rule: " << verdict.rule << "\n  world " << w << ":\n"
                              << describe(world);
            }
        }
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cout << "[ property ] " << requests << " requests over " << kWorlds << " directories in "
              << seconds << " s: " << outcomes[0] << " allowed, " << outcomes[1] << " denied, "
              << outcomes[2] << " audit-only; " << open << " left open by SPEC; " << disagreements
              << " disagreements (seed " << seed << ")" << std::endl;
    EXPECT_EQ(disagreements, 0u) << "replay with MAILPOLICY_PROPERTY_SEED=" << seed;
    // A run that judges little proves little.
    EXPECT_LT(open, requests / 20);
    EXPECT_GT(outcomes[static_cast<int>(Outcome::Denied)], requests / 10);
    EXPECT_GT(outcomes[static_cast<int>(Outcome::Allowed)], requests / 10);
}

}  // namespace
}  // namespace mailpolicy
