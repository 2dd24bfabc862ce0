// Non-delivery reports for recipients the policy denied: RFC 3464 / RFC 6522
// multipart/report; report-type=delivery-status, as SPEC §6 describes.
// Not for: sending (the caller hands the text to sendmail) or deciding who is denied.
// Pure: no I/O. A request that must not produce a report (null sender, nobody denied)
// gives nullopt.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailpolicy::ndr {

enum class ReturnContent { Headers, Full };  // ndr.return = headers | full, sendmail -R

struct DeniedRecipient {
    std::string final_recipient;                    // the address that was checked
    std::optional<std::string> original_recipient;  // as the submitter gave it (ORCPT)
    std::string status = "5.7.1";                   // enhanced status code
    std::string diagnostic;                         // the reply: "550 5.7.1 <text>"
};

struct ReportRequest {
    std::string reporting_mta;    // host name for Reporting-MTA and the Message-ID
    std::string from;             // "MAILER-DAEMON@host" or "Name <addr>"
    std::string original_sender;  // the report's To; empty: the null sender, no report
    std::chrono::system_clock::time_point arrival_date;
    std::optional<std::string> envelope_id;  // Original-Envelope-Id (sendmail -V)
    std::vector<DeniedRecipient> recipients;
    std::string_view original_message;  // as submitted, any bytes
    ReturnContent return_content = ReturnContent::Headers;
};

// What makes each report unique; fresh_identity() gives new random values, tests fix them.
struct ReportIdentity {
    std::string message_id;  // with the angle brackets
    std::string boundary;
    std::chrono::system_clock::time_point date;
};

ReportIdentity fresh_identity(std::string_view reporting_mta);

// The report as RFC 5322 text with CRLF line ends and only 7-bit bytes (except in To
// when the original sender's address itself is not ASCII); nullopt when there is
// nothing to send.
std::optional<std::string> build_report(const ReportRequest& request,
                                        const ReportIdentity& identity);
std::optional<std::string> build_report(const ReportRequest& request);

}  // namespace mailpolicy::ndr
