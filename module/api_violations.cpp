// /v1/violations query parsing and answer (see api_violations.h). Times in and out are
// UTC; epoch seconds are accepted for scripts. Never throws on bad input.

#include "module/api_violations.h"

#include <Poco/DateTimeParser.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/URI.h>

#include <charconv>
#include <cstdio>
#include <ctime>
#include <sstream>

namespace mailpolicy {

namespace {

std::optional<std::int64_t> parse_integer(std::string_view text) {
    std::int64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || text.empty()) return {};
    return value;
}

std::optional<std::string> apply_parameter(const std::string& name, const std::string& value,
                                           AuditQuery& query) {
    if (name == "sender" || name == "recipient") {
        (name == "sender" ? query.sender : query.recipient) = value;
        return std::nullopt;
    }
    if (name == "since" || name == "until") {
        const auto time = parse_api_time(value);
        if (!time) return "parameter \"" + name + "\": not an RFC 3339 time or epoch seconds";
        (name == "since" ? query.since : query.until) = *time;
        return std::nullopt;
    }
    if (name == "limit") {
        const auto limit = parse_integer(value);
        if (!limit || *limit < 1 || *limit > static_cast<std::int64_t>(kMaxViolationLimit)) {
            return "parameter \"limit\": a number from 1 to " + std::to_string(kMaxViolationLimit);
        }
        query.limit = static_cast<std::size_t>(*limit);
        return std::nullopt;
    }
    return "unknown parameter \"" + name.substr(0, 64) + "\"";
}

}  // namespace

std::optional<std::chrono::system_clock::time_point> parse_api_time(std::string_view text) {
    if (const auto seconds = parse_integer(text)) {
        return std::chrono::system_clock::time_point(std::chrono::seconds(*seconds));
    }
    if (text.size() < 20 || text.size() > 40 || text[10] != 'T') return std::nullopt;
    Poco::DateTime parsed;
    int zone = 0;
    if (!Poco::DateTimeParser::tryParse(Poco::DateTimeFormat::ISO8601_FRAC_FORMAT,
                                        std::string(text), parsed, zone)) {
        return std::nullopt;
    }
    const auto micros = parsed.timestamp().epochMicroseconds() - std::int64_t{zone} * 1'000'000;
    return std::chrono::system_clock::time_point(std::chrono::microseconds(micros));
}

std::string format_api_time(std::chrono::system_clock::time_point time) {
    const auto millis =
        std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
    const std::time_t seconds = static_cast<std::time_t>(millis / 1000 - (millis % 1000 < 0));
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char buffer[96];  // room for any int the format could print, to satisfy -Wformat-truncation
    std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                  utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                  static_cast<int>(((millis % 1000) + 1000) % 1000));
    return buffer;
}

std::variant<AuditQuery, std::string> parse_violations_query(std::string_view text) {
    AuditQuery query;
    query.limit = kDefaultViolationLimit;
    Poco::URI::QueryParameters parameters;
    try {
        Poco::URI uri;
        uri.setRawQuery(std::string(text));
        parameters = uri.getQueryParameters();
    } catch (const Poco::Exception& error) {
        return "invalid query string: " + error.message();
    }
    for (const auto& [name, value] : parameters) {
        if (auto error = apply_parameter(name, value, query)) return *error;
    }
    return query;
}

std::string violations_json(const std::vector<AuditRecord>& records) {
    Poco::JSON::Array list;
    for (const AuditRecord& record : records) {
        Poco::JSON::Object item;
        item.set("time", format_api_time(record.time));
        item.set("path", record.path);
        item.set("direction", record.direction);
        item.set("action", record.action);
        item.set("sender", record.sender);
        item.set("recipient", record.recipient);
        item.set("login", record.login);
        item.set("client_address", record.client_address);
        item.set("account", record.account);
        item.set("rule", record.rule);
        item.set("code", record.reply_code);
        item.set("status", record.reply_status);
        item.set("text", record.reply_text);
        item.set("instance", record.instance);
        list.add(item);
    }
    Poco::JSON::Object answer;
    answer.set("violations", list);
    std::ostringstream json;
    answer.stringify(json);
    return json.str();
}

}  // namespace mailpolicy
