// What an NDR returns of the original message: its header section or the whole of it,
// with CRLF line ends, bounded, and marked when it is not 7-bit clean.
// Not for: parsing header fields (the report never interprets the original).
// Any bytes are accepted: a message that is not valid RFC 5322 still gives a text.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mailpolicy::ndr {

// The most of the original's header section a report returns; longer sections are cut
// at a line end (a 1 MB header must not make a 1 MB report).
constexpr std::size_t kMaxReturnedHeaderBytes = 256 * 1024;

struct ReturnedText {
    std::string text;        // CRLF line ends, ends with CRLF unless empty
    bool seven_bit = true;   // only bytes 1..127 and no line over 998 characters
    bool truncated = false;  // cut at kMaxReturnedHeaderBytes
};

// The lines before the first empty line (all of it when there is none).
ReturnedText original_headers(std::string_view message);

// The whole message.
ReturnedText whole_original(std::string_view message);

}  // namespace mailpolicy::ndr
