// The live LDAP source: simple bind or SASL EXTERNAL, StartTLS per config, RFC 4533
// refreshAndPersist (or polling), reconnect with capped backoff, resume from the cookie,
// and the cache file when the server cannot be reached at start.
#pragma once

#include <memory>

#include "ldap/directory_source.h"

namespace mailpolicy {

std::unique_ptr<DirectorySource> make_ldap_source(const DirectoryConfig& config,
                                                  SnapshotHolder& holder);

}  // namespace mailpolicy
