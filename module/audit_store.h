// Audit records (SPEC §4): every denial and every audit-only violation, with the fields
// admins query. Backends: audit_sqlite.cpp, audit_postgres.cpp; AuditLog in
// audit_log.h writes them off the hot path and spools to disk while a store is down.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mailpolicy {

struct AuditRecord {
    std::chrono::system_clock::time_point time;  // stored as UTC with milliseconds
    std::string path;                            // smtp | sendmail | http
    std::string direction;                       // send | receive
    std::string action;                          // reject | audit
    std::string sender;
    std::string recipient;
    std::string login;
    std::string client_address;
    std::string account;  // whose policy decided
    std::string rule;
    int reply_code = 0;
    std::string reply_status;
    std::string reply_text;
    std::string instance;  // Postfix instance or queue id, when known

    bool operator==(const AuditRecord&) const = default;
};

struct AuditQuery {
    std::optional<std::string> sender;     // exact address, compared case-insensitively
    std::optional<std::string> recipient;  // likewise
    std::optional<std::chrono::system_clock::time_point> since;  // since <= time
    std::optional<std::chrono::system_clock::time_point> until;  // time < until
    std::size_t limit = 100;                                     // at most 10,000 records come back
};

class AuditStore {
  public:
    virtual ~AuditStore() = default;
    // Writes records in one transaction; throws on failure (nothing is half-written).
    virtual void write(const std::vector<AuditRecord>& records) = 0;
    // Newest first.
    virtual std::vector<AuditRecord> query(const AuditQuery& query) = 0;
    // Deletes records older than the cutoff; returns how many.
    virtual std::size_t purge_before(std::chrono::system_clock::time_point cutoff) = 0;
};

// From [audit] store: "sqlite:/path", "postgresql:<conninfo>", or "none" (nullptr).
// Throws std::invalid_argument naming the value when it is not one of these.
std::unique_ptr<AuditStore> make_audit_store(const std::string& spec);

}  // namespace mailpolicy
