// Hashes for the directory's tables: equal texts hash equal (in every length class the
// word loop and the tails handle), the case-ignoring hash ignores ASCII case only, and
// near-identical addresses spread over the low bits the tables use.
#include "modes/text_hash.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace mailpolicy {
namespace {

TEST(TextHash, EqualTextsHashEqualWhateverTheirStorage) {
    for (std::size_t length = 0; length <= 40; ++length) {
        const std::string text(length, 'x');
        const std::string copy = text;
        EXPECT_EQ(hash_text(text), hash_text(copy)) << length;
    }
}

TEST(TextHash, EveryByteCountsInEveryLengthClass) {
    for (std::size_t length = 1; length <= 40; ++length) {
        const std::string base(length, 'a');
        std::set<std::uint64_t> seen{hash_text(base)};
        for (std::size_t position = 0; position < length; ++position) {
            std::string changed = base;
            changed[position] = 'b';
            EXPECT_TRUE(seen.insert(hash_text(changed)).second)
                << "length " << length << ", byte " << position;
        }
    }
}

TEST(TextHash, CaseIgnoringHashTreatsLetterCaseAlike) {
    EXPECT_EQ(hash_text_ignoring_case("CN=Contractors,OU=Classes,DC=Example,DC=com"),
              hash_text_ignoring_case("cn=contractors,ou=classes,dc=example,dc=com"));
    EXPECT_EQ(hash_text_ignoring_case("Ab"), hash_text_ignoring_case("aB"));
    EXPECT_NE(hash_text_ignoring_case("cn=a"), hash_text_ignoring_case("cn=b"));
    EXPECT_NE(hash_text("Alice"), hash_text("alice"));
}

TEST(TextHash, SimilarAddressesSpreadOverLowBits) {
    // 4096 addresses that differ only in a number: a table of 8192 slots indexed by the
    // low bits must not pile them up (a poor hash puts hundreds into a few slots).
    std::set<std::uint64_t> slots;
    for (int i = 0; i < 4096; ++i) {
        slots.insert(hash_text("user" + std::to_string(i) + "@example.com") & 8191);
    }
    EXPECT_GT(slots.size(), 3000U);
}

}  // namespace
}  // namespace mailpolicy
