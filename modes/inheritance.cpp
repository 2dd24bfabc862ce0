// First-found resolution over account -> class -> domain entry -> server default ->
// built-in default (SPEC §2). Enabled and exceptions have no server default.
// Not for: sanitizing texts or building EffectivePolicy (settings.cpp does that).

#include "modes/inheritance.h"

namespace mailpolicy {

void SourceRef::append_description(std::string& out) const {
    switch (level) {
        case Source::Level::Account:
            out.append("account ").append(name);
            return;
        case Source::Level::Class:
            out.append("class ").append(name);
            return;
        case Source::Level::Domain:
            out.append("domain ").append(name);
            return;
        case Source::Level::ServerDefault:
            out.append("server default");
            return;
        case Source::Level::BuiltIn:
            out.append("built-in default");
            return;
    }
}

InheritanceChain::InheritanceChain(const Account* account, const PolicyClass* policy_class,
                                   const Domain* domain) {
    if (account) {
        levels_[count_++] = {{Source::Level::Account, account->primary()}, &account->settings()};
    }
    if (policy_class) {
        levels_[count_++] = {{Source::Level::Class, policy_class->dn}, &policy_class->settings};
    }
    if (domain) {
        const std::string_view name = domain->names.empty() ? domain->dn : domain->names.front();
        levels_[count_++] = {{Source::Level::Domain, name}, &domain->settings};
    }
}

const PolicyClass* InheritanceChain::class_of(const Account* account, const Directory& directory) {
    if (!account) return nullptr;
    const auto class_dn = account->class_dn();
    return class_dn ? directory.class_by_dn(*class_dn) : nullptr;
}

Found<bool> InheritanceChain::enabled(Direction direction) const {
    if (const Level* level =
            first([&](const PolicySettings& s) { return s.of(direction).enabled.has_value(); })) {
        return {*level->settings->of(direction).enabled, level->source};
    }
    return {true, {Source::Level::BuiltIn, {}}};
}

Found<Mode> InheritanceChain::mode(Direction direction, const PolicyConfig& config) const {
    if (const Level* level =
            first([&](const PolicySettings& s) { return s.of(direction).mode.has_value(); })) {
        return {*level->settings->of(direction).mode, level->source};
    }
    const Mode configured =
        direction == Direction::Send ? config.default_send_mode : config.default_receive_mode;
    return {configured, {Source::Level::ServerDefault, {}}};
}

Found<const PatternListPtr*> InheritanceChain::exceptions(Direction direction) const {
    if (const Level* level =
            first([&](const PolicySettings& s) { return s.of(direction).exceptions != nullptr; })) {
        return {&level->settings->of(direction).exceptions, level->source};
    }
    return {nullptr, {Source::Level::BuiltIn, {}}};
}

Found<std::string_view> InheritanceChain::reject_text(Direction direction,
                                                      const PolicyConfig& config) const {
    if (const Level* level = first(
            [&](const PolicySettings& s) { return s.of(direction).reject_text.has_value(); })) {
        return {*level->settings->of(direction).reject_text, level->source};
    }
    const std::string& configured =
        direction == Direction::Send ? config.send_reject_text : config.receive_reject_text;
    return {configured, {Source::Level::ServerDefault, {}}};
}

Found<Enforcement> InheritanceChain::enforcement(const PolicyConfig& config) const {
    if (const Level* level =
            first([](const PolicySettings& s) { return s.enforcement.has_value(); })) {
        return {*level->settings->enforcement, level->source};
    }
    return {config.enforcement, {Source::Level::ServerDefault, {}}};
}

}  // namespace mailpolicy
