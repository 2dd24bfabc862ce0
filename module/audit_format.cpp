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

// Length of the well-formed UTF-8 sequence at `at`, or 0 (RFC 3629: no overlong forms,
// no surrogates, nothing above U+10FFFF).
std::size_t sequence_length(const std::string& text, std::size_t at) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[at + i]); };
    const unsigned char lead = byte(0);
    if (lead >= 0x01 && lead <= 0x7f) return 1;
    std::size_t length = 0;
    unsigned char low = 0x80, high = 0xbf;  // bounds of the second byte
    if (lead >= 0xc2 && lead <= 0xdf) {
        length = 2;
    } else if (lead >= 0xe0 && lead <= 0xef) {
        length = 3;
        if (lead == 0xe0) low = 0xa0;
        if (lead == 0xed) high = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
        length = 4;
        if (lead == 0xf0) low = 0x90;
        if (lead == 0xf4) high = 0x8f;
    } else {
        return 0;
    }
    if (at + length > text.size() || byte(1) < low || byte(1) > high) return 0;
    for (std::size_t i = 2; i < length; ++i) {
        if (byte(i) < 0x80 || byte(i) > 0xbf) return 0;
    }
    return length;
}

}  // namespace

std::string to_clean_utf8(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t at = 0; at < text.size();) {
        const std::size_t length = sequence_length(text, at);
        if (length == 0) {
            out += "\xEF\xBF\xBD";
            ++at;
        } else {
            out.append(text, at, length);
            at += length;
        }
    }
    return out;
}

AuditRecord with_clean_text(AuditRecord record) {
    for (std::string* field :
         {&record.path, &record.direction, &record.action, &record.sender, &record.recipient,
          &record.login, &record.client_address, &record.account, &record.rule,
          &record.reply_status, &record.reply_text, &record.instance}) {
        *field = to_clean_utf8(*field);
    }
    return record;
}

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
