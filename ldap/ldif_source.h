// The "ldif:/path" directory source: reads the file at start and publishes it, then
// watches it (inode, size, mtime every ~500 ms) and re-reads on change. A broken file
// keeps the last good snapshot and reports "file:line: reason" in status().
#pragma once

#include <memory>
#include <string>

#include "ldap/directory_source.h"

namespace mailpolicy {

std::unique_ptr<DirectorySource> make_ldif_source(const DirectoryConfig& config,
                                                  SnapshotHolder& holder);

}  // namespace mailpolicy
