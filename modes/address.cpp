// Address parsing and normalization per SPEC §2: <> and whitespace stripped, extension
// removed, local part lowercased (ASCII), domain lowercased in A-label form.
// Not for: directory lookups. Every failure is an AddressError with a reason; never throws.

#include "modes/address.h"

#include <arpa/inet.h>
#include <idn2.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <memory>

#include "modes/text.h"

namespace mailpolicy {

namespace {

// Far above any real address (local 64 + domain 255), so parsing work stays bounded.
constexpr std::size_t kMaxInputLength = 1024;
constexpr std::size_t kMaxLocalLength = 64;
constexpr std::size_t kMaxDomainLength = 255;
constexpr std::size_t kMaxLabelLength = 63;

AddressError error(std::string reason) {
    return AddressError{std::move(reason)};
}

bool is_atext(char c) {
    if (static_cast<unsigned char>(c) >= 0x80) return true;  // RFC 6531 UTF-8 local parts
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    return std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

// True when the local part can be written without quotes (RFC 5321 Dot-string).
bool is_dot_string(std::string_view local) {
    if (local.empty() || local.front() == '.' || local.back() == '.') return false;
    for (std::size_t i = 0; i < local.size(); ++i) {
        if (local[i] == '.') {
            if (local[i + 1] == '.') return false;
        } else if (!is_atext(local[i])) {
            return false;
        }
    }
    return true;
}

std::string quote_local(std::string_view content) {
    std::string quoted = "\"";
    for (char c : content) {
        if (c == '"' || c == '\\') quoted += '\\';
        quoted += c;
    }
    quoted += '"';
    return quoted;
}

// The text between the surrounding <> (if any), trimmed; an error when only one is there.
std::variant<std::string_view, AddressError> strip_angle_brackets(std::string_view text) {
    text = trim_ascii_space(text);
    const bool opens = !text.empty() && text.front() == '<';
    const bool closes = !text.empty() && text.back() == '>';
    if (opens != closes || (opens && text.size() == 1)) return error("unbalanced angle brackets");
    if (opens) text = trim_ascii_space(text.substr(1, text.size() - 2));
    return text;
}

// Drops an RFC 5321 source route ("@a,@b:user@d"), which names relays, not the mailbox.
std::variant<std::string_view, AddressError> strip_source_route(std::string_view text) {
    if (text.empty() || text.front() != '@') return text;
    const std::size_t colon = text.find(':');
    if (colon == std::string_view::npos) return error("empty local part");
    return text.substr(colon + 1);
}

struct SplitAddress {
    std::string_view local;  // as written, with quotes when quoted
    std::string_view domain;
    bool quoted = false;
};

bool has_space(std::string_view text) {
    for (char c : text) {
        if (is_ascii_space(c)) return true;
    }
    return false;
}

bool has_control(std::string_view text) {
    for (char c : text) {
        if (is_control(c)) return true;
    }
    return false;
}

std::variant<SplitAddress, AddressError> split_quoted(std::string_view text) {
    std::size_t position = 1;
    while (position < text.size() && text[position] != '"') {
        position += text[position] == '\\' ? 2 : 1;
    }
    if (position >= text.size()) return error("unterminated quoted local part");
    if (position + 1 >= text.size() || text[position + 1] != '@') {
        return error(position + 1 >= text.size() ? "missing '@'" : "text after quoted local part");
    }
    return SplitAddress{text.substr(0, position + 1), text.substr(position + 2), true};
}

std::variant<SplitAddress, AddressError> split_address(std::string_view text) {
    if (!text.empty() && text.front() == '"') return split_quoted(text);
    const std::size_t at = text.find('@');
    if (at == std::string_view::npos) return error("missing '@'");
    SplitAddress split{text.substr(0, at), text.substr(at + 1), false};
    if (split.local.find('"') != std::string_view::npos) return error("misplaced quote");
    return split;
}

std::string unescape_quoted(std::string_view quoted) {
    std::string content;
    content.reserve(quoted.size());
    for (std::size_t i = 1; i + 1 < quoted.size(); ++i) {
        if (quoted[i] == '\\') ++i;
        content += quoted[i];
    }
    return content;
}

// Where the extension starts: the first byte of `local` that is one of `delimiters`.
// (A single delimiter, the usual case, is one memchr rather than one per byte.)
std::size_t find_delimiter(std::string_view local, std::string_view delimiters) {
    if (delimiters.size() == 1) return local.find(delimiters.front());
    return delimiters.empty() ? std::string_view::npos : local.find_first_of(delimiters);
}

// Lowercased local part without extension, quoted only where the content needs it.
std::string normalize_local(const SplitAddress& split, std::string_view delimiters) {
    std::string local = split.quoted ? unescape_quoted(split.local) : std::string(split.local);
    const std::size_t delimiter = find_delimiter(local, delimiters);
    if (delimiter != std::string::npos && delimiter > 0) local.resize(delimiter);
    ascii_lowercase_in_place(local);
    if (split.quoted && !is_dot_string(local)) return quote_local(local);
    return local;
}

std::variant<std::string, AddressError> normalize_literal(std::string_view domain) {
    if (domain.back() != ']') return error("unterminated address literal");
    const std::string inner = ascii_lowercase(domain.substr(1, domain.size() - 2));
    unsigned char scratch[16];
    bool valid = false;
    if (inner.rfind("ipv6:", 0) == 0) {
        valid = inet_pton(AF_INET6, inner.c_str() + 5, scratch) == 1;
    } else {
        valid = inet_pton(AF_INET, inner.c_str(), scratch) == 1;
    }
    if (!valid) return error("invalid address literal");
    return "[" + inner + "]";
}

bool is_domain_character(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

std::optional<AddressError> check_labels(std::string_view domain) {
    if (domain.size() > kMaxDomainLength) return error("domain longer than 255 octets");
    std::size_t label_length = 0;
    for (std::size_t i = 0; i <= domain.size(); ++i) {
        if (i == domain.size() || domain[i] == '.') {
            if (label_length == 0) return error("empty label in domain");
            if (label_length > kMaxLabelLength) return error("domain label longer than 63 octets");
            label_length = 0;
        } else if (!is_domain_character(domain[i])) {
            return error("invalid character in domain");
        } else {
            ++label_length;
        }
    }
    return std::nullopt;
}

std::variant<std::string, AddressError> to_a_labels(std::string_view domain) {
    const std::string input(domain);
    char* output = nullptr;
    const int rc = idn2_to_ascii_8z(input.c_str(), &output, IDN2_NONTRANSITIONAL);
    std::unique_ptr<char, decltype(&idn2_free)> owned(output, &idn2_free);
    if (rc != IDN2_OK) {
        return error(std::string("invalid internationalized domain name (") + idn2_strerror(rc) +
                     ")");
    }
    return ascii_lowercase(owned.get());
}

// For the one-pass parse of plain addresses: each byte lowercased, or 0 where the
// plain path refuses it (quotes, backslashes, '@', '[', controls, space, non-ASCII).
constexpr std::array<char, 256> kPlainLocal = [] {
    std::array<char, 256> lowered{};
    for (int c = '!'; c <= '~'; ++c) lowered[c] = static_cast<char>(c);
    for (int c = 'A'; c <= 'Z'; ++c) lowered[c] = static_cast<char>(c + 32);
    lowered['"'] = lowered['\\'] = lowered['@'] = lowered['['] = 0;
    return lowered;
}();
// The same for ordinary domains: letters, digits, '-', '_' and the dot between labels.
constexpr std::array<char, 256> kPlainDomain = [] {
    std::array<char, 256> lowered{};
    for (int c = 'a'; c <= 'z'; ++c) lowered[c] = static_cast<char>(c);
    for (int c = 'A'; c <= 'Z'; ++c) lowered[c] = static_cast<char>(c + 32);
    for (int c = '0'; c <= '9'; ++c) lowered[c] = static_cast<char>(c);
    lowered['-'] = '-';
    lowered['_'] = '_';
    lowered['.'] = '.';
    return lowered;
}();

char plain_lowered(const std::array<char, 256>& table, char c) {
    return table[static_cast<unsigned char>(c)];
}

// Writes the lowercased domain (labels 1-63 octets) to `out`; false if not plain.
bool put_plain_domain(std::string_view domain, char* out) {
    std::size_t label_start = 0;  // label lengths are checked at the dots only
    for (std::size_t i = 0; i < domain.size(); ++i) {
        const char lowered = plain_lowered(kPlainDomain, domain[i]);
        if (lowered == 0) return false;
        out[i] = lowered;
        if (lowered == '.') {
            if (i == label_start || i - label_start > kMaxLabelLength) return false;
            label_start = i + 1;
        }
    }
    const std::size_t last = domain.size() - label_start;
    return last > 0 && last <= kMaxLabelLength;
}

}  // namespace

std::string Address::text() const {
    if (kind == Kind::Null) return {};
    std::string joined;
    joined.reserve(local.size() + 1 + domain.size());
    joined.append(local).append(1, '@').append(domain);
    return joined;
}

std::variant<std::string, AddressError> normalize_domain(std::string_view domain) {
    if (!is_valid_utf8(domain)) return error("invalid UTF-8");
    if (!domain.empty() && domain.back() == '.') domain.remove_suffix(1);
    if (domain.empty()) return error("empty domain");
    if (has_space(domain)) return error("whitespace in domain");
    if (has_control(domain)) return error("control character in domain");
    std::variant<std::string, AddressError> converted =
        is_ascii(domain) ? std::variant<std::string, AddressError>(ascii_lowercase(domain))
                         : to_a_labels(domain);
    if (auto* name = std::get_if<std::string>(&converted)) {
        if (auto problem = check_labels(*name)) return *problem;
    }
    return converted;
}

std::optional<AddressView> parse_plain_address(std::string_view text, std::string_view delimiters,
                                               PlainAddressBuffer& out) {
    // One pass, no calls: this runs for every envelope address the engine sees.
    if (text.size() > kMaxInputLength) return std::nullopt;
    const char* begin = text.data();
    const char* end = begin + text.size();
    auto trim = [&] {
        while (begin < end && is_ascii_space(*begin)) ++begin;
        while (end > begin && is_ascii_space(end[-1])) --end;
    };
    trim();
    if (begin < end && (*begin == '<' || end[-1] == '>')) {
        if (end - begin < 2 || *begin != '<' || end[-1] != '>') return std::nullopt;
        ++begin;
        --end;
        trim();
    }
    if (begin == end) return AddressView{};  // the null sender
    if (static_cast<std::size_t>(end - begin) > out.size()) return std::nullopt;

    // The whole local part, lowercased; the extension is cut off below, but it must
    // still be plain for this path.
    // Two loops: up to the first delimiter, then the rest up to '@'. A local part that
    // starts with the delimiter has no extension (as in parse_address).
    const bool one_delimiter = delimiters.size() == 1 && *begin != delimiters.front();
    const char delimiter = one_delimiter ? delimiters.front() : '\0';
    char* cursor = out.data();
    const char* at = begin;
    std::size_t local_size = std::string_view::npos;
    for (; at < end && *at != '@' && *at != delimiter; ++at) {
        const char lowered = plain_lowered(kPlainLocal, *at);
        if (lowered == 0) return std::nullopt;
        *cursor++ = lowered;
    }
    if (at < end && *at == delimiter) local_size = static_cast<std::size_t>(at - begin);
    for (; at < end && *at != '@'; ++at) {
        if (plain_lowered(kPlainLocal, *at) == 0) return std::nullopt;
    }
    if (at == end || at == begin || at + 1 == end) return std::nullopt;
    const std::string_view local(begin, static_cast<std::size_t>(at - begin));
    if (delimiters.size() > 1) local_size = find_delimiter(local, delimiters);
    if (local_size == std::string_view::npos || local_size == 0) local_size = local.size();
    if (local_size > kMaxLocalLength) return std::nullopt;

    std::string_view domain(at + 1, static_cast<std::size_t>(end - at - 1));
    if (domain.back() == '.') domain.remove_suffix(1);
    if (domain.size() > kMaxDomainLength) return std::nullopt;
    out[local_size] = '@';
    if (!put_plain_domain(domain, out.data() + local_size + 1)) return std::nullopt;
    const std::string_view written(out.data(), local_size + 1 + domain.size());
    return AddressView{Address::Kind::Mailbox, written.substr(0, local_size),
                       written.substr(local_size + 1), written};
}

std::variant<Address, AddressError> parse_address(std::string_view text,
                                                  std::string_view delimiters) {
    PlainAddressBuffer buffer;
    if (auto plain = parse_plain_address(text, delimiters, buffer)) {
        return Address{plain->kind, std::string(plain->local), std::string(plain->domain)};
    }
    if (text.size() > kMaxInputLength) return error("address too long");
    auto unbracketed = strip_angle_brackets(text);
    if (auto* problem = std::get_if<AddressError>(&unbracketed)) return *problem;
    if (!is_valid_utf8(text)) return error("invalid UTF-8");
    auto routed = strip_source_route(std::get<std::string_view>(unbracketed));
    if (auto* problem = std::get_if<AddressError>(&routed)) return *problem;
    const std::string_view body = std::get<std::string_view>(routed);
    if (body.empty()) return Address{};

    auto split_or_error = split_address(body);
    if (auto* problem = std::get_if<AddressError>(&split_or_error)) return *problem;
    const SplitAddress& split = std::get<SplitAddress>(split_or_error);
    if ((!split.quoted && has_space(split.local)) || has_space(split.domain)) {
        return error("whitespace in address");
    }
    if (has_control(body)) return error("control character in address");
    if (split.local.empty()) return error("empty local part");
    if (split.domain.empty()) return error("empty domain");
    if (split.domain.find('@') != std::string_view::npos) return error("more than one '@'");

    Address address;
    address.local = normalize_local(split, delimiters);
    if (address.local.size() > kMaxLocalLength) return error("local part longer than 64 octets");
    auto domain = split.domain.front() == '[' ? normalize_literal(split.domain)
                                              : normalize_domain(split.domain);
    if (auto* problem = std::get_if<AddressError>(&domain)) return *problem;
    address.domain = std::move(std::get<std::string>(domain));
    address.kind = split.domain.front() == '[' ? Address::Kind::Literal : Address::Kind::Mailbox;
    return address;
}

}  // namespace mailpolicy
