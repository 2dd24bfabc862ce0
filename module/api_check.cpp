// POST /v1/check (SPEC §4): per-recipient verdicts from the same engine, metrics and
// audit path as SMTP, and on request an NDR (ndr/) for the denied recipients. A request
// through the API is a verified sender for the receive checks (SPEC §2).
// Bad input: 400 naming the field, 413 for an oversized body; nothing is audited then.

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <unistd.h>

#include <chrono>
#include <sstream>

#include "modes/address.h"
#include "modes/decision.h"
#include "module/api_check_request.h"
#include "module/api_routes.h"
#include "ndr/delivery_report.h"

namespace mailpolicy {

namespace {

std::string host_name() {
    char buffer[256] = {};
    if (gethostname(buffer, sizeof buffer - 1) != 0 || buffer[0] == '\0') return "localhost";
    return buffer;
}

std::string reply_of(const Verdict& verdict) {
    return std::to_string(verdict.code) + " " + std::string(verdict.status) + " " +
           std::string(verdict.text);
}

AuditRecord audit_record(const CheckRequest& request, const Verdict& verdict) {
    AuditRecord record;
    record.time = std::chrono::system_clock::now();
    record.path = std::string(to_string(request.path));
    record.direction = std::string(to_string(verdict.direction));
    record.action = verdict.outcome == Outcome::Denied ? "reject" : "audit";
    record.sender = request.sender;
    record.recipient = std::string(verdict.recipient);
    record.login = request.login.value_or("");
    record.client_address = request.client_text.value_or("");
    record.account = std::string(verdict.account);
    record.rule = std::string(verdict.rule);
    record.reply_code = verdict.code;
    record.reply_status = std::string(verdict.status);
    record.reply_text = std::string(verdict.text);
    return record;
}

Poco::JSON::Object result_json(const Verdict& verdict) {
    Poco::JSON::Object result;
    const bool denied = verdict.outcome == Outcome::Denied;
    result.set("recipient", std::string(verdict.recipient));
    result.set("allowed", !denied);
    result.set("outcome", std::string(to_string(verdict.outcome)));
    result.set("direction", std::string(to_string(verdict.direction)));
    result.set("rule", std::string(verdict.rule));
    result.set("code", denied ? verdict.code : 250);
    result.set("status", denied ? std::string(verdict.status) : std::string("2.1.5"));
    result.set("text", denied ? std::string(verdict.text) : std::string());
    return result;
}

bool is_null_sender(std::string_view sender) {
    const auto parsed = parse_address(sender);
    const auto* address = std::get_if<Address>(&parsed);
    return address && address->is_null();
}

std::optional<std::string> report_for(const ApiContext& context, const CheckRequest& request,
                                      const std::vector<Verdict>& verdicts) {
    if (!request.want_ndr || is_null_sender(request.sender)) return std::nullopt;
    ndr::ReportRequest report;
    report.reporting_mta =
        context.ndr.reporting_mta.empty() ? host_name() : context.ndr.reporting_mta;
    report.from =
        context.ndr.from.empty() ? "MAILER-DAEMON@" + report.reporting_mta : context.ndr.from;
    report.original_sender = request.sender;
    report.arrival_date = std::chrono::system_clock::now();
    report.envelope_id = request.envelope_id;
    report.original_message = request.message ? std::string_view(*request.message) : "";
    const bool full = request.return_content
                          ? *request.return_content == ndr::ReturnContent::Full
                          : context.ndr.return_content == NdrConfig::Return::Full;
    report.return_content = full ? ndr::ReturnContent::Full : ndr::ReturnContent::Headers;
    for (const Verdict& verdict : verdicts) {
        if (verdict.outcome != Outcome::Denied) continue;
        report.recipients.push_back({std::string(verdict.recipient), std::nullopt,
                                     std::string(verdict.status), reply_of(verdict)});
    }
    return ndr::build_report(report);
}

std::vector<Verdict> decide(const ApiContext& context, const CheckRequest& request,
                            const Directory& directory, const PolicyConfig& policy) {
    Envelope envelope;
    envelope.sender = request.sender;
    envelope.login = request.login;
    envelope.client = request.client;
    envelope.path = request.path;
    const Engine engine(directory, policy);
    std::vector<Verdict> verdicts;
    verdicts.reserve(request.recipients.size());
    for (const std::string& recipient : request.recipients) {
        const auto started = std::chrono::steady_clock::now();
        verdicts.push_back(engine.decide(envelope, recipient));
        context.metrics.count_decision(request.path, verdicts.back(),
                                       std::chrono::steady_clock::now() - started);
        if (verdicts.back().outcome != Outcome::Allowed && context.audit) {
            context.audit->record(audit_record(request, verdicts.back()));
        }
    }
    return verdicts;
}

// The parsed request, or nullopt when an error has been answered.
std::optional<CheckRequest> read_request(HttpExchange& exchange) {
    const std::optional<std::string> body = read_body(exchange.request, kMaxCheckBodyWithMessage);
    if (!body) {
        send_error(exchange.response, 413, "the request body is larger than 64 MiB");
        return std::nullopt;
    }
    auto parsed = parse_check_request(*body);
    if (auto* error = std::get_if<CheckRequestError>(&parsed)) {
        send_error(exchange.response, 400, error->message);
        return std::nullopt;
    }
    CheckRequest& request = std::get<CheckRequest>(parsed);
    if (!request.message && body->size() > kMaxCheckBodyWithoutMessage) {
        send_error(exchange.response, 413, "a request without a message is larger than 1 MiB");
        return std::nullopt;
    }
    return std::move(request);
}

}  // namespace

void handle_check(const ApiContext& context, HttpExchange& exchange) {
    const std::optional<CheckRequest> request = read_request(exchange);
    if (!request) return;
    const auto settings = context.policy.current();
    const auto snapshot = context.holder.current();
    if (!snapshot) {
        context.metrics.count_unavailable(request->path);
        send_error(exchange.response, 503, "policy data temporarily unavailable");
        return;
    }
    const std::vector<Verdict> verdicts = decide(context, *request, *snapshot, settings->policy);
    Poco::JSON::Array results;
    for (const Verdict& verdict : verdicts) results.add(result_json(verdict));
    Poco::JSON::Object answer;
    answer.set("results", results);
    if (auto report = report_for(context, *request, verdicts)) answer.set("ndr", *report);
    std::ostringstream json;
    answer.stringify(json);
    send_json(exchange.response, 200, json.str() + "\n");
}

}  // namespace mailpolicy
