// The returned original: line ends, the header section, bounds and 7-bit marking.

#include "ndr/original_message.h"

#include <gtest/gtest.h>

namespace mailpolicy::ndr {
namespace {

TEST(OriginalMessage, HeadersEndAtTheFirstEmptyLine) {
    const ReturnedText headers = original_headers("A: 1\r\nB: 2\r\n\r\nbody\r\n\r\nmore\r\n");
    EXPECT_EQ(headers.text, "A: 1\r\nB: 2\r\n");
    EXPECT_TRUE(headers.seven_bit);
    EXPECT_FALSE(headers.truncated);
}

TEST(OriginalMessage, BareLineEndsBecomeCrlf) {
    EXPECT_EQ(original_headers("A: 1\nB: 2\rC: 3\n\nbody").text, "A: 1\r\nB: 2\r\nC: 3\r\n");
    EXPECT_EQ(whole_original("A: 1\n\nbody").text, "A: 1\r\n\r\nbody\r\n");
}

TEST(OriginalMessage, WithoutAnEmptyLineAllOfItIsTheHeader) {
    EXPECT_EQ(original_headers("just text").text, "just text\r\n");
    EXPECT_EQ(original_headers("").text, "");
}

TEST(OriginalMessage, EightBitAndLongLinesAreMarked) {
    EXPECT_FALSE(original_headers("Subject: \xe9\r\n\r\n").seven_bit);
    EXPECT_FALSE(whole_original(std::string("A: \0\r\n", 6)).seven_bit);
    EXPECT_FALSE(whole_original("A: " + std::string(1000, 'x') + "\r\n").seven_bit);
    EXPECT_TRUE(whole_original("A: " + std::string(995, 'x') + "\r\n").seven_bit);
}

TEST(OriginalMessage, AHugeHeaderSectionIsCutAtALineEnd) {
    std::string message;
    while (message.size() < 1024 * 1024) message += "X-Filler: " + std::string(60, 'f') + "\r\n";
    message += "\r\nbody\r\n";
    const ReturnedText headers = original_headers(message);
    EXPECT_TRUE(headers.truncated);
    EXPECT_LE(headers.text.size(), kMaxReturnedHeaderBytes);
    EXPECT_GT(headers.text.size(), kMaxReturnedHeaderBytes - 100);
    EXPECT_TRUE(headers.text.ends_with("f\r\n"));
    EXPECT_FALSE(whole_original(message).truncated);
}

}  // namespace
}  // namespace mailpolicy::ndr
