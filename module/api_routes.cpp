// Registers the /v1/ handlers (see api_routes.h) and answers /v1/violations, the one
// that only reads the audit store.

#include "module/api_routes.h"

#include <memory>

#include "module/api_violations.h"

namespace mailpolicy {

void add_api_routes(HttpRouter& router, const ApiContext& context) {
    // The handlers outlive this call: they share one copy of the context.
    auto shared = std::make_shared<const ApiContext>(context);
    router.add("POST", "/v1/check",
               [shared](HttpExchange& exchange) { handle_check(*shared, exchange); });
    router.add_prefix("GET", "/v1/policy/",
                      [shared](HttpExchange& exchange) { handle_policy(*shared, exchange); });
    router.add("GET", "/v1/violations",
               [shared](HttpExchange& exchange) { handle_violations(*shared, exchange); });
}

void handle_violations(const ApiContext& context, HttpExchange& exchange) {
    AuditStore* store = context.audit ? context.audit->store() : nullptr;
    if (!store) {
        send_error(exchange.response, 503, "no audit store is configured ([audit] store = none)");
        return;
    }
    auto query = parse_violations_query(exchange.query);
    if (auto* error = std::get_if<std::string>(&query)) {
        send_error(exchange.response, 400, *error);
        return;
    }
    std::vector<AuditRecord> records;
    try {
        records = store->query(std::get<AuditQuery>(query));
    } catch (const std::exception&) {
        send_error(exchange.response, 503, "the audit store is unavailable");
        return;
    }
    send_json(exchange.response, 200, violations_json(records) + "\n");
}

}  // namespace mailpolicy
