// Inheritance per SPEC §2: each setting resolves on its own, first found wins:
// account -> its class -> its domain -> server default -> built-in default.
// Each resolved value carries the entry it came from, for rules and `mailpolicy show`.
#pragma once

#include <string>
#include <vector>

#include "modes/directory.h"
#include "modes/network.h"
#include "modes/policy.h"

namespace mailpolicy {

// Server-wide settings from the [policy] section of the config (SPEC §4).
struct PolicyConfig {
    LocalDomains local_domains = LocalDomains::Account;
    Mode default_send_mode = Mode::AllowAll;
    Mode default_receive_mode = Mode::AllowAll;
    Enforcement enforcement = Enforcement::Enforce;
    std::vector<Network> trusted_networks;  // empty here; the config loader fills the default
    bool verify_local_senders = true;
    NullSender null_sender = NullSender::Allow;
    std::string recipient_delimiter = "+";
    int reject_code = 550;
    std::string reject_status = "5.7.1";
    std::string send_reject_text = "Sending to this recipient is not permitted";
    std::string receive_reject_text = "This recipient does not accept mail from the sender";
};

// Where a resolved setting came from.
struct Source {
    enum class Level { Account, Class, Domain, ServerDefault, BuiltIn };
    Level level = Level::BuiltIn;
    std::string name;  // account address, class DN, domain name; empty for defaults
    // "account alice@example.com", "class cn=…", "domain example.com",
    // "server default", "built-in default".
    std::string describe() const;
};

template <typename T>
struct Resolved {
    T value{};
    Source source;
};

struct ResolvedDirection {
    Resolved<bool> enabled;
    Resolved<Mode> mode;
    Resolved<PatternListPtr> exceptions;  // never null: an empty list when none
    Resolved<std::string> reject_text;    // sanitized to one line
};

// The identity whose policy applies: an account, or a local address without one
// (which gets its domain's policy).
struct PolicyHolder {
    const Account* account = nullptr;  // null for an address without an account entry
    const Domain* domain = nullptr;    // the domain entry of the holder's address, if any
    std::string address;               // the account's primary address, or the address
    std::string domain_name;           // domain of `address`
};

struct EffectivePolicy {
    PolicyHolder holder;
    const PolicyClass* policy_class = nullptr;
    ResolvedDirection send;
    ResolvedDirection receive;
    Resolved<Enforcement> enforcement;

    const ResolvedDirection& of(Direction direction) const {
        return direction == Direction::Send ? send : receive;
    }
};

EffectivePolicy resolve_policy(const PolicyHolder& holder, const Directory& directory,
                               const PolicyConfig& config);

// Replaces CR, LF and other control characters with spaces: reject texts are one line.
std::string sanitize_reply_text(std::string_view text);
void append_sanitized_reply_text(std::string& out, std::string_view text);

}  // namespace mailpolicy
