// The `violations` table as both SQL backends share it: schema, batch insert, filtered
// query and purge over a Poco::Data session. Callers own the session, its locking and
// its (re)connection; these functions throw Poco::Exception on any database error.
#pragma once

#include <Poco/Data/Session.h>

#include <chrono>
#include <cstddef>
#include <vector>

#include "module/audit_store.h"

namespace mailpolicy {

// The SQL spellings that differ between SQLite and PostgreSQL.
struct AuditSqlDialect {
    bool dollar_placeholders;  // PostgreSQL's $1, $2 … instead of ?
    const char* id_column;     // the auto-numbered primary key
};

inline constexpr std::size_t max_audit_query_limit = 10'000;

void create_audit_schema(Poco::Data::Session& session, const AuditSqlDialect& dialect);
// Inserts every record in one transaction; rolls back and rethrows on failure.
void insert_audit_records(Poco::Data::Session& session, const AuditSqlDialect& dialect,
                          const std::vector<AuditRecord>& records);
std::vector<AuditRecord> select_audit_records(Poco::Data::Session& session,
                                              const AuditSqlDialect& dialect,
                                              const AuditQuery& query);
std::size_t delete_audit_records_before(Poco::Data::Session& session,
                                        const AuditSqlDialect& dialect,
                                        std::chrono::system_clock::time_point cutoff);

}  // namespace mailpolicy
