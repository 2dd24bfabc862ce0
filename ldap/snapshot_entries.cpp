// Stored entries: building the one-allocation form, the two pointer tables, and turning
// an entry back into an Entry or a cache record. Attribute encoding inside an entry:
// count, then per attribute its name's number, value count and values (snapshot_record.h
// pieces); names are numbered per StoredEntries, in the order first seen.
#include "ldap/snapshot_entries.h"

#include <cstring>
#include <new>
#include <stdexcept>

#include "ldap/snapshot_record.h"

namespace mailpolicy {

namespace {

constexpr char hex_digits[] = "0123456789abcdef";

// RFC 4122 text (8-4-4-4-12 hex digits, any case) as two 64-bit halves.
bool parse_uuid(std::string_view text, std::uint64_t& high, std::uint64_t& low) {
    if (text.size() != 36) return false;
    high = low = 0;
    int digits = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-') return false;
            continue;
        }
        int value = c >= '0' && c <= '9'   ? c - '0'
                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                           : -1;
        if (value < 0) return false;
        auto& half = digits < 16 ? high : low;
        half = (half << 4) | static_cast<std::uint64_t>(value);
        ++digits;
    }
    return true;
}

// Lowercase RFC 4122 text of the two halves.
std::string format_uuid(std::uint64_t high, std::uint64_t low) {
    std::string text;
    text.reserve(36);
    for (int digit = 0; digit < 32; ++digit) {
        if (digit == 8 || digit == 12 || digit == 16 || digit == 20) text.push_back('-');
        std::uint64_t half = digit < 16 ? high : low;
        int shift = 4 * (15 - digit % 16);
        text.push_back(hex_digits[(half >> shift) & 0xf]);
    }
    return text;
}

void put_u64(char* out, std::uint64_t value) {
    for (int i = 7; i >= 0; --i, value >>= 8) out[i] = static_cast<char>(value & 0xff);
}

std::uint64_t get_u64(const char* in) {
    std::uint64_t value = 0;
    for (int i = 0; i < 8; ++i) value = (value << 8) | static_cast<unsigned char>(in[i]);
    return value;
}

// LEB128, as put_record_number, from memory this file wrote itself.
std::size_t read_size(const char*& in) {
    std::size_t value = 0;
    for (unsigned shift = 0;; shift += 7) {
        auto byte = static_cast<unsigned char>(*in++);
        value |= std::size_t{byte & 0x7fU} << shift;
        if ((byte & 0x80) == 0) return value;
    }
}

// Values an account holds as well, by number: how the entry refers to them instead.
std::optional<std::uint64_t> account_text_number(const Account* account, std::string_view value) {
    if (account == nullptr) return std::nullopt;
    std::uint64_t number = 0;
    if (account->primary() == value) return number;
    for (const auto& list : {account->other_mail(), account->aliases(), account->logins()}) {
        for (std::string_view text : list) {
            ++number;
            if (text == value) return number;
        }
    }
    if (account->class_dn() == value) return number + 1;
    return std::nullopt;
}

}  // namespace

// ---- UuidKey and the key functions

UuidKey UuidKey::of(std::string_view text) {
    UuidKey key;
    key.binary = parse_uuid(text, key.high, key.low);
    if (!key.binary) key.text = text;
    return key;
}

std::string_view DnKeyOf::key(const StoredEntry& entry) {
    return entry.key();
}

UuidKey UuidKeyOf::key(const StoredEntry& entry) {
    std::string_view bytes = entry.parts().uuid;
    if (entry.uuid_form() == StoredEntry::UuidForm::Binary) {
        UuidKey key;
        key.binary = true;
        key.high = get_u64(bytes.data());
        key.low = get_u64(bytes.data() + 8);
        return key;
    }
    return UuidKey::of(bytes);
}

std::size_t UuidKeyOf::hash(const UuidKey& key) {
    if (!key.binary) return std::hash<std::string_view>{}(key.text);
    // splitmix64's finalizer: slapd's time-based UUIDs differ mostly in a few bits.
    std::uint64_t mixed = key.high ^ (key.low * 0x9E3779B97F4A7C15ULL);
    mixed = (mixed ^ (mixed >> 30)) * 0xBF58476D1CE4E5B9ULL;
    mixed = (mixed ^ (mixed >> 27)) * 0x94D049BB133111EBULL;
    return static_cast<std::size_t>(mixed ^ (mixed >> 31));
}

// ---- StoredEntry

StoredEntry::Parts StoredEntry::parts() const {
    const char* in = bytes() + 1;
    std::size_t dn_size = read_size(in);
    std::size_t key_size = read_size(in);
    std::size_t uuid_size = read_size(in);
    std::size_t attributes_size = read_size(in);
    Parts parts;
    parts.dn = {in, dn_size};
    parts.key = {in + dn_size, key_size};
    parts.uuid = {in + dn_size + key_size, uuid_size};
    parts.attributes = {in + dn_size + key_size + uuid_size, attributes_size};
    return parts;
}

std::string_view StoredEntry::dn() const {
    return (flags() & dn_in_account) ? account_->dn() : parts().dn;
}

std::string_view StoredEntry::key() const {
    Parts own = parts();
    if (!own.key.empty()) return own.key;
    return (flags() & dn_in_account) ? account_->dn() : own.dn;
}

std::string StoredEntry::uuid() const {
    std::string_view bytes = parts().uuid;
    switch (uuid_form()) {
        case UuidForm::Binary:
            return format_uuid(get_u64(bytes.data()), get_u64(bytes.data() + 8));
        case UuidForm::Text:
            return std::string(bytes);
        case UuidForm::None:
            break;
    }
    return {};
}

std::optional<std::string_view> StoredEntry::account_text(std::uint64_t index) const {
    if (!account_) return std::nullopt;
    if (index == 0) return account_->primary();
    std::uint64_t number = 0;
    for (const auto& list : {account_->other_mail(), account_->aliases(), account_->logins()}) {
        for (std::string_view text : list) {
            if (++number == index) return text;
        }
    }
    if (index == number + 1) return account_->class_dn();
    return std::nullopt;
}

MappedEntry StoredEntry::mapped() const {
    MappedEntry result;
    if (others_) result = *others_;
    result.account = account_;
    return result;
}

// ---- StoredEntries

StoredEntries::~StoredEntries() {
    clear();
}

std::uint32_t StoredEntries::name_number(std::string_view name) {
    for (std::size_t i = 0; i < names_.size(); ++i) {
        if (names_[i] == name) return static_cast<std::uint32_t>(i);
    }
    names_.emplace_back(name);
    return static_cast<std::uint32_t>(names_.size() - 1);
}

const StoredEntry& StoredEntries::add(std::string_view key, const Entry& entry,
                                      const MappedEntry& mapped, const KeepValue& keep) {
    if (by_dn_.find(key)) throw std::logic_error("stored entries: " + std::string(key) + " twice");
    // Values: LEB128 of twice the length, then the bytes; or twice an account text's
    // number plus one.
    std::string attributes, kept;
    std::uint64_t attribute_count = 0;
    for (const auto& [name, values] : entry.attributes) {
        std::uint64_t value_count = 0;
        std::string kept_values;
        for (const auto& value : values) {
            if (!keep(name, value)) continue;
            if (auto number = account_text_number(mapped.account.get(), value)) {
                put_record_number(kept_values, *number * 2 + 1);
            } else {
                put_record_number(kept_values, std::uint64_t{value.size()} * 2);
                kept_values.append(value);
            }
            ++value_count;
        }
        if (value_count == 0) continue;
        put_record_number(kept, name_number(name));
        put_record_number(kept, value_count);
        kept.append(kept_values);
        ++attribute_count;
    }
    put_record_number(attributes, attribute_count);
    attributes.append(kept);

    UuidKey uuid_key = UuidKey::of(entry.uuid);
    bool binary = uuid_key.binary && format_uuid(uuid_key.high, uuid_key.low) == entry.uuid;
    bool dn_in_account = mapped.account && mapped.account->dn() == entry.dn;
    std::string_view own_dn = dn_in_account ? std::string_view() : std::string_view(entry.dn);
    std::string_view own_key = key == entry.dn ? std::string_view() : key;
    std::string uuid_bytes(binary ? 16 : entry.uuid.size(), '\0');
    if (binary) {
        put_u64(uuid_bytes.data(), uuid_key.high);
        put_u64(uuid_bytes.data() + 8, uuid_key.low);
    } else {
        uuid_bytes = entry.uuid;
    }
    auto form = entry.uuid.empty() ? StoredEntry::UuidForm::None
                : binary           ? StoredEntry::UuidForm::Binary
                                   : StoredEntry::UuidForm::Text;
    std::string tail(1, static_cast<char>(static_cast<std::uint8_t>(form) |
                                          (dn_in_account ? StoredEntry::dn_in_account : 0)));
    for (std::string_view part : {own_dn, own_key, std::string_view(uuid_bytes)}) {
        put_record_number(tail, part.size());
    }
    put_record_number(tail, attributes.size());
    tail.append(own_dn).append(own_key).append(uuid_bytes).append(attributes);

    std::unique_ptr<const MappedEntry> others;
    if (mapped.policy_class || mapped.domain) {
        others = std::make_unique<const MappedEntry>(
            MappedEntry{nullptr, mapped.policy_class, mapped.domain});
    }
    by_dn_.make_room();  // what can fail, before the entry exists
    if (form != StoredEntry::UuidForm::None) by_uuid_.make_room();

    auto* memory = static_cast<char*>(::operator new(sizeof(StoredEntry) + tail.size()));
    std::memcpy(memory + sizeof(StoredEntry), tail.data(), tail.size());
    auto* stored = new (memory) StoredEntry();
    stored->account_ = mapped.account;
    stored->others_ = std::move(others);
    by_dn_.set(stored);
    if (form != StoredEntry::UuidForm::None) by_uuid_.set(stored);
    return *stored;
}

const StoredEntry* StoredEntries::find_uuid(std::string_view uuid) const {
    return uuid.empty() ? nullptr : by_uuid_.find(UuidKey::of(uuid));
}

void StoredEntries::remove(const StoredEntry& entry) {
    if (entry.uuid_form() != StoredEntry::UuidForm::None) by_uuid_.erase(&entry);
    by_dn_.erase(&entry);
    destroy(&entry);
}

void StoredEntries::clear() {
    by_dn_.for_each([](const StoredEntry& entry) { destroy(&entry); });
    by_dn_.clear();
    by_uuid_.clear();
}

void StoredEntries::reserve(std::size_t count) {
    by_dn_.reserve(count);
    by_uuid_.reserve(count);
}

void StoredEntries::destroy(const StoredEntry* entry) {
    entry->~StoredEntry();
    ::operator delete(const_cast<StoredEntry*>(entry));
}

// Calls `visit(name, count, next)` per attribute, where `next(value)` yields its values
// one by one (false when malformed). False if anything is malformed.
template <typename Visit>
bool StoredEntries::each_attribute(const StoredEntry& stored, Visit visit) const {
    RecordReader reader(stored.parts().attributes);
    auto next = [&](std::string_view& value) {
        std::uint64_t tag = 0;
        if (!reader.number(tag)) return false;
        if ((tag & 1) == 0) return reader.bytes(tag / 2, value);
        auto text = stored.account_text(tag / 2);
        if (text) value = *text;
        return text.has_value();
    };
    std::uint64_t attributes = 0;
    if (!reader.number(attributes)) return false;
    for (std::uint64_t i = 0; i < attributes; ++i) {
        std::uint64_t name = 0, count = 0;
        if (!reader.number(name) || name >= names_.size() || !reader.number(count)) return false;
        if (!visit(names_[name], count, next)) return false;
    }
    return reader.at_end();
}

bool StoredEntries::same_content(const StoredEntry& stored, const Entry& entry,
                                 const KeepValue& keep) const {
    if (stored.dn() != entry.dn) return false;
    std::string held;
    append_record(stored, held);
    return held == encode_record(entry, keep);
}

void StoredEntries::mark(const StoredEntry& stored, bool on) {
    // The flags byte sits in memory this class allocated and owns.
    auto* flags = reinterpret_cast<std::uint8_t*>(const_cast<StoredEntry*>(&stored) + 1);
    *flags = static_cast<std::uint8_t>(on ? *flags | StoredEntry::mark_bit
                                          : *flags & ~StoredEntry::mark_bit);
}

bool StoredEntries::marked(const StoredEntry& stored) {
    return (stored.flags() & StoredEntry::mark_bit) != 0;
}

void StoredEntries::decode(const StoredEntry& stored, Entry& entry) const {
    entry.dn = stored.dn();
    entry.uuid = stored.uuid();
    entry.attributes.clear();
    each_attribute(stored, [&](const std::string& name, std::uint64_t count, auto& next) {
        auto& values = entry.attributes[name];
        std::string_view value;
        for (std::uint64_t k = 0; k < count; ++k) {
            if (!next(value)) return false;
            values.emplace_back(value);
        }
        return true;
    });
}

void StoredEntries::append_record(const StoredEntry& stored, std::string& out) const {
    put_record_text(out, stored.dn());
    put_record_text(out, stored.uuid());
    std::uint64_t attributes = 0;
    RecordReader(stored.parts().attributes).number(attributes);
    put_record_number(out, attributes);
    each_attribute(stored, [&](const std::string& name, std::uint64_t count, auto& next) {
        put_record_text(out, name);
        put_record_number(out, count);
        std::string_view value;
        for (std::uint64_t k = 0; k < count; ++k) {
            if (!next(value)) return false;
            put_record_text(out, value);
        }
        return true;
    });
}

}  // namespace mailpolicy
