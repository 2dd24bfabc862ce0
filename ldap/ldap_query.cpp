// The search the live source runs. Class and domain entries rarely match the account
// filter, so they are fetched by object class beside it. Size and time limits are the
// classic trap (slapd stops at 500 entries for any DN but the rootdn): say so plainly.
#include "ldap/ldap_query.h"

#include <ldap.h>

namespace mailpolicy {

std::string directory_filter(const DirectoryConfig& config) {
    std::string accounts = config.account_filter.empty() ? "(mail=*)" : config.account_filter;
    if (accounts.front() != '(') accounts = "(" + accounts + ")";
    return "(|" + accounts + "(objectClass=mailPolicyClass)(objectClass=mailPolicyDomain))";
}

std::vector<std::string> directory_attributes() {
    return {"*", "entryUUID"};
}

std::string explain_search_failure(const DirectoryConfig& config, const std::string& what, int code,
                                   const std::string& description) {
    std::string message = what + " of " + config.base_dn + " failed: " + description;
    if (code == LDAP_SIZELIMIT_EXCEEDED || code == LDAP_ADMINLIMIT_EXCEEDED ||
        code == LDAP_TIMELIMIT_EXCEEDED) {
        std::string who = config.bind_dn.empty() ? "the daemon's identity" : config.bind_dn;
        message += "; the server limits how many entries " + who +
                   " may read: lift the limit for it (slapd: limits dn.exact=\"" +
                   (config.bind_dn.empty() ? std::string("<bind-dn>") : config.bind_dn) +
                   "\" size=unlimited time=unlimited)";
    }
    return message;
}

}  // namespace mailpolicy
