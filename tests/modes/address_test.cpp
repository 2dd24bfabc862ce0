// Address normalization per SPEC §2: what the engine compares, and what it refuses.
// Each row is one rule an admin relies on; errors must carry a reason.

#include "modes/address.h"

#include <gtest/gtest.h>

namespace mailpolicy {
namespace {

struct Normalizes {
    std::string input;
    std::string text;
};

void PrintTo(const Normalizes& value, std::ostream* out) {
    *out << value.input;
}

class AddressNormalization : public testing::TestWithParam<Normalizes> {};

TEST_P(AddressNormalization, GivesTheNormalizedText) {
    auto parsed = parse_address(GetParam().input);
    ASSERT_TRUE(std::holds_alternative<Address>(parsed))
        << GetParam().input << ": " << std::get<AddressError>(parsed).reason;
    EXPECT_EQ(std::get<Address>(parsed).text(), GetParam().text);
}

INSTANTIATE_TEST_SUITE_P(
    Rules, AddressNormalization,
    testing::Values(Normalizes{"alice@example.com", "alice@example.com"},
                    Normalizes{"<alice@example.com>", "alice@example.com"},
                    Normalizes{"  <alice@example.com>  ", "alice@example.com"},
                    Normalizes{"< alice@example.com >", "alice@example.com"},
                    Normalizes{"Alice@EXAMPLE.Com", "alice@example.com"},
                    Normalizes{"alice@example.com.", "alice@example.com"},
                    Normalizes{"alice+tag@example.com", "alice@example.com"},
                    Normalizes{"alice+tag+more@example.com", "alice@example.com"},
                    Normalizes{"+tag@example.com", "+tag@example.com"},
                    Normalizes{"+tag+more@example.com", "+tag+more@example.com"},
                    Normalizes{"Al.Ice+Tag@Sub.Example.COM.", "al.ice@sub.example.com"},
                    Normalizes{"a@" + std::string(63, 'x') + ".example", "a@" + std::string(63, 'x') + ".example"},
                    Normalizes{"\"john\"@example.com", "john@example.com"},
                    Normalizes{"\"John.Doe\"@example.com", "john.doe@example.com"},
                    Normalizes{"\"john doe\"@example.com", "\"john doe\"@example.com"},
                    Normalizes{"\"a\\\"b\"@example.com", "\"a\\\"b\"@example.com"},
                    Normalizes{"alice@bücher.example", "alice@xn--bcher-kva.example"},
                    Normalizes{"alice@BÜCHER.example", "alice@xn--bcher-kva.example"},
                    Normalizes{"<@relay.example:alice@example.com>", "alice@example.com"},
                    Normalizes{"user@[192.0.2.1]", "user@[192.0.2.1]"},
                    Normalizes{"user@[IPv6:2001:DB8::1]", "user@[ipv6:2001:db8::1]"}));

TEST(Address, EmptyAndAngleBracketsAreTheNullSender) {
    for (const char* input : {"", "<>", "  <>  ", "< >"}) {
        auto parsed = parse_address(input);
        ASSERT_TRUE(std::holds_alternative<Address>(parsed)) << input;
        EXPECT_TRUE(std::get<Address>(parsed).is_null()) << input;
        EXPECT_EQ(std::get<Address>(parsed).text(), "") << input;
    }
}

TEST(Address, LiteralsAreMarkedAsLiterals) {
    auto parsed = parse_address("user@[192.0.2.1]");
    ASSERT_TRUE(std::holds_alternative<Address>(parsed));
    EXPECT_TRUE(std::get<Address>(parsed).is_literal());
    EXPECT_EQ(std::get<Address>(parsed).domain, "[192.0.2.1]");
}

TEST(Address, ConfiguredDelimitersRemoveExtensions) {
    auto dash = parse_address("alice-list@example.com", "-+");
    ASSERT_TRUE(std::holds_alternative<Address>(dash));
    EXPECT_EQ(std::get<Address>(dash).text(), "alice@example.com");
    auto none = parse_address("alice+tag@example.com", "");
    ASSERT_TRUE(std::holds_alternative<Address>(none));
    EXPECT_EQ(std::get<Address>(none).text(), "alice+tag@example.com");
}

struct Refuses {
    std::string input;
    std::string reason;
};

void PrintTo(const Refuses& value, std::ostream* out) {
    *out << value.input;
}

class AddressRefusal : public testing::TestWithParam<Refuses> {};

TEST_P(AddressRefusal, GivesTheReason) {
    auto parsed = parse_address(GetParam().input);
    ASSERT_TRUE(std::holds_alternative<AddressError>(parsed)) << GetParam().input;
    EXPECT_EQ(std::get<AddressError>(parsed).reason, GetParam().reason) << GetParam().input;
}

INSTANTIATE_TEST_SUITE_P(
    Rules, AddressRefusal,
    testing::Values(
        Refuses{"alice", "missing '@'"}, Refuses{"@example.com", "empty local part"},
        Refuses{"alice@", "empty domain"}, Refuses{"alice@.", "empty domain"},
        Refuses{"al ice@example.com", "whitespace in address"},
        Refuses{"alice@exa mple.com", "whitespace in address"},
        Refuses{std::string("ali\x01"
                            "ce@example.com"),
                "control character in address"},
        Refuses{"alice\x7f@example.com", "control character in address"},
        Refuses{"alice@\xff.com", "invalid UTF-8"}, Refuses{"alice@a..b", "empty label in domain"},
        Refuses{"alice@example.com..", "empty label in domain"},
        Refuses{"alice@b@example.com", "more than one '@'"},
        Refuses{"\"alice@example.com", "unterminated quoted local part"},
        Refuses{"\"al\"ice@example.com", "text after quoted local part"},
        Refuses{"<alice@example.com", "unbalanced angle brackets"},
        Refuses{"alice@exa!mple.com", "invalid character in domain"},
        Refuses{"user@[192.0.2.300]", "invalid address literal"},
        Refuses{"user@[192.0.2.1", "unterminated address literal"},
        Refuses{std::string(65, 'a') + "@example.com", "local part longer than 64 octets"},
        Refuses{"a@" + std::string(64, 'b') + ".com", "domain label longer than 63 octets"},
        Refuses{"a@" +
                    std::string(200, 'b')
                        .replace(50, 1, ".")
                        .replace(100, 1, ".")
                        .replace(150, 1, ".") +
                    "." + std::string(60, 'c'),
                "domain longer than 255 octets"}));

TEST(Address, InvalidInternationalizedDomainIsRefusedWithReason) {
    auto parsed = parse_address("alice@\xe2\x98\x83\xcc\x81.example");  // snowman + combining mark
    ASSERT_TRUE(std::holds_alternative<AddressError>(parsed));
    EXPECT_NE(std::get<AddressError>(parsed).reason.find("internationalized"), std::string::npos);
}

TEST(Address, SixtyFourOctetLocalPartIsAccepted) {
    auto parsed = parse_address(std::string(64, 'a') + "@example.com");
    EXPECT_TRUE(std::holds_alternative<Address>(parsed));
}

TEST(Address, ExtensionIsRemovedBeforeTheLengthLimit) {
    auto parsed = parse_address("alice+" + std::string(80, 't') + "@example.com");
    ASSERT_TRUE(std::holds_alternative<Address>(parsed));
    EXPECT_EQ(std::get<Address>(parsed).text(), "alice@example.com");
}

TEST(NormalizeDomain, LowercasesStripsOneDotAndConvertsToALabels) {
    EXPECT_EQ(std::get<std::string>(normalize_domain("Example.COM.")), "example.com");
    EXPECT_EQ(std::get<std::string>(normalize_domain("bücher.example")), "xn--bcher-kva.example");
    EXPECT_TRUE(std::holds_alternative<AddressError>(normalize_domain("")));
    EXPECT_TRUE(std::holds_alternative<AddressError>(normalize_domain("a..b")));
}

}  // namespace
}  // namespace mailpolicy
