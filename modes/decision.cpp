// The Engine: finds who is local (sender, login, recipient), runs the applicable checks
// of SPEC §2 in order (sender's send, login's send, recipient's receive) and combines
// them: the first denial decides, else the first audit-only violation, else allowed.

#include "modes/decision.h"

#include <algorithm>
#include <array>
#include <cstdint>

#include "modes/direction_check.h"
#include "modes/text.h"

namespace mailpolicy {

namespace {

constexpr std::string_view kNoPolicyRule =
    "no policy applies: neither sender nor recipient is local";

// An envelope address as the engine holds it, parsed without allocating when plain;
// `valid` false means unparseable. Holders and peers borrow its view.
class ParsedAddress {
  public:
    ParsedAddress(std::string_view raw, std::string_view delimiters) {
        if (auto plain = parse_plain_address(raw, delimiters, buffer_)) {
            view_ = *plain;
            valid_ = true;
            return;
        }
        auto parsed = parse_address(raw, delimiters);
        if (auto* address = std::get_if<Address>(&parsed)) {
            general_ = std::move(*address);
            general_text_ = general_.text();
            view_ = AddressView::of(general_, general_text_);
            valid_ = true;
        }
    }
    ParsedAddress(const ParsedAddress&) = delete;  // views point into it
    ParsedAddress& operator=(const ParsedAddress&) = delete;

    // Starts loading what looking the address up will read: first the index slot, later
    // the account (see Directory::prefetch_address).
    void prefetch_slot(const Directory& directory) const {
        if (is_mailbox()) directory.prefetch_address(view_.text);
    }
    void prefetch_account(const Directory& directory) const {
        if (is_mailbox()) directory.prefetch_account(view_.text);
    }

    bool valid() const { return valid_; }
    bool is_mailbox() const { return valid_ && view_.kind == Address::Kind::Mailbox; }
    bool is_null() const { return valid_ && view_.is_null(); }
    const AddressView& view() const { return view_; }

  private:
    bool valid_ = false;
    AddressView view_;
    PlainAddressBuffer buffer_;
    Address general_;  // what parse_address made of an address that is not plain
    std::string general_text_;
};

HolderRef holder_of_account(const AccountMatch& match) {
    return {match.account, match.policy_class, match.domain, match.account->primary(),
            match.account->primary_domain()};
}

std::optional<HolderRef> holder_of(const ParsedAddress& parsed, const Directory& directory) {
    if (!parsed.is_mailbox()) return std::nullopt;
    const AddressView& address = parsed.view();
    if (const AccountMatch match = directory.match_address(address.text)) {
        return holder_of_account(match);
    }
    if (!directory.hosts_domain(address.domain)) return std::nullopt;
    return HolderRef{nullptr, nullptr, directory.domain_by_name(address.domain), address.text,
                     address.domain};
}

PolicyHolder to_policy_holder(const HolderRef& holder) {
    return {holder.account, holder.domain, std::string(holder.address),
            std::string(holder.domain_name)};
}

// The per-message part of a decision: sender and login parsed and looked up once.
// `first_recipient`, parsed and its slot prefetched before, gets its account prefetched
// alongside the sender's, so their cache misses overlap.
class MessageContext {
  public:
    MessageContext(const Envelope& envelope, const Directory& directory, const PolicyConfig& config,
                   const ParsedAddress* first_recipient = nullptr)
        : sender_(envelope.sender, config.recipient_delimiter) {
        sender_.prefetch_slot(directory);
        if (first_recipient) first_recipient->prefetch_account(directory);
        sender_.prefetch_account(directory);
        sender_holder_ = holder_of(sender_, directory);
        if (envelope.login) find_login_holder(*envelope.login, directory, config);
        sender_as_peer_.null_sender = sender_.is_null();
        if (sender_.valid()) sender_as_peer_.address = &sender_.view();
        if (sender_holder_ && config.verify_local_senders && !verified(envelope, config)) {
            sender_as_peer_.address = nullptr;
            sender_as_peer_.unverified_local_sender = true;
        }
    }
    MessageContext(const MessageContext&) = delete;
    MessageContext& operator=(const MessageContext&) = delete;

    const std::optional<HolderRef>& sender_holder() const { return sender_holder_; }
    // The login's holder when it is not the sender's (the same account counts once).
    const std::optional<HolderRef>& distinct_login_holder() const { return login_holder_; }
    const Peer& sender_as_peer() const { return sender_as_peer_; }

  private:
    static bool verified(const Envelope& envelope, const PolicyConfig& config) {
        if (envelope.login || envelope.path != SubmissionPath::Smtp) return true;
        return envelope.client && any_contains(config.trusted_networks, *envelope.client);
    }

    void find_login_holder(std::string_view login, const Directory& directory,
                           const PolicyConfig& config) {
        const std::string lowered = ascii_lowercase(trim_ascii_space(login));
        if (const AccountMatch match = directory.match_login(lowered)) {
            login_holder_ = holder_of_account(match);
        } else {
            login_address_.emplace(login, config.recipient_delimiter);
            login_holder_ = holder_of(*login_address_, directory);
        }
        if (login_holder_ && sender_holder_ && login_holder_->same_as(*sender_holder_)) {
            login_holder_.reset();
        }
    }

    ParsedAddress sender_;
    std::optional<ParsedAddress> login_address_;
    std::optional<HolderRef> sender_holder_;
    std::optional<HolderRef> login_holder_;
    Peer sender_as_peer_;
};

// Up to three checks, run in SPEC order; stops at the first denial, which decides.
struct CheckRun {
    std::array<DirectionCheck, 3> checks;
    std::size_t count = 0;

    bool denied() const { return count > 0 && checks[count - 1].outcome == Outcome::Denied; }
    void add(const DirectionCheck& check) { checks[count++] = check; }

    const DirectionCheck* deciding() const {
        if (count == 0) return nullptr;
        for (std::size_t i = 0; i < count; ++i) {
            if (checks[i].outcome == Outcome::Denied) return &checks[i];
        }
        for (std::size_t i = 0; i < count; ++i) {
            if (checks[i].outcome == Outcome::AuditOnly) return &checks[i];
        }
        return &checks[count - 1];
    }
};

Verdict verdict_from(std::string_view recipient, const CheckRun& run, const PolicyConfig& config) {
    Verdict verdict;
    const DirectionCheck* deciding = run.deciding();
    if (!deciding) {
        verdict.set_texts(
            recipient, {}, [](std::string& out) { out.append(kNoPolicyRule); }, {},
            [](std::string&) {});
        return verdict;
    }
    verdict.outcome = deciding->outcome;
    verdict.direction = deciding->direction;
    const bool allowed = deciding->outcome == Outcome::Allowed;
    if (!allowed) verdict.code = config.reject_code;
    verdict.set_texts(
        recipient, deciding->holder->address,
        [&](std::string& out) { append_rule(out, *deciding); },
        allowed ? std::string_view() : std::string_view(config.reject_status),
        [&](std::string& out) {
            if (!allowed) append_sanitized_reply_text(out, deciding->reject_text);
        });
    return verdict;
}

// `parsed` is `recipient` parsed (and prefetched) before the sender was looked up, so
// the two lookups' cache misses overlap.
Verdict decide_one(const MessageContext& message, std::string_view recipient,
                   const ParsedAddress& parsed, const Directory& directory,
                   const PolicyConfig& config) {
    const std::optional<HolderRef> recipient_holder = holder_of(parsed, directory);
    Peer recipient_as_peer;
    if (parsed.valid()) recipient_as_peer.address = &parsed.view();

    CheckRun run;
    if (const auto& sender = message.sender_holder()) {
        run.add(run_check(*sender, Direction::Send, recipient_as_peer, directory, config));
    }
    if (const auto& login = message.distinct_login_holder(); login && !run.denied()) {
        run.add(run_check(*login, Direction::Send, recipient_as_peer, directory, config));
    }
    if (recipient_holder && !run.denied()) {
        run.add(run_check(*recipient_holder, Direction::Receive, message.sender_as_peer(),
                          directory, config));
    }
    return verdict_from(recipient, run, config);
}

}  // namespace

Verdict& Verdict::operator=(const Verdict& other) {
    if (this == &other) return *this;
    storage_ = other.storage_;
    view_texts_like(other, other.storage_.data());
    return *this;
}

Verdict& Verdict::operator=(Verdict&& other) noexcept {
    if (this == &other) return *this;
    const char* other_base = other.storage_.data();
    storage_ = std::move(other.storage_);
    view_texts_like(other, other_base);
    // Its views pointed into the storage it gave away.
    other.recipient = other.account = other.rule = other.status = other.text = {};
    return *this;
}

void Verdict::view_texts_like(const Verdict& other, const char* other_base) {
    outcome = other.outcome;
    direction = other.direction;
    code = other.code;
    const auto begin = reinterpret_cast<std::uintptr_t>(other_base);
    auto view = [&](std::string_view theirs) {
        // Texts set by set_texts lie in the storage; any other (a default "") stays.
        const auto at = reinterpret_cast<std::uintptr_t>(theirs.data());
        if (at < begin || at > begin + storage_.size()) return theirs;
        return std::string_view(storage_.data() + (at - begin), theirs.size());
    };
    recipient = view(other.recipient);
    account = view(other.account);
    rule = view(other.rule);
    status = view(other.status);
    text = view(other.text);
}

std::string_view to_string(Outcome outcome) {
    switch (outcome) {
        case Outcome::Allowed:
            return "allowed";
        case Outcome::Denied:
            return "denied";
        case Outcome::AuditOnly:
            return "audit";
    }
    return "unknown";
}

Verdict Engine::decide(const Envelope& envelope, std::string_view recipient) const {
    const ParsedAddress parsed(recipient, config_.recipient_delimiter);
    parsed.prefetch_slot(directory_);
    const MessageContext message(envelope, directory_, config_, &parsed);
    return decide_one(message, recipient, parsed, directory_, config_);
}

std::vector<Verdict> Engine::decide(const Envelope& envelope,
                                    const std::vector<std::string>& recipients) const {
    const MessageContext message(envelope, directory_, config_);
    std::vector<Verdict> verdicts;
    verdicts.reserve(recipients.size());
    for (const std::string& recipient : recipients) {
        const ParsedAddress parsed(recipient, config_.recipient_delimiter);
        verdicts.push_back(decide_one(message, recipient, parsed, directory_, config_));
    }
    return verdicts;
}

std::optional<PolicyHolder> Engine::holder_for_address(const Address& address) const {
    const std::string text = address.text();
    if (address.kind != Address::Kind::Mailbox) return std::nullopt;
    if (const AccountMatch match = directory_.match_address(text)) {
        return to_policy_holder(holder_of_account(match));
    }
    if (!directory_.hosts_domain(address.domain)) return std::nullopt;
    return PolicyHolder{nullptr, directory_.domain_by_name(address.domain), text, address.domain};
}

std::optional<PolicyHolder> Engine::holder_for_login(std::string_view login) const {
    const std::string lowered = ascii_lowercase(trim_ascii_space(login));
    if (const AccountMatch match = directory_.match_login(lowered)) {
        return to_policy_holder(holder_of_account(match));
    }
    auto parsed = parse_address(login, config_.recipient_delimiter);
    if (auto* address = std::get_if<Address>(&parsed)) return holder_for_address(*address);
    return std::nullopt;
}

}  // namespace mailpolicy
