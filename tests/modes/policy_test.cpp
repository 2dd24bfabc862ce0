// Names of the policy values (SPEC §2, §4): canonical spellings, and parsers that accept
// LDAP and config values case-insensitively and refuse anything else.

#include "modes/policy.h"

#include <gtest/gtest.h>

namespace mailpolicy {
namespace {

TEST(PolicyNames, ModesHaveTheirLdapSpellings) {
    EXPECT_EQ(to_string(Mode::AllowAll), "allowAll");
    EXPECT_EQ(to_string(Mode::LocalOnly), "localOnly");
    EXPECT_EQ(to_string(Mode::LocalAndSubdomains), "localAndSubdomains");
    EXPECT_EQ(to_string(Mode::DenyAll), "denyAll");
}

TEST(PolicyNames, OtherValuesHaveTheirConfigSpellings) {
    EXPECT_EQ(to_string(Direction::Send), "send");
    EXPECT_EQ(to_string(Direction::Receive), "receive");
    EXPECT_EQ(to_string(Enforcement::Enforce), "enforce");
    EXPECT_EQ(to_string(Enforcement::Audit), "audit");
    EXPECT_EQ(to_string(SubmissionPath::Smtp), "smtp");
    EXPECT_EQ(to_string(SubmissionPath::Sendmail), "sendmail");
    EXPECT_EQ(to_string(SubmissionPath::Http), "http");
    EXPECT_EQ(to_string(LocalDomains::Account), "account");
    EXPECT_EQ(to_string(LocalDomains::Hosted), "hosted");
    EXPECT_EQ(to_string(NullSender::Allow), "allow");
    EXPECT_EQ(to_string(NullSender::External), "external");
}

TEST(PolicyParsers, ModesParseCaseInsensitively) {
    EXPECT_EQ(parse_mode("allowAll"), Mode::AllowAll);
    EXPECT_EQ(parse_mode("LOCALONLY"), Mode::LocalOnly);
    EXPECT_EQ(parse_mode("localandsubdomains"), Mode::LocalAndSubdomains);
    EXPECT_EQ(parse_mode("DenyAll"), Mode::DenyAll);
    for (const char* text : {"", "allow", "allowAll ", "deny-all", "local"}) {
        EXPECT_FALSE(parse_mode(text).has_value()) << text;
    }
}

TEST(PolicyParsers, LdapBooleansAreTrueAndFalseOnly) {
    EXPECT_EQ(parse_ldap_boolean("TRUE"), true);
    EXPECT_EQ(parse_ldap_boolean("false"), false);
    for (const char* text : {"", "yes", "1", "on", "TRUE."}) {
        EXPECT_FALSE(parse_ldap_boolean(text).has_value()) << text;
    }
}

TEST(PolicyParsers, EnforcementPathsDirectionsAndConfigValues) {
    EXPECT_EQ(parse_enforcement("Audit"), Enforcement::Audit);
    EXPECT_EQ(parse_enforcement("enforce"), Enforcement::Enforce);
    EXPECT_FALSE(parse_enforcement("reject").has_value());
    EXPECT_EQ(parse_submission_path("SendMail"), SubmissionPath::Sendmail);
    EXPECT_EQ(parse_submission_path("http"), SubmissionPath::Http);
    EXPECT_FALSE(parse_submission_path("lmtp").has_value());
    EXPECT_EQ(parse_direction("RECEIVE"), Direction::Receive);
    EXPECT_FALSE(parse_direction("both").has_value());
    EXPECT_EQ(parse_local_domains("hosted"), LocalDomains::Hosted);
    EXPECT_EQ(parse_null_sender("External"), NullSender::External);
    EXPECT_FALSE(parse_null_sender("deny").has_value());
}

}  // namespace
}  // namespace mailpolicy
