// The policy model of SPEC §2: directions, modes, the settings one directory entry may
// carry, and the class and domain entries. Plain data, no logic beyond naming; the
// directory builds these, the engine reads them. Accounts are in account.h.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "modes/pattern.h"

namespace mailpolicy {

// One byte each: a million accounts carry these in their settings.
enum class Direction : std::uint8_t { Send, Receive };
enum class Mode : std::uint8_t { AllowAll, LocalOnly, LocalAndSubdomains, DenyAll };
enum class Enforcement : std::uint8_t { Enforce, Audit };
enum class LocalDomains { Account, Hosted };
enum class NullSender { Allow, External };
enum class SubmissionPath { Smtp, Sendmail, Http };

// Canonical spellings: "send", "localOnly", "enforce", "hosted", "smtp", ...
std::string_view to_string(Direction direction);
std::string_view to_string(Mode mode);
std::string_view to_string(Enforcement enforcement);
std::string_view to_string(SubmissionPath path);
std::string_view to_string(LocalDomains local_domains);  // "account", "hosted"
std::string_view to_string(NullSender null_sender);      // "allow", "external"
// Case-insensitive parsers for LDAP values and config; nullopt when not a known value.
std::optional<Mode> parse_mode(std::string_view text);
std::optional<Enforcement> parse_enforcement(std::string_view text);
std::optional<bool> parse_ldap_boolean(std::string_view text);  // TRUE / FALSE
std::optional<Direction> parse_direction(std::string_view text);
std::optional<SubmissionPath> parse_submission_path(std::string_view text);
std::optional<LocalDomains> parse_local_domains(std::string_view text);
std::optional<NullSender> parse_null_sender(std::string_view text);

// An optional text behind one pointer: reject texts are rare, and a million accounts
// should not each carry two empty std::optional<std::string> (40 bytes each).
class OptionalText {
  public:
    OptionalText() = default;
    OptionalText(std::string text) : text_(std::make_unique<const std::string>(std::move(text))) {}
    OptionalText(const char* text) : OptionalText(std::string(text)) {}
    OptionalText(std::optional<std::string> text) {
        if (text) text_ = std::make_unique<const std::string>(std::move(*text));
    }
    OptionalText(const OptionalText& other) { *this = other; }
    OptionalText& operator=(const OptionalText& other) {
        if (this != &other) {
            text_ = other.text_ ? std::make_unique<const std::string>(*other.text_) : nullptr;
        }
        return *this;
    }
    OptionalText(OptionalText&&) noexcept = default;
    OptionalText& operator=(OptionalText&&) noexcept = default;

    bool has_value() const { return text_ != nullptr; }
    explicit operator bool() const { return has_value(); }
    const std::string& operator*() const { return *text_; }
    friend bool operator==(const OptionalText& text, std::string_view other) {
        return text.has_value() && *text == other;
    }

  private:
    std::unique_ptr<const std::string> text_;
};

// The settings of one direction as stored on one entry. An empty optional means the
// entry does not set it (inherit).
struct DirectionSettings {
    std::optional<bool> enabled;
    std::optional<Mode> mode;
    PatternListPtr exceptions;  // null: not set here; non-null (maybe empty): taken whole
    OptionalText reject_text;
};

struct PolicySettings {
    DirectionSettings send;
    DirectionSettings receive;
    std::optional<Enforcement> enforcement;

    const DirectionSettings& of(Direction direction) const {
        return direction == Direction::Send ? send : receive;
    }
    DirectionSettings& of(Direction direction) {
        return direction == Direction::Send ? send : receive;
    }
};

// A class of service (objectClass mailPolicyClass).
struct PolicyClass {
    std::string dn;
    PolicySettings settings;
};

// A domain entry (objectClass mailPolicyDomain): the domain and its aliases, A-labels.
struct Domain {
    std::string dn;
    std::vector<std::string> names;  // names[0] is the first value as stored
    PolicySettings settings;
};

}  // namespace mailpolicy
