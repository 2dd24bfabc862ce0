// IPv4/IPv6 addresses and CIDR networks for policy.trusted-networks. IPv4 is kept
// IPv4-mapped so one 128-bit comparison serves both families. A network written with
// host bits set ("192.0.2.1/24") is accepted and masked to its network, as most MTAs do.

#include "modes/network.h"

#include <arpa/inet.h>

#include <charconv>

namespace mailpolicy {

namespace {

// inet_pton needs a NUL-terminated string; addresses are short, so a stack copy does.
constexpr std::size_t kMaxAddressText = 64;

bool copy_terminated(std::string_view text, char (&buffer)[kMaxAddressText]) {
    if (text.empty() || text.size() >= kMaxAddressText) return false;
    text.copy(buffer, text.size());
    buffer[text.size()] = '\0';
    return true;
}

std::optional<IpAddress> parse_ipv4(const char* text) {
    std::uint8_t octets[4];
    if (inet_pton(AF_INET, text, octets) != 1) return std::nullopt;
    IpAddress address;
    address.bytes[10] = 0xff;
    address.bytes[11] = 0xff;
    for (int i = 0; i < 4; ++i) address.bytes[12 + i] = octets[i];
    return address;
}

std::optional<IpAddress> parse_ipv6(const char* text) {
    IpAddress address;
    if (inet_pton(AF_INET6, text, address.bytes.data()) != 1) return std::nullopt;
    return address;
}

bool is_ipv4_text(std::string_view text) {
    return text.find(':') == std::string_view::npos;
}

}  // namespace

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
    if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
        text = text.substr(1, text.size() - 2);
    }
    char buffer[kMaxAddressText];
    if (!copy_terminated(text, buffer)) return std::nullopt;
    return is_ipv4_text(text) ? parse_ipv4(buffer) : parse_ipv6(buffer);
}

std::variant<Network, std::string> Network::parse(std::string_view text) {
    const std::size_t slash = text.find('/');
    const std::string_view address_text = text.substr(0, slash);
    const auto address = IpAddress::parse(address_text);
    if (!address) return "invalid address '" + std::string(address_text) + "'";

    const unsigned family_bits = is_ipv4_text(address_text) ? 32 : 128;
    unsigned prefix = family_bits;
    if (slash != std::string_view::npos) {
        const std::string_view digits = text.substr(slash + 1);
        const auto [end, ec] =
            std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
        if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) {
            return "invalid prefix length '" + std::string(digits) + "'";
        }
        if (prefix > family_bits) {
            return "prefix length " + std::string(digits) + " out of range (0-" +
                   std::to_string(family_bits) + ")";
        }
    }
    Network network;
    network.prefix_length = prefix + (128 - family_bits);
    network.base = *address;
    for (unsigned bit = network.prefix_length; bit < 128; ++bit) {
        network.base.bytes[bit / 8] &= static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
    }
    return network;
}

bool Network::contains(const IpAddress& address) const {
    const unsigned whole_bytes = prefix_length / 8;
    for (unsigned i = 0; i < whole_bytes; ++i) {
        if (address.bytes[i] != base.bytes[i]) return false;
    }
    const unsigned rest = prefix_length % 8;
    if (rest == 0) return true;
    const auto mask = static_cast<std::uint8_t>(0xffu << (8 - rest));
    return (address.bytes[whole_bytes] & mask) == (base.bytes[whole_bytes] & mask);
}

bool any_contains(const std::vector<Network>& networks, const IpAddress& address) {
    for (const Network& network : networks) {
        if (network.contains(address)) return true;
    }
    return false;
}

}  // namespace mailpolicy
