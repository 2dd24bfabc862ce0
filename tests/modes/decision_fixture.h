// The shared scene of the decision tests: example.com (alias example.net) with alice,
// bob and a domain entry; other.org hosted through carol's account only; a contractors
// class. Tests set the settings their rule needs, then decide. Not a test itself.
#pragma once

#include <gtest/gtest.h>

#include <optional>

#include "modes/decision.h"
#include "modes/memory_directory.h"
#include "tests/modes/entry_builders.h"

namespace mailpolicy::testing_support {

inline constexpr const char* kClassDn = "cn=contractors,ou=classes,dc=example,dc=com";

// partner.com and outside.test are not hosted.
class Decisions : public testing::Test {
  protected:
    AccountFields alice = account("uid=alice,dc=example,dc=com", "alice@example.com",
                            {"a.smith@example.com"}, {"alice"});
    AccountFields bob = account("uid=bob,dc=example,dc=com", "bob@example.com", {}, {"bob"});
    AccountFields carol = account("uid=carol,dc=other,dc=org", "carol@other.org", {}, {"carol"});
    Domain example = domain("dc=example,dc=com", {"example.com", "example.net"});
    PolicyClass contractors = policy_class(kClassDn);
    PolicyConfig config;

    Verdict decide(const Envelope& envelope, std::string_view recipient) {
        build();
        return Engine(directory_, config).decide(envelope, recipient);
    }
    const Engine& engine() {
        build();
        engine_.emplace(directory_, config);
        return *engine_;
    }
    static Envelope from(std::string sender, std::optional<std::string> login = std::nullopt) {
        Envelope envelope;
        envelope.sender = std::move(sender);
        envelope.login = std::move(login);
        return envelope;
    }
    // A sender the anti-spoofing rule accepts as local: it came through sendmail.
    static Envelope from_verified(std::string sender) {
        Envelope envelope = from(std::move(sender));
        envelope.path = SubmissionPath::Sendmail;
        return envelope;
    }

  private:
    void build() {
        if (built_) return;
        built_ = true;
        directory_.add(alice);
        directory_.add(bob);
        directory_.add(carol);
        directory_.add(example);
        directory_.add(contractors);
    }
    bool built_ = false;
    MemoryDirectory directory_;
    std::optional<Engine> engine_;
};

}  // namespace mailpolicy::testing_support
