// One asynchronous search read message by message with a short timeout, so that a
// stop request is noticed while a large directory is still arriving.
#include "ldap/ldap_poll.h"

#include <functional>
#include <string>

#include "ldap/ldap_entry_reader.h"
#include "ldap/ldap_query.h"

namespace mailpolicy {
namespace {

// A 64-bit mix (splitmix64 finalizer), so that summing entry hashes stays sensitive.
std::uint64_t mix(std::uint64_t value) {
    value ^= value >> 30;
    value *= 0xbf58476d1ce4e5b9ULL;
    value ^= value >> 27;
    value *= 0x94d049bb133111ebULL;
    return value ^ (value >> 31);
}

std::uint64_t entry_digest(const Entry& entry) {
    std::hash<std::string> hash;
    std::uint64_t digest = mix(hash(entry.dn));
    for (const auto& [name, values] : entry.attributes) {
        digest = mix(digest ^ hash(name));
        for (const auto& value : values) digest = mix(digest + hash(value));
    }
    return digest;
}

// Consumes the final result of the search; throws when the server reported an error.
void check_result(LDAP* ld, LDAPMessage* message, const DirectoryConfig& config) {
    int code = LDAP_OTHER;
    int rc = ldap_parse_result(ld, message, &code, nullptr, nullptr, nullptr, nullptr, 0);
    if (rc != LDAP_SUCCESS) code = rc;
    if (code != LDAP_SUCCESS) {
        throw LdapError(
            code, explain_search_failure(config, "search", code, describe_ldap_result(ld, code)));
    }
}

}  // namespace

std::optional<std::vector<Entry>> read_directory(LdapConnection& connection,
                                                 const DirectoryConfig& config,
                                                 const std::function<bool()>& should_stop) {
    LDAP* ld = connection.handle();
    std::string filter = directory_filter(config);
    auto attributes = directory_attributes();
    std::vector<char*> attribute_pointers;
    for (auto& attribute : attributes) attribute_pointers.push_back(attribute.data());
    attribute_pointers.push_back(nullptr);
    int message_id = 0;
    int rc = ldap_search_ext(ld, config.base_dn.c_str(), LDAP_SCOPE_SUBTREE, filter.c_str(),
                             attribute_pointers.data(), 0, nullptr, nullptr, nullptr, LDAP_NO_LIMIT,
                             &message_id);
    if (rc != LDAP_SUCCESS) {
        throw LdapError(rc, "search of " + config.base_dn + " on " + config.source +
                                " failed: " + describe_ldap_result(ld, rc));
    }
    std::vector<Entry> entries;
    for (;;) {
        timeval wait{0, 100000};
        LDAPMessage* message = nullptr;
        rc = ldap_result(ld, message_id, LDAP_MSG_ONE, &wait, &message);
        if (rc < 0) {
            throw LdapError(LDAP_SERVER_DOWN, "lost the connection to " + config.source + ": " +
                                                  describe_ldap_result(ld, LDAP_SERVER_DOWN));
        }
        if (rc == 0) {
            if (!should_stop()) continue;
            ldap_abandon_ext(ld, message_id, nullptr, nullptr);
            return std::nullopt;
        }
        int type = ldap_msgtype(message);
        if (type == LDAP_RES_SEARCH_ENTRY) entries.push_back(entry_from_message(ld, message));
        if (type == LDAP_RES_SEARCH_RESULT) {
            try {
                check_result(ld, message, config);
            } catch (...) {
                ldap_msgfree(message);
                throw;
            }
            ldap_msgfree(message);
            return entries;
        }
        ldap_msgfree(message);
    }
}

std::uint64_t content_digest(const std::vector<Entry>& entries) {
    std::uint64_t digest = mix(entries.size());
    for (const auto& entry : entries) digest += entry_digest(entry);
    return digest;
}

}  // namespace mailpolicy
