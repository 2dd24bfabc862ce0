// Polling, for servers without syncprov (sync = poll, or auto after a refusal): one
// plain search of the whole directory, streamed into the replica as a full reload entry
// by entry, so that the directory is never held as Entry values and an unchanged
// directory leaves nothing pending (no rebuild).
#pragma once

#include <cstddef>
#include <functional>
#include <optional>

#include "ldap/directory_source.h"
#include "ldap/entry.h"
#include "ldap/ldap_connection.h"

namespace mailpolicy {

class Replica;

// Hands every entry the directory filter matches under base-dn to `each` as it arrives;
// false when `should_stop` said so while waiting. Throws LdapError when the search fails
// or the connection drops.
bool read_directory(LdapConnection& connection, const DirectoryConfig& config,
                    const std::function<bool()>& should_stop,
                    const std::function<void(Entry entry)>& each);

// One poll as a full reload of `replica` (Replica::begin_reload … finish_reload): the
// number of entries read, or nullopt when stopped. Afterwards the replica has changes
// pending only if the directory changed. Stopped or failed midway, the replica is left
// half reloaded and unpublished; the next poll completes it.
std::optional<std::size_t> poll_directory(LdapConnection& connection, const DirectoryConfig& config,
                                          Replica& replica,
                                          const std::function<bool()>& should_stop);

}  // namespace mailpolicy
