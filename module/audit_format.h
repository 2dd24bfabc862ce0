// Text forms of an audit record: the one-line log entry SPEC §4 prescribes, and the
// millisecond timestamps the stores and the spool keep. Values that came from the
// network are made single-line here, so a record can never forge a second log line.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "module/audit_store.h"

namespace mailpolicy {

// Milliseconds since the Unix epoch (UTC), rounded toward the past.
std::int64_t to_unix_milliseconds(std::chrono::system_clock::time_point time);
std::chrono::system_clock::time_point from_unix_milliseconds(std::int64_t milliseconds);

// `text` as valid UTF-8 without NUL bytes: every byte that does not start a well-formed
// sequence, and every NUL, becomes U+FFFD. Databases and the JSON spool refuse the rest.
std::string to_clean_utf8(const std::string& text);
// The record with every text field cleaned that way.
AuditRecord with_clean_text(AuditRecord record);

// `reject: path=smtp direction=send sender=<a@x> recipient=<b@y> rule="…" reply="550 5.7.1 …"`
// ("audit:" instead of "reject:" for audit-only violations).
std::string format_audit_line(const AuditRecord& record);

}  // namespace mailpolicy
