// The seam for the /v1/ endpoints of SPEC §4 (check, policy, violations): the daemon
// calls add_api_routes() with everything they need; the health routes live apart in
// health_routes.h. The token gate is the HTTP server's, not the handlers'.
#pragma once

#include "ldap/directory_source.h"
#include "module/audit_log.h"
#include "module/config.h"
#include "module/http_server.h"
#include "module/live_policy.h"
#include "module/metrics.h"

namespace mailpolicy {

// All references outlive the HTTP server (the daemon owns them).
struct ApiContext {
    const SnapshotHolder& holder;
    const LivePolicy& policy;
    Metrics& metrics;
    AuditLog* audit;  // null when the daemon runs without an audit log
    const Config& config;
};

void add_api_routes(HttpRouter& router, const ApiContext& context);

}  // namespace mailpolicy
