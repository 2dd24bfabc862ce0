// The /v1/ HTTP API against the real mailpolicyd on the example directory: verdicts with
// rules, login-bound checks, NDRs parsed by Python's email package, bad requests and their
// 4xx (nothing audited), the bearer token on every /v1/ path, and violations from SMTP and
// HTTP visible through /v1/violations.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/ndr/report_test_support.h"
#include "tests/support/test_daemon.h"

namespace mailpolicy::test {
namespace {

namespace fs = std::filesystem;
using Poco::JSON::Object;

const std::string kToken = "s3cret-api-token";

struct Answer {
    int status = 0;
    std::string reason;
    std::string body;
    Object::Ptr json() const { return Poco::JSON::Parser().parse(body).extract<Object::Ptr>(); }
};

Answer request(int port, const std::string& method, const std::string& path,
               const std::string& body = "", const std::string& token = kToken) {
    Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
    session.setTimeout(Poco::Timespan(10, 0));
    Poco::Net::HTTPRequest http(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    if (!token.empty()) http.set("Authorization", "Bearer " + token);
    if (!body.empty() || method == "POST") {
        http.setContentType("application/json");
        http.setContentLength(static_cast<std::streamsize>(body.size()));
    }
    session.sendRequest(http) << body;
    Poco::Net::HTTPResponse response;
    std::istream& stream = session.receiveResponse(response);
    std::ostringstream content;
    content << stream.rdbuf();
    return {static_cast<int>(response.getStatus()), response.getReason(), content.str()};
}

class HttpApiTest : public ::testing::Test {
  protected:
    void SetUp() override {
        scratch_ = make_scratch_directory("http-api");
        fs::copy_file(fs::path(MAILPOLICY_SOURCE_DIR) / "examples" / "directory.ldif",
                      scratch_ / "directory.ldif");
        std::ofstream(scratch_ / "token") << kToken << "\n";
        fs::permissions(scratch_ / "token", fs::perms::owner_read | fs::perms::owner_write);
        TestDaemon::Options options;
        options.source = "ldif:" + (scratch_ / "directory.ldif").string();
        options.settings = {{"listen.http-token-file", (scratch_ / "token").string()},
                            {"ndr.reporting-mta", "mx.example.com"}};
        daemon_ = std::make_unique<TestDaemon>(options);
    }
    void TearDown() override {
        if (HasFailure()) std::cerr << "mailpolicyd output:\n" << daemon_->output();
        daemon_.reset();
        fs::remove_all(scratch_);
    }

    Answer check(const std::string& body) {
        return request(daemon_->http_port(), "POST", "/v1/check", body);
    }
    Object::Ptr result(const Answer& answer, unsigned index) {
        return answer.json()->getArray("results")->getObject(index);
    }
    std::size_t violation_count(const std::string& query = "") {
        const Answer answer = request(daemon_->http_port(), "GET", "/v1/violations" + query);
        EXPECT_EQ(answer.status, 200) << answer.body;
        return answer.status == 200 ? answer.json()->getArray("violations")->size() : 0;
    }

    fs::path scratch_;
    std::unique_ptr<TestDaemon> daemon_;
};

TEST_F(HttpApiTest, MixedVerdictsCarryRuleAndReply) {
    const Answer answer = check(
        R"({"sender": "bob@example.com", "recipients": ["alice@example.com", "buyer@shop.example"]})");
    ASSERT_EQ(answer.status, 200) << answer.body;
    const Object::Ptr allowed = result(answer, 0);
    EXPECT_EQ(allowed->getValue<std::string>("recipient"), "alice@example.com");
    EXPECT_TRUE(allowed->getValue<bool>("allowed"));
    const Object::Ptr denied = result(answer, 1);
    EXPECT_EQ(denied->getValue<std::string>("recipient"), "buyer@shop.example");
    EXPECT_FALSE(denied->getValue<bool>("allowed"));
    EXPECT_EQ(denied->getValue<std::string>("direction"), "send");
    EXPECT_EQ(denied->getValue<int>("code"), 550);
    EXPECT_EQ(denied->getValue<std::string>("status"), "5.7.1");
    EXPECT_EQ(denied->getValue<std::string>("text"),
              "Contractors may only write to example.com addresses");
    EXPECT_NE(denied->getValue<std::string>("rule").find("cn=contractors"), std::string::npos)
        << denied->getValue<std::string>("rule");
    EXPECT_FALSE(answer.json()->has("ndr")) << "no NDR unless asked for";
}

TEST_F(HttpApiTest, TheLoginsSendPolicyAppliesToo) {
    const Answer answer = check(
        R"({"sender": "alice@example.com", "login": "bob", "recipients": ["buyer@shop.example"]})");
    ASSERT_EQ(answer.status, 200) << answer.body;
    EXPECT_FALSE(result(answer, 0)->getValue<bool>("allowed"));
    const Answer alone =
        check(R"({"sender": "alice@example.com", "recipients": ["buyer@shop.example"]})");
    EXPECT_TRUE(result(alone, 0)->getValue<bool>("allowed"));
}

TEST_F(HttpApiTest, ADeniedRecipientGetsAnNdrButNotTheNullSender) {
    const std::string body =
        R"({"sender": "bob@example.com", "recipients": ["alice@example.com", "buyer@shop.example"],
            "ndr": true, "message": "From: bob@example.com\r\nSubject: Quote\r\n\r\nHello\r\n"})";
    const Answer answer = check(body);
    ASSERT_EQ(answer.status, 200) << answer.body;
    ASSERT_TRUE(answer.json()->has("ndr")) << answer.body;
    const Object::Ptr report =
        ndr::test::parsed_by_python(answer.json()->getValue<std::string>("ndr"));
    EXPECT_EQ(report->getArray("defects")->size(), 0u);
    EXPECT_EQ(report->getObject("headers")->getValue<std::string>("To"), "bob@example.com");
    EXPECT_EQ(report->getObject("per_message")->getValue<std::string>("Reporting-MTA"),
              "dns; mx.example.com");
    ASSERT_EQ(report->getArray("recipients")->size(), 1u);
    const Object::Ptr denied = report->getArray("recipients")->getObject(0);
    EXPECT_EQ(denied->getValue<std::string>("Final-Recipient"), "rfc822; buyer@shop.example");
    EXPECT_EQ(denied->getValue<std::string>("Diagnostic-Code"),
              "smtp; 550 5.7.1 Contractors may only write to example.com addresses");
    EXPECT_NE(report->getObject("returned")->getValue<std::string>("text").find("Subject: Quote"),
              std::string::npos);

    const Answer null_sender =
        check(R"({"sender": "", "recipients": ["internal@example.com"], "ndr": true})");
    EXPECT_FALSE(null_sender.json()->has("ndr"));
    const Answer all_allowed =
        check(R"({"sender": "bob@example.com", "recipients": ["alice@example.com"], "ndr": true})");
    EXPECT_FALSE(all_allowed.json()->has("ndr"));
}

TEST_F(HttpApiTest, BadRequestsGetTheirErrorAndNothingIsAudited) {
    const std::string denied_recipient = R"("recipients": ["buyer@shop.example"])";
    struct Case {
        std::string body;
        int status;
        std::string error;
    };
    std::string many = R"({"sender": "bob@example.com", "recipients": [)";
    for (int i = 0; i < 1001; ++i)
        many += (i ? ",\"x" : "\"x") + std::to_string(i) + "@y.example\"";
    many += "]}";
    const std::vector<Case> cases = {
        {"{not json", 400, "invalid JSON"},
        {R"({"sender": 1, )" + denied_recipient + "}", 400, "field \"sender\": must be a string"},
        {R"({"sender": "bob@example.com", "recipients": "buyer@shop.example"})", 400,
         "field \"recipients\": must be an array of strings"},
        {many, 400, "field \"recipients\": more than 1000 recipients"},
        {R"({"sender": "bob@example.com", )" + denied_recipient + R"(, "pad": ")" +
             std::string(1100 * 1024, 'x') + "\"}",
         400, "unknown field \"pad\""},
        {R"({"sender": "bob@example.com", )" + denied_recipient + R"(, "login": ")" +
             std::string(1100 * 1024, 'x') + "\"}",
         413, "a request without a message is larger than 1 MiB"},
    };
    for (const Case& bad : cases) {
        const Answer answer = check(bad.body);
        EXPECT_EQ(answer.status, bad.status) << answer.body;
        EXPECT_NE(answer.json()->getValue<std::string>("error").find(bad.error), std::string::npos)
            << answer.body;
    }
    EXPECT_EQ(violation_count(), 0u);
}

TEST_F(HttpApiTest, EveryV1PathNeedsTheToken) {
    const int port = daemon_->http_port();
    for (const auto& [method, path] :
         std::vector<std::pair<std::string, std::string>>{{"POST", "/v1/check"},
                                                          {"GET", "/v1/policy/bob@example.com"},
                                                          {"GET", "/v1/violations"}}) {
        EXPECT_EQ(request(port, method, path, "{}", "").status, 401) << path;
        EXPECT_EQ(request(port, method, path, "{}", "wrong").status, 401) << path;
    }
    EXPECT_EQ(request(port, "GET", "/healthz", "", "").status, 200);
}

TEST_F(HttpApiTest, ViolationsFromSmtpAndHttpAreListed) {
    const std::string smtp =
        policy_action(daemon_->policy_port(), {{"request", "smtpd_access_policy"},
                                               {"protocol_state", "RCPT"},
                                               {"sender", "bob@example.com"},
                                               {"recipient", "smtp@shop.example"},
                                               {"client_address", "192.0.2.10"}});
    ASSERT_EQ(smtp.substr(0, 9), "550 5.7.1");
    check(R"({"sender": "bob@example.com", "recipients": ["http@shop.example"]})");
    audit_rows(daemon_->audit_database(), 2);
    const Answer answer =
        request(daemon_->http_port(), "GET", "/v1/violations?sender=bob%40example.com&limit=10");
    ASSERT_EQ(answer.status, 200) << answer.body;
    const auto list = answer.json()->getArray("violations");
    ASSERT_EQ(list->size(), 2u) << answer.body;
    EXPECT_EQ(list->getObject(0)->getValue<std::string>("path"), "http") << "newest first";
    EXPECT_EQ(list->getObject(0)->getValue<std::string>("recipient"), "http@shop.example");
    EXPECT_EQ(list->getObject(1)->getValue<std::string>("path"), "smtp");
    EXPECT_EQ(list->getObject(1)->getValue<std::string>("action"), "reject");
    EXPECT_EQ(violation_count("?recipient=nobody%40shop.example"), 0u);
    EXPECT_EQ(request(daemon_->http_port(), "GET", "/v1/violations?limit=0").status, 400);
}

TEST_F(HttpApiTest, PolicyShowsEachSettingAndWhereItCameFrom) {
    const Answer answer = request(daemon_->http_port(), "GET", "/v1/policy/Bob+tag@EXAMPLE.com");
    ASSERT_EQ(answer.status, 200) << answer.body;
    const Object::Ptr policy = answer.json();
    EXPECT_EQ(policy->getValue<std::string>("address"), "bob@example.com");
    EXPECT_TRUE(policy->getValue<bool>("local"));
    const Object::Ptr mode = policy->getObject("send")->getObject("mode");
    EXPECT_EQ(mode->getValue<std::string>("value"), "localOnly");
    EXPECT_EQ(mode->getValue<std::string>("from"), "class");
    EXPECT_EQ(mode->getValue<std::string>("entry"), "cn=contractors,ou=classes,dc=example,dc=com");
    const Object::Ptr receive = policy->getObject("receive")->getObject("mode");
    EXPECT_EQ(receive->getValue<std::string>("value"), "allowAll");
    EXPECT_EQ(receive->getValue<std::string>("from"), "server-default");
    const Answer outside = request(daemon_->http_port(), "GET", "/v1/policy/x@elsewhere.example");
    EXPECT_FALSE(outside.json()->getValue<bool>("local"));
    const Answer bad = request(daemon_->http_port(), "GET", "/v1/policy/no-domain@");
    EXPECT_EQ(bad.status, 400) << bad.body;
}

TEST_F(HttpApiTest, WrongMethodsAndUnknownPathsHaveTheirReasonPhrase) {
    const Answer get_check = request(daemon_->http_port(), "GET", "/v1/check");
    EXPECT_EQ(get_check.status, 405);
    EXPECT_EQ(get_check.reason, "Method Not Allowed");
    const Answer unknown = request(daemon_->http_port(), "GET", "/v1/nothing");
    EXPECT_EQ(unknown.status, 404);
    EXPECT_EQ(unknown.reason, "Not Found");
}

}  // namespace
}  // namespace mailpolicy::test
