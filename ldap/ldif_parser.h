// RFC 2849 LDIF content records -> Entry values, one record at a time: comments,
// continuation lines, base64 values, multi-valued attributes, CRLF. Change records and `attr:< URL`
// values are refused, not guessed at. Every error names the file and line: "file:line: reason".
// Bounded: a line or a value over max_ldif_line bytes is an error.
#pragma once

#include <cstddef>
#include <functional>
#include <istream>
#include <memory>
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

// Reads LDIF records one at a time from a stream, a chunk at a time, so that a file
// need not fit in memory. Throws LdifParseError at the first error.
class LdifReader {
  public:
    LdifReader(std::istream& in, std::string file_name);
    ~LdifReader();
    LdifReader(const LdifReader&) = delete;
    LdifReader& operator=(const LdifReader&) = delete;

    // Reads the next record into `entry` (replacing what it held); false at the end.
    bool next(Entry& entry);

  private:
    struct State;
    std::unique_ptr<State> state_;
};

// Parses LDIF text. Attribute names are lowercased and options (";lang-en", ";binary")
// dropped, their values merged into the plain attribute. An entryUUID attribute fills
// Entry::uuid instead of the attribute map.
std::vector<Entry> parse_ldif(std::string_view text, const std::string& file_name = "<ldif>");
// Reads and parses a file; an unreadable file is an LdifParseError at line 0.
std::vector<Entry> parse_ldif_file(const std::string& path);
// Reads a file in two passes, never holding more than one record: the first checks every
// record, so that a broken file throws before anything is handed on; then `expect` gets
// the record count and `each` every record in turn. Returns the count. The file is opened
// once, so one replaced by rename meanwhile is read as the first pass saw it; one edited
// in place meanwhile may still throw in the second pass, after `each` saw some records.
std::size_t read_ldif_file(const std::string& path,
                           const std::function<void(std::size_t count)>& expect,
                           const std::function<void(Entry entry)>& each);

}  // namespace mailpolicy
