// The /v1/ HTTP API of SPEC §4 on the daemon's router: POST /v1/check, GET /v1/policy/…,
// GET /v1/violations. The handlers are in api_check.cpp, api_policy.cpp and
// api_violations.cpp; this file registers them and holds what they share.
// Not for: the bearer token (http_server.cpp checks it for every /v1/ path).
#pragma once

#include "ldap/directory_source.h"
#include "module/audit_log.h"
#include "module/config.h"
#include "module/http_server.h"
#include "module/live_policy.h"
#include "module/metrics.h"

namespace mailpolicy {

struct ApiContext {
    const SnapshotHolder& holder;
    const LivePolicy& policy;
    Metrics& metrics;
    AuditLog* audit = nullptr;  // null: nothing recorded, /v1/violations answers 503
    NdrConfig ndr;
};

void add_api_routes(HttpRouter& router, const ApiContext& context);

// The handlers (each in its own file).
void handle_check(const ApiContext& context, HttpExchange& exchange);
void handle_policy(const ApiContext& context, HttpExchange& exchange);
void handle_violations(const ApiContext& context, HttpExchange& exchange);

}  // namespace mailpolicy
