// The /v1/check client of mailpolicy-sendmail (see sendmail_policy_client.h), on Poco's
// HTTPClientSession with a bounded timeout and a bounded answer.

#include "module/sendmail_policy_client.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/URI.h>

#include <sstream>

namespace mailpolicy {

namespace {

constexpr std::size_t kMaxAnswer = 64 * 1024 * 1024;
constexpr int kTimeoutSeconds = 30;

std::string question_json(const PolicyQuestion& question) {
    Poco::JSON::Object body;
    body.set("sender", question.sender);
    Poco::JSON::Array recipients;
    for (const std::string& recipient : question.recipients) recipients.add(recipient);
    body.set("recipients", recipients);
    if (question.login) body.set("login", *question.login);
    body.set("message", question.message);
    body.set("ndr", question.want_ndr);
    if (question.envelope_id) body.set("envelope_id", *question.envelope_id);
    if (question.dsn_return) body.set("return", *question.dsn_return);
    body.set("path", std::string("sendmail"));
    std::ostringstream json;
    body.stringify(json);
    return json.str();
}

std::string bounded_body(std::istream& stream) {
    std::string body;
    char buffer[8192];
    while (stream.read(buffer, sizeof buffer) || stream.gcount() > 0) {
        body.append(buffer, static_cast<std::size_t>(stream.gcount()));
        if (body.size() > kMaxAnswer) throw std::runtime_error("answer larger than 64 MiB");
    }
    return body;
}

PolicyOutcome parse_answer(const std::string& body, std::size_t expected) {
    const auto object = Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>();
    const auto results = object->getArray("results");
    if (!results || results->size() != expected) {
        return PolicyUnavailable{"the answer does not have one result per recipient"};
    }
    PolicyAnswer answer;
    for (std::size_t i = 0; i < results->size(); ++i) {
        const auto result = results->getObject(static_cast<unsigned>(i));
        RecipientVerdict verdict;
        verdict.recipient = result->getValue<std::string>("recipient");
        verdict.allowed = result->getValue<bool>("allowed");
        verdict.reply = std::to_string(result->getValue<int>("code")) + " " +
                        result->getValue<std::string>("status") + " " +
                        result->getValue<std::string>("text");
        answer.verdicts.push_back(std::move(verdict));
    }
    if (object->has("ndr")) answer.ndr = object->getValue<std::string>("ndr");
    return answer;
}

std::string error_text(const std::string& body) {
    try {
        return Poco::JSON::Parser()
            .parse(body)
            .extract<Poco::JSON::Object::Ptr>()
            ->getValue<std::string>("error");
    } catch (const std::exception&) {
        return body.substr(0, 200);
    }
}

}  // namespace

PolicyOutcome ask_policy(const SendmailConfig& config, const std::string& token,
                         const PolicyQuestion& question) {
    try {
        const Poco::URI base(config.policy_url);
        Poco::Net::HTTPClientSession session(base.getHost(), base.getPort());
        session.setTimeout(Poco::Timespan(kTimeoutSeconds, 0));
        std::string path = base.getPath();
        while (!path.empty() && path.back() == '/') path.pop_back();
        Poco::Net::HTTPRequest request("POST", path + "/v1/check",
                                       Poco::Net::HTTPMessage::HTTP_1_1);
        if (!token.empty()) request.set("Authorization", "Bearer " + token);
        const std::string body = question_json(question);
        request.setContentType("application/json");
        request.setContentLength(static_cast<std::streamsize>(body.size()));
        session.sendRequest(request) << body;
        Poco::Net::HTTPResponse response;
        const std::string answer = bounded_body(session.receiveResponse(response));
        const int status = static_cast<int>(response.getStatus());
        if (status == 200) return parse_answer(answer, question.recipients.size());
        if (status >= 400 && status < 500 && status != 401 && status != 408 && status != 429) {
            return PolicyRefusedRequest{"HTTP " + std::to_string(status) + ": " +
                                        error_text(answer)};
        }
        return PolicyUnavailable{"HTTP " + std::to_string(status) + ": " + error_text(answer)};
    } catch (const Poco::Exception& error) {
        return PolicyUnavailable{error.displayText()};
    } catch (const std::exception& error) {
        return PolicyUnavailable{error.what()};
    }
}

}  // namespace mailpolicy
