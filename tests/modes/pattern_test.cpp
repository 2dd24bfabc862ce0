// Exception patterns (SPEC §2): what matches what, what is refused and why, and that
// matching stays linear on hostile patterns.

#include "modes/pattern.h"

#include <gtest/gtest.h>

#include <chrono>

namespace mailpolicy {
namespace {

Pattern compiled(std::string_view text) {
    auto result = Pattern::compile(text);
    if (auto* reason = std::get_if<std::string>(&result)) {
        ADD_FAILURE() << "pattern " << text << " refused: " << *reason;
        return std::get<Pattern>(Pattern::compile("refused.invalid"));
    }
    return std::get<Pattern>(result);
}

Address address(std::string_view text) {
    return std::get<Address>(parse_address(text));
}

struct Match {
    std::string pattern;
    std::string address;
    bool matches;
};

void PrintTo(const Match& value, std::ostream* out) {
    *out << value.pattern << " " << value.address;
}

class PatternMatching : public testing::TestWithParam<Match> {};

TEST_P(PatternMatching, FollowsTheRule) {
    EXPECT_EQ(compiled(GetParam().pattern).matches(address(GetParam().address)), GetParam().matches)
        << GetParam().pattern << " vs " << GetParam().address;
}

INSTANTIATE_TEST_SUITE_P(WholeDomain, PatternMatching,
                         testing::Values(Match{"*@partner.com", "bob@partner.com", true},
                                         Match{"partner.com", "bob@partner.com", true},
                                         Match{"*@partner.com", "bob@eu.partner.com", false},
                                         Match{"partner.com", "bob@eu.partner.com", false},
                                         Match{"partner.com", "bob@notpartner.com", false}));

INSTANTIATE_TEST_SUITE_P(SubdomainsOnly, PatternMatching,
                         testing::Values(Match{"*@*.partner.com", "bob@eu.partner.com", true},
                                         Match{"*.partner.com", "bob@eu.partner.com", true},
                                         Match{"*.partner.com", "bob@a.b.partner.com", true},
                                         Match{"*@*.partner.com", "bob@partner.com", false},
                                         Match{"*.partner.com", "bob@partner.com", false},
                                         Match{"*.partner.com", "bob@notpartner.com", false}));

INSTANTIATE_TEST_SUITE_P(OneAddress, PatternMatching,
                         testing::Values(Match{"bob@partner.com", "bob@partner.com", true},
                                         Match{"bob@partner.com", "Bob+news@Partner.COM.", true},
                                         Match{"bob@partner.com", "bobby@partner.com", false},
                                         Match{"bob@partner.com", "ob@partner.com", false}));

INSTANTIATE_TEST_SUITE_P(CaseAndDots, PatternMatching,
                         testing::Values(Match{"BOB@Partner.COM", "bob@partner.com", true},
                                         Match{"Partner.COM.", "bob@partner.com", true},
                                         Match{"*@PARTNER.com.", "bob@partner.com", true}));

INSTANTIATE_TEST_SUITE_P(Wildcards, PatternMatching,
                         testing::Values(Match{"b?b@partner.com", "bob@partner.com", true},
                                         Match{"b?b@partner.com", "bb@partner.com", false},
                                         Match{"b*b@partner.com", "bb@partner.com", true},
                                         Match{"b*b@partner.com", "bxyzb@partner.com", true},
                                         Match{"*", "anyone@anywhere.example", true},
                                         Match{"*@*", "anyone@anywhere.example", true},
                                         Match{"?@x.com", "ü@x.com", true},
                                         Match{"??@x.com", "ü@x.com", false},
                                         Match{"partner.???", "bob@partner.com", true},
                                         Match{"partner.???", "bob@partner.co", false},
                                         Match{"sales-*@*.example", "sales-eu@mx.example", true},
                                         Match{"sales-*@*.example", "support@mx.example", false}));

INSTANTIATE_TEST_SUITE_P(
    InternationalizedDomains, PatternMatching,
    testing::Values(Match{"*@bücher.example", "bob@xn--bcher-kva.example", true},
                    Match{"bücher.example", "bob@BÜCHER.example", true},
                    Match{"*.bücher.example", "bob@shop.bücher.example", true},
                    Match{"xn--bcher-kva.example", "bob@bücher.example", true}));

INSTANTIATE_TEST_SUITE_P(Literals, PatternMatching,
                         testing::Values(Match{"*@[192.0.2.1]", "bob@[192.0.2.1]", true},
                                         Match{"*@partner.com", "bob@[192.0.2.1]", false}));

TEST(Pattern, NullAddressIsMatchedByNothing) {
    for (const char* text : {"*", "*@*", "partner.com"}) {
        EXPECT_FALSE(compiled(text).matches(Address{})) << text;
    }
}

TEST(Pattern, KeepsTheTextAsWrittenAndKnowsDomainOnly) {
    const Pattern pattern = compiled("  *@Partner.COM  ");
    EXPECT_EQ(pattern.text(), "*@Partner.COM");
    EXPECT_FALSE(pattern.domain_only());
    EXPECT_TRUE(compiled("partner.com").domain_only());
}

struct Refusal {
    std::string pattern;
    std::string reason;
};

void PrintTo(const Refusal& value, std::ostream* out) {
    *out << value.pattern;
}

class PatternRefusal : public testing::TestWithParam<Refusal> {};

TEST_P(PatternRefusal, GivesTheReason) {
    auto result = Pattern::compile(GetParam().pattern);
    ASSERT_TRUE(std::holds_alternative<std::string>(result)) << GetParam().pattern;
    EXPECT_EQ(std::get<std::string>(result), GetParam().reason);
}

INSTANTIATE_TEST_SUITE_P(
    Rules, PatternRefusal,
    testing::Values(Refusal{"", "empty pattern"}, Refusal{"   ", "empty pattern"},
                    Refusal{"bob @partner.com", "whitespace inside pattern"},
                    Refusal{"bob@part\tner.com", "whitespace inside pattern"},
                    Refusal{"a@b@partner.com", "more than one '@'"},
                    Refusal{"@partner.com", "empty local part"}, Refusal{"bob@", "empty domain"},
                    Refusal{"bob@.", "empty domain"},
                    Refusal{"bob\x01@partner.com", "control character in pattern"},
                    Refusal{"bob@\xff.com", "invalid UTF-8 in pattern"}));

TEST(Pattern, ManyStarsAgainstALongAddressRunInLinearTime) {
    const Pattern pattern = compiled("*a*a*a*a*a*a*a*b@x.com");
    Address long_address;
    long_address.kind = Address::Kind::Mailbox;
    long_address.local = std::string(5000, 'a');
    long_address.domain = "x.com";
    const auto start = std::chrono::steady_clock::now();
    EXPECT_FALSE(pattern.matches(long_address));
    long_address.local.back() = 'b';
    EXPECT_TRUE(pattern.matches(long_address));
    const auto elapsed = std::chrono::steady_clock::now() - start;
    // A backtracking matcher needs years here; a linear one well under a second even
    // under sanitizers.
    EXPECT_LT(elapsed, std::chrono::seconds(1));
}

TEST(Pattern, ManyStarsAgainstALongDomainRunInLinearTime) {
    const Pattern pattern = compiled("*a*a*a*a*a*a*a*b");
    Address long_address;
    long_address.kind = Address::Kind::Mailbox;
    long_address.local = "x";
    long_address.domain = std::string(5000, 'a');
    const auto start = std::chrono::steady_clock::now();
    EXPECT_FALSE(pattern.matches(long_address));
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

// A plain recursive glob: slow, obviously right, for the cross-check below.
bool reference_glob(std::string_view pattern, std::string_view subject) {
    if (pattern.empty()) return subject.empty();
    if (pattern.front() == '*') {
        for (std::size_t skip = 0; skip <= subject.size(); ++skip) {
            if (reference_glob(pattern.substr(1), subject.substr(skip))) return true;
        }
        return false;
    }
    if (subject.empty()) return false;
    if (pattern.front() != '?' && pattern.front() != subject.front()) return false;
    return reference_glob(pattern.substr(1), subject.substr(1));
}

bool reference_matches(std::string_view pattern, const Address& subject) {
    const std::size_t at = pattern.find('@');
    if (at == std::string_view::npos) return reference_glob(pattern, subject.domain);
    return reference_glob(pattern.substr(0, at), subject.local) &&
           reference_glob(pattern.substr(at + 1), subject.domain);
}

// The quick refusals (literal prefix, suffix, the last bytes of the domain) never refuse
// an address the plain glob accepts, for domains shorter and longer than 8 bytes.
TEST(Pattern, AgreesWithAPlainGlobOnShortAndLongDomains) {
    const char* patterns[] = {"*@partner.com", "*.vendor.org", "boss@client.net", "*@*.eu.partner.com",
                              "news?@list.org", "sales-*@shop.example", "supplier.net", "*.io",
                              "a.io", "*@?.io", "*r.com", "*artner.com", "x*@*", "*", "*@*.*",
                              "?????????.com", "*.co", "b*b@b*b.b"};
    const char* addresses[] = {"bob@partner.com", "bob@apartner.com", "x@mx.vendor.org",
                               "x@vendor.org", "boss@client.net", "boss@client.nett",
                               "a@sub.eu.partner.com", "a@eu.partner.com", "news1@list.org",
                               "news12@list.org", "sales-x@shop.example", "x@supplier.net",
                               "x@a.io", "x@b.io", "x@ab.io", "x@r.com", "x@abcdefghi.com",
                               "x@abcdefgh.com", "x@x.co", "x@x.com", "bb@bb.b", "bob@bob.b"};
    for (const char* pattern_text : patterns) {
        const Pattern pattern = compiled(pattern_text);
        for (const char* address_text : addresses) {
            const Address subject = address(address_text);
            EXPECT_EQ(pattern.matches(subject), reference_matches(pattern_text, subject))
                << pattern_text << " vs " << address_text;
        }
    }
}

}  // namespace
}  // namespace mailpolicy
