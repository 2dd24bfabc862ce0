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

// The texts are views into the verdict's own storage, one allocation per verdict (the
// engine makes millions); copies and moves point them into their own storage.
struct Verdict {
    std::string_view recipient;  // as given
    Outcome outcome = Outcome::Allowed;
    // The deciding check's direction: the first denying (or audit-only) check; for an
    // allowed recipient the last check that ran (Send when none applied).
    Direction direction = Direction::Send;
    std::string_view account;  // address whose policy decided ("" when no check applied)
    // e.g. "send: account alice@example.com mode localOnly (from domain example.com)"
    std::string_view rule;
    // For Denied and AuditOnly: the reply the policy asks for (code, status, one-line text).
    int code = 0;
    std::string_view status;
    std::string_view text;

    Verdict() = default;
    Verdict(const Verdict& other) { *this = other; }
    Verdict(Verdict&& other) noexcept { *this = std::move(other); }
    Verdict& operator=(const Verdict& other);
    Verdict& operator=(Verdict&& other) noexcept;

    // Sets the texts, stored back to back in one allocation: `append_rule(std::string&)`
    // and `append_reply_text(std::string&)` append theirs to the storage.
    template <typename AppendRule, typename AppendReplyText>
    void set_texts(std::string_view recipient_text, std::string_view account_text,
                   AppendRule append_rule, std::string_view status_text,
                   AppendReplyText append_reply_text) {
        storage_.clear();
        storage_.reserve(recipient_text.size() + account_text.size() + status_text.size() + 224);
        storage_.append(recipient_text).append(account_text);
        const std::size_t rule_start = storage_.size();
        append_rule(storage_);
        const std::size_t rule_end = storage_.size();
        storage_.append(status_text);
        append_reply_text(storage_);
        const char* base = storage_.data();
        recipient = {base, recipient_text.size()};
        account = {base + recipient_text.size(), account_text.size()};
        rule = {base + rule_start, rule_end - rule_start};
        status = {base + rule_end, status_text.size()};
        text = {base + rule_end + status_text.size(), storage_.size() - rule_end - status_text.size()};
    }

  private:
    // Points the texts at this verdict's storage, where `other`'s stand in its storage
    // (which started at `other_base`).
    void view_texts_like(const Verdict& other, const char* other_base);
    std::string storage_;
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
