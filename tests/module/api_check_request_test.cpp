// The /v1/check body: what is accepted, and the field-naming error for each bad input.

#include "module/api_check_request.h"

#include <gtest/gtest.h>

namespace mailpolicy {
namespace {

std::string error_of(std::string_view body) {
    auto parsed = parse_check_request(body);
    if (auto* error = std::get_if<CheckRequestError>(&parsed)) return error->message;
    return "(accepted)";
}

TEST(ApiCheckRequest, AFullRequestIsParsed) {
    auto parsed = parse_check_request(
        R"({"sender": "bob@example.com", "recipients": ["a@x.example", "b@example.com"],
            "login": "bob", "client_address": "192.0.2.7", "message": "Subject: x\r\n\r\nhi",
            "ndr": true, "envelope_id": "E1", "return": "full", "path": "sendmail"})");
    ASSERT_TRUE(std::holds_alternative<CheckRequest>(parsed)) << error_of("");
    const CheckRequest& request = std::get<CheckRequest>(parsed);
    EXPECT_EQ(request.sender, "bob@example.com");
    EXPECT_EQ(request.recipients, (std::vector<std::string>{"a@x.example", "b@example.com"}));
    EXPECT_EQ(request.login, "bob");
    ASSERT_TRUE(request.client.has_value());
    EXPECT_EQ(request.client_text, "192.0.2.7");
    EXPECT_EQ(request.message, "Subject: x\r\n\r\nhi");
    EXPECT_TRUE(request.want_ndr);
    EXPECT_EQ(request.envelope_id, "E1");
    EXPECT_EQ(request.return_content, ndr::ReturnContent::Full);
    EXPECT_EQ(request.path, SubmissionPath::Sendmail);
}

TEST(ApiCheckRequest, TheMinimalRequestHasDefaults) {
    auto parsed = parse_check_request(R"({"sender": "", "recipients": ["a@x.example"]})");
    ASSERT_TRUE(std::holds_alternative<CheckRequest>(parsed));
    const CheckRequest& request = std::get<CheckRequest>(parsed);
    EXPECT_EQ(request.sender, "");
    EXPECT_FALSE(request.want_ndr);
    EXPECT_FALSE(request.login.has_value());
    EXPECT_FALSE(request.return_content.has_value());
    EXPECT_EQ(request.path, SubmissionPath::Http);
}

TEST(ApiCheckRequest, EachBadInputNamesWhatIsWrong) {
    EXPECT_EQ(error_of("["), error_of("[")) << "deterministic";
    EXPECT_EQ(error_of(R"([1, 2])"), "the body must be a JSON object");
    EXPECT_EQ(error_of(R"("text")"), "the body must be a JSON object");
    EXPECT_EQ(error_of(R"({"recipients": ["a@x"]})"),
              "field \"sender\": is required (\"\" for <>)");
    EXPECT_EQ(error_of(R"({"sender": 5, "recipients": ["a@x"]})"),
              "field \"sender\": must be a string");
    EXPECT_EQ(error_of(R"({"sender": "a@x"})"), "field \"recipients\": is required");
    EXPECT_EQ(error_of(R"({"sender": "a@x", "recipients": "b@y"})"),
              "field \"recipients\": must be an array of strings");
    EXPECT_EQ(error_of(R"({"sender": "a@x", "recipients": [7]})"),
              "field \"recipients\": must be an array of strings");
    EXPECT_EQ(error_of(R"({"sender": "a@x", "recipients": []})"),
              "field \"recipients\": must not be empty");
    EXPECT_EQ(error_of(R"({"sender": "a@x", "recipients": ["b@y"], "ndr": "yes"})"),
              "field \"ndr\": must be true or false");
    EXPECT_EQ(error_of(R"({"sender": "a@x", "recipients": ["b@y"], "client_address": "x"})"),
              "field \"client_address\": not an IP address");
    EXPECT_EQ(error_of(R"({"sender": "a@x", "recipients": ["b@y"], "return": "body"})"),
              "field \"return\": must be \"headers\" or \"full\"");
    EXPECT_EQ(error_of(R"({"sender": "a@x", "recipients": ["b@y"], "path": "smtp"})"),
              "field \"path\": must be \"http\" or \"sendmail\"");
    EXPECT_EQ(error_of(R"({"sender": "a@x", "recipients": ["b@y"], "Sender": "c@z"})"),
              "unknown field \"Sender\"");
    EXPECT_EQ(error_of(R"({"sender": "a\u0000b", "recipients": ["b@y"]})"),
              "field \"sender\": must be UTF-8 without NUL");
    EXPECT_EQ(error_of("{\"sender\": \"a\xff\", \"recipients\": [\"b@y\"]}").substr(0, 7),
              error_of("{\"sender\": \"a\xff\", \"recipients\": [\"b@y\"]}").substr(0, 7));
    EXPECT_NE(error_of("{\"sender\": \"a\xff\", \"recipients\": [\"b@y\"]}"), "(accepted)");
    EXPECT_NE(error_of("{\"sender\": \"\", \"recipients\": [\"b@y\"]} trailing"), "(accepted)");
    EXPECT_NE(error_of(""), "(accepted)");
}

TEST(ApiCheckRequest, AtMostAThousandRecipients) {
    std::string body = R"({"sender": "a@x", "recipients": [)";
    for (int i = 0; i < 1001; ++i) body += (i ? ",\"r" : "\"r") + std::to_string(i) + "@y\"";
    body += "]}";
    EXPECT_EQ(error_of(body), "field \"recipients\": more than 1000 recipients");
}

}  // namespace
}  // namespace mailpolicy
