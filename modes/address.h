// Mail addresses: parsing and normalization per SPEC §2, done once at the edge.
// Not for: deciding who is local (that needs the directory; see decision.h).
// Bad input yields an AddressError with a reason, never an exception or a guess.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace mailpolicy {

// A normalized address. `local` is lowercased (ASCII) with the extension removed and
// quotes dropped where they are not needed; `domain` is lowercase A-label form without
// a trailing dot, or the bracketed literal ("[192.0.2.1]").
struct Address {
    enum class Kind { Null, Mailbox, Literal };
    Kind kind = Kind::Null;
    std::string local;
    std::string domain;

    bool is_null() const { return kind == Kind::Null; }
    bool is_literal() const { return kind == Kind::Literal; }
    // "local@domain", or "" for the null sender.
    std::string text() const;
    bool operator==(const Address&) const = default;
};

struct AddressError {
    std::string reason;  // e.g. "missing '@'", "empty domain", "whitespace in address"
};

// Parses one address as it appears in an envelope (with or without <>); "" and "<>"
// are the null sender. `delimiters` are the extension delimiters
// (policy.recipient-delimiter); empty means none.
std::variant<Address, AddressError> parse_address(std::string_view text,
                                                  std::string_view delimiters = "+");

// A normalized address viewed in storage someone else owns (see parse_plain_address).
struct AddressView {
    Address::Kind kind = Address::Kind::Null;
    std::string_view local;
    std::string_view domain;
    std::string_view text;  // "local@domain", or "" for the null sender

    bool is_null() const { return kind == Address::Kind::Null; }
    static AddressView of(const Address& address, std::string_view text) {
        return {address.kind, address.local, address.domain, text};
    }
};

// Room for the longest plain address: local part 64, '@', domain 255.
using PlainAddressBuffer = std::array<char, 64 + 1 + 255>;

// The fast path of parse_address for what envelopes nearly always carry: the null
// sender, or printable ASCII with one '@', no quotes, no literal and an ordinary domain.
// Normalizes it into `out` in one pass without allocating. Anything else (including
// every invalid address) gives nullopt: parse_address then gives the result or reason.
std::optional<AddressView> parse_plain_address(std::string_view text, std::string_view delimiters,
                                               PlainAddressBuffer& out);

// Normalizes a bare domain name (lowercase, trailing dot, IDN to A-label).
std::variant<std::string, AddressError> normalize_domain(std::string_view domain);

}  // namespace mailpolicy
