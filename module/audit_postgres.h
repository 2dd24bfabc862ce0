// The PostgreSQL audit store ([audit] store = postgresql:<libpq conninfo>), which several
// daemons share. It connects on first use and reconnects after a broken session, so a
// daemon starts while the database is down; its errors never contain the password.
#pragma once

#include <memory>
#include <string>

#include "module/audit_store.h"

namespace mailpolicy {

std::unique_ptr<AuditStore> make_postgres_audit_store(const std::string& conninfo);

// `text` with every password from `conninfo` (password=…, or user:password@ in a URI)
// replaced by "***", wherever it appears.
std::string redact_conninfo(std::string text, const std::string& conninfo);

}  // namespace mailpolicy
