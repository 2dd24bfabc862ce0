// IP addresses and CIDR networks (IPv4 and IPv6) for policy.trusted-networks.
// Pure parsing and comparison; no name resolution.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace mailpolicy {

struct IpAddress {
    // IPv4 addresses are stored IPv4-mapped (::ffff:a.b.c.d) so one network list serves both.
    std::array<std::uint8_t, 16> bytes{};
    static std::optional<IpAddress> parse(std::string_view text);
    bool operator==(const IpAddress&) const = default;
};

struct Network {
    IpAddress base;
    unsigned prefix_length = 128;  // in the 128-bit space
    // "127.0.0.0/8", "::1/128", "192.0.2.1" (a host). Error text on failure.
    static std::variant<Network, std::string> parse(std::string_view text);
    bool contains(const IpAddress& address) const;
};

bool any_contains(const std::vector<Network>& networks, const IpAddress& address);

}  // namespace mailpolicy
