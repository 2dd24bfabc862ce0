// The policy delegation protocol parser and reply formatting. Every limit of SPEC §4 is
// checked here, so the rest of the daemon only sees typed, bounded requests.
// Errors are short texts for the log ("line without '='"); nothing is echoed back.
#include "module/policy_protocol.h"

#include "modes/text.h"

namespace mailpolicy {

namespace {

// The attributes the daemon uses; the rest are counted and dropped.
std::string* field_for(PolicyRequest& request, std::string_view name) {
    struct Field {
        std::string_view name;
        std::string PolicyRequest::*member;
    };
    static constexpr Field fields[] = {
        {"protocol_state", &PolicyRequest::protocol_state},
        {"protocol_name", &PolicyRequest::protocol_name},
        {"sender", &PolicyRequest::sender},
        {"recipient", &PolicyRequest::recipient},
        {"sasl_username", &PolicyRequest::sasl_username},
        {"client_address", &PolicyRequest::client_address},
        {"client_name", &PolicyRequest::client_name},
        {"helo_name", &PolicyRequest::helo_name},
        {"instance", &PolicyRequest::instance},
        {"queue_id", &PolicyRequest::queue_id},
    };
    for (const Field& field : fields) {
        if (field.name == name) return &(request.*field.member);
    }
    return nullptr;
}

// Addresses and logins reach the engine, the audit store and the log: UTF-8 only.
bool must_be_utf8(std::string_view name) {
    return name == "sender" || name == "recipient" || name == "sasl_username";
}

std::string printable_line(std::string_view text) {
    std::string line;
    line.reserve(text.size());
    for (char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        line.push_back(byte < 0x20 || byte == 0x7f ? ' ' : c);
    }
    const auto first = line.find_first_not_of(' ');
    if (first == std::string::npos) return {};
    return line.substr(first, line.find_last_not_of(' ') - first + 1);
}

}  // namespace

bool PolicyRequest::is_rcpt() const {
    return iequals_ascii(protocol_state, "RCPT");
}

PolicyRequestParser::Result PolicyRequestParser::feed(std::string_view bytes) {
    Result result;
    if (error_) {
        result.error = error_;
        return result;
    }
    while (!bytes.empty()) {
        const auto newline = bytes.find('\n');
        const auto piece = bytes.substr(0, newline);
        if (line_.size() + piece.size() > kMaxPolicyLineBytes + 1) {
            // +1 leaves room for a CR before the LF.
            error_ = "line longer than " + std::to_string(kMaxPolicyLineBytes) + " bytes";
            break;
        }
        line_.append(piece);
        if (newline == std::string_view::npos) break;
        bytes.remove_prefix(newline + 1);
        std::string line = std::move(line_);
        line_.clear();
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.size() > kMaxPolicyLineBytes) {
            error_ = "line longer than " + std::to_string(kMaxPolicyLineBytes) + " bytes";
            break;
        }
        if (auto error = take_line(line, result)) {
            error_ = std::move(error);
            break;
        }
    }
    if (error_) {
        result.error = error_;
        line_.clear();
    }
    return result;
}

// One complete line (without its line end): an attribute, or the end of a request.
std::optional<std::string> PolicyRequestParser::take_line(std::string_view line, Result& result) {
    if (line.empty()) return finish_request(result);
    const auto equals = line.find('=');
    if (equals == std::string_view::npos) return "line without '='";
    if (equals == 0) return "attribute without a name";
    if (++current_.attribute_count > kMaxPolicyAttributes) {
        return "more than " + std::to_string(kMaxPolicyAttributes) + " attributes";
    }
    const auto name = line.substr(0, equals);
    const auto value = line.substr(equals + 1);
    if (must_be_utf8(name) && !is_valid_utf8(value)) {
        return "attribute " + std::string(name) + " is not UTF-8";
    }
    if (std::string* field = field_for(current_, name)) field->assign(value);
    return std::nullopt;
}

std::optional<std::string> PolicyRequestParser::finish_request(Result& result) {
    result.requests.push_back(std::move(current_));
    current_ = PolicyRequest{};
    return std::nullopt;
}

std::string dunno_reply() {
    return "action=DUNNO\n\n";
}

std::string reject_reply(int code, std::string_view status, std::string_view text) {
    std::string reply = "action=" + std::to_string(code) + " " + printable_line(status);
    const std::string line = printable_line(text);
    if (!line.empty()) reply += " " + line;
    return reply + "\n\n";
}

std::string unavailable_reply(OnUnavailable on_unavailable) {
    if (on_unavailable == OnUnavailable::Permit) return dunno_reply();
    return "action=451 4.3.0 Policy data temporarily unavailable\n\n";
}

}  // namespace mailpolicy
