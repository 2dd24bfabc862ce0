// The decision of SPEC §2 for each recipient of one message: the sender's send policy,
// the login's send policy, the recipient's receive policy; every applicable check must
// allow. Pure: reads the directory, writes nothing, never throws on bad addresses.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "modes/directory.h"
#include "modes/network.h"
#include "modes/settings.h"

namespace mailpolicy {

// One message's envelope as the edges hand it over (raw texts; the engine parses them
// and treats an unparseable address as an outside address that no pattern matches).
struct Envelope {
    std::string sender;                // "" or "<>" for the null sender
    std::optional<std::string> login;  // authenticated login (SASL username), if any
    std::optional<IpAddress> client;   // client address, if known
    SubmissionPath path = SubmissionPath::Smtp;
};

enum class Outcome { Allowed, Denied, AuditOnly };
std::string_view to_string(Outcome outcome);  // "allowed", "denied", "audit"

struct Verdict {
    std::string recipient;  // as given
    Outcome outcome = Outcome::Allowed;
    // The deciding check's direction: the first denying (or audit-only) check; for an
    // allowed recipient the last check that ran (Send when none applied).
    Direction direction = Direction::Send;
    std::string account;  // address whose policy decided ("" when no check applied)
    // e.g. "send: account alice@example.com mode localOnly (from domain example.com)"
    std::string rule;
    // For Denied and AuditOnly: the reply the policy asks for (code, status, one-line text).
    int code = 0;
    std::string status;
    std::string text;
};

class Engine {
  public:
    Engine(const Directory& directory, const PolicyConfig& config)
        : directory_(directory), config_(config) {}

    Verdict decide(const Envelope& envelope, std::string_view recipient) const;
    std::vector<Verdict> decide(const Envelope& envelope,
                                const std::vector<std::string>& recipients) const;

    // The identity whose policy applies to an address, if the address is local.
    std::optional<PolicyHolder> holder_for_address(const Address& address) const;
    // The identity of a login (login attribute, or one of an account's addresses).
    std::optional<PolicyHolder> holder_for_login(std::string_view login) const;

  private:
    const Directory& directory_;
    const PolicyConfig& config_;
};

}  // namespace mailpolicy
