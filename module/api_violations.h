// GET /v1/violations (SPEC §4): audit records from the store, newest first, filtered by
// sender, recipient and time. Not for: writing records (audit_log.h).
// A bad query parameter is a 400 naming it; no store configured is a 503.
#pragma once

#include <string_view>
#include <variant>

#include "module/audit_store.h"
#include "module/http_server.h"

namespace mailpolicy {

constexpr std::size_t kDefaultViolationLimit = 100;
constexpr std::size_t kMaxViolationLimit = 10000;

// The query string ("sender=a%40b&limit=5") as an AuditQuery, or the message of a 400.
std::variant<AuditQuery, std::string> parse_violations_query(std::string_view query);

// A time as RFC 3339 ("2026-12-02T17:38:35Z", "…+01:00", fractions allowed) or epoch
// seconds; nullopt when it is neither.
std::optional<std::chrono::system_clock::time_point> parse_api_time(std::string_view text);
// "2026-12-02T17:38:35.123Z"
std::string format_api_time(std::chrono::system_clock::time_point time);

// The records as {"violations": [...]} JSON.
std::string violations_json(const std::vector<AuditRecord>& records);

}  // namespace mailpolicy
