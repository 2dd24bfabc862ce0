// One policy request, judged: only protocol_state=RCPT is decided (SPEC §4), every
// other state is DUNNO; allowed and audit-only are DUNNO too, so later Postfix
// restrictions still run. No data yet means the unavailable reply.
#include "module/policy_service.h"

#include <Poco/Logger.h>

#include <chrono>

namespace mailpolicy {

namespace {

// Looked up once: Logger::get takes a global lock, and this runs for every request.
Poco::Logger& logger() {
    static Poco::Logger& instance = Poco::Logger::get("mailpolicyd.smtp");
    return instance;
}

}  // namespace

std::string PolicyService::answer(const PolicyRequest& request) const {
    if (!request.is_rcpt()) return dunno_reply();
    const auto settings = policy_.current();
    try {
        std::string reply = decide(request, *settings);
        if (logger().debug()) {
            logger().debug("sender=<%s> recipient=<%s> login=%s client=%s: %s", request.sender,
                           request.recipient, request.sasl_username, request.client_address,
                           reply.substr(0, reply.size() - 2));
        }
        return reply;
    } catch (const std::exception& error) {
        // A fault here must cost one tempfail, not the connection or the loop thread.
        logger().error("policy decision for recipient <%s> failed: %s", request.recipient,
                       std::string(error.what()));
        return unavailable_reply(settings->on_unavailable);
    }
}

std::string PolicyService::decide(const PolicyRequest& request,
                                  const PolicySettingsInForce& settings) const {
    const auto snapshot = holder_.current();
    if (!snapshot) {
        metrics_.count_unavailable(SubmissionPath::Smtp);
        return unavailable_reply(settings.on_unavailable);
    }
    Envelope envelope;
    envelope.sender = request.sender;
    if (!request.sasl_username.empty()) envelope.login = request.sasl_username;
    envelope.client = IpAddress::parse(request.client_address);
    envelope.path = SubmissionPath::Smtp;

    const auto started = std::chrono::steady_clock::now();
    const Verdict verdict = Engine(*snapshot, settings.policy).decide(envelope, request.recipient);
    metrics_.count_decision(SubmissionPath::Smtp, verdict,
                            std::chrono::steady_clock::now() - started);

    if (verdict.outcome == Outcome::Allowed) return dunno_reply();
    record(request, verdict);
    if (verdict.outcome == Outcome::AuditOnly) return dunno_reply();
    return reject_reply(verdict.code, verdict.status, verdict.text);
}

void PolicyService::record(const PolicyRequest& request, const Verdict& verdict) const {
    if (!audit_) return;
    AuditRecord record;
    record.time = std::chrono::system_clock::now();
    record.path = "smtp";
    record.direction = std::string(to_string(verdict.direction));
    record.action = verdict.outcome == Outcome::Denied ? "reject" : "audit";
    record.sender = request.sender;
    record.recipient = request.recipient;
    record.login = request.sasl_username;
    record.client_address = request.client_address;
    record.account = verdict.account;
    record.rule = verdict.rule;
    record.reply_code = verdict.code;
    record.reply_status = verdict.status;
    record.reply_text = verdict.text;
    record.instance = request.queue_id.empty() ? request.instance : request.queue_id;
    audit_(std::move(record));
}

}  // namespace mailpolicy
