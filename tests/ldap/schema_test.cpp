// schema/mailpolicy.schema and schema/mailpolicy.ldif against a real slapd: both forms
// load, every attribute can be stored and read back, and slapd enforces the syntaxes
// (a non-boolean, a non-DN, a second value of a single-valued attribute are refused).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "tests/support/test_slapd.h"

namespace mailpolicy::test {
namespace {

const char* const every_attribute_ldif = R"(dn: cn=contractors,dc=example,dc=test
objectClass: mailPolicyClass
cn: contractors
description: External contractors
mailPolicySendEnabled: TRUE
mailPolicyReceiveEnabled: FALSE
mailPolicySendMode: localOnly
mailPolicyReceiveMode: denyAll
mailPolicySendException: *@partner.com
mailPolicySendException: supplier.org
mailPolicyReceiveException: boss@example.com
mailPolicySendRejectText: Contractors may only write internally
mailPolicyReceiveRejectText: Not from outside
mailPolicyEnforcement: audit

dn: ou=example.com,dc=example,dc=test
objectClass: organizationalUnit
objectClass: mailPolicyDomain
ou: example.com
mailPolicyDomainName: example.com
mailPolicyDomainName: example.net
mailPolicySendMode: localAndSubdomains
mailPolicyEnforcement: enforce

dn: uid=alice,ou=people,dc=example,dc=test
objectClass: inetOrgPerson
objectClass: mailPolicyAccount
uid: alice
cn: Alice
sn: Example
mail: alice@example.com
mailPolicySendEnabled: FALSE
mailPolicyReceiveEnabled: TRUE
mailPolicySendMode: allowAll
mailPolicyReceiveMode: localOnly
mailPolicySendException: *@competitor.com
mailPolicyReceiveException: *.partner.com
mailPolicySendRejectText: No
mailPolicyReceiveRejectText: No either
mailPolicyEnforcement: enforce
mailPolicyClassDN: cn=contractors,dc=example,dc=test
)";

std::string account_with(const std::string& uid, const std::string& extra) {
    return "dn: uid=" + uid + ",ou=people,dc=example,dc=test\nobjectClass: inetOrgPerson\n" +
           "objectClass: mailPolicyAccount\nuid: " + uid + "\ncn: " + uid + "\nsn: " + uid +
           "\nmail: " + uid + "@example.com\n" + extra;
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

TEST(SchemaFile, EveryAttributeIsStoredAndSearchable) {
    TestSlapdOptions options;
    options.extra_database_config = {"index mailPolicyDomainName eq"};
    TestSlapd slapd(options);
    slapd.add_ldif(every_attribute_ldif);

    std::string alice = slapd.search(TestSlapd::base_dn(), "(uid=alice)");
    EXPECT_TRUE(contains(alice, "mailPolicyClassDN: cn=contractors,dc=example,dc=test"));
    EXPECT_TRUE(contains(alice, "mailPolicyReceiveException: *.partner.com"));
    EXPECT_TRUE(contains(alice, "mailPolicySendEnabled: FALSE"));

    // Equality on domain names (indexed, case-insensitive), substrings on exceptions.
    EXPECT_TRUE(contains(slapd.search(TestSlapd::base_dn(), "(mailPolicyDomainName=EXAMPLE.NET)"),
                         "dn: ou=example.com,dc=example,dc=test"));
    EXPECT_TRUE(contains(slapd.search(TestSlapd::base_dn(), "(mailPolicySendException=*partner*)"),
                         "dn: cn=contractors,dc=example,dc=test"));
    EXPECT_TRUE(contains(slapd.search(TestSlapd::base_dn(), "(mailPolicySendMode=LOCALONLY)"),
                         "dn: cn=contractors,dc=example,dc=test"));
    EXPECT_TRUE(contains(slapd.search(TestSlapd::base_dn(),
                                      "(mailPolicyClassDN=CN=Contractors, DC=example,DC=test)"),
                         "dn: uid=alice,ou=people,dc=example,dc=test"));
}

TEST(SchemaFile, SlapdRefusesValuesOutsideTheSyntax) {
    TestSlapd slapd;
    ToolResult not_boolean = slapd.try_add_ldif(account_with("b1", "mailPolicySendEnabled: yes\n"));
    EXPECT_FALSE(not_boolean.ok());
    EXPECT_TRUE(contains(not_boolean.errors, "mailPolicySendEnabled")) << not_boolean.errors;

    ToolResult not_dn = slapd.try_add_ldif(account_with("b2", "mailPolicyClassDN: not a dn\n"));
    EXPECT_FALSE(not_dn.ok());
    EXPECT_TRUE(contains(not_dn.errors, "mailPolicyClassDN")) << not_dn.errors;

    ToolResult two_modes = slapd.try_add_ldif(
        account_with("b3", "mailPolicySendMode: localOnly\nmailPolicySendMode: denyAll\n"));
    EXPECT_FALSE(two_modes.ok());

    ToolResult domain_without_name = slapd.try_add_ldif(
        "dn: ou=nameless,dc=example,dc=test\nobjectClass: organizationalUnit\n"
        "objectClass: mailPolicyDomain\nou: nameless\n");
    EXPECT_FALSE(domain_without_name.ok());

    EXPECT_EQ(slapd.search(TestSlapd::base_dn(), "(|(uid=b1)(uid=b2)(uid=b3)(ou=nameless))"), "");
    EXPECT_TRUE(slapd.try_add_ldif(account_with("b4", "mailPolicySendEnabled: TRUE\n")).ok());
}

std::string read_source_file(const std::string& relative) {
    std::ifstream in(std::string(MAILPOLICY_SOURCE_DIR) + "/" + relative);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

TEST(SchemaLdif, LoadsIntoCnConfigAndAcceptsAnIndex) {
    TestSlapdOptions options;
    options.cn_config = true;
    TestSlapd slapd(options);
    // Before the schema is loaded the attributes are unknown.
    EXPECT_FALSE(slapd.try_add_ldif(account_with("early", "mailPolicySendMode: denyAll\n")).ok());

    ToolResult schema = slapd.config_add(read_source_file("schema/mailpolicy.ldif"));
    ASSERT_TRUE(schema.ok()) << schema.errors;
    ToolResult index = slapd.config_modify(
        "dn: olcDatabase={1}mdb,cn=config\nchangetype: modify\nadd: olcDbIndex\n"
        "olcDbIndex: mailPolicyDomainName eq\n");
    ASSERT_TRUE(index.ok()) << index.errors;

    slapd.add_ldif(every_attribute_ldif);
    EXPECT_TRUE(contains(slapd.search(TestSlapd::base_dn(), "(mailPolicyDomainName=example.com)"),
                         "mailPolicySendMode: localAndSubdomains"));
    EXPECT_FALSE(slapd.try_add_ldif(account_with("bad", "mailPolicyReceiveEnabled: maybe\n")).ok());

    // The schema survives a restart (it is stored in the cn=config directory), and an
    // offline slapadd sees it too.
    slapd.stop();
    slapd.bulk_load(account_with("offline", "mailPolicySendMode: denyAll\n"));
    slapd.start();
    EXPECT_TRUE(contains(slapd.search(TestSlapd::base_dn(), "(uid=offline)"),
                         "mailPolicySendMode: denyAll"));
    EXPECT_TRUE(contains(slapd.search(TestSlapd::base_dn(), "(uid=alice)"),
                         "mailPolicyEnforcement: enforce"));
}

std::size_t count_entries(const std::string& ldif) {
    std::size_t count = 0;
    for (auto at = ldif.find("dn: "); at != std::string::npos; at = ldif.find("dn: ", at + 1)) {
        ++count;
    }
    return count;
}

TEST(TestSlapdLimits, ReaderIsUnlimitedWhileAnonymousHitsTheSizeLimit) {
    TestSlapdOptions options;
    options.size_limit = 5;
    TestSlapd slapd(options);
    std::string ldif;
    for (int i = 0; i < 8; ++i) ldif += account_with("u" + std::to_string(i), "") + "\n";
    slapd.add_ldif(ldif);

    ToolResult reader =
        slapd.try_search(TestSlapd::Identity::Reader, TestSlapd::base_dn(), "(mail=*)", {"1.1"});
    EXPECT_TRUE(reader.ok()) << reader.errors;
    EXPECT_EQ(count_entries(reader.output), 8U);

    ToolResult anonymous =
        slapd.try_search(TestSlapd::Identity::Anonymous, TestSlapd::base_dn(), "(mail=*)", {"1.1"});
    EXPECT_EQ(anonymous.exit_status, 4) << "sizeLimitExceeded: " << anonymous.errors;
    EXPECT_EQ(count_entries(anonymous.output), 5U);
}

TEST(TestSlapdLimits, BulkLoadKeepsPortAndDataAndNeedsTheLimitPast500) {
    TestSlapd slapd;
    int port = slapd.port();
    std::string ldif;
    for (int i = 0; i < 600; ++i) ldif += account_with("bulk" + std::to_string(i), "") + "\n";
    slapd.bulk_load(ldif);
    EXPECT_TRUE(slapd.running());
    EXPECT_EQ(slapd.port(), port);
    ToolResult reader =
        slapd.try_search(TestSlapd::Identity::Reader, TestSlapd::base_dn(), "(mail=*)", {"1.1"});
    EXPECT_EQ(count_entries(reader.output), 600U) << reader.errors;
    ToolResult anonymous =
        slapd.try_search(TestSlapd::Identity::Anonymous, TestSlapd::base_dn(), "(mail=*)", {"1.1"});
    EXPECT_EQ(anonymous.exit_status, 4);
    EXPECT_EQ(count_entries(anonymous.output), 500U);
    slapd.stop();
    EXPECT_FALSE(slapd.running());
    slapd.start();
    EXPECT_EQ(slapd.port(), port);
    EXPECT_TRUE(
        contains(slapd.search(TestSlapd::base_dn(), "(uid=bulk599)"), "bulk599@example.com"));
}

}  // namespace
}  // namespace mailpolicy::test
