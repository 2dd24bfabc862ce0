// Entry mapping as an admin sees it: which entries become accounts (the account
// filter), their addresses, aliases and logins, and that bad values are ignored rather
// than widening anyone's policy.
#include "ldap/entry_mapping.h"

#include <gtest/gtest.h>

#include "ldap/ldif_parser.h"

namespace mailpolicy {
namespace {

Entry entry_from(const std::string& ldif) {
    return parse_ldif(ldif, "test.ldif").at(0);
}

TEST(EntryFilter, EvaluatesRfc4515Filters) {
    Entry alice = entry_from(
        "dn: uid=alice,dc=test\nobjectClass: inetOrgPerson\nmail: Alice@Example.com\n"
        "uid: alice\nemployeeType: staff\nemployeeType: admin\n");
    auto matches = [&](const char* filter) { return EntryFilter::parse(filter).matches(alice); };
    EXPECT_TRUE(matches("(mail=*)"));
    EXPECT_TRUE(matches("mail=*"));
    EXPECT_FALSE(matches("(shadowAddress=*)"));
    EXPECT_TRUE(matches("(MAIL=alice@EXAMPLE.COM)"));
    EXPECT_TRUE(matches("(objectclass=INETORGPERSON)"));
    EXPECT_TRUE(matches("(&(mail=*@example.com)(|(employeeType=admin)(uid=nobody)))"));
    EXPECT_FALSE(matches("(&(mail=*)(!(employeeType=staff)))"));
    EXPECT_TRUE(matches("(mail=al*@*.com)"));
    EXPECT_FALSE(matches("(mail=al*@*.org)"));
    EXPECT_TRUE(matches("(mail=*ice*example*)"));
    EXPECT_FALSE(matches("(mail=alice@example.co*m*x)"));
    EXPECT_TRUE(matches("(uid=\\61lice)"));
    EXPECT_TRUE(matches("(uid>=a)"));
    EXPECT_FALSE(matches("(uid<=a)"));
    EXPECT_TRUE(matches("(&)"));
    EXPECT_FALSE(matches("(|)"));
    EXPECT_EQ(EntryFilter::parse("(&(mail=*)(uid=x)(Mail=y))").attributes(),
              (std::vector<std::string>{"mail", "uid"}));
}

TEST(EntryFilter, RefusesMalformedFilters) {
    for (const char* bad : {"(mail=*", "(=x)", "(&(mail=*)", "(mail=x))", "(uid:dn:=x)",
                            "(uid=\\zz)", "(a=b)(c=d)"}) {
        EXPECT_THROW(EntryFilter::parse(bad), std::invalid_argument) << bad;
    }
    try {
        EntryFilter::parse("(mail=*");
    } catch (const std::invalid_argument& error) {
        EXPECT_NE(std::string(error.what()).find("(mail=*"), std::string::npos);
    }
}

TEST(EntryMapping, AccountWithAliasesLoginsAndPolicy) {
    DirectoryConfig config;
    config.alias_attributes = {"mailAlternateAddress", "shadowAddress"};
    EntryMapper mapper(config);
    MappedEntry mapped = mapper.map(
        entry_from("dn: uid=Alice,ou=people,dc=example,dc=test\nobjectClass: inetOrgPerson\n"
                   "mail: Alice@EXAMPLE.com\nmailAlternateAddress: a.smith@example.com\n"
                   "mailAlternateAddress: alice@example.com\nshadowAddress: al@example.net.\n"
                   "uid: Alice\nuid: asmith\nmailPolicyClassDN: cn=staff,dc=example,dc=test\n"
                   "mailPolicySendMode: LOCALONLY\nmailPolicySendEnabled: TRUE\n"
                   "mailPolicyReceiveEnabled: FALSE\nmailPolicyEnforcement: Audit\n"
                   "mailPolicySendException: *@partner.com\nmailPolicySendRejectText: No way\n"));
    ASSERT_TRUE(mapped.account);
    EXPECT_FALSE(mapped.policy_class);
    EXPECT_FALSE(mapped.domain);
    const Account& account = *mapped.account;
    EXPECT_EQ(account.primary(), "alice@example.com");
    EXPECT_EQ(account.aliases().to_vector(),
              (std::vector<std::string>{"a.smith@example.com", "al@example.net"}));
    EXPECT_EQ(account.logins().to_vector(), (std::vector<std::string>{"alice", "asmith"}));
    EXPECT_EQ(account.class_dn(), "cn=staff,dc=example,dc=test");
    EXPECT_EQ(account.settings().send.mode, Mode::LocalOnly);
    EXPECT_EQ(account.settings().send.enabled, true);
    EXPECT_EQ(account.settings().receive.enabled, false);
    EXPECT_FALSE(account.settings().receive.mode);
    EXPECT_EQ(account.settings().enforcement, Enforcement::Audit);
    ASSERT_TRUE(account.settings().send.exceptions);
    EXPECT_EQ(account.settings().send.exceptions->size(), 1U);
    EXPECT_FALSE(account.settings().receive.exceptions);
    EXPECT_EQ(account.settings().send.reject_text, "No way");
}

TEST(EntryMapping, PrimaryAddressIsNormalizedWithoutRemovingExtensions) {
    EntryMapper mapper{DirectoryConfig{}};
    auto mapped = mapper.map(entry_from("dn: uid=b,dc=test\nmail: Bob+Lists@Example.COM.\n"));
    ASSERT_TRUE(mapped.account);
    EXPECT_EQ(mapped.account->primary(), "bob+lists@example.com");
}

TEST(EntryMapping, EveryMailValueIsAnAddressAndTheLowestIsThePrimary) {
    EntryMapper mapper{DirectoryConfig{}};
    for (const char* ldif :
         {"dn: uid=m,dc=test\nmail: Zed@example.org\nmail: bad value\nmail: AMY@example.com\n"
          "mail: zed@EXAMPLE.org\n",
          "dn: uid=m,dc=test\nmail: amy@example.com\nmail: zed@example.org\n"}) {
        auto mapped = mapper.map(entry_from(ldif));
        ASSERT_TRUE(mapped.account) << ldif;
        EXPECT_EQ(mapped.account->primary(), "amy@example.com") << ldif;
        EXPECT_TRUE(mapped.account->has_address("zed@example.org")) << ldif;
        EXPECT_TRUE(mapped.account->has_mail_domain("example.org")) << ldif;
        EXPECT_TRUE(mapped.account->aliases().empty()) << ldif;
    }
}

TEST(EntryMapping, AccountFilterDecidesWhoIsAnAccount) {
    DirectoryConfig config;
    config.account_filter = "(&(objectClass=inetOrgPerson)(!(accountStatus=disabled)))";
    EntryMapper mapper(config);
    EXPECT_TRUE(mapper
                    .map(entry_from("dn: uid=a,dc=test\nobjectClass: inetOrgPerson\n"
                                    "mail: a@example.com\n"))
                    .account);
    EXPECT_FALSE(mapper
                     .map(entry_from("dn: uid=b,dc=test\nobjectClass: inetOrgPerson\n"
                                     "accountStatus: disabled\nmail: b@example.com\n"))
                     .account);
    // Matching the filter is not enough without a usable mail address.
    EXPECT_FALSE(
        mapper.map(entry_from("dn: uid=c,dc=test\nobjectClass: inetOrgPerson\nmail: c\n")).account);
    EXPECT_TRUE(mapper.reads_attribute("accountstatus"));
    EXPECT_FALSE(mapper.reads_attribute("userpassword"));
    config.account_filter = "(mail=*";
    EXPECT_THROW(EntryMapper{config}, std::invalid_argument);
}

TEST(EntryMapping, EntriesOutsideTheBaseDnAreIgnored) {
    DirectoryConfig config;
    config.base_dn = "ou=People, dc=Example,dc=test";
    EntryMapper mapper(config);
    EXPECT_TRUE(
        mapper.map(entry_from("dn: uid=a,ou=people,dc=example,dc=test\nmail: a@x.org\n")).account);
    EXPECT_FALSE(
        mapper.map(entry_from("dn: uid=a,ou=others,dc=example,dc=test\nmail: a@x.org\n")).account);
    EXPECT_FALSE(
        mapper.map(entry_from("dn: uid=a,ou=xpeople,dc=example,dc=test\nmail: a@x.org\n")).account);
}

TEST(EntryMapping, InvalidValuesAreIgnoredNotWidened) {
    EntryMapper mapper{DirectoryConfig{}};
    auto mapped = mapper.map(
        entry_from("dn: uid=a,dc=test\nmail: a@example.com\nmailPolicySendMode: sometimes\n"
                   "mailPolicySendEnabled: yes\nmailPolicyEnforcement: maybe\n"
                   "mailPolicyReceiveException:\nmailPolicyReceiveException: a b@c\n"
                   "mailPolicyReceiveException: x@y@z\nmailPolicyReceiveException: ok.example\n"));
    ASSERT_TRUE(mapped.account);
    const auto& settings = mapped.account->settings();
    EXPECT_FALSE(settings.send.mode);
    EXPECT_FALSE(settings.send.enabled);
    EXPECT_FALSE(settings.enforcement);
    ASSERT_TRUE(settings.receive.exceptions);
    ASSERT_EQ(settings.receive.exceptions->size(), 1U);
    EXPECT_EQ(settings.receive.exceptions->front().text(), "ok.example");
}

TEST(EntryMapping, ClassAndDomainEntries) {
    EntryMapper mapper{DirectoryConfig{}};
    auto policy_class =
        mapper.map(entry_from("dn: cn=contractors,dc=test\nobjectClass: mailPolicyClass\n"
                              "cn: contractors\nmailPolicyReceiveMode: denyAll\n"));
    ASSERT_TRUE(policy_class.policy_class);
    EXPECT_FALSE(policy_class.account);
    EXPECT_EQ(policy_class.policy_class->settings.receive.mode, Mode::DenyAll);

    auto domain = mapper.map(entry_from(
        "dn: dc=example,dc=com\nobjectClass: domain\nobjectClass: mailPolicyDomain\n"
        "mailPolicyDomainName: Example.COM\nmailPolicyDomainName: b\xC3\xBC"
        "cher.example\nmailPolicyDomainName: bad domain\nmail: postmaster@example.com\n"));
    ASSERT_TRUE(domain.domain);
    EXPECT_EQ(domain.domain->names,
              (std::vector<std::string>{"example.com", "xn--bcher-kva.example"}));
    EXPECT_TRUE(domain.account) << "an entry can be a domain entry and an account";
}

TEST(EntryMapping, IdenticalExceptionListsAreShared) {
    EntryMapper mapper{DirectoryConfig{}};
    const char* policy = "mailPolicySendException: *@partner.com\nmailPolicySendException: x.org\n";
    auto a = mapper.map(entry_from(std::string("dn: uid=a,dc=test\nmail: a@e.com\n") + policy));
    auto b = mapper.map(entry_from(std::string("dn: uid=b,dc=test\nmail: b@e.com\n") + policy));
    auto c =
        mapper.map(entry_from("dn: uid=c,dc=test\nmail: c@e.com\nmailPolicySendException: x.org\n"
                              "mailPolicySendException: *@partner.com\n"));
    EXPECT_EQ(a.account->settings().send.exceptions, b.account->settings().send.exceptions);
    EXPECT_NE(a.account->settings().send.exceptions, c.account->settings().send.exceptions);
}

TEST(EntryMapping, NormalizeDn) {
    EXPECT_EQ(normalize_dn("CN=Staff , OU=Groups,  DC=Example,DC=test"),
              "cn=staff,ou=groups,dc=example,dc=test");
    EXPECT_EQ(normalize_dn("cn=a\\, b,dc=test"), "cn=a\\, b,dc=test");
    EXPECT_EQ(normalize_dn("cn=trailing\\  ,dc=test"), "cn=trailing\\ ,dc=test");
}

}  // namespace
}  // namespace mailpolicy
