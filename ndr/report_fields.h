// The text of NDR fields: RFC 5322 dates, folded header lines, and the RFC 3464 / RFC 6533
// forms of addresses and diagnostics, always 7-bit and free of line breaks.
// Not for: MIME structure (delivery_report.cpp) or the returned original (original_message.h).
// Nothing here fails: text that cannot be written as it is comes out escaped.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace mailpolicy::ndr {

// "Wed, 02 Dec 2026 17:38:35 +0000" (RFC 5322 date-time, always UTC).
std::string rfc5322_date(std::chrono::system_clock::time_point time);

// "Name: value" with CRLF, folded at spaces so that no line passes 78 characters where
// the value allows it (a run without spaces stays whole: RFC 5322 allows up to 998).
std::string folded_field(std::string_view name, std::string_view value);

// Text with every control character (CR and LF included) replaced by a space, runs of
// them collapsed: what a header value or a line of text may carry.
std::string single_line(std::string_view text);

// An address for Final-Recipient / Original-Recipient: "rfc822; a@b" when it is printable
// ASCII, else "utf-8; " with the RFC 6533 \x{HEX} escapes (controls and non-ASCII).
std::string address_type_and_value(std::string_view address);

// Printable ASCII only: non-ASCII code points as \x{HEX} (RFC 6533 utf-8-addr-xtext style),
// controls and invalid bytes as \x{HEX} of the byte. For Diagnostic-Code and envelope ids.
std::string ascii_escaped(std::string_view text);

// A host name fit for "Reporting-MTA: dns; …" and the Message-ID's right-hand side:
// letters, digits, '-', '.', '_' only; "localhost" when nothing remains.
std::string host_name_text(std::string_view host);

}  // namespace mailpolicy::ndr
