// Header-section scanning and the RFC 5322 §3.4 address-list parser of sendmail -t (see
// sendmail_headers.h). Lenient as MTAs are: what is not an address is skipped, and the
// daemon judges whatever comes out.

#include "module/sendmail_headers.h"

#include "modes/text.h"

namespace mailpolicy {

namespace {

struct Field {
    std::string_view name;
    std::string_view raw;  // the whole field, continuation lines and line end included
    std::string_view value;
};

// The fields of a header section, in order; a line that is neither a field nor a
// continuation is kept as a field without a name.
std::vector<Field> fields_of(std::string_view section) {
    std::vector<Field> fields;
    std::size_t position = 0;
    while (position < section.size()) {
        std::size_t end = position;
        do {
            const std::size_t newline = section.find('\n', end);
            end = newline == std::string_view::npos ? section.size() : newline + 1;
        } while (end < section.size() && (section[end] == ' ' || section[end] == '\t'));
        const std::string_view raw = section.substr(position, end - position);
        const std::size_t colon = raw.find(':');
        Field field{{}, raw, {}};
        if (colon != std::string_view::npos && colon > 0 &&
            raw.substr(0, colon).find_first_of(" \t\r\n") == std::string_view::npos) {
            field.name = raw.substr(0, colon);
            field.value = raw.substr(colon + 1);
        }
        fields.push_back(field);
        position = end;
    }
    return fields;
}

// The address of one mailbox: what was inside <>, else the text outside comments, with
// whitespace outside quotes removed (folding), and an RFC 5321 source route dropped.
std::string mailbox_address(const std::string& plain, const std::string& angle, bool had_angle) {
    std::string address = had_angle ? angle : plain;
    if (!address.empty() && address.front() == '@') {
        const std::size_t colon = address.find(':');
        address = colon == std::string::npos ? std::string() : address.substr(colon + 1);
    }
    return address;
}

struct ListScanner {
    std::vector<std::string> addresses;
    std::string plain;  // outside comments and <>, whitespace dropped outside quotes
    std::string angle;
    bool had_angle = false;

    void finish_mailbox() {
        std::string address = mailbox_address(plain, angle, had_angle);
        if (!address.empty()) addresses.push_back(std::move(address));
        plain.clear();
        angle.clear();
        had_angle = false;
    }
};

// Index after the comment that opens at `position` (nested comments, quoted pairs).
std::size_t skip_comment(std::string_view text, std::size_t position) {
    int depth = 0;
    for (; position < text.size(); ++position) {
        if (text[position] == '\\') {
            ++position;
        } else if (text[position] == '(') {
            ++depth;
        } else if (text[position] == ')' && --depth == 0) {
            return position + 1;
        }
    }
    return text.size();
}

// Index after the quoted string that opens at `position`, appending it to `out`.
std::size_t take_quoted(std::string_view text, std::size_t position, std::string& out) {
    out += '"';
    for (++position; position < text.size(); ++position) {
        const char c = text[position];
        if (c == '\r' || c == '\n') continue;  // folding inside a quoted string
        if (c == '\\' && position + 1 < text.size()) {
            out += c;
            out += text[++position];
            continue;
        }
        out += c;
        if (c == '"') return position + 1;
    }
    return text.size();
}

}  // namespace

std::vector<std::string> address_list(std::string_view value) {
    ListScanner scanner;
    bool in_angle = false;
    std::size_t position = 0;
    while (position < value.size()) {
        const char c = value[position];
        std::string& target = in_angle ? scanner.angle : scanner.plain;
        if (c == '(') {
            position = skip_comment(value, position);
            continue;
        }
        if (c == '"') {
            position = take_quoted(value, position, target);
            continue;
        }
        ++position;
        if (is_ascii_space(c)) continue;
        if (!in_angle && c == '<') {
            in_angle = true;
            scanner.had_angle = true;
            scanner.angle.clear();
        } else if (in_angle && c == '>') {
            in_angle = false;
        } else if (!in_angle && c == ':') {
            scanner.plain.clear();  // a group's display name
        } else if (!in_angle && (c == ',' || c == ';')) {
            scanner.finish_mailbox();
        } else {
            target += c;
        }
    }
    scanner.finish_mailbox();
    return scanner.addresses;
}

std::vector<std::string> header_recipients(std::string_view header_section) {
    std::vector<std::string> recipients;
    for (const Field& field : fields_of(header_section)) {
        if (iequals_ascii(field.name, "To") || iequals_ascii(field.name, "Cc") ||
            iequals_ascii(field.name, "Bcc")) {
            for (std::string& address : address_list(field.value)) {
                recipients.push_back(std::move(address));
            }
        }
    }
    return recipients;
}

std::string without_bcc(std::string_view header_section) {
    std::string out;
    out.reserve(header_section.size());
    for (const Field& field : fields_of(header_section)) {
        if (!iequals_ascii(field.name, "Bcc")) out += field.raw;
    }
    return out;
}

}  // namespace mailpolicy
