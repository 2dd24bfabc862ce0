// /v1/violations: the query parameters, API times, and the JSON of records.

#include "module/api_violations.h"

#include <gtest/gtest.h>

namespace mailpolicy {
namespace {

using std::chrono::seconds;
using std::chrono::system_clock;

std::string error_of(std::string_view query) {
    auto parsed = parse_violations_query(query);
    if (auto* error = std::get_if<std::string>(&parsed)) return *error;
    return "(accepted)";
}

TEST(ApiViolations, QueryParametersBecomeTheAuditQuery) {
    auto parsed = parse_violations_query(
        "sender=bob%40example.com&recipient=x%2By@shop.example&since=2026-12-01T00:00:00Z"
        "&until=1796233115&limit=5");
    ASSERT_TRUE(std::holds_alternative<AuditQuery>(parsed)) << error_of("");
    const AuditQuery& query = std::get<AuditQuery>(parsed);
    EXPECT_EQ(query.sender, "bob@example.com");
    EXPECT_EQ(query.recipient, "x+y@shop.example");
    EXPECT_EQ(query.since, system_clock::time_point(seconds(1796083200)));
    EXPECT_EQ(query.until, system_clock::time_point(seconds(1796233115)));
    EXPECT_EQ(query.limit, 5u);
    EXPECT_EQ(std::get<AuditQuery>(parse_violations_query("")).limit, 100u);
}

TEST(ApiViolations, BadParametersAreNamed) {
    EXPECT_EQ(error_of("limit=0"), "parameter \"limit\": a number from 1 to 10000");
    EXPECT_EQ(error_of("limit=10001"), "parameter \"limit\": a number from 1 to 10000");
    EXPECT_EQ(error_of("limit=5x"), "parameter \"limit\": a number from 1 to 10000");
    EXPECT_EQ(error_of("since=yesterday"),
              "parameter \"since\": not an RFC 3339 time or epoch seconds");
    EXPECT_EQ(error_of("until=2026-13-01T00:00:00Z"),
              "parameter \"until\": not an RFC 3339 time or epoch seconds");
    EXPECT_EQ(error_of("color=red"), "unknown parameter \"color\"");
}

TEST(ApiViolations, TimesWithZonesAndFractions) {
    EXPECT_EQ(parse_api_time("2026-12-02T18:38:35+01:00"),
              system_clock::time_point(seconds(1796233115)));
    EXPECT_EQ(parse_api_time("2026-12-02T17:38:35.250Z"),
              system_clock::time_point(seconds(1796233115)) + std::chrono::milliseconds(250));
    EXPECT_EQ(format_api_time(system_clock::time_point(seconds(1796233115)) +
                              std::chrono::milliseconds(7)),
              "2026-12-02T17:38:35.007Z");
    EXPECT_FALSE(parse_api_time("2026-12-02").has_value());
}

TEST(ApiViolations, RecordsBecomeJson) {
    AuditRecord record;
    record.time = system_clock::time_point(seconds(1796233115));
    record.path = "http";
    record.direction = "send";
    record.action = "reject";
    record.sender = "bob@example.com";
    record.recipient = "x@shop.example";
    record.rule = "send: account bob@example.com mode localOnly";
    record.reply_code = 550;
    record.reply_status = "5.7.1";
    record.reply_text = "No \"quotes\"";
    const std::string json = violations_json({record});
    EXPECT_NE(json.find("\"time\":\"2026-12-02T17:38:35.000Z\""), std::string::npos) << json;
    EXPECT_NE(json.find("\"code\":550"), std::string::npos) << json;
    EXPECT_NE(json.find("\"text\":\"No \\\"quotes\\\"\""), std::string::npos) << json;
    EXPECT_EQ(violations_json({}), "{\"violations\":[]}");
}

}  // namespace
}  // namespace mailpolicy
