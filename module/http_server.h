// The HTTP server of SPEC §4 on Poco's HTTPServer with an explicitly sized thread pool
// and queue, and a router: a table of method + path (or path prefix) -> handler, so the
// /v1/ endpoints can be added beside the health ones. Every /v1/ request needs the
// bearer token when one is configured. Errors are JSON: {"error": "…"}.
#pragma once

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "module/listen_address.h"

namespace mailpolicy {

struct HttpServerOptions {
    ListenAddress listen;
    std::string token;  // empty: /v1/ is open (only allowed on loopback, see config)
    int threads = 16;
    int max_queued = 256;
};

struct HttpExchange {
    Poco::Net::HTTPServerRequest& request;
    Poco::Net::HTTPServerResponse& response;
    std::string path;       // percent-decoded, without the query
    std::string_view rest;  // for prefix routes: the part of `path` after the prefix
    std::string query;      // raw query string, without '?'
};

using HttpHandler = std::function<void(HttpExchange&)>;

class HttpRouter {
  public:
    // Exact path, e.g. ("GET", "/healthz").
    void add(std::string method, std::string path, HttpHandler handler);
    // Every path starting with `prefix`, e.g. ("GET", "/v1/policy/").
    void add_prefix(std::string method, std::string prefix, HttpHandler handler);

    // Runs the matching handler, or answers 404 / 405.
    void dispatch(HttpExchange& exchange) const;

  private:
    struct Route {
        std::string method;
        std::string path;
        bool prefix = false;
        HttpHandler handler;
    };
    std::vector<Route> routes_;
};

// Response helpers for handlers.
void send_json(Poco::Net::HTTPServerResponse& response, int status, const std::string& json);
void send_error(Poco::Net::HTTPServerResponse& response, int status, const std::string& message);
void send_text(Poco::Net::HTTPServerResponse& response, int status, const std::string& content_type,
               const std::string& body);
// The request body, or nullopt when it is longer than `limit` bytes.
std::optional<std::string> read_body(Poco::Net::HTTPServerRequest& request, std::size_t limit);

// Compares in time that depends only on the lengths, not on where the texts differ.
bool constant_time_equals(std::string_view left, std::string_view right);

class HttpServer {
  public:
    HttpServer(HttpServerOptions options, std::shared_ptr<const HttpRouter> router);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Binds and starts serving. Throws std::runtime_error naming the address.
    void start();
    void stop();
    std::uint16_t port() const { return port_; }
    // Replaces the bearer token (SIGHUP re-reads the token file); requests already
    // being handled keep the token they started with.
    void set_token(std::string token);

  private:
    struct State;
    HttpServerOptions options_;
    std::shared_ptr<const HttpRouter> router_;
    std::atomic<std::shared_ptr<const std::string>> token_;
    std::unique_ptr<State> state_;
    std::uint16_t port_ = 0;
};

}  // namespace mailpolicy
