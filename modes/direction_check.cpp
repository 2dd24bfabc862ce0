// One direction check (SPEC §2): disabled allows; the mode judges the peer's domain
// against L; a matching exception flips that verdict; a violation is denied or, under
// audit enforcement, only recorded. Also renders the rule text others parse and show.

#include "modes/direction_check.h"

#include "modes/local_domains.h"

namespace mailpolicy {

namespace {

// The peer's domain if it can be local at all; outside peers give "".
std::string_view local_candidate_domain(const Peer& peer) {
    if (!peer.address || peer.address->kind != Address::Kind::Mailbox) return {};
    return peer.address->domain;
}

bool mode_allows(Mode mode, const HolderRef& holder, const Peer& peer, const Directory& directory,
                 const PolicyConfig& config) {
    const std::string_view domain = local_candidate_domain(peer);
    switch (mode) {
        case Mode::AllowAll:
            return true;
        case Mode::DenyAll:
            return false;
        case Mode::LocalOnly:
            return in_local_domains(domain, holder, directory, config.local_domains);
        case Mode::LocalAndSubdomains:
            return in_local_domains_or_subdomains(domain, holder, directory, config.local_domains);
    }
    return false;
}

const Pattern* matching_exception(const PatternList& patterns, const AddressView& address) {
    for (const Pattern& pattern : patterns) {
        if (pattern.matches(address)) return &pattern;
    }
    return nullptr;
}

void append_holder(std::string& out, const HolderRef& holder) {
    out.append(holder.account ? "account " : "address ").append(holder.address);
}

void append_mode(std::string& out, const DirectionCheck& check) {
    out.append("mode ").append(to_string(check.mode)).append(" (from ");
    check.mode_source.append_description(out);
    out.append(")");
}

}  // namespace

DirectionCheck run_check(const HolderRef& holder, Direction direction, const Peer& peer,
                         const Directory& directory, const PolicyConfig& config) {
    DirectionCheck check;
    check.direction = direction;
    check.holder = &holder;
    const InheritanceChain chain(holder.account, holder.policy_class, holder.domain);
    const auto enabled = chain.enabled(direction);
    if (!enabled.value) {
        check.kind = RuleKind::Disabled;
        check.enabled_source = enabled.source;
        return check;
    }
    if (direction == Direction::Receive && peer.null_sender &&
        config.null_sender == NullSender::Allow) {
        check.kind = RuleKind::NullSenderAllowed;
        return check;
    }
    const auto mode = chain.mode(direction, config);
    check.mode = mode.value;
    check.mode_source = mode.source;
    check.unverified_local_sender = peer.unverified_local_sender;
    bool allowed = mode_allows(mode.value, holder, peer, directory, config);
    if (peer.address) {
        const auto exceptions = chain.exceptions(direction);
        if (exceptions.value && *exceptions.value) {
            check.exception = matching_exception(**exceptions.value, *peer.address);
            check.exceptions_source = exceptions.source;
        }
    }
    check.kind = check.exception ? RuleKind::Exception : RuleKind::Mode;
    if (check.exception) allowed = !allowed;
    if (!allowed) {
        const bool audit = chain.enforcement(config).value == Enforcement::Audit;
        check.outcome = audit ? Outcome::AuditOnly : Outcome::Denied;
        check.reject_text = chain.reject_text(direction, config).value;
    }
    return check;
}

void append_rule(std::string& rule, const DirectionCheck& check) {
    rule.append(to_string(check.direction)).append(": ");
    switch (check.kind) {
        case RuleKind::Disabled:
            append_holder(rule, *check.holder);
            rule.append(" restrictions disabled (from ");
            check.enabled_source.append_description(rule);
            rule.append(")");
            return;
        case RuleKind::NullSenderAllowed:
            rule.append("null sender allowed (policy.null-sender = allow)");
            return;
        case RuleKind::Mode:
            append_holder(rule, *check.holder);
            rule.append(" ");
            append_mode(rule, check);
            break;
        case RuleKind::Exception:
            rule.append("exception ").append(check.exception->text()).append(" on ");
            check.exceptions_source.append_description(rule);
            rule.append(" flips ");
            append_mode(rule, check);
            break;
    }
    if (check.unverified_local_sender) rule.append(" (sender not verified: treated as outside)");
}

}  // namespace mailpolicy
