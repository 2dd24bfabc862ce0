// Formats the one-line audit log entry and converts record times to milliseconds.
// Control characters become spaces, quotes and backslashes in quoted values are
// escaped, and angle brackets inside an address cannot close its <…> early.
#include "module/audit_format.h"

namespace mailpolicy {
namespace {

bool is_control(char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f;
}

// A bare token (path, direction): anything but letters, digits and '-' becomes '?'.
std::string token(const std::string& value) {
    std::string out;
    for (char c : value) {
        const bool plain =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
        out += plain ? c : '?';
    }
    return out;
}

std::string address(const std::string& value) {
    std::string out = "<";
    for (char c : value) {
        if (is_control(c)) {
            out += ' ';
        } else if (c == '<' || c == '>') {
            out += '?';
        } else {
            out += c;
        }
    }
    return out + ">";
}

std::string quoted(const std::string& value) {
    std::string out = "\"";
    for (char c : value) {
        if (is_control(c)) {
            out += ' ';
        } else if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else {
            out += c;
        }
    }
    return out + "\"";
}

std::string reply(const AuditRecord& record) {
    std::string text = std::to_string(record.reply_code);
    if (!record.reply_status.empty()) text += " " + record.reply_status;
    if (!record.reply_text.empty()) text += " " + record.reply_text;
    return text;
}

}  // namespace

std::int64_t to_unix_milliseconds(std::chrono::system_clock::time_point time) {
    using std::chrono::milliseconds;
    return std::chrono::floor<milliseconds>(time.time_since_epoch()).count();
}

std::chrono::system_clock::time_point from_unix_milliseconds(std::int64_t milliseconds) {
    return std::chrono::system_clock::time_point(std::chrono::milliseconds(milliseconds));
}

std::string format_audit_line(const AuditRecord& record) {
    std::string line = record.action == "audit" ? "audit:" : "reject:";
    line += " path=" + token(record.path);
    line += " direction=" + token(record.direction);
    line += " sender=" + address(record.sender);
    line += " recipient=" + address(record.recipient);
    line += " rule=" + quoted(record.rule);
    line += " reply=" + quoted(reply(record));
    return line;
}

}  // namespace mailpolicy
