// The model's directory and decision (SPEC §2 "Who is restricted", "Domain aliases are
// the same mailboxes", "Local domains", "Inheritance", "Modes", "Exceptions flip the
// mode's verdict", "Fail closed", "One message, both directions", "Anti-spoofing").

#include "tests/support/spec_model.h"

#include <algorithm>

namespace mailpolicy::spec_model {

namespace {

using random_directory::RawDirection;
using random_directory::RawSettings;

std::string lower(std::string_view text) {
    std::string result(text);
    for (char& c : result) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    }
    return result;
}

std::string trimmed(std::string_view text) {
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
    return std::string(text);
}

// "Setting values are trimmed and matched case-insensitively; an unknown mode counts as
// denyAll, an unknown enforcement as enforce, an unknown enabled as TRUE".
Mode mode_value(const std::string& raw) {
    const std::string value = lower(trimmed(raw));
    if (value == "allowall") return Mode::AllowAll;
    if (value == "localonly") return Mode::LocalOnly;
    if (value == "localandsubdomains") return Mode::LocalAndSubdomains;
    return Mode::DenyAll;
}
bool enabled_value(const std::string& raw) {
    return lower(trimmed(raw)) != "false";
}
Enforcement enforcement_value(const std::string& raw) {
    return lower(trimmed(raw)) == "audit" ? Enforcement::Audit : Enforcement::Enforce;
}

const RawDirection& of(const RawSettings& settings, Direction direction) {
    return direction == Direction::Send ? settings.send : settings.receive;
}

}  // namespace

Model::Model(const random_directory::World& world) : world_(world) {
    const auto& directory = world_.directory;
    for (std::size_t d = 0; d < directory.domains.size(); ++d) {
        std::vector<std::string> names;
        for (const std::string& name : directory.domains[d].names) {
            names.push_back(read_address("x@" + name).domain);
            domain_entry_[names.back()] = d;
            hosted_.insert(names.back());
        }
        std::sort(names.begin(), names.end());
        domain_names_.push_back(std::move(names));
    }
    for (const auto& policy_class : directory.classes) {
        classes_[lower(policy_class.dn)] = &policy_class.settings;
    }
    for (const auto& raw : directory.accounts) {
        Account& account = accounts_.emplace_back();
        account.dn = lower(raw.dn);
        account.settings = &raw.settings;
        if (raw.class_dn) account.class_dn = lower(*raw.class_dn);
        for (const std::string& mail : raw.mail) {
            const ModelAddress address = read_address(mail, false);
            account.addresses.push_back(address.text());
            account.mail_domains.push_back(address.domain);
            hosted_.insert(address.domain);  // alias values host nothing
        }
        account.primary = *std::min_element(account.addresses.begin(), account.addresses.end());
        for (const std::string& alias : raw.aliases) {
            account.addresses.push_back(read_address(alias, false).text());
        }
    }
    for (std::size_t a = 0; a < accounts_.size(); ++a) {
        auto claim = [&](std::map<std::string, std::size_t>& owners, const std::string& key) {
            auto [position, inserted] = owners.try_emplace(key, a);
            if (!inserted && accounts_[a].dn < accounts_[position->second].dn) position->second = a;
        };
        for (const std::string& address : accounts_[a].addresses) claim(owner_, address);
        for (const std::string& uid : directory.accounts[a].uids) claim(login_owner_, lower(uid));
    }
}

std::optional<Model::Holder> Model::holder_of(const ModelAddress& address) const {
    if (address.kind != ModelAddress::Kind::Mailbox) return std::nullopt;
    if (auto owner = owner_.find(address.text()); owner != owner_.end()) {
        return Holder{owner->second, address,
                      accounts_[owner->second].primary.substr(
                          accounts_[owner->second].primary.rfind('@') + 1)};
    }
    if (auto entry = domain_entry_.find(address.domain); entry != domain_entry_.end()) {
        for (const std::string& name : domain_names_[entry->second]) {  // lowest name first
            if (name == address.domain) continue;
            if (auto owner = owner_.find(address.local + "@" + name); owner != owner_.end()) {
                return holder_of(ModelAddress{address.kind, address.local, name});
            }
        }
    }
    if (!hosted_.count(address.domain)) return std::nullopt;
    return Holder{std::nullopt, address, address.domain};
}

std::optional<std::size_t> Model::account_of_login(std::string_view login) const {
    if (auto owner = login_owner_.find(lower(trimmed(login))); owner != login_owner_.end()) {
        return owner->second;
    }
    const ModelAddress address = read_address(login);
    if (auto owner = owner_.find(address.text()); owner != owner_.end()) return owner->second;
    return std::nullopt;
}

// Account, its class, its domain entry: "first found wins".
std::vector<Model::Level> Model::levels(const Holder& holder) const {
    std::vector<Level> result;
    if (holder.account) {
        const Account& account = accounts_[*holder.account];
        result.push_back({account.settings});
        if (account.class_dn) {
            if (auto found = classes_.find(*account.class_dn); found != classes_.end()) {
                result.push_back({found->second});
            }
        }
    }
    if (auto entry = domain_entry_.find(holder.domain); entry != domain_entry_.end()) {
        result.push_back({&world_.directory.domains[entry->second].settings});
    }
    return result;
}

std::set<std::string> Model::local_domains(const Holder& holder) const {
    if (world_.config.local_domains == LocalDomains::Hosted) return hosted_;
    std::vector<std::string> domains = {holder.address.domain};
    if (holder.account) domains = accounts_[*holder.account].mail_domains;
    std::set<std::string> result(domains.begin(), domains.end());
    for (const std::string& domain : domains) {
        if (auto entry = domain_entry_.find(domain); entry != domain_entry_.end()) {
            result.insert(domain_names_[entry->second].begin(), domain_names_[entry->second].end());
        }
    }
    return result;
}

bool Model::mode_allows(Mode mode, const Holder& holder, const ModelAddress* peer) const {
    if (mode == Mode::AllowAll) return true;
    if (mode == Mode::DenyAll || !peer || peer->kind != ModelAddress::Kind::Mailbox) return false;
    const std::set<std::string> local = local_domains(holder);
    if (local.count(peer->domain)) return true;
    if (mode == Mode::LocalOnly) return false;
    for (const std::string& domain : local) {
        if (peer->domain.size() > domain.size() + 1 && peer->domain.ends_with("." + domain)) {
            return true;
        }
    }
    return false;
}

Model::CheckResult Model::check(const Holder& holder, Direction direction, const ModelAddress& peer,
                                bool unverified_sender) const {
    const std::vector<Level> chain = levels(holder);
    auto first = [&](auto has) -> const RawDirection* {
        for (const Level& level : chain) {
            if (has(of(*level.settings, direction))) return &of(*level.settings, direction);
        }
        return nullptr;
    };
    CheckResult result;
    const RawDirection* enabled =
        first([](const RawDirection& d) { return d.enabled.has_value(); });
    if (enabled && !enabled_value(*enabled->enabled)) return result;  // "allows everything"
    if (direction == Direction::Receive && peer.kind == ModelAddress::Kind::Null &&
        world_.config.null_sender == NullSender::Allow) {
        return result;
    }
    const RawDirection* mode_level =
        first([](const RawDirection& d) { return d.mode.has_value(); });
    const Mode mode = mode_level                     ? mode_value(*mode_level->mode)
                      : direction == Direction::Send ? world_.config.default_send_mode
                                                     : world_.config.default_receive_mode;
    bool allowed = mode_allows(mode, holder, &peer);
    if (const RawDirection* listed =
            first([](const RawDirection& d) { return d.exceptions.has_value(); })) {
        bool hit = false;
        for (const std::string& raw : *listed->exceptions) {
            const auto pattern = read_pattern(raw);
            const Match match = pattern ? matches(*pattern, peer) : Match::No;
            hit = hit || match == Match::Yes;
            result.open = result.open || match == Match::Open;
        }
        if (hit) {
            allowed = !allowed;
            result.open = false;  // one certain hit flips, whatever the open ones say
        }
    }
    // "must allow it twice: as the address it claims, and as an outside sender that no
    // exception pattern matches".
    if (unverified_sender) allowed = allowed && mode_allows(mode, holder, nullptr);
    if (allowed) return result;
    result.violated = true;
    std::optional<std::string> enforcement;
    for (const Level& level : chain) {
        if (level.settings->enforcement) {
            enforcement = level.settings->enforcement;
            break;
        }
    }
    const Enforcement enforced =
        enforcement ? enforcement_value(*enforcement) : world_.config.enforcement;
    result.outcome = enforced == Enforcement::Audit ? Outcome::AuditOnly : Outcome::Denied;
    result.candidate.direction = direction;
    if (holder.account) {
        result.candidate.accounts = {accounts_[*holder.account].primary};
    } else {
        result.candidate.accounts = {holder.address.text(), holder.address.quoted_text()};
    }
    const RawDirection* text =
        first([](const RawDirection& d) { return d.reject_text.has_value(); });
    result.candidate.text = text                           ? trimmed(*text->reject_text)
                            : direction == Direction::Send ? world_.config.send_reject_text
                                                           : world_.config.receive_reject_text;
    return result;
}

// "A recipient is allowed only if every applicable check allows it."
Expectation Model::combine(const std::vector<CheckResult>& checks) const {
    Expectation expectation;
    for (const CheckResult& check : checks) {
        if (check.open) {
            expectation.specified = false;
            expectation.open_because = "a pattern's match depends on an unspecified spelling";
            return expectation;
        }
    }
    for (Outcome outcome : {Outcome::Denied, Outcome::AuditOnly}) {
        for (const CheckResult& check : checks) {
            if (check.violated && check.outcome == outcome) {
                expectation.outcome = outcome;
                expectation.candidates.push_back(check.candidate);
            }
        }
        if (!expectation.candidates.empty()) break;
    }
    expectation.status = world_.config.reject_status;
    return expectation;
}

Expectation Model::decide_checks(const Envelope& envelope, const ModelAddress& sender,
                                 const ModelAddress& recipient, bool unverified) const {
    std::vector<CheckResult> checks;
    const auto sender_holder = holder_of(sender);
    if (sender_holder) checks.push_back(check(*sender_holder, Direction::Send, recipient, false));
    if (envelope.login) {
        const auto login = account_of_login(*envelope.login);
        if (login && !(sender_holder && sender_holder->account == login)) {
            const Account& account = accounts_[*login];
            const ModelAddress primary = read_address(account.primary, false);
            checks.push_back(
                check(Holder{login, primary, primary.domain}, Direction::Send, recipient, false));
        }
    }
    if (const auto recipient_holder = holder_of(recipient)) {
        checks.push_back(check(*recipient_holder, Direction::Receive, sender,
                               unverified && sender_holder.has_value()));
    }
    return combine(checks);
}

Expectation Model::decide(const Envelope& envelope, std::string_view recipient_text) const {
    const ModelAddress sender = read_address(envelope.sender);
    const ModelAddress recipient = read_address(recipient_text);
    using Kind = ModelAddress::Kind;
    const bool postmaster = recipient.kind == Kind::NoDomain && recipient.local == "postmaster";
    Expectation refused;
    refused.outcome = Outcome::Denied;
    if (postmaster || (sender.kind == Kind::NoDomain && recipient.kind == Kind::NoDomain)) {
        refused.specified = false;
        refused.open_because = "bare postmaster, or neither address has a domain";
        if (postmaster) refused.forbidden_statuses = {"5.1.3"};
        return refused;
    }
    if (sender.kind == Kind::NoDomain || recipient.kind == Kind::NoDomain) {
        refused.status = sender.kind == Kind::NoDomain ? "5.1.7" : "5.1.3";
        return refused;
    }
    const bool verified =
        envelope.login || envelope.path != SubmissionPath::Smtp ||
        (envelope.client && any_contains(world_.config.trusted_networks, *envelope.client));
    const bool unverified = world_.config.verify_local_senders && !verified;
    Expectation expectation = decide_checks(envelope, sender, recipient, unverified);
    // "a sender address in a local domain": an account's alias in a domain nobody hosts
    // may or may not be meant; only where both readings agree is the answer SPEC's.
    if (unverified && sender.kind == Kind::Mailbox && !hosted_.count(sender.domain)) {
        const Expectation other = decide_checks(envelope, sender, recipient, false);
        if (other.specified != expectation.specified || other.outcome != expectation.outcome) {
            expectation.specified = false;
            expectation.open_because = "unverified sender alias in a domain nobody hosts";
        }
    }
    return expectation;
}

}  // namespace mailpolicy::spec_model
