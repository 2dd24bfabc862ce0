// The text of NDR fields (see report_fields.h): dates, folding and 7-bit escapes.
// Not for: MIME parts. Never throws except std::bad_alloc.

#include "ndr/report_fields.h"

#include <array>
#include <cstdint>
#include <cstdio>
#include <ctime>

#include "modes/text.h"

namespace mailpolicy::ndr {

namespace {

constexpr std::size_t kFoldAt = 78;

// The code point of the valid UTF-8 sequence of `length` bytes at `text[position]`.
std::uint32_t decode_utf8(std::string_view text, std::size_t position, std::size_t length) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[position + i]); };
    if (length == 2) return ((byte(0) & 0x1fu) << 6) | (byte(1) & 0x3fu);
    if (length == 3)
        return ((byte(0) & 0x0fu) << 12) | ((byte(1) & 0x3fu) << 6) | (byte(2) & 0x3fu);
    return ((byte(0) & 0x07u) << 18) | ((byte(1) & 0x3fu) << 12) | ((byte(2) & 0x3fu) << 6) |
           (byte(3) & 0x3fu);
}

bool is_valid_sequence(std::string_view text, std::size_t position, std::size_t length) {
    return length > 1 && is_valid_utf8(text.substr(position, length));
}

void append_escape(std::string& out, std::uint32_t code) {
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "\\x{%X}", static_cast<unsigned>(code));
    out += buffer;
}

bool is_printable_ascii(std::string_view text) {
    for (char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte >= 0x7f) return false;
    }
    return true;
}

}  // namespace

std::string rfc5322_date(std::chrono::system_clock::time_point time) {
    static constexpr std::array<const char*, 7> kDays{"Sun", "Mon", "Tue", "Wed",
                                                      "Thu", "Fri", "Sat"};
    static constexpr std::array<const char*, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%s, %02d %s %04d %02d:%02d:%02d +0000",
                  kDays[static_cast<std::size_t>(utc.tm_wday)], utc.tm_mday,
                  kMonths[static_cast<std::size_t>(utc.tm_mon)], utc.tm_year + 1900, utc.tm_hour,
                  utc.tm_min, utc.tm_sec);
    return buffer;
}

std::string folded_field(std::string_view name, std::string_view value) {
    std::string out(name);
    out += ':';
    std::size_t line_length = out.size();
    std::size_t position = 0;
    while (position < value.size()) {
        const std::size_t space = value.find(' ', position + 1);
        const std::size_t end = space == std::string_view::npos ? value.size() : space;
        std::string_view word = value.substr(position, end - position);
        if (position == 0) {
            out += ' ';
            ++line_length;
        } else if (line_length + word.size() > kFoldAt) {
            out += "\r\n";  // the word keeps its leading space: that is the fold
            line_length = 0;
        }
        out += word;
        line_length += word.size();
        position = end;
    }
    out += "\r\n";
    return out;
}

std::string single_line(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    bool in_control_run = false;
    for (char c : text) {
        if (is_control(c)) {
            if (!in_control_run) out += ' ';
            in_control_run = true;
            continue;
        }
        in_control_run = false;
        out += c;
    }
    return out;
}

std::string ascii_escaped(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    std::size_t position = 0;
    while (position < text.size()) {
        const auto byte = static_cast<unsigned char>(text[position]);
        if (byte >= 0x20 && byte < 0x7f && byte != '\\') {
            out += text[position++];
            continue;
        }
        const std::size_t length = utf8_sequence_length(text, position);
        if (byte >= 0x80 && is_valid_sequence(text, position, length)) {
            append_escape(out, decode_utf8(text, position, length));
            position += length;
        } else {
            append_escape(out, byte);
            ++position;
        }
    }
    return out;
}

std::string address_type_and_value(std::string_view address) {
    if (is_printable_ascii(address)) return "rfc822; " + std::string(address);
    return "utf-8; " + ascii_escaped(address);
}

std::string host_name_text(std::string_view host) {
    std::string out;
    for (char c : host) {
        const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                             (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
        if (allowed) out += c;
    }
    return out.empty() ? "localhost" : out;
}

}  // namespace mailpolicy::ndr
