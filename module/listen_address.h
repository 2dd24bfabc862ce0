// Listen addresses of SPEC §4: "host:port", "[v6]:port" or "unix:/path". Parsed once
// when the config is read; binding happens in the servers. The host is an IP literal,
// "localhost" or "*" (every interface): names are not resolved, so start-up never waits on DNS.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace mailpolicy {

struct ListenAddress {
    enum class Kind { Tcp, Unix };
    Kind kind = Kind::Tcp;
    std::string host;  // IP literal without brackets, or "*" for every interface
    std::uint16_t port = 0;
    std::string path;  // for Unix

    // Error text on failure, e.g. "no :port".
    static std::variant<ListenAddress, std::string> parse(std::string_view text);
    // True for 127.0.0.0/8, ::1 and Unix sockets (reachable only from this host).
    bool is_loopback() const;
    // As written in logs: "127.0.0.1:10045", "[::1]:10045", "unix:/run/x.sock".
    std::string text() const;
};

}  // namespace mailpolicy
