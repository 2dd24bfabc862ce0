// Inheritance (SPEC §2): each setting resolves on its own, account -> class -> domain
// -> server default -> built-in default, and says where it came from. Exception lists
// are taken whole. Reject texts are made single-line.

#include "modes/settings.h"

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

// An account, its class and its domain; each test sets settings on the levels it needs.
struct Levels {
    AccountFields alice = account("uid=alice,dc=example,dc=com", "alice@example.com");
    PolicyClass contractors = policy_class(kClassDn);
    Domain example = domain("dc=example,dc=com", {"example.com", "example.net"});
    PolicyConfig config;

    Levels() { alice.class_dn = "CN=Contractors,ou=classes,dc=example,dc=com"; }

    EffectivePolicy resolve() {
        directory.add(alice);
        directory.add(contractors);
        directory.add(example);
        PolicyHolder holder;
        holder.account = directory.account_by_address("alice@example.com");
        holder.domain = directory.domain_by_name("example.com");
        holder.address = "alice@example.com";
        holder.domain_name = "example.com";
        return resolve_policy(holder, directory, config);
    }
    MemoryDirectory directory;
};

TEST(Source, DescribesEachLevel) {
    EXPECT_EQ((Source{Source::Level::Account, "alice@example.com"}.describe()),
              "account alice@example.com");
    EXPECT_EQ((Source{Source::Level::Class, kClassDn}.describe()),
              std::string("class ") + kClassDn);
    EXPECT_EQ((Source{Source::Level::Domain, "example.com"}.describe()), "domain example.com");
    EXPECT_EQ((Source{Source::Level::ServerDefault, ""}.describe()), "server default");
    EXPECT_EQ((Source{Source::Level::BuiltIn, ""}.describe()), "built-in default");
}

TEST(Inheritance, NothingSetGivesServerAndBuiltInDefaults) {
    Levels levels;
    levels.config.default_send_mode = Mode::LocalOnly;
    const EffectivePolicy policy = levels.resolve();
    EXPECT_TRUE(policy.send.enabled.value);
    EXPECT_EQ(policy.send.enabled.source.describe(), "built-in default");
    EXPECT_EQ(policy.send.mode.value, Mode::LocalOnly);
    EXPECT_EQ(policy.send.mode.source.describe(), "server default");
    EXPECT_EQ(policy.receive.mode.value, Mode::AllowAll);
    EXPECT_EQ(policy.receive.mode.source.describe(), "server default");
    ASSERT_NE(policy.send.exceptions.value, nullptr);
    EXPECT_TRUE(policy.send.exceptions.value->empty());
    EXPECT_EQ(policy.send.exceptions.source.describe(), "built-in default");
    EXPECT_EQ(policy.enforcement.value, Enforcement::Enforce);
    EXPECT_EQ(policy.enforcement.source.describe(), "server default");
    EXPECT_EQ(policy.send.reject_text.value, "Sending to this recipient is not permitted");
    EXPECT_EQ(policy.receive.reject_text.value,
              "This recipient does not accept mail from the sender");
    EXPECT_EQ(policy.send.reject_text.source.describe(), "server default");
}

TEST(Inheritance, AccountBeatsClassBeatsDomain) {
    Levels levels;
    levels.alice.settings.send.mode = Mode::DenyAll;
    levels.contractors.settings.send.mode = Mode::LocalOnly;
    levels.example.settings.send.mode = Mode::LocalAndSubdomains;
    levels.contractors.settings.receive.mode = Mode::LocalOnly;
    levels.example.settings.receive.mode = Mode::DenyAll;
    levels.example.settings.enforcement = Enforcement::Audit;
    const EffectivePolicy policy = levels.resolve();
    EXPECT_EQ(policy.send.mode.value, Mode::DenyAll);
    EXPECT_EQ(policy.send.mode.source.describe(), "account alice@example.com");
    EXPECT_EQ(policy.receive.mode.value, Mode::LocalOnly);
    EXPECT_EQ(policy.receive.mode.source.describe(), std::string("class ") + kClassDn);
    EXPECT_EQ(policy.enforcement.value, Enforcement::Audit);
    EXPECT_EQ(policy.enforcement.source.describe(), "domain example.com");
    ASSERT_NE(policy.policy_class, nullptr);
    EXPECT_EQ(policy.policy_class->dn, kClassDn);
}

TEST(Inheritance, EachSettingResolvesOnItsOwn) {
    Levels levels;
    levels.alice.settings.send.enabled = false;
    levels.contractors.settings.send.reject_text = "Contractors may not send there";
    levels.example.settings.send.mode = Mode::LocalOnly;
    const EffectivePolicy policy = levels.resolve();
    EXPECT_FALSE(policy.send.enabled.value);
    EXPECT_EQ(policy.send.enabled.source.describe(), "account alice@example.com");
    EXPECT_EQ(policy.send.reject_text.value, "Contractors may not send there");
    EXPECT_EQ(policy.send.reject_text.source.describe(), std::string("class ") + kClassDn);
    EXPECT_EQ(policy.send.mode.value, Mode::LocalOnly);
    EXPECT_EQ(policy.send.mode.source.describe(), "domain example.com");
    EXPECT_TRUE(policy.receive.enabled.value);
}

TEST(Inheritance, ServerDefaultsCoverModeEnforcementAndRejectText) {
    Levels levels;
    levels.config.default_receive_mode = Mode::DenyAll;
    levels.config.enforcement = Enforcement::Audit;
    levels.config.receive_reject_text = "No.";
    const EffectivePolicy policy = levels.resolve();
    EXPECT_EQ(policy.receive.mode.value, Mode::DenyAll);
    EXPECT_EQ(policy.enforcement.value, Enforcement::Audit);
    EXPECT_EQ(policy.receive.reject_text.value, "No.");
    EXPECT_EQ(policy.receive.reject_text.source.describe(), "server default");
}

TEST(Inheritance, ExceptionListIsTakenWholeFromTheFirstLevelThatHasOne) {
    Levels levels;
    levels.contractors.settings.send.exceptions = patterns({"*@partner.com"});
    levels.example.settings.send.exceptions = patterns({"*@supplier.com", "*@bank.com"});
    const EffectivePolicy policy = levels.resolve();
    ASSERT_EQ(policy.send.exceptions.value->size(), 1u);
    EXPECT_EQ(policy.send.exceptions.value->front().text(), "*@partner.com");
    EXPECT_EQ(policy.send.exceptions.source.describe(), std::string("class ") + kClassDn);
    ASSERT_EQ(policy.receive.exceptions.value->size(), 0u);
}

TEST(Inheritance, AnEmptyListOnTheAccountStillOverridesInheritedOnes) {
    Levels levels;
    levels.alice.settings.receive.exceptions = patterns({});
    levels.example.settings.receive.exceptions = patterns({"*@supplier.com"});
    const EffectivePolicy policy = levels.resolve();
    EXPECT_TRUE(policy.receive.exceptions.value->empty());
    EXPECT_EQ(policy.receive.exceptions.source.describe(), "account alice@example.com");
}

TEST(Inheritance, ExceptionListIsSharedNotCopied) {
    Levels levels;
    levels.example.settings.send.exceptions = patterns({"*@supplier.com"});
    const PatternListPtr list = levels.example.settings.send.exceptions;
    const EffectivePolicy policy = levels.resolve();
    EXPECT_EQ(policy.send.exceptions.value, list);
}

TEST(Inheritance, AddressWithoutAccountGetsItsDomainsPolicy) {
    MemoryDirectory directory;
    Domain example = domain("dc=example,dc=com", {"example.com"});
    example.settings.receive.mode = Mode::LocalOnly;
    directory.add(example);
    PolicyHolder holder;
    holder.address = "postmaster@example.com";
    holder.domain_name = "example.com";
    holder.domain = directory.domain_by_name("example.com");
    const EffectivePolicy policy = resolve_policy(holder, directory, PolicyConfig{});
    EXPECT_EQ(policy.receive.mode.value, Mode::LocalOnly);
    EXPECT_EQ(policy.receive.mode.source.describe(), "domain example.com");
    EXPECT_EQ(policy.policy_class, nullptr);
}

TEST(Inheritance, MissingClassEntryIsSkipped) {
    Levels levels;
    levels.alice.class_dn = "cn=gone,ou=classes,dc=example,dc=com";
    levels.example.settings.send.mode = Mode::DenyAll;
    const EffectivePolicy policy = levels.resolve();
    EXPECT_EQ(policy.policy_class, nullptr);
    EXPECT_EQ(policy.send.mode.source.describe(), "domain example.com");
}

TEST(Inheritance, RejectTextIsSanitized) {
    Levels levels;
    levels.alice.settings.send.reject_text = "Denied\r\naction=OK";
    const EffectivePolicy policy = levels.resolve();
    EXPECT_EQ(policy.send.reject_text.value, "Denied  action=OK");
}

struct Sanitized {
    std::string input;
    std::string output;
};

void PrintTo(const Sanitized& value, std::ostream* out) {
    *out << value.input;
}

class ReplyTextSanitizing : public testing::TestWithParam<Sanitized> {};

TEST_P(ReplyTextSanitizing, KeepsOneValidLine) {
    EXPECT_EQ(sanitize_reply_text(GetParam().input), GetParam().output);
}

INSTANTIATE_TEST_SUITE_P(
    Rules, ReplyTextSanitizing,
    testing::Values(Sanitized{"Not permitted", "Not permitted"},
                    Sanitized{"line\r\n250 OK", "line  250 OK"},
                    Sanitized{"bell\x07tab\tdel\x7f", "bell tab del "},
                    Sanitized{"c1\xc2\x85next", "c1 next"},
                    Sanitized{"Zustellung für Müller verboten", "Zustellung für Müller verboten"},
                    Sanitized{"broken \xff\xfe utf8", "broken ?? utf8"}, Sanitized{"", ""}));

}  // namespace
}  // namespace mailpolicy
