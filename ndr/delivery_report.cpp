// Assembles the report (see delivery_report.h) with Poco's MIME writers: MultipartWriter
// for the parts, MessageHeader for part headers, the quoted-printable and base64 encoders,
// MailMessage::encodeWord for a non-ASCII display name. Top-level fields are written here
// (report_fields.h) because Poco does not fold long header lines.
// Not for: sending. Never throws except std::bad_alloc.

#include "ndr/delivery_report.h"

#include <Poco/Base64Encoder.h>
#include <Poco/Net/MailMessage.h>
#include <Poco/Net/MessageHeader.h>
#include <Poco/Net/MultipartWriter.h>
#include <Poco/Net/QuotedPrintableEncoder.h>

#include <cstdio>
#include <random>
#include <sstream>

#include "modes/text.h"
#include "ndr/original_message.h"
#include "ndr/report_fields.h"

namespace mailpolicy::ndr {

namespace {

constexpr std::string_view kSubject = "Undelivered Mail Returned to Sender";

std::string random_hex(std::size_t digits) {
    std::random_device device;
    std::string out;
    while (out.size() < digits) {
        char buffer[9];
        std::snprintf(buffer, sizeof buffer, "%08x", static_cast<unsigned>(device()));
        out += buffer;
    }
    out.resize(digits);
    return out;
}

bool is_digits(std::string_view text, std::size_t max) {
    if (text.empty() || text.size() > max) return false;
    for (char c : text) {
        if (c < '0' || c > '9') return false;
    }
    return true;
}

// An enhanced status code ("5.7.1"), or 5.7.1 when the given one is not one.
std::string status_code(std::string_view status) {
    const std::size_t first = status.find('.');
    const std::size_t second =
        first == std::string_view::npos ? first : status.find('.', first + 1);
    const bool valid = first == 1 && second != std::string_view::npos &&
                       (status[0] == '2' || status[0] == '4' || status[0] == '5') &&
                       is_digits(status.substr(2, second - 2), 3) &&
                       is_digits(status.substr(second + 1), 3);
    return valid ? std::string(status) : "5.7.1";
}

// The From field's value: a bare address, or "Name <addr>" with the name encoded or
// quoted as it needs.
std::string from_value(std::string_view configured) {
    const std::string text(trim_ascii_space(single_line(configured)));
    const std::size_t open = text.rfind('<');
    if (open == std::string::npos || text.back() != '>') return text;
    std::string name(trim_ascii_space(std::string_view(text).substr(0, open)));
    const std::string address = text.substr(open);
    if (name.empty()) return address;
    if (!is_ascii(name)) return Poco::Net::MailMessage::encodeWord(name) + " " + address;
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') return name + " " + address;
    std::string quoted = "\"";
    for (char c : name) {
        if (c == '"' || c == '\\') quoted += '\\';
        quoted += c;
    }
    return quoted + "\" " + address;
}

std::string quoted_printable(std::string_view text) {
    std::ostringstream out;
    Poco::Net::QuotedPrintableEncoder encoder(out);
    encoder.write(text.data(), static_cast<std::streamsize>(text.size()));
    encoder.close();
    return out.str();
}

std::string base64_lines(std::string_view text) {
    std::ostringstream out;
    Poco::Base64Encoder encoder(out);
    encoder.rdbuf()->setLineLength(76);
    encoder.write(text.data(), static_cast<std::streamsize>(text.size()));
    encoder.close();
    std::string lines;
    for (char c : out.str()) {
        if (c == '\n') lines += '\r';  // Poco ends base64 lines with a bare LF
        if (c != '\r') lines += c;
    }
    return lines + "\r\n";
}

struct Part {
    Poco::Net::MessageHeader header;
    std::string body;
};

Part notification_part(const ReportRequest& request, bool headers_truncated) {
    std::string text = "This is the mail system at host " + host_name_text(request.reporting_mta) +
                       ".\r\n\r\nYour message was not delivered to the recipients below: "
                       "the mail policy of\r\nthis site does not permit it. Other "
                       "recipients of the message are not\r\naffected by this report.\r\n\r\n";
    for (const DeniedRecipient& recipient : request.recipients) {
        text += "<" + single_line(recipient.final_recipient) +
                ">: " + single_line(recipient.diagnostic) + "\r\n";
    }
    if (headers_truncated) {
        text += "\r\nThe returned header section was cut at " +
                std::to_string(kMaxReturnedHeaderBytes) + " bytes.\r\n";
    }
    Part part;
    part.header.set("Content-Description", "Notification");
    part.header.set("Content-Type", "text/plain; charset=utf-8");
    part.header.set("Content-Transfer-Encoding", "quoted-printable");
    part.body = quoted_printable(text);
    return part;
}

std::string recipient_fields(const DeniedRecipient& recipient) {
    std::string fields = "\r\n";
    if (recipient.original_recipient) {
        fields += folded_field("Original-Recipient",
                               address_type_and_value(single_line(*recipient.original_recipient)));
    }
    fields += folded_field("Final-Recipient", address_type_and_value(recipient.final_recipient));
    fields += "Action: failed\r\n";
    fields += "Status: " + status_code(recipient.status) + "\r\n";
    fields += folded_field("Diagnostic-Code",
                           "smtp; " + ascii_escaped(single_line(recipient.diagnostic)));
    return fields;
}

Part delivery_status_part(const ReportRequest& request) {
    Part part;
    part.header.set("Content-Description", "Delivery report");
    part.header.set("Content-Type", "message/delivery-status");
    part.header.set("Content-Transfer-Encoding", "7bit");
    if (request.envelope_id) {
        part.body += folded_field("Original-Envelope-Id", ascii_escaped(*request.envelope_id));
    }
    part.body += "Reporting-MTA: dns; " + host_name_text(request.reporting_mta) + "\r\n";
    part.body += "Arrival-Date: " + rfc5322_date(request.arrival_date) + "\r\n";
    for (const DeniedRecipient& recipient : request.recipients) {
        part.body += recipient_fields(recipient);
    }
    return part;
}

Part returned_part(const ReturnedText& original, ReturnContent content) {
    Part part;
    if (content == ReturnContent::Headers) {
        part.header.set("Content-Description", "Undelivered Message Headers");
        part.header.set("Content-Type", "text/rfc822-headers");
        part.header.set("Content-Transfer-Encoding",
                        original.seven_bit ? "7bit" : "quoted-printable");
        part.body = original.seven_bit ? original.text : quoted_printable(original.text);
        return part;
    }
    part.header.set("Content-Description", "Undelivered Message");
    if (original.seven_bit) {
        part.header.set("Content-Type", "message/rfc822");
        part.header.set("Content-Transfer-Encoding", "7bit");
        part.body = original.text;
    } else {
        // message/rfc822 may not be encoded (RFC 2046 §5.2.1); RFC 6533's message/global
        // may, so 8-bit or over-long lines travel in base64 and the report stays 7-bit.
        part.header.set("Content-Type", "message/global");
        part.header.set("Content-Transfer-Encoding", "base64");
        part.body = base64_lines(original.text);
    }
    return part;
}

// The boundary, lengthened until no part contains a line that starts with it.
std::string safe_boundary(std::string boundary, const std::vector<Part>& parts) {
    for (;;) {
        bool collides = false;
        for (const Part& part : parts) {
            collides = collides || part.body.find("--" + boundary) != std::string::npos;
        }
        if (!collides) return boundary;
        boundary += "_x";
    }
}

std::string top_fields(const ReportRequest& request, const ReportIdentity& identity,
                       std::string_view boundary) {
    std::string fields;
    fields += folded_field("From", from_value(request.from));
    fields += folded_field("To", "<" + single_line(request.original_sender) + ">");
    fields += folded_field("Subject", kSubject);
    fields += "Date: " + rfc5322_date(identity.date) + "\r\n";
    fields += folded_field("Message-ID", single_line(identity.message_id));
    fields += "Auto-Submitted: auto-replied\r\n";
    fields += "MIME-Version: 1.0\r\n";
    fields += folded_field("Content-Type",
                           "multipart/report; report-type=delivery-status; "
                           "boundary=\"" +
                               std::string(boundary) + "\"");
    return fields;
}

}  // namespace

ReportIdentity fresh_identity(std::string_view reporting_mta) {
    ReportIdentity identity;
    identity.date = std::chrono::system_clock::now();
    const auto seconds =
        std::chrono::duration_cast<std::chrono::seconds>(identity.date.time_since_epoch());
    identity.message_id = "<" + std::to_string(seconds.count()) + "." + random_hex(16) + "@" +
                          host_name_text(reporting_mta) + ">";
    identity.boundary = "=_mailpolicyd_" + random_hex(32);
    return identity;
}

std::optional<std::string> build_report(const ReportRequest& request,
                                        const ReportIdentity& identity) {
    if (trim_ascii_space(request.original_sender).empty() || request.recipients.empty()) {
        return std::nullopt;
    }
    const ReturnedText original = request.return_content == ReturnContent::Headers
                                      ? original_headers(request.original_message)
                                      : whole_original(request.original_message);
    std::vector<Part> parts;
    parts.push_back(notification_part(request, original.truncated));
    parts.push_back(delivery_status_part(request));
    parts.push_back(returned_part(original, request.return_content));
    const std::string boundary = safe_boundary(identity.boundary, parts);

    std::ostringstream out;
    out << top_fields(request, identity, boundary) << "\r\n";
    out << "This is a MIME-encapsulated message.\r\n\r\n";
    Poco::Net::MultipartWriter writer(out, boundary);
    for (const Part& part : parts) {
        writer.nextPart(part.header);
        out << part.body;
    }
    writer.close();
    return out.str();
}

std::optional<std::string> build_report(const ReportRequest& request) {
    return build_report(request, fresh_identity(request.reporting_mta));
}

}  // namespace mailpolicy::ndr
