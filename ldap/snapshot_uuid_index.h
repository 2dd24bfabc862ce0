// entryUUID -> the replica's key for that entry. RFC 4122 text UUIDs (what slapd sends)
// are kept as 16 bytes rather than 36-character strings: on a million entries that is
// the difference between ~60 and ~190 bytes each. Other values are kept as text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "ldap/snapshot_index.h"

namespace mailpolicy {

class UuidIndex {
  public:
    // The value is a pointer to a key that outlives its entry here (a node of the
    // replica's DN map, which unordered_map keeps in place).
    const std::string_view* find(std::string_view uuid) const {
        if (auto binary = parse(uuid)) {
            auto found = binary_.find(*binary);
            return found == binary_.end() ? nullptr : found->second;
        }
        auto found = text_.find(uuid);
        return found == text_.end() ? nullptr : found->second;
    }

    void set(std::string_view uuid, const std::string_view* key) {
        if (auto binary = parse(uuid)) {
            binary_.insert_or_assign(*binary, key);
        } else {
            text_.insert_or_assign(std::string(uuid), key);
        }
    }

    // Forgets the UUID if it still points at `key` (a rename may have moved it on).
    void erase(std::string_view uuid, const std::string_view* key) {
        if (auto binary = parse(uuid)) {
            auto found = binary_.find(*binary);
            if (found != binary_.end() && found->second == key) binary_.erase(found);
            return;
        }
        auto found = text_.find(uuid);
        if (found != text_.end() && found->second == key) text_.erase(found);
    }

    void clear() {
        binary_.clear();
        text_.clear();
    }
    void reserve(std::size_t count) { binary_.reserve(count); }

  private:
    struct Binary {
        std::uint64_t high = 0;
        std::uint64_t low = 0;
        bool operator==(const Binary&) const = default;
    };
    struct BinaryHash {
        std::size_t operator()(const Binary& uuid) const {
            return static_cast<std::size_t>(uuid.high * 0x9E3779B97F4A7C15ULL ^ uuid.low);
        }
    };

    static std::optional<Binary> parse(std::string_view text) {
        if (text.size() != 36) return std::nullopt;
        Binary result;
        int digits = 0;
        for (std::size_t i = 0; i < text.size(); ++i) {
            char c = text[i];
            if (i == 8 || i == 13 || i == 18 || i == 23) {
                if (c != '-') return std::nullopt;
                continue;
            }
            int value = c >= '0' && c <= '9'   ? c - '0'
                        : c >= 'a' && c <= 'f' ? c - 'a' + 10
                        : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                               : -1;
            if (value < 0) return std::nullopt;
            auto& half = digits < 16 ? result.high : result.low;
            half = (half << 4) | static_cast<std::uint64_t>(value);
            ++digits;
        }
        return result;
    }

    std::unordered_map<Binary, const std::string_view*, BinaryHash> binary_;
    std::unordered_map<std::string, const std::string_view*, TransparentHash, std::equal_to<>>
        text_;
};

}  // namespace mailpolicy
