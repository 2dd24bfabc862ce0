// What the live source asks the server for, shared by syncrepl and polling: the filter
// (accounts plus class and domain entries), the attributes, and the admin-facing text
// for a search the server cut short.
#pragma once

#include <string>
#include <vector>

#include "ldap/directory_source.h"

namespace mailpolicy {

// (|<account-filter>(objectClass=mailPolicyClass)(objectClass=mailPolicyDomain))
std::string directory_filter(const DirectoryConfig& config);

// User attributes and entryUUID; operational attributes are not needed.
std::vector<std::string> directory_attributes();

// Why a search of the directory failed, with the fix when it is a server limit.
std::string explain_search_failure(const DirectoryConfig& config, const std::string& what, int code,
                                   const std::string& description);

}  // namespace mailpolicy
