// GET /v1/policy/{address} (SPEC §4): the effective policy of an address, each setting
// with its value and the entry it came from, the local domains, and whether the address
// is local at all. An address that does not parse is a 400 with the parser's reason.

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <sstream>

#include "modes/address.h"
#include "modes/decision.h"
#include "modes/settings.h"
#include "module/api_routes.h"

namespace mailpolicy {

namespace {

using Poco::JSON::Object;

std::string_view level_name(Source::Level level) {
    switch (level) {
        case Source::Level::Account:
            return "account";
        case Source::Level::Class:
            return "class";
        case Source::Level::Domain:
            return "domain";
        case Source::Level::ServerDefault:
            return "server-default";
        case Source::Level::BuiltIn:
            return "built-in";
    }
    return "built-in";
}

template <typename T>
Object setting(const T& value, const Source& source) {
    Object json;
    json.set("value", value);
    json.set("from", std::string(level_name(source.level)));
    json.set("entry", source.name);
    json.set("source", source.describe());
    return json;
}

Object direction_json(const ResolvedDirection& direction) {
    Poco::JSON::Array patterns;
    for (const Pattern& pattern : *direction.exceptions.value) patterns.add(pattern.text());
    Object json;
    json.set("enabled", setting(direction.enabled.value, direction.enabled.source));
    json.set("mode", setting(std::string(to_string(direction.mode.value)), direction.mode.source));
    json.set("exceptions", setting(patterns, direction.exceptions.source));
    json.set("reject_text", setting(direction.reject_text.value, direction.reject_text.source));
    return json;
}

// The holder's domain and the names on its domain entry; for an account, the domains of
// its addresses too.
Poco::JSON::Array local_domains_json(const PolicyHolder& holder) {
    std::vector<std::string> domains{holder.domain_name};
    const auto add = [&](std::string_view domain) {
        if (std::find(domains.begin(), domains.end(), domain) == domains.end()) {
            domains.emplace_back(domain);
        }
    };
    if (holder.domain) {
        for (const std::string& name : holder.domain->names) add(name);
    }
    if (holder.account) add(holder.account->primary_domain());
    Poco::JSON::Array list;
    for (const std::string& domain : domains) list.add(domain);
    return list;
}

Object policy_json(const Address& address, const std::optional<PolicyHolder>& holder,
                   const Directory& directory, const PolicyConfig& config) {
    Object json;
    json.set("address", address.text());
    json.set("local", holder.has_value());
    if (!holder) return json;
    const EffectivePolicy policy = resolve_policy(*holder, directory, config);
    json.set("holder", holder->address);
    json.set("account_dn", holder->account ? std::string(holder->account->dn()) : std::string());
    json.set("class_dn", policy.policy_class ? policy.policy_class->dn : std::string());
    json.set("domain_dn", holder->domain ? holder->domain->dn : std::string());
    json.set("local_domains", local_domains_json(*holder));
    json.set("send", direction_json(policy.send));
    json.set("receive", direction_json(policy.receive));
    json.set("enforcement",
             setting(std::string(to_string(policy.enforcement.value)), policy.enforcement.source));
    return json;
}

}  // namespace

void handle_policy(const ApiContext& context, HttpExchange& exchange) {
    const auto settings = context.policy.current();
    const auto parsed = parse_address(exchange.rest, settings->policy.recipient_delimiter);
    if (const auto* error = std::get_if<AddressError>(&parsed)) {
        send_error(exchange.response, 400, "invalid address: " + error->reason);
        return;
    }
    const Address& address = std::get<Address>(parsed);
    if (address.is_null()) {
        send_error(exchange.response, 400, "invalid address: the null sender has no policy");
        return;
    }
    const auto snapshot = context.holder.current();
    if (!snapshot) {
        send_error(exchange.response, 503, "policy data temporarily unavailable");
        return;
    }
    const Engine engine(*snapshot, settings->policy);
    std::ostringstream json;
    policy_json(address, engine.holder_for_address(address), *snapshot, settings->policy)
        .stringify(json);
    send_json(exchange.response, 200, json.str() + "\n");
}

}  // namespace mailpolicy
