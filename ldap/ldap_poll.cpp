// One asynchronous search read message by message with a short timeout, so that a
// stop request is noticed while a large directory is still arriving; each entry goes on
// as soon as it is read, and its message is freed.
#include "ldap/ldap_poll.h"

#include <functional>
#include <string>

#include "ldap/ldap_entry_reader.h"
#include "ldap/ldap_query.h"
#include "ldap/replica.h"

namespace mailpolicy {
namespace {

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

bool read_directory(LdapConnection& connection, const DirectoryConfig& config,
                    const std::function<bool()>& should_stop,
                    const std::function<void(Entry entry)>& each) {
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
            return false;
        }
        int type = ldap_msgtype(message);
        try {
            if (type == LDAP_RES_SEARCH_ENTRY) each(entry_from_message(ld, message));
            if (type == LDAP_RES_SEARCH_RESULT) check_result(ld, message, config);
        } catch (...) {
            ldap_msgfree(message);
            throw;
        }
        ldap_msgfree(message);
        if (type == LDAP_RES_SEARCH_RESULT) return true;
    }
}

std::optional<std::size_t> poll_directory(LdapConnection& connection, const DirectoryConfig& config,
                                          Replica& replica,
                                          const std::function<bool()>& should_stop) {
    std::size_t count = 0;
    replica.begin_reload();
    bool complete = read_directory(connection, config, should_stop, [&](Entry entry) {
        replica.reload(std::move(entry));
        ++count;
    });
    if (!complete) return std::nullopt;
    replica.finish_reload();
    return count;
}

}  // namespace mailpolicy
