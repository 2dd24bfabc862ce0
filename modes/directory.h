// The engine's one view of the directory: lookups by normalized address, login,
// domain name and class DN. ldap/ implements it over immutable snapshots; tests and
// benchmarks use MemoryDirectory. Implementations must be safe for concurrent reads.
#pragma once

#include <string_view>

#include "modes/account.h"
#include "modes/policy.h"

namespace mailpolicy {

// An account with the entries it inherits from: the class it names (if the directory
// has it) and the domain entry of its primary address (if there is one).
struct AccountMatch {
    const Account* account = nullptr;
    const PolicyClass* policy_class = nullptr;
    const Domain* domain = nullptr;

    explicit operator bool() const { return account != nullptr; }
};

class Directory {
  public:
    virtual ~Directory() = default;

    // By normalized address (any mail value or alias), e.g. "alice@example.com".
    virtual const Account* account_by_address(std::string_view address) const = 0;
    // By a login-attribute value (lowercase) or one of the account's addresses.
    virtual const Account* account_by_login(std::string_view login) const = 0;
    // By any of the domain entry's names (A-label, lowercase).
    virtual const Domain* domain_by_name(std::string_view name) const = 0;
    // By DN, compared case-insensitively.
    virtual const PolicyClass* class_by_dn(std::string_view dn) const = 0;
    // True if the directory hosts the domain: a domain entry names it, or some
    // account's mail value is in it (an alias address alone does not make it hosted).
    virtual bool hosts_domain(std::string_view domain) const = 0;

    // account_by_address / account_by_login with the account's class and domain entry,
    // as the engine needs them. Directories that keep these resolved answer in one probe;
    // the default looks them up by class DN and domain name.
    virtual AccountMatch match_address(std::string_view address) const {
        return with_entries(account_by_address(address));
    }
    virtual AccountMatch match_login(std::string_view login) const {
        return with_entries(account_by_login(login));
    }

    // Hints that match_address(address) follows soon, in two steps so that the cache
    // misses of the sender's and the recipient's lookups overlap: prefetch_address starts
    // loading the index slot; prefetch_account, called later, the account it points to.
    virtual void prefetch_address(std::string_view /*address*/) const {}
    virtual void prefetch_account(std::string_view /*address*/) const {}

    // The match for an account of this directory, looked up by class DN and domain name.
    AccountMatch with_entries(const Account* account) const;
};

}  // namespace mailpolicy
