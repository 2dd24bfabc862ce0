// Strict parsing of the /v1/check body (see api_check_request.h) with Poco's JSON parser:
// an object with known fields, strings valid UTF-8 without NUL, at most
// kMaxCheckRecipients recipients. Never throws: every failure is a CheckRequestError.

#include "module/api_check_request.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <set>

#include "modes/text.h"

namespace mailpolicy {

namespace {

using Poco::JSON::Object;

const std::set<std::string, std::less<>> kFields = {"sender",         "recipients", "login",
                                                    "client_address", "message",    "ndr",
                                                    "envelope_id",    "return",     "path"};

CheckRequestError field_error(std::string_view field, std::string_view problem) {
    return {"field \"" + std::string(field) + "\": " + std::string(problem)};
}

// An unknown field's name as an error may show it: at most 64 bytes, no controls.
std::string shortened(std::string_view name) {
    std::string out;
    for (char c : name.substr(0, 64)) out += is_control(c) ? '?' : c;
    return out;
}

bool is_clean_text(const std::string& text) {
    return is_valid_utf8(text) && text.find('\0') == std::string::npos;
}

// The string value of `field`; an error when it is there but not a clean string.
std::variant<std::optional<std::string>, CheckRequestError> optional_string(
    const Object& object, std::string_view field) {
    const std::string name(field);
    if (!object.has(name)) return std::optional<std::string>{};
    const Poco::Dynamic::Var value = object.get(name);
    if (!value.isString()) return field_error(field, "must be a string");
    std::string text = value.extract<std::string>();
    if (!is_clean_text(text)) return field_error(field, "must be UTF-8 without NUL");
    return std::optional<std::string>(std::move(text));
}

std::optional<CheckRequestError> read_recipients(const Object& object, CheckRequest& request) {
    if (!object.has("recipients")) return field_error("recipients", "is required");
    const Poco::JSON::Array::Ptr array = object.getArray("recipients");
    if (!array) return field_error("recipients", "must be an array of strings");
    if (array->size() == 0) return field_error("recipients", "must not be empty");
    if (array->size() > kMaxCheckRecipients) {
        return field_error("recipients",
                           "more than " + std::to_string(kMaxCheckRecipients) + " recipients");
    }
    for (std::size_t i = 0; i < array->size(); ++i) {
        const Poco::Dynamic::Var value = array->get(static_cast<unsigned>(i));
        if (!value.isString()) return field_error("recipients", "must be an array of strings");
        std::string text = value.extract<std::string>();
        if (!is_clean_text(text)) return field_error("recipients", "must be UTF-8 without NUL");
        request.recipients.push_back(std::move(text));
    }
    return std::nullopt;
}

std::optional<CheckRequestError> read_options(const Object& object, CheckRequest& request) {
    if (object.has("ndr")) {
        const Poco::Dynamic::Var value = object.get("ndr");
        if (!value.isBoolean()) return field_error("ndr", "must be true or false");
        request.want_ndr = value.extract<bool>();
    }
    auto client = optional_string(object, "client_address");
    if (auto* error = std::get_if<CheckRequestError>(&client)) return *error;
    request.client_text = std::get<std::optional<std::string>>(client);
    if (request.client_text) {
        request.client = IpAddress::parse(*request.client_text);
        if (!request.client) return field_error("client_address", "not an IP address");
    }
    auto return_text = optional_string(object, "return");
    if (auto* error = std::get_if<CheckRequestError>(&return_text)) return *error;
    if (const auto& text = std::get<std::optional<std::string>>(return_text)) {
        if (*text != "headers" && *text != "full") {
            return field_error("return", "must be \"headers\" or \"full\"");
        }
        request.return_content =
            *text == "full" ? ndr::ReturnContent::Full : ndr::ReturnContent::Headers;
    }
    auto path = optional_string(object, "path");
    if (auto* error = std::get_if<CheckRequestError>(&path)) return *error;
    if (const auto& text = std::get<std::optional<std::string>>(path)) {
        if (*text != "http" && *text != "sendmail") {
            return field_error("path", "must be \"http\" or \"sendmail\"");
        }
        request.path = *text == "sendmail" ? SubmissionPath::Sendmail : SubmissionPath::Http;
    }
    return std::nullopt;
}

std::optional<CheckRequestError> read_texts(const Object& object, CheckRequest& request) {
    for (auto [field, target] :
         {std::pair{"login", &request.login}, std::pair{"message", &request.message},
          std::pair{"envelope_id", &request.envelope_id}}) {
        auto value = optional_string(object, field);
        if (auto* error = std::get_if<CheckRequestError>(&value)) return *error;
        *target = std::get<std::optional<std::string>>(value);
    }
    if (!object.has("sender")) return field_error("sender", "is required (\"\" for <>)");
    auto sender = optional_string(object, "sender");
    if (auto* error = std::get_if<CheckRequestError>(&sender)) return *error;
    request.sender = *std::get<std::optional<std::string>>(sender);
    return std::nullopt;
}

}  // namespace

std::variant<CheckRequest, CheckRequestError> parse_check_request(std::string_view body) {
    const std::string_view trimmed = trim_ascii_space(body);
    if (trimmed.empty() || trimmed.front() != '{') {
        return CheckRequestError{"the body must be a JSON object"};
    }
    Poco::Dynamic::Var parsed;
    try {
        Poco::JSON::Parser parser;
        parsed = parser.parse(std::string(body));
    } catch (const Poco::Exception& error) {
        return CheckRequestError{"invalid JSON: " + error.message()};
    }
    if (parsed.type() != typeid(Object::Ptr)) {
        return CheckRequestError{"the body must be a JSON object"};
    }
    const Object::Ptr object = parsed.extract<Object::Ptr>();
    for (const auto& [name, value] : *object) {
        if (!kFields.contains(name)) {
            return CheckRequestError{"unknown field \"" + shortened(name) + "\""};
        }
    }
    CheckRequest request;
    for (auto read : {read_texts, read_recipients, read_options}) {
        if (auto error = read(*object, request)) return *error;
    }
    return request;
}

}  // namespace mailpolicy
