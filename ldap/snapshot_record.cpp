// Record encoding: LEB128 lengths and counts, bytes as they are. Decoding checks every
// length against what is left, so a corrupt cache file yields false, not a crash.
#include "ldap/snapshot_record.h"

#include <cstdint>
#include <vector>

namespace mailpolicy {

void put_record_number(std::string& out, std::uint64_t number) {
    while (number >= 0x80) {
        out.push_back(static_cast<char>((number & 0x7f) | 0x80));
        number >>= 7;
    }
    out.push_back(static_cast<char>(number));
}

void put_record_text(std::string& out, std::string_view text) {
    put_record_number(out, text.size());
    out.append(text);
}

bool RecordReader::number(std::uint64_t& value) {
    value = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (position_ >= data_.size()) return false;
        auto byte = static_cast<unsigned char>(data_[position_++]);
        value |= std::uint64_t(byte & 0x7f) << shift;
        if ((byte & 0x80) == 0) return true;
    }
    return false;
}

bool RecordReader::text(std::string_view& value) {
    std::uint64_t length = 0;
    return number(length) && bytes(length, value);
}

bool RecordReader::bytes(std::uint64_t length, std::string_view& value) {
    if (length > data_.size() - position_) return false;
    value = data_.substr(position_, length);
    position_ += length;
    return true;
}

std::string encode_record(const Entry& entry, const KeepValue& keep) {
    std::string out;
    put_record_text(out, entry.dn);
    put_record_text(out, entry.uuid);
    std::vector<std::pair<const std::string*, std::vector<const std::string*>>> kept;
    for (const auto& [name, values] : entry.attributes) {
        std::vector<const std::string*> kept_values;
        for (const auto& value : values) {
            if (!keep || keep(name, value)) kept_values.push_back(&value);
        }
        if (!kept_values.empty()) kept.emplace_back(&name, std::move(kept_values));
    }
    put_record_number(out, kept.size());
    for (const auto& [name, values] : kept) {
        put_record_text(out, *name);
        put_record_number(out, values.size());
        for (const auto* value : values) put_record_text(out, *value);
    }
    return out;
}

bool decode_record(std::string_view record, Entry& entry) {
    RecordReader reader(record);
    std::string_view dn, uuid, name, value;
    std::uint64_t attributes = 0;
    if (!reader.text(dn) || !reader.text(uuid) || !reader.number(attributes)) return false;
    entry.dn = dn;
    entry.uuid = uuid;
    entry.attributes.clear();
    for (std::uint64_t i = 0; i < attributes; ++i) {
        std::uint64_t count = 0;
        if (!reader.text(name) || !reader.number(count) || count > record.size()) return false;
        auto& values = entry.attributes[std::string(name)];
        for (std::uint64_t k = 0; k < count; ++k) {
            if (!reader.text(value)) return false;
            values.emplace_back(value);
        }
    }
    return reader.at_end();
}

bool record_identity(std::string_view record, std::string_view& dn, std::string_view& uuid) {
    RecordReader reader(record);
    return reader.text(dn) && reader.text(uuid);
}

}  // namespace mailpolicy
