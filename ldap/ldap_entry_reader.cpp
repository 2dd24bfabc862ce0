// Reading entries out of libldap messages. Values are copied as they come (binary-safe);
// only attribute names are lowercased, as Entry promises.
#include "ldap/ldap_entry_reader.h"

#include <algorithm>
#include <cctype>

namespace mailpolicy {
namespace {

std::string lowercase(const char* text) {
    std::string result(text);
    std::transform(result.begin(), result.end(), result.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return result;
}

}  // namespace

Entry entry_from_message(LDAP* ld, LDAPMessage* message) {
    Entry entry;
    if (char* dn = ldap_get_dn(ld, message)) {
        entry.dn = dn;
        ldap_memfree(dn);
    }
    BerElement* position = nullptr;
    for (char* name = ldap_first_attribute(ld, message, &position); name != nullptr;
         name = ldap_next_attribute(ld, message, position)) {
        auto& values = entry.attributes[lowercase(name)];
        if (berval** raw = ldap_get_values_len(ld, message, name)) {
            for (berval** value = raw; *value != nullptr; ++value) {
                values.emplace_back((*value)->bv_val, (*value)->bv_len);
            }
            ldap_value_free_len(raw);
        }
        ldap_memfree(name);
    }
    if (position != nullptr) ber_free(position, 0);
    auto uuid = entry.attributes.find("entryuuid");
    if (uuid != entry.attributes.end() && !uuid->second.empty()) entry.uuid = uuid->second.front();
    return entry;
}

std::string uuid_text(const berval& raw) {
    if (raw.bv_len != 16 || raw.bv_val == nullptr) return {};
    static constexpr char digits[] = "0123456789abcdef";
    std::string text;
    text.reserve(36);
    for (std::size_t i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) text += '-';
        auto octet = static_cast<unsigned char>(raw.bv_val[i]);
        text += digits[octet >> 4];
        text += digits[octet & 0x0f];
    }
    return text;
}

}  // namespace mailpolicy
