// Exception patterns (SPEC §2): compile once, refusing invalid ones with a reason, then
// match normalized addresses without backtracking blow-up: '*' keeps only its latest
// restart point, so a match costs at most O(address x pattern) steps.

#include "modes/pattern.h"

#include <array>
#include <cstring>
#include <optional>

#include "modes/text.h"

namespace mailpolicy {

namespace {

bool has_wildcard(std::string_view text) {
    return text.find_first_of("*?") != std::string_view::npos;
}

std::size_t next_character_length(std::string_view text, std::size_t position) {
    if (static_cast<unsigned char>(text[position]) < 0x80) return 1;
    return utf8_sequence_length(text, position);
}

// Glob match of `pattern` ('*' any run, '?' one UTF-8 character) against `subject`.
// When a literal fails, only the most recent '*' is extended by one character: earlier
// stars never need revisiting, because the later star can absorb whatever they would.
bool glob_matches(std::string_view pattern, std::string_view subject) {
    std::size_t p = 0, s = 0;
    std::size_t star = std::string_view::npos, resume = 0;
    while (s < subject.size()) {
        if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            resume = s;
        } else if (p < pattern.size() && pattern[p] == '?') {
            s += next_character_length(subject, s);
            ++p;
        } else if (p < pattern.size() && pattern[p] == subject[s]) {
            ++p;
            ++s;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            resume += next_character_length(subject, resume);
            s = resume;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*') ++p;
    return p == pattern.size();
}

// Lowercase, one trailing dot stripped, wildcard-free non-ASCII labels as A-labels.
// Returns the reason when a label is not a valid internationalized name.
std::optional<std::string> normalize_domain_pattern(std::string_view domain,
                                                    std::string& normalized) {
    if (domain.back() == '.') domain.remove_suffix(1);
    if (domain.empty()) return "empty domain";
    normalized.reserve(normalized.size() + domain.size());
    while (true) {
        const std::size_t dot = domain.find('.');
        const std::string_view label = domain.substr(0, dot);
        if (!label.empty() && !is_ascii(label) && !has_wildcard(label)) {
            auto converted = normalize_domain(label);
            if (auto* problem = std::get_if<AddressError>(&converted)) return problem->reason;
            normalized += std::get<std::string>(converted);
        } else {
            normalized += ascii_lowercase(label);
        }
        if (dot == std::string_view::npos) return std::nullopt;
        normalized += '.';
        domain.remove_prefix(dot + 1);
    }
}

// Far longer than any address (320 octets); keeps the work per match bounded.
constexpr std::size_t kMaxPatternLength = 1024;

std::optional<std::string> syntax_problem(std::string_view text) {
    if (text.empty()) return "empty pattern";
    if (text.size() > kMaxPatternLength) return "pattern too long";
    if (!is_valid_utf8(text)) return "invalid UTF-8 in pattern";
    for (char c : text) {
        if (is_ascii_space(c)) return "whitespace inside pattern";
        if (is_control(c)) return "control character in pattern";
    }
    const std::size_t at = text.find('@');
    if (at == std::string_view::npos) return std::nullopt;
    if (text.find('@', at + 1) != std::string_view::npos) return "more than one '@'";
    if (at == 0) return "empty local part";
    if (at + 1 == text.size()) return "empty domain";
    return std::nullopt;
}

}  // namespace

std::variant<Pattern, std::string> Pattern::compile(std::string_view text) {
    text = trim_ascii_space(text);
    if (auto problem = syntax_problem(text)) return *problem;

    Pattern pattern;
    pattern.text_ = std::string(text);
    const std::size_t at = text.find('@');
    pattern.domain_only_ = at == std::string_view::npos;
    const std::string_view local = pattern.domain_only_ ? std::string_view() : text.substr(0, at);
    const std::string_view domain = pattern.domain_only_ ? text : text.substr(at + 1);

    if (!pattern.domain_only_) {
        pattern.normalized_ = ascii_lowercase(local) + "@";
        pattern.at_position_ = local.size();
    }
    if (auto problem = normalize_domain_pattern(domain, pattern.normalized_)) return *problem;
    const std::string_view normalized = pattern.normalized_;
    const std::string_view domain_side =
        pattern.domain_only_ ? normalized : normalized.substr(pattern.at_position_ + 1);
    if (!pattern.domain_only_) {
        pattern.local_ = describe_side(normalized.substr(0, pattern.at_position_));
    }
    pattern.domain_ = describe_side(domain_side);
    pattern.describe_domain_tail(domain_side);
    return pattern;
}

Pattern::Side Pattern::describe_side(std::string_view side) {
    const std::size_t first = side.find_first_of("*?");
    if (first == std::string_view::npos) return Side{};
    const std::size_t last = side.find_last_of("*?");
    return Side{true, static_cast<std::uint16_t>(first),
                static_cast<std::uint16_t>(side.size() - last - 1)};
}

void Pattern::describe_domain_tail(std::string_view domain) {
    const std::size_t literal = domain_.wildcard ? domain_.literal_suffix : domain.size();
    const std::size_t length = literal < 8 ? literal : 8;
    if (length == 0) return;
    // Compared only against domains of 8 bytes or more, loaded as their last 8 bytes:
    // the tail and its mask take the last `length` of those bytes, in memory order.
    std::array<unsigned char, 8> tail{}, mask{};
    std::memcpy(tail.data() + (8 - length), domain.data() + domain.size() - length, length);
    std::memset(mask.data() + (8 - length), 0xff, length);
    std::memcpy(&domain_tail_, tail.data(), sizeof domain_tail_);
    std::memcpy(&domain_tail_mask_, mask.data(), sizeof domain_tail_mask_);
}

bool Pattern::side_matches(std::string_view pattern, const Side& side, std::string_view subject) {
    if (!side.wildcard) return pattern == subject;
    if (subject.size() < side.literal_prefix + side.literal_suffix) return false;
    if (pattern.substr(0, side.literal_prefix) != subject.substr(0, side.literal_prefix)) {
        return false;
    }
    const std::size_t suffix = side.literal_suffix;
    if (pattern.substr(pattern.size() - suffix) != subject.substr(subject.size() - suffix)) {
        return false;
    }
    if (pattern == "*") return true;
    return glob_matches(pattern, subject);
}

bool Pattern::sides_match(const AddressView& address) const {
    const std::string_view normalized = normalized_;
    const std::string_view domain = domain_only_ ? normalized : normalized.substr(at_position_ + 1);
    if (!side_matches(domain, domain_, address.domain)) return false;
    if (domain_only_) return true;
    return side_matches(normalized.substr(0, at_position_), local_, address.local);
}

}  // namespace mailpolicy
