// The engine's one view of the directory: lookups by normalized address, login,
// domain name and class DN. ldap/ implements it over immutable snapshots; tests and
// benchmarks use MemoryDirectory. Implementations must be safe for concurrent reads.
#pragma once

#include <string_view>

#include "modes/account.h"
#include "modes/policy.h"

namespace mailpolicy {

class Directory {
  public:
    virtual ~Directory() = default;

    // By normalized address (primary or alias), e.g. "alice@example.com".
    virtual const Account* account_by_address(std::string_view address) const = 0;
    // By a login-attribute value (lowercase) or one of the account's addresses.
    virtual const Account* account_by_login(std::string_view login) const = 0;
    // By any of the domain entry's names (A-label, lowercase).
    virtual const Domain* domain_by_name(std::string_view name) const = 0;
    // By DN, compared case-insensitively.
    virtual const PolicyClass* class_by_dn(std::string_view dn) const = 0;
    // True if the directory hosts the domain: a domain entry names it, or some
    // account's address is in it.
    virtual bool hosts_domain(std::string_view domain) const = 0;
};

}  // namespace mailpolicy
