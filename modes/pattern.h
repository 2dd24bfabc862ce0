// Exception patterns per SPEC §2: '*' any run, '?' one character, case-insensitive,
// a pattern without '@' matches the domain only. Matching runs in O(address x pattern)
// with no backtracking blow-up. Invalid patterns are refused with a reason.
#pragma once

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

    bool matches(const Address& address) const;
    // The pattern as written by the admin (trimmed), for rule texts.
    const std::string& text() const { return text_; }
    bool domain_only() const { return domain_only_; }

  private:
    std::string text_;
    std::string normalized_;  // lowercase, A-label domain
    bool domain_only_ = false;
    // Where the local-part pattern ends in normalized_ (the '@'); 0 when domain-only.
    std::size_t at_position_ = 0;
    // Wildcard-free sides compare by equality, the common case on the hot path.
    bool local_has_wildcard_ = false;
    bool domain_has_wildcard_ = false;
};

// An exception list: shared between entries that carry the same values.
using PatternList = std::vector<Pattern>;
using PatternListPtr = std::shared_ptr<const PatternList>;

}  // namespace mailpolicy
