// mailpolicy-sendmail's question to the daemon: POST /v1/check with the envelope and the
// header section, path "sendmail" (SPEC §4, §5). Not for: delivering.
// Never throws: the answer, or why there is none (unreachable, or refused with a 4xx).
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "module/config.h"

namespace mailpolicy {

struct PolicyQuestion {
    std::string sender;                   // "" for the null sender
    std::vector<std::string> recipients;  // at most kMaxCheckRecipients
    std::optional<std::string> login;
    std::string message;  // what the NDR returns: the header section, or the whole message
    bool want_ndr = false;
    std::optional<std::string> envelope_id;
    std::optional<std::string> dsn_return;  // "headers" | "full"
};

struct RecipientVerdict {
    std::string recipient;
    bool allowed = false;
    std::string reply;  // "550 5.7.1 text" for a denied one
};

struct PolicyAnswer {
    std::vector<RecipientVerdict> verdicts;  // in the order asked
    std::optional<std::string> ndr;
};

struct PolicyUnavailable {
    std::string reason;  // "connection refused", "HTTP 503: …"
};

struct PolicyRefusedRequest {
    std::string reason;  // the daemon's 4xx error text
};

using PolicyOutcome = std::variant<PolicyAnswer, PolicyUnavailable, PolicyRefusedRequest>;

PolicyOutcome ask_policy(const SendmailConfig& config, const std::string& token,
                         const PolicyQuestion& question);

}  // namespace mailpolicy
