// The policy delegation protocol parser and replies: requests split at every byte,
// pipelining, each malformation SPEC §4 names, and the exact reply strings.
// Transcripts through the engine live in policy_service_test.cpp.
#include "module/policy_protocol.h"

#include <gtest/gtest.h>

#include <string>

#include "modes/text.h"

namespace mailpolicy {
namespace {

const std::string kRcptRequest =
    "request=smtpd_access_policy\n"
    "protocol_state=RCPT\n"
    "protocol_name=ESMTP\n"
    "client_address=192.0.2.7\n"
    "client_name=mail.example.net\n"
    "helo_name=mail.example.net\n"
    "sender=alice@example.com\n"
    "recipient=bob@example.org\n"
    "sasl_username=alice\n"
    "queue_id=4Xy7Zk1abc\n"
    "instance=123.456.7\n"
    "size=1234\n"
    "\n";

TEST(PolicyProtocol, ParsesOneRequestIntoTypedFields) {
    PolicyRequestParser parser;
    const auto result = parser.feed(kRcptRequest);
    ASSERT_FALSE(result.error);
    ASSERT_EQ(result.requests.size(), 1u);
    const PolicyRequest& request = result.requests[0];
    EXPECT_TRUE(request.is_rcpt());
    EXPECT_EQ(request.sender, "alice@example.com");
    EXPECT_EQ(request.recipient, "bob@example.org");
    EXPECT_EQ(request.sasl_username, "alice");
    EXPECT_EQ(request.client_address, "192.0.2.7");
    EXPECT_EQ(request.instance, "123.456.7");
    EXPECT_EQ(request.queue_id, "4Xy7Zk1abc");
    EXPECT_EQ(request.attribute_count, 12u);
}

TEST(PolicyProtocol, SplitAtEveryByteGivesTheSameRequest) {
    for (std::size_t cut = 0; cut <= kRcptRequest.size(); ++cut) {
        PolicyRequestParser parser;
        auto first = parser.feed(std::string_view(kRcptRequest).substr(0, cut));
        auto second = parser.feed(std::string_view(kRcptRequest).substr(cut));
        ASSERT_FALSE(first.error);
        ASSERT_FALSE(second.error);
        ASSERT_EQ(first.requests.size() + second.requests.size(), 1u) << "cut at " << cut;
        const auto& request = first.requests.empty() ? second.requests[0] : first.requests[0];
        EXPECT_EQ(request.recipient, "bob@example.org") << "cut at " << cut;
        EXPECT_EQ(request.sender, "alice@example.com") << "cut at " << cut;
    }
}

TEST(PolicyProtocol, OneByteAtATime) {
    PolicyRequestParser parser;
    std::size_t requests = 0;
    for (char c : kRcptRequest + kRcptRequest) {
        auto result = parser.feed(std::string_view(&c, 1));
        ASSERT_FALSE(result.error);
        requests += result.requests.size();
    }
    EXPECT_EQ(requests, 2u);
}

TEST(PolicyProtocol, PipelinedRequestsComeOutInOrder) {
    PolicyRequestParser parser;
    const std::string second = "protocol_state=DATA\nrecipient=carol@example.org\n\n";
    const auto result = parser.feed(kRcptRequest + second + kRcptRequest);
    ASSERT_FALSE(result.error);
    ASSERT_EQ(result.requests.size(), 3u);
    EXPECT_TRUE(result.requests[0].is_rcpt());
    EXPECT_FALSE(result.requests[1].is_rcpt());
    EXPECT_EQ(result.requests[1].recipient, "carol@example.org");
    EXPECT_TRUE(result.requests[2].is_rcpt());
}

TEST(PolicyProtocol, CrLfLineEndsAreAccepted) {
    PolicyRequestParser parser;
    const auto result = parser.feed("protocol_state=RCPT\r\nrecipient=b@x.org\r\n\r\n");
    ASSERT_FALSE(result.error);
    ASSERT_EQ(result.requests.size(), 1u);
    EXPECT_EQ(result.requests[0].recipient, "b@x.org");
}

TEST(PolicyProtocol, ValueMayContainEqualsSigns) {
    PolicyRequestParser parser;
    const auto result = parser.feed("protocol_state=RCPT\nsender=a=b@x.org\n\n");
    ASSERT_EQ(result.requests.size(), 1u);
    EXPECT_EQ(result.requests[0].sender, "a=b@x.org");
}

TEST(PolicyProtocol, LineWithoutEqualsIsMalformed) {
    PolicyRequestParser parser;
    const auto result = parser.feed("protocol_state=RCPT\nhello\n\n");
    ASSERT_TRUE(result.error);
    EXPECT_EQ(*result.error, "line without '='");
    EXPECT_TRUE(result.requests.empty());
    // The parser stays failed: nothing more is answered on this connection.
    const auto after = parser.feed(kRcptRequest);
    EXPECT_TRUE(after.error);
    EXPECT_TRUE(after.requests.empty());
}

TEST(PolicyProtocol, LineOfExactly64KiBIsAcceptedOneMoreIsNot) {
    const std::string prefix = "ccert_subject=";
    {
        PolicyRequestParser parser;
        const std::string line = prefix + std::string(kMaxPolicyLineBytes - prefix.size(), 'a');
        const auto result = parser.feed("protocol_state=RCPT\n" + line + "\n\n");
        EXPECT_FALSE(result.error);
        EXPECT_EQ(result.requests.size(), 1u);
    }
    {
        PolicyRequestParser parser;
        const std::string line = prefix + std::string(kMaxPolicyLineBytes - prefix.size() + 1, 'a');
        const auto result = parser.feed("protocol_state=RCPT\n" + line + "\n\n");
        ASSERT_TRUE(result.error);
        EXPECT_EQ(*result.error, "line longer than 65536 bytes");
    }
}

TEST(PolicyProtocol, EndlessLineIsRefusedBeforeItsEnd) {
    PolicyRequestParser parser;
    const std::string chunk(4096, 'x');
    bool failed = false;
    for (int i = 0; i < 40 && !failed; ++i) failed = parser.feed(chunk).error.has_value();
    EXPECT_TRUE(failed);
}

TEST(PolicyProtocol, ThousandAttributesAcceptedOneMoreIsNot) {
    std::string request;
    for (std::size_t i = 0; i < kMaxPolicyAttributes; ++i) {
        request += "x" + std::to_string(i) + "=1\n";
    }
    {
        PolicyRequestParser parser;
        const auto result = parser.feed(request + "\n");
        EXPECT_FALSE(result.error);
        EXPECT_EQ(result.requests.size(), 1u);
    }
    {
        PolicyRequestParser parser;
        const auto result = parser.feed(request + "one=more\n\n");
        ASSERT_TRUE(result.error);
        EXPECT_EQ(*result.error, "more than 1000 attributes");
    }
}

TEST(PolicyProtocol, NonUtf8AddressIsMalformed) {
    for (const std::string name : {"sender", "recipient", "sasl_username"}) {
        PolicyRequestParser parser;
        const auto result = parser.feed("protocol_state=RCPT\n" + name + "=b\xff@x.org\n\n");
        ASSERT_TRUE(result.error) << name;
        EXPECT_EQ(*result.error, "attribute " + name + " is not UTF-8");
    }
    PolicyRequestParser parser;
    const auto result = parser.feed("protocol_state=RCPT\nrecipient=j\xc3\xb6rg@x.org\n\n");
    EXPECT_FALSE(result.error);
}

TEST(PolicyProtocol, Utf8Validation) {
    EXPECT_TRUE(is_valid_utf8("plain"));
    EXPECT_TRUE(is_valid_utf8("\xe2\x82\xac"));
    EXPECT_TRUE(is_valid_utf8("\xf0\x9f\x93\xa7"));
    EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong '/'
    EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate
    EXPECT_FALSE(is_valid_utf8("\xe2\x82"));          // truncated
    EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // beyond U+10FFFF
}

TEST(PolicyProtocol, Replies) {
    EXPECT_EQ(dunno_reply(), "action=DUNNO\n\n");
    EXPECT_EQ(reject_reply(550, "5.7.1", "Sending to this recipient is not permitted"),
              "action=550 5.7.1 Sending to this recipient is not permitted\n\n");
    EXPECT_EQ(reject_reply(554, "5.7.1", "two\r\nlines\there"),
              "action=554 5.7.1 two  lines here\n\n");
    EXPECT_EQ(unavailable_reply(OnUnavailable::Tempfail),
              "action=451 4.3.0 Policy data temporarily unavailable\n\n");
    EXPECT_EQ(unavailable_reply(OnUnavailable::Permit), "action=DUNNO\n\n");
}

}  // namespace
}  // namespace mailpolicy
