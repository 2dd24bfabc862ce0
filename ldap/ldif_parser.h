// RFC 2849 LDIF content records -> Entry values: comments, continuation lines, base64
// values, multi-valued attributes, CRLF. Change records and `attr:< URL` values are
// refused, not guessed at. Every error names the file and line: "file:line: reason".
// Bounded: a line or a value over max_ldif_line bytes is an error.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "ldap/entry.h"

namespace mailpolicy {

inline constexpr std::size_t max_ldif_line = 1024 * 1024;

class LdifParseError : public std::runtime_error {
  public:
    LdifParseError(std::string file, std::size_t line, const std::string& reason);
    const std::string& file() const { return file_; }
    std::size_t line() const { return line_; }

  private:
    std::string file_;
    std::size_t line_;
};

// Parses LDIF text. Attribute names are lowercased and options (";lang-en", ";binary")
// dropped, their values merged into the plain attribute. An entryUUID attribute fills
// Entry::uuid instead of the attribute map.
std::vector<Entry> parse_ldif(std::string_view text, const std::string& file_name = "<ldif>");
// Reads and parses a file; an unreadable file is an LdifParseError at line 0.
std::vector<Entry> parse_ldif_file(const std::string& path);

}  // namespace mailpolicy
