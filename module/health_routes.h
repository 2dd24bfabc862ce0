// /healthz, /readyz and /metrics (SPEC §4) for the HTTP router. Ready means a directory
// snapshot is loaded; until then policy requests get the unavailable answer too.
#pragma once

#include <functional>

#include "ldap/directory_source.h"
#include "module/http_server.h"
#include "module/metrics.h"

namespace mailpolicy {

// `status` reports the directory source's state (may be empty: "loading" is assumed).
void add_health_routes(HttpRouter& router, const SnapshotHolder& holder,
                       std::function<SourceStatus()> status, const Metrics& metrics);

}  // namespace mailpolicy
