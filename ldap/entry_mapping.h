// Entry -> Account / PolicyClass / Domain per SPEC §3 under a DirectoryConfig. Bad
// values (mode, boolean, enforcement, pattern, address) are ignored with a warning
// naming the DN, attribute and value; they never widen a policy. Identical exception
// lists are interned: entries with the same values share one PatternListPtr.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ldap/directory_source.h"
#include "ldap/entry.h"
#include "ldap/entry_filter.h"
#include "modes/policy.h"

namespace mailpolicy {

// Lowercase (ASCII) DN with the spaces around ',', '=' and '+' removed, for comparing
// DNs as LDAP does in practice ("CN=Staff, DC=Example" equals "cn=staff,dc=example").
std::string normalize_dn(std::string_view dn);

// What one entry contributes to the directory (any, all or none of these).
struct MappedEntry {
    std::shared_ptr<const Account> account;
    std::shared_ptr<const PolicyClass> policy_class;
    std::shared_ptr<const Domain> domain;
};

class EntryMapper {
  public:
    // Throws std::invalid_argument when the account filter does not parse.
    explicit EntryMapper(const DirectoryConfig& config);

    MappedEntry map(const Entry& entry);
    // The lowercase attribute names mapping reads; the replica keeps only these.
    bool reads_attribute(std::string_view lowercase_name) const;
    // Whether the replica must keep this value: objectClass values other than ours are
    // dropped unless the account filter reads objectClass (they are most of an entry).
    bool keeps_value(std::string_view lowercase_name, std::string_view value) const;

  private:
    struct InternedList {
        PatternListPtr patterns;
        std::vector<std::pair<std::string, std::string>> invalid;  // value, reason
    };

    std::shared_ptr<const Account> map_account(const Entry& entry);
    std::shared_ptr<const Domain> map_domain(const Entry& entry);
    PolicySettings settings(const Entry& entry);
    DirectionSettings direction(const Entry& entry, Direction which);
    PatternListPtr exceptions(const Entry& entry, const std::string& attribute);
    bool in_scope(const Entry& entry) const;

    EntryFilter account_filter_;
    std::string base_dn_;  // normalized; empty: everything is in scope
    std::vector<std::string> alias_attributes_;
    std::string login_attribute_;
    std::vector<std::string> read_attributes_;  // sorted
    bool filter_reads_object_class_ = false;
    std::unordered_map<std::string, InternedList> interned_;
    std::size_t interned_limit_ = 1024;
};

}  // namespace mailpolicy
