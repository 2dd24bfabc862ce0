// The record form in which the cache file stores each raw entry: length-prefixed DN,
// entryUUID, then attributes with their values. The replica keeps entries in a tighter
// form of its own (snapshot_entries.h) and writes them out as these records.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "ldap/entry.h"

namespace mailpolicy {

// Encodes the entry, keeping only the values `keep(name, value)` accepts (all when
// empty); an attribute left without values is left out.
using KeepValue = std::function<bool(std::string_view name, std::string_view value)>;
std::string encode_record(const Entry& entry, const KeepValue& keep = {});
// Decodes one record; false when it is malformed (never reads past `record`).
bool decode_record(std::string_view record, Entry& entry);
// The DN and entryUUID of a record without decoding the rest.
bool record_identity(std::string_view record, std::string_view& dn, std::string_view& uuid);

// The pieces records are made of, for other compact forms (snapshot_entries.cpp):
// LEB128 numbers, and texts as a length then the bytes.
void put_record_number(std::string& out, std::uint64_t number);
void put_record_text(std::string& out, std::string_view text);
class RecordReader {
  public:
    explicit RecordReader(std::string_view data) : data_(data) {}
    // Each returns false, reading nothing further, when the data ends too soon.
    bool number(std::uint64_t& value);
    bool text(std::string_view& value);
    // The next `length` bytes as they are.
    bool bytes(std::uint64_t length, std::string_view& value);
    bool at_end() const { return position_ == data_.size(); }
    std::size_t consumed() const { return position_; }

  private:
    std::string_view data_;
    std::size_t position_ = 0;
};

// Writes a cache file from encoded records (defined in cache_file.cpp): `each` calls
// the sink once per record. The file appears atomically or not at all.
using RecordSink = std::function<void(std::string_view record)>;
void write_cache_records(const std::string& path, std::string_view cookie, std::size_t count,
                         const std::function<void(const RecordSink&)>& each);

}  // namespace mailpolicy
