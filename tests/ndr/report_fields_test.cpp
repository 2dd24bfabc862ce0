// NDR field text: dates, folding, single-line and 7-bit escapes, address types.

#include "ndr/report_fields.h"

#include <gtest/gtest.h>

namespace mailpolicy::ndr {
namespace {

TEST(ReportFields, DatesAreRfc5322InUtc) {
    const auto time = std::chrono::system_clock::time_point(std::chrono::seconds(951782400));
    EXPECT_EQ(rfc5322_date(time), "Tue, 29 Feb 2000 00:00:00 +0000");
}

TEST(ReportFields, LongValuesFoldAtSpacesAndShortOnesStayOnOneLine) {
    EXPECT_EQ(folded_field("Subject", "short"), "Subject: short\r\n");
    const std::string value =
        "smtp; 550 5.7.1 Contractors may only write to example.com addresses; ask the "
        "service desk for an exception";
    const std::string folded = folded_field("Diagnostic-Code", value);
    EXPECT_EQ(folded,
              "Diagnostic-Code: smtp; 550 5.7.1 Contractors may only write to example.com\r\n"
              " addresses; ask the service desk for an exception\r\n");
    std::string unfolded = folded;
    for (std::size_t at; (at = unfolded.find("\r\n ")) != std::string::npos;) {
        unfolded.erase(at, 2);
    }
    EXPECT_EQ(unfolded, "Diagnostic-Code: " + value + "\r\n");
}

TEST(ReportFields, AWordLongerThanALineIsNotBroken) {
    const std::string word(120, 'x');
    EXPECT_EQ(folded_field("To", word), "To: " + word + "\r\n");
}

TEST(ReportFields, SingleLineReplacesControlRuns) {
    EXPECT_EQ(single_line("a\r\nBcc: x\tb\x1b[31m"), "a Bcc: x b [31m");
}

TEST(ReportFields, AsciiEscapesNonAsciiControlsAndBackslashes) {
    EXPECT_EQ(ascii_escaped("caf\xc3\xa9 \xe2\x80\xae"), "caf\\x{E9} \\x{202E}");
    EXPECT_EQ(ascii_escaped("a\rb\\c\xff"), "a\\x{D}b\\x{5C}c\\x{FF}");
}

TEST(ReportFields, AddressTypes) {
    EXPECT_EQ(address_type_and_value("bob@example.com"), "rfc822; bob@example.com");
    EXPECT_EQ(address_type_and_value("j\xc3\xb6rg@example.com"), "utf-8; j\\x{F6}rg@example.com");
    EXPECT_EQ(address_type_and_value("a\r\nb@x"), "utf-8; a\\x{D}\\x{A}b@x");
}

TEST(ReportFields, HostNamesKeepOnlyHostCharacters) {
    EXPECT_EQ(host_name_text("mx1.example.com"), "mx1.example.com");
    EXPECT_EQ(host_name_text("mx\r\nX-A: 1"), "mxX-A1");
    EXPECT_EQ(host_name_text(""), "localhost");
}

}  // namespace
}  // namespace mailpolicy::ndr
