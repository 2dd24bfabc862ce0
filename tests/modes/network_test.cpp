// Trusted networks: IPv4 and IPv6 parsing, CIDR containment, IPv4-mapped addresses
// matching IPv4 networks, and refusals with a reason.

#include "modes/network.h"

#include <gtest/gtest.h>

namespace mailpolicy {
namespace {

IpAddress ip(std::string_view text) {
    auto parsed = IpAddress::parse(text);
    EXPECT_TRUE(parsed.has_value()) << text;
    return parsed.value_or(IpAddress{});
}

Network net(std::string_view text) {
    auto parsed = Network::parse(text);
    EXPECT_TRUE(std::holds_alternative<Network>(parsed)) << text;
    return std::holds_alternative<Network>(parsed) ? std::get<Network>(parsed) : Network{};
}

TEST(IpAddress, ParsesBothFamiliesAndStoresIpv4Mapped) {
    EXPECT_EQ(ip("127.0.0.1"), ip("::ffff:127.0.0.1"));
    EXPECT_EQ(ip("[::1]"), ip("::1"));
    EXPECT_EQ(ip("2001:DB8::1"), ip("2001:db8::1"));
    EXPECT_EQ(ip("192.0.2.1").bytes[15], 1);
    EXPECT_EQ(ip("192.0.2.1").bytes[10], 0xff);
}

TEST(IpAddress, RefusesWhatIsNotAnAddress) {
    for (const char* text :
         {"", "1.2.3", "1.2.3.256", "host.example", "::g", "[::1", "fe80::1%eth0", " 1.2.3.4"}) {
        EXPECT_FALSE(IpAddress::parse(text).has_value()) << text;
    }
}

struct Containment {
    std::string network;
    std::string address;
    bool contained;
};

void PrintTo(const Containment& value, std::ostream* out) {
    *out << value.network << " " << value.address;
}

class NetworkContainment : public testing::TestWithParam<Containment> {};

TEST_P(NetworkContainment, FollowsThePrefix) {
    EXPECT_EQ(net(GetParam().network).contains(ip(GetParam().address)), GetParam().contained)
        << GetParam().network << " " << GetParam().address;
}

INSTANTIATE_TEST_SUITE_P(Rules, NetworkContainment,
                         testing::Values(Containment{"127.0.0.0/8", "127.1.2.3", true},
                                         Containment{"127.0.0.0/8", "128.0.0.1", false},
                                         Containment{"127.0.0.0/8", "::ffff:127.0.0.1", true},
                                         Containment{"::1/128", "::1", true},
                                         Containment{"::1/128", "::2", false},
                                         Containment{"192.0.2.1", "192.0.2.1", true},
                                         Containment{"192.0.2.1", "192.0.2.2", false},
                                         Containment{"10.0.0.0/9", "10.127.255.255", true},
                                         Containment{"10.0.0.0/9", "10.128.0.0", false},
                                         Containment{"0.0.0.0/0", "203.0.113.9", true},
                                         Containment{"0.0.0.0/0", "2001:db8::1", false},
                                         Containment{"2001:db8::/32", "2001:db8:ffff::1", true},
                                         Containment{"2001:db8::/33", "2001:db8:8000::1", false},
                                         Containment{"192.0.2.77/24", "192.0.2.1", true}));

TEST(Network, Ipv4PrefixIsCountedInTheMappedSpace) {
    EXPECT_EQ(net("127.0.0.0/8").prefix_length, 104u);
    EXPECT_EQ(net("::1").prefix_length, 128u);
    EXPECT_EQ(net("192.0.2.1").prefix_length, 128u);
}

TEST(Network, HostBitsAreMaskedOff) {
    EXPECT_EQ(net("192.0.2.77/24").base, ip("192.0.2.0"));
}

TEST(Network, RefusesWithReasons) {
    for (const char* text : {"127.0.0.0/33", "::/129", "127.0.0.0/", "127.0.0.0/x", "127.0.0.0/8/8",
                             "nonsense/8", "/8"}) {
        auto parsed = Network::parse(text);
        ASSERT_TRUE(std::holds_alternative<std::string>(parsed)) << text;
        EXPECT_FALSE(std::get<std::string>(parsed).empty()) << text;
    }
    EXPECT_EQ(std::get<std::string>(Network::parse("127.0.0.0/33")),
              "prefix length 33 out of range (0-32)");
}

TEST(Network, AnyContainsChecksEveryNetwork) {
    const std::vector<Network> trusted{net("127.0.0.0/8"), net("::1/128")};
    EXPECT_TRUE(any_contains(trusted, ip("127.0.0.1")));
    EXPECT_TRUE(any_contains(trusted, ip("::1")));
    EXPECT_FALSE(any_contains(trusted, ip("192.0.2.1")));
    EXPECT_FALSE(any_contains({}, ip("127.0.0.1")));
}

}  // namespace
}  // namespace mailpolicy
