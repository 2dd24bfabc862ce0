// A directory entry as a source reads it (LDIF record or LDAP search result), before
// mapping: DN, entryUUID when known, attributes with lowercase names. Values are raw.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace mailpolicy {

struct Entry {
    std::string dn;
    std::string uuid;  // entryUUID; empty for LDIF entries that do not carry one
    std::map<std::string, std::vector<std::string>, std::less<>> attributes;  // lowercase names

    // The values of an attribute (name compared case-insensitively), empty if absent.
    const std::vector<std::string>& values(std::string_view name) const;
    // The first value, or "" when absent.
    std::string_view first(std::string_view name) const;
    bool has_object_class(std::string_view object_class) const;
};

}  // namespace mailpolicy
