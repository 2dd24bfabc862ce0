// The text forms of an audit record: milliseconds since the epoch, and the cleaning
// that makes any byte string safe for PostgreSQL, the JSON spool and the log.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "module/audit_format.h"

namespace mailpolicy {
namespace {

const std::string replacement = "\xef\xbf\xbd";

TEST(AuditFormat, MillisecondsRoundTowardThePast) {
    using std::chrono::system_clock;
    const auto at = system_clock::time_point(std::chrono::milliseconds(1'763'780'000'123));
    EXPECT_EQ(to_unix_milliseconds(at + std::chrono::microseconds(999)), 1'763'780'000'123);
    EXPECT_EQ(from_unix_milliseconds(1'763'780'000'123), at);
    EXPECT_EQ(to_unix_milliseconds(system_clock::time_point(std::chrono::microseconds(-1))), -1);
}

TEST(AuditFormat, ValidUtf8IsKept) {
    const std::string text = "plain, «ü», 中文, emoji \xf0\x9f\x93\xa7, CR\r LF\n TAB\t";
    EXPECT_EQ(to_clean_utf8(text), text);
}

TEST(AuditFormat, EveryMalformedByteBecomesAReplacementCharacter) {
    EXPECT_EQ(to_clean_utf8("a\xff"
                            "b"),
              "a" + replacement + "b");
    EXPECT_EQ(to_clean_utf8(std::string("nul\0end", 7)), "nul" + replacement + "end");
    EXPECT_EQ(to_clean_utf8("\xc0\xaf"), replacement + replacement);  // overlong '/'
    EXPECT_EQ(to_clean_utf8("\xed\xa0\x80"), replacement + replacement + replacement);  // surrogate
    EXPECT_EQ(to_clean_utf8("\xf4\x90\x80\x80").size(), 4 * replacement.size());  // > U+10FFFF
    EXPECT_EQ(to_clean_utf8("cut \xe4\xb8"), "cut " + replacement + replacement);
}

TEST(AuditFormat, CleaningCoversEveryTextField) {
    AuditRecord r;
    r.sender = "a\xff@x";
    r.instance = "q\xfe";
    r.reply_text = "ok";
    const AuditRecord clean = with_clean_text(r);
    EXPECT_EQ(clean.sender, "a" + replacement + "@x");
    EXPECT_EQ(clean.instance, "q" + replacement);
    EXPECT_EQ(clean.reply_text, "ok");
}

}  // namespace
}  // namespace mailpolicy
