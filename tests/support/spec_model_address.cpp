// The model's reading of addresses and patterns (SPEC §2 "Address normalization",
// "Addresses as Postfix sends them", "Patterns", "Fail closed"). Case folding and IDN
// cover exactly the universe of tests/support/random_directory (ASCII, the Latin-1
// letters, two internationalized domains) and nothing more.

#include <algorithm>

#include "tests/support/spec_model.h"

namespace mailpolicy::spec_model {

namespace {

// The universe's U-labels and their A-labels (checked with Python's idna codec).
const std::map<std::string, std::string> kALabels = {{"b\xC3\xBC"
                                                      "cher",
                                                      "xn--bcher-kva"},
                                                     {"m\xC3\xBC"
                                                      "nchen",
                                                      "xn--mnchen-3ya"}};

// ASCII and Latin-1 uppercase (U+00C0-U+00DE except U+00D7) to lowercase.
std::string fold(std::string_view text) {
    std::string folded(text);
    for (std::size_t i = 0; i < folded.size(); ++i) {
        const auto byte = static_cast<unsigned char>(folded[i]);
        if (byte >= 'A' && byte <= 'Z') folded[i] = static_cast<char>(byte + 32);
        if (byte == 0xC3 && i + 1 < folded.size()) {
            const auto next = static_cast<unsigned char>(folded[i + 1]);
            if (next >= 0x80 && next <= 0x9E && next != 0x97) {
                folded[i + 1] = static_cast<char>(next + 0x20);
            }
            ++i;
        }
    }
    return folded;
}

// Lowercase, one trailing dot stripped, each known U-label as its A-label.
std::string domain_key(std::string_view domain) {
    if (!domain.empty() && domain.back() == '.') domain.remove_suffix(1);
    std::string result;
    for (std::size_t start = 0; start <= domain.size();) {
        std::size_t dot = domain.find('.', start);
        if (dot == std::string_view::npos) dot = domain.size();
        std::string label = fold(domain.substr(start, dot - start));
        if (auto known = kALabels.find(label); known != kALabels.end()) label = known->second;
        result += (start ? "." : "") + label;
        start = dot + 1;
    }
    return result;
}

// The U-label spelling of an A-label domain of the universe (for IDN wildcard patterns).
std::string unicode_domain(const std::string& domain) {
    std::string result = domain;
    for (const auto& [unicode, ascii] : kALabels) {
        const std::size_t at = result.find(ascii);
        if (at != std::string::npos) result.replace(at, ascii.size(), unicode);
    }
    return result;
}

std::string_view strip_angle_brackets(std::string_view text) {
    if (text.size() >= 2 && text.front() == '<' && text.back() == '>') {
        return text.substr(1, text.size() - 2);
    }
    return text;
}

std::string unquote(std::string_view local) {
    if (local.size() < 2 || local.front() != '"' || local.back() != '"') return std::string(local);
    std::string content;
    for (std::size_t i = 1; i + 1 < local.size(); ++i) {
        if (local[i] == '\\' && i + 2 < local.size()) ++i;
        content += local[i];
    }
    return content;
}

std::string without_extension(std::string local) {
    const std::size_t plus = local.find('+');
    if (plus != std::string::npos && plus > 0) local.resize(plus);
    return local;
}

bool is_dot_string(std::string_view local) {
    if (local.empty() || local.front() == '.' || local.back() == '.') return false;
    if (local.find("..") != std::string_view::npos) return false;
    return std::none_of(local.begin(), local.end(), [](char c) {
        return std::string_view(" \"\\(),:;<>@[]").find(c) != std::string_view::npos ||
               static_cast<unsigned char>(c) < 0x20;
    });
}

// The text as code points, so '?' takes one character however many bytes it has.
std::u32string code_points(std::string_view text) {
    std::u32string points;
    for (std::size_t i = 0; i < text.size();) {
        const auto byte = static_cast<unsigned char>(text[i]);
        const std::size_t length = byte < 0x80 ? 1 : byte < 0xE0 ? 2 : byte < 0xF0 ? 3 : 4;
        char32_t point = length == 1 ? byte : byte & (0x3F >> (length - 1));
        for (std::size_t k = 1; k < length && i + k < text.size(); ++k) {
            point = (point << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
        }
        points.push_back(point);
        i += length;
    }
    return points;
}

// '*' any run (also none), '?' exactly one character; by dynamic programming.
bool glob(std::string_view pattern_text, std::string_view subject_text) {
    const std::u32string pattern = code_points(pattern_text), subject = code_points(subject_text);
    std::vector<bool> row(subject.size() + 1, false);
    row[0] = true;
    for (char32_t p : pattern) {
        std::vector<bool> next(subject.size() + 1, false);
        if (p == U'*') next[0] = row[0];
        for (std::size_t s = 1; s <= subject.size(); ++s) {
            if (p == U'*')
                next[s] = next[s - 1] || row[s];
            else
                next[s] = row[s - 1] && (p == U'?' || p == subject[s - 1]);
        }
        row = std::move(next);
    }
    return row[subject.size()];
}

bool has_whitespace(std::string_view text) {
    return text.find_first_of(" \t\r\n\v\f") != std::string_view::npos;
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

}  // namespace

std::string ModelAddress::quoted_text() const {
    if (is_dot_string(local)) return text();
    std::string quoted = "\"";
    for (char c : local) {
        if (c == '"' || c == '\\') quoted += '\\';
        quoted += c;
    }
    return quoted + "\"@" + domain;
}

ModelAddress read_address(std::string_view raw, bool remove_extension) {
    ModelAddress address;
    raw = strip_angle_brackets(raw);
    if (raw.empty()) return address;
    const std::size_t at = raw.rfind('@');
    std::string local = unquote(at == std::string_view::npos ? raw : raw.substr(0, at));
    if (remove_extension) local = without_extension(std::move(local));
    address.local = fold(local);
    if (at == std::string_view::npos) {
        address.kind = ModelAddress::Kind::NoDomain;
        return address;
    }
    const std::string_view domain = raw.substr(at + 1);
    const bool literal = !domain.empty() && domain.front() == '[';
    address.kind = literal ? ModelAddress::Kind::Literal : ModelAddress::Kind::Mailbox;
    address.domain = literal ? std::string(domain) : domain_key(domain);
    return address;
}

std::optional<ModelPattern> read_pattern(std::string_view raw) {
    const std::string_view text = trim(strip_angle_brackets(trim(raw)));
    if (text.empty() || has_whitespace(text) || std::count(text.begin(), text.end(), '@') > 1) {
        return std::nullopt;
    }
    ModelPattern pattern;
    const std::size_t at = text.find('@');
    pattern.domain_only = at == std::string_view::npos || at == 0;
    const std::string_view domain = at == std::string_view::npos ? text : text.substr(at + 1);
    if (domain.empty()) return std::nullopt;
    pattern.domain = domain_key(domain);
    if (!pattern.domain_only)
        pattern.local = fold(without_extension(std::string(text.substr(0, at))));
    return pattern;
}

// The match with the address spelled as it is; Open when quoting the local part would
// change it.
Match matches_spelling(const ModelPattern& pattern, const ModelAddress& address) {
    if (pattern.domain_only) return glob(pattern.domain, address.domain) ? Match::Yes : Match::No;
    const std::string whole = pattern.local + "@" + pattern.domain;
    const bool plain = glob(whole, address.text());
    if (plain != glob(whole, address.quoted_text())) return Match::Open;
    return plain ? Match::Yes : Match::No;
}

Match matches(const ModelPattern& pattern, const ModelAddress& address) {
    if (address.kind == ModelAddress::Kind::Null) {
        // The null sender has no domain to match; SPEC does not say whether "*" takes it.
        return pattern.domain_only && glob(pattern.domain, "") ? Match::Open : Match::No;
    }
    if (address.kind == ModelAddress::Kind::NoDomain) return Match::Open;
    // "Internationalized domains are compared in A-label form"; a wildcard that matches
    // only the U-label spelling (*@b?cher.test) is a case SPEC does not settle.
    const Match a_label = matches_spelling(pattern, address);
    const bool wildcard = pattern.domain.find_first_of("*?") != std::string::npos;
    if (a_label != Match::No || !wildcard) return a_label;
    ModelAddress unicode = address;
    unicode.domain = unicode_domain(address.domain);
    return matches_spelling(pattern, unicode) == Match::No ? Match::No : Match::Open;
}

}  // namespace mailpolicy::spec_model
