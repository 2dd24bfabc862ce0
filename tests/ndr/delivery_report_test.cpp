// The NDR as a whole: golden files for representative reports, and every report parsed by
// Python's email package with each SPEC §6 field checked; null sender, injection, odd
// originals.

#include "ndr/delivery_report.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "tests/ndr/report_test_support.h"

namespace mailpolicy::ndr {
namespace {

using Poco::JSON::Object;
using test::fixed_identity;
using test::one_denied_request;
using test::parsed_by_python;

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
}

// Compares with tests/ndr/golden/NAME.eml; MAILPOLICY_UPDATE_GOLDEN=1 rewrites the file.
void expect_golden(const std::string& name, const std::string& report) {
    const std::filesystem::path path =
        std::filesystem::path(MAILPOLICY_SOURCE_DIR) / "tests/ndr/golden" / (name + ".eml");
    if (std::getenv("MAILPOLICY_UPDATE_GOLDEN") != nullptr) {
        std::ofstream(path, std::ios::binary) << report;
    }
    ASSERT_TRUE(std::filesystem::exists(path)) << path;
    EXPECT_EQ(read_file(path), report) << "differs from " << path;
}

std::string built(const ReportRequest& request) {
    const std::optional<std::string> report = build_report(request, fixed_identity());
    EXPECT_TRUE(report.has_value());
    return report.value_or("");
}

// What every report must be, whatever went in: well formed for an outside parser,
// CRLF only, 7-bit, three parts in the RFC 6522 order.
Object::Ptr checked_report(const std::string& report) {
    Object::Ptr parsed = parsed_by_python(report);
    EXPECT_EQ(parsed->getValue<std::string>("content_type"), "multipart/report");
    EXPECT_EQ(parsed->getValue<std::string>("report_type"), "delivery-status");
    EXPECT_EQ(parsed->getArray("defects")->size(), 0u) << report;
    EXPECT_TRUE(parsed->getValue<bool>("crlf_only"));
    EXPECT_TRUE(parsed->getValue<bool>("seven_bit"));
    EXPECT_LE(parsed->getValue<int>("longest_line"), 998);
    auto parts = parsed->getArray("parts");
    EXPECT_EQ(parts->size(), 3u);
    if (parts->size() == 3) {
        EXPECT_EQ(parts->getElement<std::string>(0), "text/plain");
        EXPECT_EQ(parts->getElement<std::string>(1), "message/delivery-status");
    }
    return parsed;
}

Object::Ptr recipient(const Object::Ptr& parsed, std::size_t index) {
    return parsed->getArray("recipients")->getObject(static_cast<unsigned>(index));
}

TEST(DeliveryReport, OneDeniedRecipientCarriesEverySpecField) {
    const std::string report = built(one_denied_request());
    expect_golden("one_denied", report);
    const Object::Ptr parsed = checked_report(report);
    const Object::Ptr headers = parsed->getObject("headers");
    EXPECT_EQ(headers->getValue<std::string>("From"), "MAILER-DAEMON@mx.example.com");
    EXPECT_EQ(headers->getValue<std::string>("To"), "bob@example.com");
    EXPECT_EQ(headers->getValue<std::string>("Subject"), "Undelivered Mail Returned to Sender");
    EXPECT_EQ(headers->getValue<std::string>("Auto-Submitted"), "auto-replied");
    EXPECT_EQ(headers->getValue<std::string>("Message-ID"),
              "<1796233115.0123456789abcdef@mx.example.com>");
    EXPECT_EQ(headers->getValue<std::string>("Date"), "Wed, 02 Dec 2026 17:38:35 +0000");
    const Object::Ptr per_message = parsed->getObject("per_message");
    EXPECT_EQ(per_message->getValue<std::string>("Reporting-MTA"), "dns; mx.example.com");
    EXPECT_EQ(per_message->getValue<std::string>("Arrival-Date"),
              "Wed, 02 Dec 2026 17:38:30 +0000");
    EXPECT_FALSE(per_message->has("Original-Envelope-Id"));
    ASSERT_EQ(parsed->getArray("recipients")->size(), 1u);
    const Object::Ptr first = recipient(parsed, 0);
    EXPECT_EQ(first->getValue<std::string>("Final-Recipient"), "rfc822; buyer@shop.example");
    EXPECT_FALSE(first->has("Original-Recipient"));
    EXPECT_EQ(first->getValue<std::string>("Action"), "failed");
    EXPECT_EQ(first->getValue<std::string>("Status"), "5.7.1");
    EXPECT_EQ(first->getValue<std::string>("Diagnostic-Code"),
              "smtp; 550 5.7.1 Contractors may only write to example.com addresses");
    EXPECT_NE(parsed->getValue<std::string>("text").find(
                  "<buyer@shop.example>: 550 5.7.1 Contractors may only write"),
              std::string::npos);
    EXPECT_EQ(parsed->getArray("parts")->getElement<std::string>(2), "text/rfc822-headers");
    const std::string returned = parsed->getObject("returned")->getValue<std::string>("text");
    EXPECT_NE(returned.find("Subject: Quote\r\n"), std::string::npos);
    EXPECT_EQ(returned.find("Please find"), std::string::npos) << "the body is not returned";
}

TEST(DeliveryReport, SeveralRecipientsWithEnvelopeIdAndOriginalRecipient) {
    ReportRequest request = one_denied_request();
    request.envelope_id = "QQ314159";
    request.recipients.front().original_recipient = "Buyer+Orders@shop.example";
    request.recipients.push_back({"press@news.example", "press@news.example", "5.7.1",
                                  "550 5.7.1 Sending to this recipient is not permitted"});
    const std::string report = built(request);
    expect_golden("two_denied_envelope_id", report);
    const Object::Ptr parsed = checked_report(report);
    EXPECT_EQ(parsed->getObject("per_message")->getValue<std::string>("Original-Envelope-Id"),
              "QQ314159");
    ASSERT_EQ(parsed->getArray("recipients")->size(), 2u);
    EXPECT_EQ(recipient(parsed, 0)->getValue<std::string>("Original-Recipient"),
              "rfc822; Buyer+Orders@shop.example");
    EXPECT_EQ(recipient(parsed, 1)->getValue<std::string>("Final-Recipient"),
              "rfc822; press@news.example");
    const std::string text = parsed->getValue<std::string>("text");
    EXPECT_NE(text.find("<buyer@shop.example>"), std::string::npos);
    EXPECT_NE(text.find("<press@news.example>"), std::string::npos);
}

TEST(DeliveryReport, Utf8RejectTextIsQuotedPrintableInTheTextAndEscapedInTheStatus) {
    ReportRequest request = one_denied_request();
    request.recipients.front().diagnostic = "550 5.7.1 Envoi refusé — demandez à l’équipe";
    request.from = "Système de messagerie <MAILER-DAEMON@mx.example.com>";
    const std::string report = built(request);
    expect_golden("utf8_text", report);
    const Object::Ptr parsed = checked_report(report);
    EXPECT_EQ(parsed->getArray("encodings")->getElement<std::string>(0), "quoted-printable");
    EXPECT_NE(parsed->getValue<std::string>("text").find("Envoi refusé — demandez à l’équipe"),
              std::string::npos);
    EXPECT_EQ(parsed->getObject("headers")->getValue<std::string>("From"),
              "Système de messagerie <MAILER-DAEMON@mx.example.com>");
    EXPECT_EQ(
        recipient(parsed, 0)->getValue<std::string>("Diagnostic-Code"),
        "smtp; 550 5.7.1 Envoi refus\\x{E9} \\x{2014} demandez \\x{E0} l\\x{2019}\\x{E9}quipe");
}

TEST(DeliveryReport, FullReturnCarriesTheWholeMessage) {
    ReportRequest request = one_denied_request();
    request.return_content = ReturnContent::Full;
    const std::string report = built(request);
    expect_golden("full_return", report);
    const Object::Ptr parsed = checked_report(report);
    EXPECT_EQ(parsed->getArray("parts")->getElement<std::string>(2), "message/rfc822");
    const Object::Ptr returned = parsed->getObject("returned");
    EXPECT_EQ(returned->getValue<std::string>("body"), "Please find the quote attached.\r\n");
}

TEST(DeliveryReport, NoReportForTheNullSenderOrWithoutDeniedRecipients) {
    ReportRequest request = one_denied_request();
    request.original_sender = "";
    EXPECT_FALSE(build_report(request).has_value());
    request.original_sender = "  ";
    EXPECT_FALSE(build_report(request).has_value());
    request = one_denied_request();
    request.recipients.clear();
    EXPECT_FALSE(build_report(request).has_value());
}

TEST(DeliveryReport, FreshIdentitiesDiffer) {
    const ReportIdentity first = fresh_identity("mx.example.com");
    const ReportIdentity second = fresh_identity("mx.example.com");
    EXPECT_NE(first.message_id, second.message_id);
    EXPECT_NE(first.boundary, second.boundary);
    EXPECT_TRUE(first.message_id.ends_with("@mx.example.com>")) << first.message_id;
    const std::string report = build_report(one_denied_request()).value_or("");
    EXPECT_NE(report.find("Message-ID: <"), std::string::npos);
    checked_report(report);
}

TEST(DeliveryReport, LineBreaksInAddressesTextsAndHeadersAddNoHeaderOrPart) {
    ReportRequest request = one_denied_request();
    request.original_sender = "bob@example.com>\r\nBcc: victim@elsewhere.example\r\nX-A: <x";
    request.from = "MAILER-DAEMON@mx.example.com\r\nReply-To: attacker@evil.example";
    request.reporting_mta = "mx.example.com\r\nX-Injected: 1";
    request.envelope_id = "ID\r\nX-Injected: 2";
    request.recipients.front().final_recipient = "buyer@shop.example\r\nAction: delivered";
    request.recipients.front().diagnostic =
        "550 5.7.1 No\r\n\r\n--=_mailpolicyd_fixed_boundary\r\n";
    const std::string original = std::string("Subject: hi\r\n--=_mailpolicyd_fixed_boundary\r\n") +
                                 "Content-Type: text/html\r\n\r\nbody\r\n";
    request.original_message = original;
    const std::string report = build_report(request, fixed_identity()).value_or("");
    const Object::Ptr parsed = checked_report(report);
    std::vector<std::string> names;
    for (const auto& name : *parsed->getArray("header_names")) names.push_back(name.toString());
    EXPECT_EQ(names, (std::vector<std::string>{"From", "To", "Subject", "Date", "Message-ID",
                                               "Auto-Submitted", "MIME-Version", "Content-Type"}));
    ASSERT_EQ(parsed->getArray("recipients")->size(), 1u);
    EXPECT_EQ(recipient(parsed, 0)->getValue<std::string>("Action"), "failed");
    EXPECT_FALSE(parsed->getObject("per_message")->has("X-Injected"));
    EXPECT_EQ(report.find("\nBcc:"), std::string::npos);
    EXPECT_EQ(report.find("\nReply-To:"), std::string::npos);
}

TEST(DeliveryReport, BrokenOriginalsStillGiveAValidReport) {
    const std::string huge_header = "X-Big: " + std::string(1024 * 1024, 'a') + "\r\n";
    const std::vector<std::string> originals = {
        "no blank line at all",
        "Subject: bare LF\nFrom: x@y\n\nbody\n",
        "Subject: 8-bit \xe9\xff\x80 bytes\r\n\r\n\xc3\xa9t\xe9\r\n",
        "Subject: big\r\n" + huge_header + "\r\nbody\r\n",
        std::string("Subject: nul \0 byte\r\n\r\n", 24),
        "",
    };
    for (const auto& original : originals) {
        for (ReturnContent content : {ReturnContent::Headers, ReturnContent::Full}) {
            ReportRequest request = one_denied_request();
            request.original_message = original;
            request.return_content = content;
            const std::string report = build_report(request).value_or("");
            SCOPED_TRACE(original.substr(0, 40));
            checked_report(report);
            if (content == ReturnContent::Headers) {
                EXPECT_LT(report.size(), 400u * 1024);
            }
        }
    }
}

}  // namespace
}  // namespace mailpolicy::ndr
