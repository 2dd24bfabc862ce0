// The returned original (see original_message.h): line ends made CRLF (a bare CR or LF
// becomes CRLF), the header section found at the first empty line, size bounded.
// Not for: decoding or checking header fields. Never throws except std::bad_alloc.

#include "ndr/original_message.h"

#include <algorithm>

namespace mailpolicy::ndr {

namespace {

constexpr std::size_t kMaxLineLength = 998;  // RFC 5322 §2.1.1, without the CRLF

// Appends `message` to `out` with CRLF line ends, stopping after the first empty line
// when `headers_only`, or before passing `limit` bytes (then at the last line end).
void append_normalized(std::string_view message, bool headers_only, std::size_t limit,
                       ReturnedText& out) {
    std::size_t line_start = 0;
    std::size_t position = 0;
    while (position < message.size()) {
        const char c = message[position];
        if (c != '\r' && c != '\n') {
            out.text += c;
            ++position;
            continue;
        }
        position +=
            (c == '\r' && position + 1 < message.size() && message[position + 1] == '\n') ? 2 : 1;
        const bool empty_line = out.text.size() == line_start;
        if (empty_line && headers_only) return;
        out.text += "\r\n";
        if (out.text.size() > limit) {
            out.text.resize(line_start);
            out.truncated = true;
            return;
        }
        line_start = out.text.size();
    }
    if (out.text.size() > limit) {
        out.text.resize(line_start);
        out.truncated = true;
    } else if (out.text.size() > line_start) {
        out.text += "\r\n";
    }
}

bool is_seven_bit(std::string_view text) {
    std::size_t line_length = 0;
    for (char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte == 0 || byte >= 0x80) return false;
        line_length = c == '\n' ? 0 : line_length + 1;
        if (line_length > kMaxLineLength + 1) return false;  // +1: the CR before LF
    }
    return true;
}

ReturnedText returned(std::string_view message, bool headers_only, std::size_t limit) {
    ReturnedText out;
    out.text.reserve(std::min(message.size() + message.size() / 32 + 2, limit + 2));
    append_normalized(message, headers_only, limit, out);
    out.seven_bit = is_seven_bit(out.text);
    return out;
}

}  // namespace

ReturnedText original_headers(std::string_view message) {
    return returned(message, true, kMaxReturnedHeaderBytes);
}

ReturnedText whole_original(std::string_view message) {
    return returned(message, false, std::string::npos - 2);
}

}  // namespace mailpolicy::ndr
