// The SQLite audit store ([audit] store = sqlite:/path), the embedded default.
// Opens (and creates) the database file at once; throws std::runtime_error when it
// cannot. The directory must already exist.
#pragma once

#include <memory>
#include <string>

#include "module/audit_store.h"

namespace mailpolicy {

std::unique_ptr<AuditStore> make_sqlite_audit_store(const std::string& path);

}  // namespace mailpolicy
