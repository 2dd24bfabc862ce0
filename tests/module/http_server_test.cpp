// The HTTP server as a monitoring system and an API client see it: health, readiness
// before and after the directory loads, Prometheus counters after real decisions,
// the bearer token on /v1/, and JSON errors for unknown paths and methods.
#include "module/http_server.h"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>

#include "module/health_routes.h"
#include "module/policy_service.h"
#include "tests/support/memory_snapshot.h"

namespace mailpolicy {
namespace {

// carol@example.com may send nowhere.
std::shared_ptr<const Snapshot> example_snapshot() {
    auto snapshot = std::make_shared<MemorySnapshot>();
    snapshot->built = std::chrono::system_clock::now() - std::chrono::seconds(3);
    AccountFields carol;
    carol.dn = "uid=carol,dc=example,dc=com";
    carol.primary = "carol@example.com";
    carol.settings.send.mode = Mode::DenyAll;
    snapshot->directory.add(std::move(carol));
    return snapshot;
}

struct Answer {
    int status = 0;
    std::string content_type;
    std::string body;
};

class HttpServerTest : public ::testing::Test {
  protected:
    void start(const std::string& token = "") {
        auto router = std::make_shared<HttpRouter>();
        add_health_routes(
            *router, holder_,
            [] {
                return SourceStatus{"ldif", ""};
            },
            metrics_);
        router->add("GET", "/v1/echo", [](HttpExchange& exchange) {
            send_json(exchange.response, 200, "{\"query\": \"" + exchange.query + "\"}");
        });
        router->add_prefix("GET", "/v1/policy/", [](HttpExchange& exchange) {
            send_json(exchange.response, 200,
                      "{\"address\": \"" + std::string(exchange.rest) + "\"}");
        });
        HttpServerOptions options;
        options.listen = std::get<ListenAddress>(ListenAddress::parse("127.0.0.1:0"));
        options.token = token;
        options.threads = 4;
        server_ = std::make_unique<HttpServer>(options, router);
        server_->start();
    }

    Answer get(const std::string& path, const std::string& authorization = "",
               const std::string& method = "GET") {
        Poco::Net::HTTPClientSession session("127.0.0.1", server_->port());
        session.setTimeout(Poco::Timespan(5, 0));
        Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
        if (!authorization.empty()) request.set("Authorization", authorization);
        session.sendRequest(request);
        Poco::Net::HTTPResponse response;
        std::istream& body = session.receiveResponse(response);
        Answer answer;
        answer.status = response.getStatus();
        answer.content_type = response.getContentType();
        Poco::StreamCopier::copyToString(body, answer.body);
        return answer;
    }

    void TearDown() override {
        if (server_) server_->stop();
    }

    SnapshotHolder holder_;
    Metrics metrics_;
    std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTest, HealthzIsAlwaysOk) {
    start();
    const Answer answer = get("/healthz");
    EXPECT_EQ(answer.status, 200);
    EXPECT_EQ(answer.body, "{\"status\": \"ok\"}\n");
}

TEST_F(HttpServerTest, ReadyzWaitsForTheDirectory) {
    start();
    Answer answer = get("/readyz");
    EXPECT_EQ(answer.status, 503);
    EXPECT_EQ(answer.body, "{\"error\":\"directory not loaded yet\"}\n");
    holder_.publish(example_snapshot());
    answer = get("/readyz");
    EXPECT_EQ(answer.status, 200);
    EXPECT_EQ(answer.body, "{\"status\": \"ready\", \"accounts\": 1}\n");
}

TEST_F(HttpServerTest, MetricsCountRealDecisions) {
    holder_.publish(example_snapshot());
    const LivePolicy live(PolicySettingsInForce{});
    const PolicyService service(holder_, live, metrics_, nullptr);
    PolicyRequest request;
    request.protocol_state = "RCPT";
    request.sender = "carol@example.com";
    request.recipient = "dave@example.org";
    EXPECT_EQ(service.answer(request),
              "action=550 5.7.1 Sending to this recipient is not permitted\n\n");
    EXPECT_EQ(service.answer(request),
              "action=550 5.7.1 Sending to this recipient is not permitted\n\n");
    request.sender = "erin@example.net";
    EXPECT_EQ(service.answer(request), "action=DUNNO\n\n");
    start();
    const Answer answer = get("/metrics");
    EXPECT_EQ(answer.status, 200);
    EXPECT_EQ(answer.content_type, "text/plain; version=0.0.4; charset=utf-8");
    const std::string& text = answer.body;
    auto has = [&](const std::string& line) { return text.find(line + "\n") != std::string::npos; };
    EXPECT_TRUE(
        has("mailpolicy_decisions_total{path=\"smtp\",direction=\"send\",outcome=\"denied\"} 2"))
        << text;
    EXPECT_TRUE(
        has("mailpolicy_decisions_total{path=\"smtp\",direction=\"send\",outcome=\"allowed\"} 1"));
    EXPECT_TRUE(
        has("mailpolicy_decisions_total{path=\"http\",direction=\"receive\",outcome=\"audit\"} 0"));
    EXPECT_TRUE(has("mailpolicy_decision_duration_seconds_bucket{le=\"+Inf\"} 3"));
    EXPECT_TRUE(has("mailpolicy_decision_duration_seconds_count 3"));
    EXPECT_TRUE(has("# TYPE mailpolicy_decision_duration_seconds histogram"));
    EXPECT_TRUE(has("mailpolicy_snapshot_accounts 1"));
    EXPECT_TRUE(has("mailpolicy_address_conflicts 0"));
    EXPECT_TRUE(has("mailpolicy_directory_sync_state{state=\"ldif\"} 1"));
    EXPECT_TRUE(has("mailpolicy_directory_sync_state{state=\"loading\"} 0"));
    EXPECT_NE(text.find("mailpolicy_snapshot_age_seconds 3"), std::string::npos);
}

TEST_F(HttpServerTest, TokenIsRequiredOnV1Only) {
    start("s3cret-token");
    Answer answer = get("/v1/echo?x=1");
    EXPECT_EQ(answer.status, 401);
    EXPECT_EQ(answer.body, "{\"error\":\"missing or wrong bearer token\"}\n");
    EXPECT_EQ(get("/v1/echo", "Bearer s3cret-tokeX").status, 401);
    EXPECT_EQ(get("/v1/echo", "Bearer s3cret-token-longer").status, 401);
    EXPECT_EQ(get("/v1/echo", "Basic s3cret-token").status, 401);
    EXPECT_EQ(get("/v1/nothing-here").status, 401);
    answer = get("/v1/echo?x=1", "Bearer s3cret-token");
    EXPECT_EQ(answer.status, 200);
    EXPECT_EQ(answer.body, "{\"query\": \"x=1\"}");
    EXPECT_EQ(get("/healthz").status, 200);
    EXPECT_EQ(get("/metrics").status, 200);
}

TEST_F(HttpServerTest, ReplacedTokenTakesEffect) {
    start("old-token");
    EXPECT_EQ(get("/v1/echo", "Bearer old-token").status, 200);
    server_->set_token("new-token");
    EXPECT_EQ(get("/v1/echo", "Bearer old-token").status, 401);
    EXPECT_EQ(get("/v1/echo", "Bearer new-token").status, 200);
}

TEST_F(HttpServerTest, WithoutTokenV1IsOpen) {
    start();
    EXPECT_EQ(get("/v1/echo").status, 200);
    const Answer answer = get("/v1/policy/alice%40example.com");
    EXPECT_EQ(answer.status, 200);
    EXPECT_EQ(answer.body, "{\"address\": \"alice@example.com\"}");
}

TEST_F(HttpServerTest, UnknownPathAndWrongMethodAreJsonErrors) {
    start();
    Answer answer = get("/nope");
    EXPECT_EQ(answer.status, 404);
    EXPECT_EQ(answer.content_type, "application/json; charset=utf-8");
    EXPECT_EQ(answer.body, "{\"error\":\"not found: /nope\"}\n");
    answer = get("/healthz", "", "POST");
    EXPECT_EQ(answer.status, 405);
    EXPECT_EQ(answer.body, "{\"error\":\"method not allowed: POST\"}\n");
}

TEST(ConstantTimeEquals, ComparesWholeTexts) {
    EXPECT_TRUE(constant_time_equals("abc", "abc"));
    EXPECT_FALSE(constant_time_equals("abc", "abd"));
    EXPECT_FALSE(constant_time_equals("abc", "abcd"));
    EXPECT_FALSE(constant_time_equals("", "a"));
    EXPECT_TRUE(constant_time_equals("", ""));
}

}  // namespace
}  // namespace mailpolicy
