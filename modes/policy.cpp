// Names of the policy model's values (SPEC §2, §4) and their case-insensitive parsers.
// Not for: validating whole entries; the directory mapping decides what to do with
// an unknown value (nullopt here).

#include "modes/policy.h"

#include "modes/text.h"

namespace mailpolicy {

namespace {

template <typename Value, std::size_t Count>
std::optional<Value> lookup(std::string_view text,
                            const std::pair<std::string_view, Value> (&names)[Count]) {
    for (const auto& [name, value] : names) {
        if (iequals_ascii(text, name)) return value;
    }
    return std::nullopt;
}

constexpr std::pair<std::string_view, Mode> kModes[] = {
    {"allowAll", Mode::AllowAll},
    {"localOnly", Mode::LocalOnly},
    {"localAndSubdomains", Mode::LocalAndSubdomains},
    {"denyAll", Mode::DenyAll},
};
constexpr std::pair<std::string_view, Enforcement> kEnforcements[] = {
    {"enforce", Enforcement::Enforce},
    {"audit", Enforcement::Audit},
};
constexpr std::pair<std::string_view, bool> kBooleans[] = {{"TRUE", true}, {"FALSE", false}};
constexpr std::pair<std::string_view, Direction> kDirections[] = {
    {"send", Direction::Send},
    {"receive", Direction::Receive},
};
constexpr std::pair<std::string_view, SubmissionPath> kPaths[] = {
    {"smtp", SubmissionPath::Smtp},
    {"sendmail", SubmissionPath::Sendmail},
    {"http", SubmissionPath::Http},
};
constexpr std::pair<std::string_view, LocalDomains> kLocalDomains[] = {
    {"account", LocalDomains::Account},
    {"hosted", LocalDomains::Hosted},
};
constexpr std::pair<std::string_view, NullSender> kNullSenders[] = {
    {"allow", NullSender::Allow},
    {"external", NullSender::External},
};

template <typename Value, std::size_t Count>
std::string_view name_of(Value value, const std::pair<std::string_view, Value> (&names)[Count]) {
    for (const auto& [name, candidate] : names) {
        if (candidate == value) return name;
    }
    return "unknown";
}

}  // namespace

std::string_view to_string(Direction direction) {
    return name_of(direction, kDirections);
}
std::string_view to_string(Mode mode) {
    return name_of(mode, kModes);
}
std::string_view to_string(Enforcement enforcement) {
    return name_of(enforcement, kEnforcements);
}
std::string_view to_string(SubmissionPath path) {
    return name_of(path, kPaths);
}
std::string_view to_string(LocalDomains local_domains) {
    return name_of(local_domains, kLocalDomains);
}
std::string_view to_string(NullSender null_sender) {
    return name_of(null_sender, kNullSenders);
}

std::optional<Mode> parse_mode(std::string_view text) {
    return lookup(text, kModes);
}
std::optional<Enforcement> parse_enforcement(std::string_view text) {
    return lookup(text, kEnforcements);
}
std::optional<bool> parse_ldap_boolean(std::string_view text) {
    return lookup(text, kBooleans);
}
std::optional<Direction> parse_direction(std::string_view text) {
    return lookup(text, kDirections);
}
std::optional<SubmissionPath> parse_submission_path(std::string_view text) {
    return lookup(text, kPaths);
}
std::optional<LocalDomains> parse_local_domains(std::string_view text) {
    return lookup(text, kLocalDomains);
}
std::optional<NullSender> parse_null_sender(std::string_view text) {
    return lookup(text, kNullSenders);
}

}  // namespace mailpolicy
