// Mapping of raw entries to the engine's types. Runs on the source thread only (the
// intern table is not shared). Warnings go to the "mailpolicyd.ldap" logger; values are
// quoted as found so an admin can grep for them.
#include "ldap/entry_mapping.h"

#include <Poco/Logger.h>

#include <algorithm>
#include <cctype>
#include <variant>

#include "modes/address.h"

namespace mailpolicy {

namespace {

std::string lowercase(std::string_view text) {
    std::string result(text);
    for (char& c : result) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return result;
}

void warn(const Entry& entry, std::string_view attribute, std::string_view value,
          std::string_view reason) {
    Poco::Logger::get("mailpolicyd.ldap")
        .warning("%s: ignoring %s value \"%s\": %s", entry.dn, std::string(attribute),
                 std::string(value), std::string(reason));
}

// Policy attribute names (lowercase) per direction.
struct DirectionAttributes {
    std::string enabled, mode, exception, reject_text;
};
const DirectionAttributes send_attributes{"mailpolicysendenabled", "mailpolicysendmode",
                                          "mailpolicysendexception", "mailpolicysendrejecttext"};
const DirectionAttributes receive_attributes{"mailpolicyreceiveenabled", "mailpolicyreceivemode",
                                             "mailpolicyreceiveexception",
                                             "mailpolicyreceiverejecttext"};

// A mailbox address as stored in LDAP (no extension removal), or nullopt with a warning.
std::optional<std::string> stored_address(const Entry& entry, std::string_view attribute,
                                          std::string_view value) {
    auto parsed = parse_address(value, "");
    if (auto* error = std::get_if<AddressError>(&parsed)) {
        warn(entry, attribute, value, error->reason);
        return std::nullopt;
    }
    const auto& address = std::get<Address>(parsed);
    if (address.kind != Address::Kind::Mailbox) {
        warn(entry, attribute, value, "not a mailbox address");
        return std::nullopt;
    }
    return address.text();
}

}  // namespace

std::string normalize_dn(std::string_view dn) {
    std::string result;
    result.reserve(dn.size());
    bool escaped = false;
    bool after_separator = true;  // spaces here lead a component and are dropped
    std::size_t value_end = 0;    // result size up to the last character that must stay
    for (char c : dn) {
        bool separator = !escaped && (c == ',' || c == '=' || c == '+');
        if (separator) {
            result.resize(value_end);  // trailing spaces of the component
        } else if (c == ' ' && !escaped && after_separator) {
            continue;
        }
        result.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
        if (c != ' ' || escaped) value_end = result.size();
        after_separator = separator;
        escaped = !escaped && c == '\\';
    }
    result.resize(value_end);
    return result;
}

EntryMapper::EntryMapper(const DirectoryConfig& config)
    : account_filter_(
          EntryFilter::parse(config.account_filter.empty() ? "(mail=*)" : config.account_filter)),
      base_dn_(normalize_dn(config.base_dn)),
      login_attribute_(lowercase(config.login_attribute)) {
    for (const auto& attribute : config.alias_attributes) {
        if (!attribute.empty()) alias_attributes_.push_back(lowercase(attribute));
    }
    read_attributes_ = {"objectclass", "mail", "mailpolicyclassdn", "mailpolicydomainname",
                        "mailpolicyenforcement"};
    for (const auto* names : {&send_attributes, &receive_attributes}) {
        for (const auto* name :
             {&names->enabled, &names->mode, &names->exception, &names->reject_text}) {
            read_attributes_.push_back(*name);
        }
    }
    read_attributes_.insert(read_attributes_.end(), alias_attributes_.begin(),
                            alias_attributes_.end());
    if (!login_attribute_.empty()) read_attributes_.push_back(login_attribute_);
    for (const auto& name : account_filter_.attributes()) {
        read_attributes_.push_back(name);
        if (name == "objectclass") filter_reads_object_class_ = true;
    }
    std::sort(read_attributes_.begin(), read_attributes_.end());
    read_attributes_.erase(std::unique(read_attributes_.begin(), read_attributes_.end()),
                           read_attributes_.end());
}

bool EntryMapper::reads_attribute(std::string_view lowercase_name) const {
    return std::binary_search(read_attributes_.begin(), read_attributes_.end(), lowercase_name);
}

bool EntryMapper::keeps_value(std::string_view lowercase_name, std::string_view value) const {
    if (!reads_attribute(lowercase_name)) return false;
    if (lowercase_name != "objectclass" || filter_reads_object_class_) return true;
    return lowercase(value) == "mailpolicyclass" || lowercase(value) == "mailpolicydomain";
}

bool EntryMapper::in_scope(const Entry& entry) const {
    if (base_dn_.empty()) return true;
    std::string dn = normalize_dn(entry.dn);
    if (dn.size() < base_dn_.size() ||
        dn.compare(dn.size() - base_dn_.size(), base_dn_.size(), base_dn_) != 0) {
        return false;
    }
    return dn.size() == base_dn_.size() || dn[dn.size() - base_dn_.size() - 1] == ',';
}

MappedEntry EntryMapper::map(const Entry& entry) {
    MappedEntry mapped;
    if (!in_scope(entry)) return mapped;
    if (entry.has_object_class("mailPolicyClass")) {
        auto policy_class = std::make_shared<PolicyClass>();
        policy_class->dn = entry.dn;
        policy_class->settings = settings(entry);
        mapped.policy_class = std::move(policy_class);
    }
    if (entry.has_object_class("mailPolicyDomain")) mapped.domain = map_domain(entry);
    if (account_filter_.matches(entry)) mapped.account = map_account(entry);
    return mapped;
}

std::shared_ptr<const Account> EntryMapper::map_account(const Entry& entry) {
    // Every value of mail is the account's (SPEC §2); Account::make keeps the lowest as
    // the primary, so the result does not depend on the order the server sends them in.
    AccountFields account;
    for (const auto& value : entry.values("mail")) {
        auto address = stored_address(entry, "mail", value);
        if (!address) continue;
        if (account.primary.empty()) {
            account.primary = std::move(*address);
        } else if (*address != account.primary &&
                   std::find(account.other_mail.begin(), account.other_mail.end(), *address) ==
                       account.other_mail.end()) {
            account.other_mail.push_back(std::move(*address));
        }
    }
    if (account.primary.empty()) return nullptr;
    account.dn = entry.dn;
    for (const auto& attribute : alias_attributes_) {
        for (const auto& value : entry.values(attribute)) {
            auto alias = stored_address(entry, attribute, value);
            if (!alias || *alias == account.primary) continue;
            if (std::find(account.other_mail.begin(), account.other_mail.end(), *alias) !=
                account.other_mail.end()) {
                continue;
            }
            if (std::find(account.aliases.begin(), account.aliases.end(), *alias) ==
                account.aliases.end()) {
                account.aliases.push_back(std::move(*alias));
            }
        }
    }
    if (!login_attribute_.empty()) {
        for (const auto& value : entry.values(login_attribute_)) {
            std::string login = lowercase(value);
            if (login.empty()) continue;
            if (std::find(account.logins.begin(), account.logins.end(), login) ==
                account.logins.end()) {
                account.logins.push_back(std::move(login));
            }
        }
    }
    if (auto class_dn = entry.first("mailpolicyclassdn"); !class_dn.empty()) {
        account.class_dn = std::string(class_dn);
    }
    account.settings = settings(entry);
    return Account::make(account);
}

std::shared_ptr<const Domain> EntryMapper::map_domain(const Entry& entry) {
    auto domain = std::make_shared<Domain>();
    domain->dn = entry.dn;
    for (const auto& value : entry.values("mailpolicydomainname")) {
        auto name = normalize_domain(value);
        if (auto* error = std::get_if<AddressError>(&name)) {
            warn(entry, "mailPolicyDomainName", value, error->reason);
            continue;
        }
        auto& text = std::get<std::string>(name);
        if (std::find(domain->names.begin(), domain->names.end(), text) == domain->names.end()) {
            domain->names.push_back(std::move(text));
        }
    }
    if (domain->names.empty()) return nullptr;
    domain->settings = settings(entry);
    return domain;
}

PolicySettings EntryMapper::settings(const Entry& entry) {
    PolicySettings result;
    result.send = direction(entry, Direction::Send);
    result.receive = direction(entry, Direction::Receive);
    if (auto value = entry.first("mailpolicyenforcement"); !value.empty()) {
        result.enforcement = parse_enforcement(value);
        if (!result.enforcement)
            warn(entry, "mailPolicyEnforcement", value, "not enforce or audit");
    }
    return result;
}

DirectionSettings EntryMapper::direction(const Entry& entry, Direction which) {
    const auto& names = which == Direction::Send ? send_attributes : receive_attributes;
    DirectionSettings result;
    if (auto value = entry.first(names.enabled); !value.empty()) {
        result.enabled = parse_ldap_boolean(value);
        if (!result.enabled) warn(entry, names.enabled, value, "not TRUE or FALSE");
    }
    if (auto value = entry.first(names.mode); !value.empty()) {
        result.mode = parse_mode(value);
        if (!result.mode) warn(entry, names.mode, value, "unknown mode");
    }
    result.exceptions = exceptions(entry, names.exception);
    if (const auto& values = entry.values(names.reject_text); !values.empty()) {
        result.reject_text = values.front();
    }
    return result;
}

PatternListPtr EntryMapper::exceptions(const Entry& entry, const std::string& attribute) {
    const auto& values = entry.values(attribute);
    if (values.empty()) return nullptr;
    std::string key;
    for (const auto& value : values) key.append(value).push_back('\0');
    auto [position, inserted] = interned_.try_emplace(std::move(key));
    InternedList& interned = position->second;
    if (inserted) {
        auto patterns = std::make_shared<PatternList>();
        for (const auto& value : values) {
            auto compiled = Pattern::compile(value);
            if (auto* reason = std::get_if<std::string>(&compiled)) {
                interned.invalid.emplace_back(value, *reason);
            } else {
                patterns->push_back(std::move(std::get<Pattern>(compiled)));
            }
        }
        interned.patterns = std::move(patterns);
    }
    for (const auto& [value, reason] : interned.invalid) warn(entry, attribute, value, reason);
    PatternListPtr result = interned.patterns;
    if (interned_.size() > interned_limit_) {
        // Drop lists no entry uses any more; keeps the table proportional to live lists.
        std::erase_if(interned_,
                      [](const auto& item) { return item.second.patterns.use_count() == 1; });
        interned_limit_ = std::max<std::size_t>(1024, 2 * interned_.size());
    }
    return result;
}

}  // namespace mailpolicy
