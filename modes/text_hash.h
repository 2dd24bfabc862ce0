// Fast 64-bit hashes of short texts (addresses, domains, DNs) for the directory's hash
// tables: a few multiply-xorshift rounds over 8-byte words, several times cheaper than
// std::hash on 20-40 byte keys. Not for: anything an attacker must not predict (the
// tables probe linearly and cap nothing on collisions; keys come from the directory).
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace mailpolicy {

namespace text_hash_detail {

inline std::uint64_t mix(std::uint64_t value) {
    value ^= value >> 32;
    value *= 0xd6e8feb86659fd93ull;
    value ^= value >> 32;
    return value;
}

// `Fold` is OR-ed into every word: 0 for exact hashes, 0x20 bytes to ignore ASCII case.
template <std::uint64_t Fold>
std::uint64_t hash(std::string_view text) {
    const char* bytes = text.data();
    std::size_t left = text.size();
    std::uint64_t state = 0x9e3779b97f4a7c15ull ^ left;
    for (; left >= 8; bytes += 8, left -= 8) {
        std::uint64_t word;
        std::memcpy(&word, bytes, sizeof word);
        state = mix(state ^ (word | Fold)) * 0xbf58476d1ce4e5b9ull;
    }
    std::uint64_t tail = 0;
    if (left >= 4) {
        std::uint32_t head, end;
        std::memcpy(&head, bytes, sizeof head);
        std::memcpy(&end, bytes + left - 4, sizeof end);
        tail = (std::uint64_t{head} << 32 | end) | Fold;
    } else if (left > 0) {
        tail = (std::uint64_t{static_cast<unsigned char>(bytes[0])} << 16 |
                std::uint64_t{static_cast<unsigned char>(bytes[left / 2])} << 8 |
                static_cast<unsigned char>(bytes[left - 1])) |
               (Fold & 0xffffff);
    }
    return mix(state ^ tail);
}

}  // namespace text_hash_detail

inline std::uint64_t hash_text(std::string_view text) {
    return text_hash_detail::hash<0>(text);
}

// Equal for texts that differ only in ASCII letter case.
inline std::uint64_t hash_text_ignoring_case(std::string_view text) {
    return text_hash_detail::hash<0x2020202020202020ull>(text);
}

}  // namespace mailpolicy
