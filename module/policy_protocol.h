// The Postfix policy delegation protocol (SMTPD_POLICY_README), parsed at the edge:
// bytes arrive split anywhere, "name=value" lines end with an empty line, requests are
// pipelined. Enforces the limits of SPEC §4 and formats the replies. No I/O here;
// a malformed stream is reported once and the parser then refuses further input.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailpolicy {

inline constexpr std::size_t kMaxPolicyLineBytes = 64 * 1024;
inline constexpr std::size_t kMaxPolicyAttributes = 1000;

// What to answer when there is no usable directory data (policy.on-unavailable).
enum class OnUnavailable { Tempfail, Permit };

// One request, typed. Attributes the daemon does not use are counted but not kept.
struct PolicyRequest {
    std::string protocol_state;  // "RCPT", "DATA", ... (as sent, compare case-insensitively)
    std::string protocol_name;
    std::string sender;
    std::string recipient;
    std::string sasl_username;
    std::string client_address;
    std::string client_name;
    std::string helo_name;
    std::string instance;
    std::string queue_id;
    std::size_t attribute_count = 0;

    bool is_rcpt() const;
};

// Incremental parser for one connection.
class PolicyRequestParser {
  public:
    struct Result {
        std::vector<PolicyRequest> requests;  // complete requests, in order
        std::optional<std::string> error;     // set once the stream is malformed
    };

    // Consumes bytes; returns the requests they completed. After an error every
    // further call returns the same error and no requests.
    Result feed(std::string_view bytes);
    // True while a request has begun but not ended (for "client left mid-request").
    bool in_request() const { return !line_.empty() || current_.attribute_count > 0; }

  private:
    std::optional<std::string> take_line(std::string_view line, Result& result);
    std::optional<std::string> finish_request(Result& result);

    std::string line_;  // the unfinished line
    PolicyRequest current_;
    std::optional<std::string> error_;
};

// Replies, each ending in the empty line that closes it.
std::string dunno_reply();
// "action=<code> <status> <text>"; the text is made single-line and printable again
// here, whatever the engine already did.
std::string reject_reply(int code, std::string_view status, std::string_view text);
std::string unavailable_reply(OnUnavailable on_unavailable);

}  // namespace mailpolicy
