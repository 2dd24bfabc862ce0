// Exception patterns per SPEC §2: '*' any run, '?' one character, case-insensitive,
// a pattern without '@' matches the domain only. Matching runs in O(address x pattern)
// with no backtracking blow-up. Invalid patterns are refused with a reason.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "modes/address.h"

namespace mailpolicy {

class Pattern {
  public:
    // Returns the compiled pattern, or the reason it is invalid (empty, whitespace
    // inside, more than one '@', empty local part or domain).
    static std::variant<Pattern, std::string> compile(std::string_view text);

    // Inline, so the quick refusal of most patterns costs no call.
    bool matches(const AddressView& address) const {
        return !address.is_null() && !domain_tail_differs(address.domain) && sides_match(address);
    }
    bool matches(const Address& address) const { return matches(AddressView::of(address, {})); }
    // The pattern as written by the admin (trimmed), for rule texts.
    const std::string& text() const { return text_; }
    bool domain_only() const { return domain_only_; }

  private:
    // What is known about one side (local part or domain) of the pattern, so most
    // non-matching addresses are refused by two short comparisons.
    struct Side {
        bool wildcard = false;
        std::uint16_t literal_prefix = 0;  // bytes before the first wildcard
        std::uint16_t literal_suffix = 0;  // bytes after the last wildcard
    };
    static Side describe_side(std::string_view side);
    static bool side_matches(std::string_view pattern, const Side& side, std::string_view subject);
    // The last bytes every matching domain ends with (up to 8, as one little-endian word),
    // so most domains that cannot match are refused by one comparison.
    void describe_domain_tail(std::string_view domain);
    bool domain_tail_differs(std::string_view domain) const {
        if (domain_tail_mask_ == 0 || domain.size() < 8) return false;
        std::uint64_t word;
        std::memcpy(&word, domain.data() + domain.size() - 8, sizeof word);
        return (word & domain_tail_mask_) != domain_tail_;
    }
    bool sides_match(const AddressView& address) const;

    std::string text_;
    std::string normalized_;  // lowercase, A-label domain
    bool domain_only_ = false;
    // Where the local-part pattern ends in normalized_ (the '@'); 0 when domain-only.
    std::size_t at_position_ = 0;
    Side local_;
    Side domain_;
    std::uint64_t domain_tail_ = 0;
    std::uint64_t domain_tail_mask_ = 0;  // 0: no tail check
};

// An exception list: shared between entries that carry the same values.
using PatternList = std::vector<Pattern>;
using PatternListPtr = std::shared_ptr<const PatternList>;

}  // namespace mailpolicy
