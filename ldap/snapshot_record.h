// The compact form in which the replica keeps each raw entry (one string instead of a
// map of vectors: a million entries must fit in memory) and the cache file stores it:
// length-prefixed DN, entryUUID, then attributes with their values.
#pragma once

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

// Writes a cache file from encoded records (defined in cache_file.cpp): `each` calls
// the sink once per record. The file appears atomically or not at all.
using RecordSink = std::function<void(std::string_view record)>;
void write_cache_records(const std::string& path, std::string_view cookie, std::size_t count,
                         const std::function<void(const RecordSink&)>& each);

}  // namespace mailpolicy
