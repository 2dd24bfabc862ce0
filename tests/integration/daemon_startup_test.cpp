// The real mailpolicyd before it has any directory data: the LDAP server is unreachable
// and there is no cache file, so it must answer policy requests with the unavailable reply
// (Postfix then defers; nothing is let through unchecked), report not ready on /readyz,
// and still stop cleanly.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>

#include "tests/support/test_daemon.h"

namespace mailpolicy::test {
namespace {

using namespace std::chrono_literals;

std::map<std::string, std::string> rcpt_request() {
    return {{"request", "smtpd_access_policy"},
            {"protocol_state", "RCPT"},
            {"client_address", "192.0.2.10"},
            {"sender", "bob@example.com"},
            {"recipient", "someone@elsewhere.example"}};
}

// The reply once the policy port accepts connections.
std::string first_answer(int port) {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    for (;;) {
        try {
            return policy_action(port, rcpt_request());
        } catch (const std::runtime_error&) {
            if (std::chrono::steady_clock::now() > deadline) throw;
            std::this_thread::sleep_for(50ms);
        }
    }
}

TEST(DaemonStartupTest, WithoutDirectoryDataRequestsGetTheUnavailableAnswer) {
    TestDaemon::Options options;
    options.source = "ldap://127.0.0.1:" + std::to_string(free_loopback_port());
    options.base_dn = "dc=example,dc=test";
    options.wait_ready = false;
    TestDaemon daemon(options);

    EXPECT_EQ(first_answer(daemon.policy_port()), "451 4.3.0 Policy data temporarily unavailable")
        << daemon.output();
    EXPECT_EQ(http_get(daemon.http_port(), "/readyz").status, 503) << daemon.output();
    EXPECT_EQ(http_get(daemon.http_port(), "/healthz").status, 200) << daemon.output();
    EXPECT_EQ(daemon.stop(), 0) << daemon.output();
}

TEST(DaemonStartupTest, OnUnavailablePermitAnswersDunno) {
    TestDaemon::Options options;
    options.source = "ldap://127.0.0.1:" + std::to_string(free_loopback_port());
    options.base_dn = "dc=example,dc=test";
    options.settings["policy.on-unavailable"] = "permit";
    options.wait_ready = false;
    TestDaemon daemon(options);

    EXPECT_EQ(first_answer(daemon.policy_port()), "DUNNO") << daemon.output();
    EXPECT_EQ(daemon.stop(), 0) << daemon.output();
}

}  // namespace
}  // namespace mailpolicy::test
