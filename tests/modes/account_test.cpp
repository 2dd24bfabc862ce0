// Accounts as directories hold them: everything put in through AccountFields comes back
// out unchanged, whatever the number of aliases and logins, and copies of the settings
// (reject texts included) are independent.
#include "modes/account.h"

#include <gtest/gtest.h>

#include "tests/modes/entry_builders.h"

namespace mailpolicy {
namespace {

using testing_support::account;

TEST(Account, GivesBackEveryFieldItWasMadeOf) {
    AccountFields fields = account("uid=alice,ou=people,dc=example,dc=com", "alice@example.com",
                                   {"a.smith@example.com", "al@example.net"}, {"alice", "asmith"});
    fields.class_dn = "cn=staff,dc=example,dc=com";
    fields.settings.send.mode = Mode::LocalOnly;
    fields.settings.receive.reject_text = "Not from there";
    const Account::Pointer made = Account::make(fields);

    EXPECT_EQ(made->dn(), "uid=alice,ou=people,dc=example,dc=com");
    EXPECT_EQ(made->primary(), "alice@example.com");
    EXPECT_EQ(made->primary_domain(), "example.com");
    EXPECT_EQ(made->aliases().to_vector(), fields.aliases);
    EXPECT_EQ(made->aliases().size(), 2U);
    EXPECT_TRUE(made->aliases().contains("al@example.net"));
    EXPECT_FALSE(made->aliases().contains("al@example"));
    EXPECT_EQ(made->logins().to_vector(), fields.logins);
    EXPECT_EQ(made->class_dn(), "cn=staff,dc=example,dc=com");
    EXPECT_EQ(made->settings().send.mode, Mode::LocalOnly);
    EXPECT_EQ(made->settings().receive.reject_text, "Not from there");

    const AccountFields again = made->fields();
    EXPECT_EQ(again.dn, fields.dn);
    EXPECT_EQ(again.primary, fields.primary);
    EXPECT_EQ(again.aliases, fields.aliases);
    EXPECT_EQ(again.logins, fields.logins);
    EXPECT_EQ(again.class_dn, fields.class_dn);
    EXPECT_EQ(again.settings.receive.reject_text, "Not from there");
}

TEST(Account, TheLowestMailValueIsThePrimaryWhateverTheOrder) {
    AccountFields fields = account("uid=m,dc=test", "zed@example.org", {"alias@outside.test"});
    fields.other_mail = {"Amy@example.com", "zed@example.org", "bea@example.net"};
    const Account::Pointer made = Account::make(fields);
    EXPECT_EQ(made->primary(), "Amy@example.com");
    EXPECT_EQ(made->primary_domain(), "example.com");
    EXPECT_EQ(made->other_mail().to_vector(),
              (std::vector<std::string>{"bea@example.net", "zed@example.org"}));
    EXPECT_EQ(made->aliases().to_vector(), fields.aliases);
    for (const char* address :
         {"Amy@example.com", "bea@example.net", "zed@example.org", "alias@outside.test"}) {
        EXPECT_TRUE(made->has_address(address)) << address;
    }
    EXPECT_FALSE(made->has_address("amy@example.org"));
    EXPECT_TRUE(made->has_mail_domain("example.net"));
    EXPECT_FALSE(made->has_mail_domain("outside.test")) << "aliases' domains are not local";
    EXPECT_EQ(made->fields().other_mail, made->other_mail().to_vector());
}

TEST(Account, WithoutAliasesLoginsOrClassHasEmptyOnes) {
    const Account::Pointer made = Account::make(account("uid=x,dc=test", "x@test"));
    EXPECT_TRUE(made->aliases().empty());
    EXPECT_EQ(made->aliases().begin(), made->aliases().end());
    EXPECT_TRUE(made->logins().empty());
    EXPECT_FALSE(made->class_dn().has_value());
    EXPECT_FALSE(made->settings().send.reject_text.has_value());
}

TEST(Account, AnEmptyClassDnIsStillAClassDn) {
    AccountFields fields = account("uid=x,dc=test", "x@test");
    fields.class_dn = "";
    EXPECT_EQ(Account::make(fields)->class_dn(), "");
}

TEST(Account, PrimaryWithoutAtHasNoDomain) {
    EXPECT_EQ(Account::make(account("uid=x,dc=test", "postmaster"))->primary_domain(), "");
}

TEST(Account, ManyLongAliasesAreKeptInOrder) {
    AccountFields fields = account("uid=many,dc=test", "many@example.com");
    for (int i = 0; i < 300; ++i) {
        fields.aliases.push_back("alias-" + std::to_string(i) + std::string(200, 'x') +
                                 "@example.com");
    }
    EXPECT_EQ(Account::make(fields)->aliases().to_vector(), fields.aliases);
}

TEST(OptionalText, CopiesAreIndependentAndCompareByText) {
    OptionalText original = "first";
    OptionalText copy = original;
    original = "second";
    EXPECT_EQ(copy, "first");
    EXPECT_EQ(original, "second");
    OptionalText none;
    EXPECT_FALSE(none.has_value());
    EXPECT_FALSE(none == "");
    copy = none;
    EXPECT_FALSE(copy.has_value());
}

}  // namespace
}  // namespace mailpolicy
