// One direction check of SPEC §2 for one holder against one peer: enabled, the mode
// over the local-domain set, exceptions flipping the verdict, enforcement; and the rule
// text explaining it. Internal to the engine; borrows everything, allocates nothing.
#pragma once

#include <string>
#include <string_view>

#include "modes/address.h"
#include "modes/decision.h"
#include "modes/inheritance.h"

namespace mailpolicy {

// The identity a check applies to, borrowed from the directory or the parsed envelope.
struct HolderRef {
    const Account* account = nullptr;
    const PolicyClass* policy_class = nullptr;  // the class the account names, if any
    const Domain* domain = nullptr;             // the domain entry of the holder's address
    std::string_view address;        // the account's primary address, or the local address
    std::string_view domain_name;    // domain of `address`

    // One identity: the same account, or for account-less holders the same address.
    bool same_as(const HolderRef& other) const {
        if (account || other.account) return account == other.account;
        return address == other.address;
    }
};

// The other party of a check. A peer without `address` is an outside address that no
// exception pattern matches (unparseable, or a local sender that was not verified).
struct Peer {
    const AddressView* address = nullptr;
    bool null_sender = false;
    bool unverified_local_sender = false;  // anti-spoofing applied: add it to the rule
};

enum class RuleKind { Disabled, NullSenderAllowed, Mode, Exception };

struct DirectionCheck {
    Direction direction = Direction::Send;
    const HolderRef* holder = nullptr;
    Outcome outcome = Outcome::Allowed;
    RuleKind kind = RuleKind::Mode;
    SourceRef enabled_source;  // for Disabled
    Mode mode = Mode::AllowAll;
    SourceRef mode_source;
    const Pattern* exception = nullptr;  // the matching pattern, for Exception
    SourceRef exceptions_source;
    bool unverified_local_sender = false;
    std::string_view reject_text;  // unsanitized; set when the check does not allow
};

DirectionCheck run_check(const HolderRef& holder, Direction direction, const Peer& peer,
                         const Directory& directory, const PolicyConfig& config);

// Appends the rule, e.g. "send: account alice@example.com mode localOnly (from domain
// example.com)".
void append_rule(std::string& rule, const DirectionCheck& check);

}  // namespace mailpolicy
