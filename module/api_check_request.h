// The body of POST /v1/check (SPEC §4), parsed once at the edge into a typed request:
// strict JSON, known fields only, each with its type and limits checked. Not for: deciding.
// Bad input gives a message that names the field; nothing is half-parsed.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "modes/network.h"
#include "modes/policy.h"
#include "ndr/delivery_report.h"

namespace mailpolicy {

constexpr std::size_t kMaxCheckRecipients = 1000;
constexpr std::size_t kMaxCheckBodyWithoutMessage = 1024 * 1024;    // 413 beyond
constexpr std::size_t kMaxCheckBodyWithMessage = 64 * 1024 * 1024;  // 413 beyond

struct CheckRequest {
    std::string sender;  // "" is the null sender
    std::vector<std::string> recipients;
    std::optional<std::string> login;
    std::optional<IpAddress> client;
    std::optional<std::string> client_text;  // as given, for the audit record
    std::optional<std::string> message;      // RFC 5322 text, for the NDR
    bool want_ndr = false;
    std::optional<std::string> envelope_id;            // sendmail -V
    std::optional<ndr::ReturnContent> return_content;  // sendmail -R; else ndr.return
    SubmissionPath path = SubmissionPath::Http;        // the wrapper says "sendmail"
};

struct CheckRequestError {
    std::string message;  // e.g. "field \"recipients\": must be an array of strings"
};

std::variant<CheckRequest, CheckRequestError> parse_check_request(std::string_view body);

}  // namespace mailpolicy
