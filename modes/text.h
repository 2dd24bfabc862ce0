// Small byte-level text helpers shared by the engine: ASCII case folding and UTF-8
// validity. Not for: Unicode case folding or normalization (domains go through libidn2).
// None of these allocate except the ones returning std::string.
#pragma once

#include <string>
#include <string_view>

namespace mailpolicy {

constexpr char ascii_lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
}

std::string ascii_lowercase(std::string_view text);
void ascii_lowercase_in_place(std::string& text);
bool iequals_ascii(std::string_view a, std::string_view b);
// Case-insensitive (ASCII) three-way comparison: <0, 0, >0.
int icompare_ascii(std::string_view a, std::string_view b);

bool is_ascii(std::string_view text);
bool is_valid_utf8(std::string_view text);
// Length in bytes of the UTF-8 sequence starting at text[position] (1 for invalid
// bytes, so callers always make progress).
std::size_t utf8_sequence_length(std::string_view text, std::size_t position);

// Space, tab and the other ASCII whitespace; control characters are C0 and DEL.
constexpr bool is_ascii_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}
constexpr bool is_control(char c) {
    auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f;
}
std::string_view trim_ascii_space(std::string_view text);

}  // namespace mailpolicy
