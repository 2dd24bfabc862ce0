// listen.request-timeout and listen.max-connections-per-peer as an admin writes them:
// the defaults of SPEC §4, values taken as given, and a bad value refused with a message
// naming the key, the value and what is allowed.
#include <gtest/gtest.h>

#include "module/config.h"

namespace mailpolicy {
namespace {

std::string error_for(const std::string& key, const std::string& value) {
    try {
        config_from_values({{key, value}});
    } catch (const ConfigError& error) {
        return error.what();
    }
    return "";
}

TEST(ListenLimitsConfig, DefaultsAreThoseOfTheSpec) {
    const Config config = config_from_values({});
    EXPECT_EQ(config.listen.request_timeout, std::chrono::seconds(10));
    EXPECT_EQ(config.listen.max_connections_per_peer, 256u);
}

TEST(ListenLimitsConfig, ValuesAreTakenAsGiven) {
    const Config config = config_from_values(
        {{"listen.request-timeout", "3"}, {"listen.max-connections-per-peer", "0"}});
    EXPECT_EQ(config.listen.request_timeout, std::chrono::seconds(3));
    EXPECT_EQ(config.listen.max_connections_per_peer, 0u);
}

TEST(ListenLimitsConfig, BadValuesNameTheKeyAndWhatIsAllowed) {
    EXPECT_EQ(error_for("listen.request-timeout", "0"),
              "bad value \"0\" for listen.request-timeout: expected a whole number from 1 to 3600");
    EXPECT_EQ(error_for("listen.request-timeout", "10s"),
              "bad value \"10s\" for listen.request-timeout: expected a whole number from 1 to "
              "3600");
    EXPECT_EQ(
        error_for("listen.max-connections-per-peer", "-1"),
        "bad value \"-1\" for listen.max-connections-per-peer: expected a whole number from 0 "
        "to 1000000");
}

}  // namespace
}  // namespace mailpolicy
