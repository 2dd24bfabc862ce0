// Poco HTTPServer wiring, routing and the bearer-token gate for /v1/. The pool and the
// queue are sized explicitly: Poco's defaults (16 threads, 64 queued, silent drops
// beyond) are not what an admin would guess. Handlers that throw answer 500.
#include "module/http_server.h"

#include <Poco/JSON/Object.h>
#include <Poco/Logger.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>
#include <Poco/ThreadPool.h>
#include <Poco/URI.h>

#include <sstream>
#include <stdexcept>

namespace mailpolicy {

namespace {

Poco::Logger& logger() {
    return Poco::Logger::get("mailpolicyd.http");
}

bool authorized(const Poco::Net::HTTPServerRequest& request, const std::string& token) {
    if (token.empty()) return true;
    const std::string header = request.get("Authorization", "");
    constexpr std::string_view scheme = "Bearer ";
    if (header.size() < scheme.size() || header.compare(0, scheme.size(), scheme) != 0) {
        return false;
    }
    return constant_time_equals(std::string_view(header).substr(scheme.size()), token);
}

class RoutingHandler final : public Poco::Net::HTTPRequestHandler {
  public:
    RoutingHandler(std::shared_ptr<const HttpRouter> router,
                   std::shared_ptr<const std::string> token)
        : router_(std::move(router)), token_(std::move(token)) {}

    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override {
        try {
            const Poco::URI uri(request.getURI());
            HttpExchange exchange{request, response, uri.getPath(), {}, uri.getRawQuery()};
            if (exchange.path.starts_with("/v1/") && !authorized(request, *token_)) {
                response.set("WWW-Authenticate", "Bearer");
                return send_error(response, 401, "missing or wrong bearer token");
            }
            router_->dispatch(exchange);
        } catch (const Poco::SyntaxException&) {
            send_error(response, 400, "malformed request URI");
        } catch (const std::exception& error) {
            logger().error("HTTP %s %s failed: %s", request.getMethod(), request.getURI(),
                           std::string(error.what()));
            if (!response.sent()) send_error(response, 500, "internal error");
        }
    }

  private:
    std::shared_ptr<const HttpRouter> router_;
    std::shared_ptr<const std::string> token_;
};

class RoutingFactory final : public Poco::Net::HTTPRequestHandlerFactory {
  public:
    RoutingFactory(std::shared_ptr<const HttpRouter> router,
                   const std::atomic<std::shared_ptr<const std::string>>& token)
        : router_(std::move(router)), token_(token) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest&) override {
        return new RoutingHandler(router_, token_.load());
    }

  private:
    std::shared_ptr<const HttpRouter> router_;
    const std::atomic<std::shared_ptr<const std::string>>& token_;
};

}  // namespace

void HttpRouter::add(std::string method, std::string path, HttpHandler handler) {
    routes_.push_back({std::move(method), std::move(path), false, std::move(handler)});
}

void HttpRouter::add_prefix(std::string method, std::string prefix, HttpHandler handler) {
    routes_.push_back({std::move(method), std::move(prefix), true, std::move(handler)});
}

void HttpRouter::dispatch(HttpExchange& exchange) const {
    std::string allowed;
    for (const Route& route : routes_) {
        const bool matches =
            route.prefix ? exchange.path.starts_with(route.path) : exchange.path == route.path;
        if (!matches) continue;
        if (route.method == exchange.request.getMethod()) {
            exchange.rest = std::string_view(exchange.path)
                                .substr(route.prefix ? route.path.size() : exchange.path.size());
            return route.handler(exchange);
        }
        allowed += (allowed.empty() ? "" : ", ") + route.method;
    }
    if (!allowed.empty()) {
        exchange.response.set("Allow", allowed);
        return send_error(exchange.response, 405,
                          "method not allowed: " + exchange.request.getMethod());
    }
    send_error(exchange.response, 404, "not found: " + exchange.path);
}

void send_json(Poco::Net::HTTPServerResponse& response, int status, const std::string& json) {
    send_text(response, status, "application/json; charset=utf-8", json);
}

void send_error(Poco::Net::HTTPServerResponse& response, int status, const std::string& message) {
    Poco::JSON::Object error;
    error.set("error", message);
    std::ostringstream json;
    error.stringify(json);
    send_json(response, status, json.str() + "\n");
}

void send_text(Poco::Net::HTTPServerResponse& response, int status, const std::string& content_type,
               const std::string& body) {
    // setStatus alone keeps the default reason, "OK", whatever the status.
    const auto code = static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status);
    response.setStatusAndReason(code, Poco::Net::HTTPResponse::getReasonForStatus(code));
    response.setContentType(content_type);
    response.setContentLength(static_cast<std::streamsize>(body.size()));
    response.send() << body;
}

std::optional<std::string> read_body(Poco::Net::HTTPServerRequest& request, std::size_t limit) {
    if (request.hasContentLength() &&
        request.getContentLength64() > static_cast<Poco::Int64>(limit)) {
        return std::nullopt;
    }
    std::string body;
    char buffer[8192];
    std::istream& stream = request.stream();
    while (stream.read(buffer, sizeof buffer) || stream.gcount() > 0) {
        body.append(buffer, static_cast<std::size_t>(stream.gcount()));
        if (body.size() > limit) return std::nullopt;
    }
    return body;
}

bool constant_time_equals(std::string_view left, std::string_view right) {
    unsigned char difference = left.size() == right.size() ? 0 : 1;
    const std::size_t length = std::max(left.size(), right.size());
    for (std::size_t i = 0; i < length; ++i) {
        const char a = i < left.size() ? left[i] : 0;
        const char b = i < right.size() ? right[i] : 0;
        difference |= static_cast<unsigned char>(a ^ b);
    }
    return difference == 0;
}

struct HttpServer::State {
    std::unique_ptr<Poco::ThreadPool> pool;
    std::unique_ptr<Poco::Net::HTTPServer> server;
};

HttpServer::HttpServer(HttpServerOptions options, std::shared_ptr<const HttpRouter> router)
    : options_(std::move(options)),
      router_(std::move(router)),
      token_(std::make_shared<const std::string>(options_.token)) {}

void HttpServer::set_token(std::string token) {
    token_.store(std::make_shared<const std::string>(std::move(token)));
}

HttpServer::~HttpServer() {
    stop();
}

void HttpServer::start() {
    const std::string host = options_.listen.host == "*" ? "0.0.0.0" : options_.listen.host;
    Poco::Net::ServerSocket socket;
    try {
        socket.bind(Poco::Net::SocketAddress(host, options_.listen.port), true);
        socket.listen(options_.max_queued);
    } catch (const Poco::Exception& error) {
        throw std::runtime_error("cannot listen on " + options_.listen.text() + ": " +
                                 error.displayText());
    }
    port_ = socket.address().port();
    auto params = Poco::makeAuto<Poco::Net::HTTPServerParams>();
    params->setMaxThreads(options_.threads);
    params->setMaxQueued(options_.max_queued);
    params->setKeepAlive(true);
    params->setKeepAliveTimeout(Poco::Timespan(5, 0));
    params->setTimeout(Poco::Timespan(10, 0));
    params->setServerName("mailpolicyd");
    state_ = std::make_unique<State>();
    state_->pool = std::make_unique<Poco::ThreadPool>(2, options_.threads);
    state_->server = std::make_unique<Poco::Net::HTTPServer>(
        Poco::makeShared<RoutingFactory>(router_, token_), *state_->pool, socket, params);
    state_->server->start();
}

void HttpServer::stop() {
    if (!state_) return;
    state_->server->stopAll(true);
    state_->pool->joinAll();
    state_.reset();
}

}  // namespace mailpolicy
