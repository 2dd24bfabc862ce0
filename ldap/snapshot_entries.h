// The replica's raw entries, kept for the cache file and for finding an entry again by
// DN or entryUUID. Each entry is one allocation: what its mapping produced, then its
// DN (unless its account holds it), its normalized DN (only if different), its
// entryUUID (16 bytes when RFC 4122 text) and the attributes the mapping reads, with
// names as numbers and values the account holds too (address, login, class DN) as
// references to it. Two open-addressing tables of pointers find it. About 110 bytes an
// account with its two table slots, against ~410 for a record string in a map node
// plus a UUID map node.
// Not thread-safe: the replica's thread owns it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ldap/entry.h"
#include "ldap/entry_mapping.h"
#include "ldap/snapshot_pointer_table.h"

namespace mailpolicy {

class StoredEntry;

// An entryUUID as a lookup key: 16 bytes for RFC 4122 text (any case), else the text.
struct UuidKey {
    bool binary = false;
    std::uint64_t high = 0, low = 0;
    std::string_view text;
    static UuidKey of(std::string_view text);
    bool operator==(const UuidKey& other) const {
        return binary == other.binary &&
               (binary ? high == other.high && low == other.low : text == other.text);
    }
};

struct DnKeyOf {
    using Key = std::string_view;
    static Key key(const StoredEntry& entry);
    static std::size_t hash(const Key& key) { return std::hash<std::string_view>{}(key); }
};
struct UuidKeyOf {
    using Key = UuidKey;
    static Key key(const StoredEntry& entry);
    static std::size_t hash(const Key& key);
};

class StoredEntries {
  public:
    using KeepValue = std::function<bool(std::string_view name, std::string_view value)>;

    StoredEntries() = default;
    ~StoredEntries();
    StoredEntries(const StoredEntries&) = delete;
    StoredEntries& operator=(const StoredEntries&) = delete;

    // Stores `entry` under `key` (its normalized DN, not present yet) with its mapping,
    // keeping the attribute values `keep` accepts.
    const StoredEntry& add(std::string_view key, const Entry& entry, const MappedEntry& mapped,
                           const KeepValue& keep);
    const StoredEntry* find_dn(std::string_view key) const { return by_dn_.find(key); }
    const StoredEntry* find_uuid(std::string_view uuid) const;
    void remove(const StoredEntry& entry);
    void clear();
    void reserve(std::size_t count);
    std::size_t size() const { return by_dn_.size(); }

    template <typename Visit>
    void for_each(Visit visit) const {
        by_dn_.for_each([&](const StoredEntry& entry) { visit(entry); });
    }

    // Whether `entry`, keeping what `keep` accepts, is what `stored` holds (DN, entryUUID
    // and kept values, all exactly).
    bool same_content(const StoredEntry& stored, const Entry& entry, const KeepValue& keep) const;
    // A mark on each entry for whoever walks them all (replace_all: seen or not).
    static void mark(const StoredEntry& stored, bool on);
    static bool marked(const StoredEntry& stored);

    // The entry as a source read it (only the kept attributes).
    void decode(const StoredEntry& stored, Entry& entry) const;
    // Appends the entry in the cache file's record form (snapshot_record.h) to `out`.
    void append_record(const StoredEntry& stored, std::string& out) const;

  private:
    static void destroy(const StoredEntry* entry);
    std::uint32_t name_number(std::string_view name);
    template <typename Visit>
    bool each_attribute(const StoredEntry& stored, Visit visit) const;

    PointerTable<StoredEntry, DnKeyOf> by_dn_;      // owns the entries
    PointerTable<StoredEntry, UuidKeyOf> by_uuid_;  // entries with an entryUUID
    std::vector<std::string> names_;                // attribute names by number
};

// One entry; see StoredEntries. Only StoredEntries makes and destroys these. After the
// object, in the same allocation: a flags byte, four LEB128 sizes (DN, normalized DN,
// entryUUID, attributes; 0 for what is not stored), then those bytes.
class StoredEntry {
  public:
    StoredEntry(const StoredEntry&) = delete;
    StoredEntry& operator=(const StoredEntry&) = delete;

    std::string_view dn() const;
    // normalize_dn(dn()), the key of the by-DN table.
    std::string_view key() const;
    // The entryUUID as text ("" when the entry had none).
    std::string uuid() const;
    MappedEntry mapped() const;

  private:
    friend class StoredEntries;
    friend struct UuidKeyOf;
    enum class UuidForm : std::uint8_t { None, Binary, Text };
    static constexpr std::uint8_t dn_in_account = 0x04;  // flags: the account holds the DN
    static constexpr std::uint8_t form_mask = 0x03;      // flags: the UuidForm
    static constexpr std::uint8_t mark_bit = 0x08;       // flags: StoredEntries::mark
    struct Parts {
        std::string_view dn, key, uuid, attributes;  // dn and key: "" when not stored
    };

    StoredEntry() = default;
    ~StoredEntry() = default;
    const char* bytes() const { return reinterpret_cast<const char*>(this + 1); }
    std::uint8_t flags() const { return static_cast<std::uint8_t>(bytes()[0]); }
    UuidForm uuid_form() const { return static_cast<UuidForm>(flags() & form_mask); }
    Parts parts() const;
    // The account's text `index` refers to (primary, other mail values, aliases, logins,
    // class DN), or
    // nullopt; stored attribute values equal to one of them are kept as that number.
    std::optional<std::string_view> account_text(std::uint64_t index) const;

    std::shared_ptr<const Account> account_;
    std::unique_ptr<const MappedEntry> others_;  // class and domain, when it is either
};

}  // namespace mailpolicy
