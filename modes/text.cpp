// ASCII case folding and UTF-8 validation for the engine's parsers and matchers.
// Validation follows RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF.

#include "modes/text.h"

namespace mailpolicy {

std::string ascii_lowercase(std::string_view text) {
    std::string lowered(text);
    ascii_lowercase_in_place(lowered);
    return lowered;
}

void ascii_lowercase_in_place(std::string& text) {
    for (char& c : text) c = ascii_lower(c);
}

bool iequals_ascii(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    }
    return true;
}

int icompare_ascii(std::string_view a, std::string_view b) {
    const std::size_t common = a.size() < b.size() ? a.size() : b.size();
    for (std::size_t i = 0; i < common; ++i) {
        auto left = static_cast<unsigned char>(ascii_lower(a[i]));
        auto right = static_cast<unsigned char>(ascii_lower(b[i]));
        if (left != right) return left < right ? -1 : 1;
    }
    if (a.size() == b.size()) return 0;
    return a.size() < b.size() ? -1 : 1;
}

bool is_ascii(std::string_view text) {
    for (char c : text) {
        if (static_cast<unsigned char>(c) >= 0x80) return false;
    }
    return true;
}

namespace {

bool is_continuation(unsigned char byte) {
    return (byte & 0xC0) == 0x80;
}

// Length of a valid sequence at `position`, or 0 when the bytes there are not UTF-8.
std::size_t valid_sequence_length(std::string_view text, std::size_t position) {
    auto byte = [&](std::size_t offset) {
        return static_cast<unsigned char>(text[position + offset]);
    };
    const unsigned char lead = byte(0);
    if (lead < 0x80) return 1;
    std::size_t length = 0;
    unsigned char low = 0x80, high = 0xBF;  // allowed range of the second byte
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        if (lead == 0xE0) low = 0xA0;   // overlong
        if (lead == 0xED) high = 0x9F;  // surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        if (lead == 0xF0) low = 0x90;   // overlong
        if (lead == 0xF4) high = 0x8F;  // above U+10FFFF
    } else {
        return 0;
    }
    if (position + length > text.size()) return 0;
    if (byte(1) < low || byte(1) > high) return 0;
    for (std::size_t i = 2; i < length; ++i) {
        if (!is_continuation(byte(i))) return 0;
    }
    return length;
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
    for (std::size_t position = 0; position < text.size();) {
        const std::size_t length = valid_sequence_length(text, position);
        if (length == 0) return false;
        position += length;
    }
    return true;
}

std::size_t utf8_sequence_length(std::string_view text, std::size_t position) {
    const std::size_t length = valid_sequence_length(text, position);
    return length == 0 ? 1 : length;
}

std::string_view trim_ascii_space(std::string_view text) {
    while (!text.empty() && is_ascii_space(text.front())) text.remove_prefix(1);
    while (!text.empty() && is_ascii_space(text.back())) text.remove_suffix(1);
    return text;
}

}  // namespace mailpolicy
