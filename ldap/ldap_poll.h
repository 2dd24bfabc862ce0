// Polling, for servers without syncprov (sync = poll, or auto after a refusal): one
// plain search of the whole directory, and a digest to tell whether anything changed
// since the last poll so that an unchanged directory costs no rebuild.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "ldap/directory_source.h"
#include "ldap/entry.h"
#include "ldap/ldap_connection.h"

namespace mailpolicy {

// Every entry the directory filter matches under base-dn; nullopt when `should_stop`
// said so while waiting. Throws LdapError when the search fails or the connection drops.
std::optional<std::vector<Entry>> read_directory(LdapConnection& connection,
                                                 const DirectoryConfig& config,
                                                 const std::function<bool()>& should_stop);

// Equal for equal content, whatever order the server returned the entries in.
std::uint64_t content_digest(const std::vector<Entry>& entries);

}  // namespace mailpolicy
