// Parsing of listen addresses. Validation uses inet_pton so what is accepted here is
// exactly what the servers can bind later.
#include "module/listen_address.h"

#include <arpa/inet.h>

#include <charconv>

namespace mailpolicy {

namespace {

bool is_ipv4(const std::string& host) {
    in_addr address{};
    return inet_pton(AF_INET, host.c_str(), &address) == 1;
}

bool is_ipv6(const std::string& host) {
    in6_addr address{};
    return inet_pton(AF_INET6, host.c_str(), &address) == 1;
}

std::variant<std::uint16_t, std::string> parse_port(std::string_view text) {
    unsigned value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc{} || end != text.data() + text.size() || value > 65535) {
        return std::string("port must be a number from 0 to 65535");
    }
    return static_cast<std::uint16_t>(value);
}

}  // namespace

std::variant<ListenAddress, std::string> ListenAddress::parse(std::string_view text) {
    ListenAddress address;
    if (text.starts_with("unix:")) {
        address.kind = Kind::Unix;
        address.path = std::string(text.substr(5));
        if (!address.path.starts_with('/')) return std::string("unix socket path must be absolute");
        if (address.path.size() > 100) return std::string("unix socket path is too long");
        return address;
    }
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::string("no :port");
    std::string_view host = text.substr(0, colon);
    if (host.starts_with('[') && host.ends_with(']')) {
        host = host.substr(1, host.size() - 2);
        if (!is_ipv6(std::string(host))) return std::string("not an IPv6 address in brackets");
    }
    address.host = host == "localhost" ? "127.0.0.1" : std::string(host);
    if (address.host != "*" && !is_ipv4(address.host) && !is_ipv6(address.host)) {
        return std::string("host must be an IP address, localhost or *");
    }
    if (address.host.find(':') != std::string::npos && !text.starts_with('[')) {
        return std::string("write IPv6 addresses in brackets: [::1]:port");
    }
    auto port = parse_port(text.substr(colon + 1));
    if (auto* error = std::get_if<std::string>(&port)) return *error;
    address.port = std::get<std::uint16_t>(port);
    return address;
}

bool ListenAddress::is_loopback() const {
    if (kind == Kind::Unix) return true;
    if (host == "::1") return true;
    in_addr v4{};
    if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
    return false;
}

std::string ListenAddress::text() const {
    if (kind == Kind::Unix) return "unix:" + path;
    const bool bracket = host.find(':') != std::string::npos;
    return (bracket ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

}  // namespace mailpolicy
