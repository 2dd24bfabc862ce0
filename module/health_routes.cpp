// Health and metrics endpoints. They read only atomics and the current snapshot, so a
// scrape never slows decisions down; none of them needs the /v1/ token.
#include "module/health_routes.h"

namespace mailpolicy {

void add_health_routes(HttpRouter& router, const SnapshotHolder& holder,
                       std::function<SourceStatus()> status, const Metrics& metrics) {
    router.add("GET", "/healthz", [](HttpExchange& exchange) {
        send_json(exchange.response, 200, "{\"status\": \"ok\"}\n");
    });
    router.add("GET", "/readyz", [&holder](HttpExchange& exchange) {
        const auto snapshot = holder.current();
        if (!snapshot) {
            return send_error(exchange.response, 503, "directory not loaded yet");
        }
        send_json(exchange.response, 200,
                  "{\"status\": \"ready\", \"accounts\": " +
                      std::to_string(snapshot->account_count()) + "}\n");
    });
    router.add("GET", "/metrics", [&holder, status, &metrics](HttpExchange& exchange) {
        const SourceStatus source = status ? status() : SourceStatus{"loading", ""};
        const auto snapshot = holder.current();
        send_text(exchange.response, 200, "text/plain; version=0.0.4; charset=utf-8",
                  metrics.render(snapshot.get(), source));
    });
}

}  // namespace mailpolicy
