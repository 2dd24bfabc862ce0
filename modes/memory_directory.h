// A plain in-memory Directory built by adding entries: the reference implementation
// used by tests and benchmarks. Build it, then only read it.
// Duplicate addresses resolve to the lowest DN (case-insensitive), as SPEC §3 says.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "modes/account_index.h"
#include "modes/directory.h"
#include "modes/text_hash.h"

namespace mailpolicy {

class MemoryDirectory final : public Directory {
  public:
    // Adds an entry (DNs are unique). Returns the number of address conflicts the add
    // caused: addresses also claimed by another account (the lowest DN keeps them).
    std::size_t add(const AccountFields& account);
    void add(PolicyClass policy_class);
    void add(Domain domain);

    const Account* account_by_address(std::string_view address) const override;
    const Account* account_by_login(std::string_view login) const override;
    const Domain* domain_by_name(std::string_view name) const override;
    const PolicyClass* class_by_dn(std::string_view dn) const override;
    bool hosts_domain(std::string_view domain) const override;
    // From the index slot, where each account's class and domain entry are kept resolved
    // (entries added later re-resolve them all: add classes and domains first).
    AccountMatch match_address(std::string_view address) const override;
    AccountMatch match_login(std::string_view login) const override;
    void prefetch_address(std::string_view address) const override;
    void prefetch_account(std::string_view address) const override;

    std::size_t account_count() const { return accounts_.size(); }
    std::size_t address_conflicts() const { return address_conflicts_; }

  private:
    void link(AccountMatch& match) const;
    void relink_all();

    struct Hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view text) const {
            return hash_text(text);
        }
    };
    template <typename T>
    using Index = std::unordered_map<std::string, T, Hash, std::equal_to<>>;
    // DNs compare case-insensitively; hashing and comparing that way avoids a lowercase
    // copy on every class lookup.
    struct CaseInsensitiveHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view text) const;
    };
    struct CaseInsensitiveEqual {
        using is_transparent = void;
        bool operator()(std::string_view a, std::string_view b) const;
    };

    std::vector<Account::Pointer> accounts_;
    AccountIndex by_address_{AccountIndex::Keys::Addresses};
    AccountIndex by_login_{AccountIndex::Keys::Logins};
    Index<std::unique_ptr<Domain>> domains_by_dn_;
    Index<const Domain*> domains_by_name_;
    std::unordered_map<std::string, std::unique_ptr<PolicyClass>, CaseInsensitiveHash,
                       CaseInsensitiveEqual>
        classes_;  // key: DN, compared case-insensitively
    // Every hosted domain -> number of mail values in it (0: named by a domain entry only).
    Index<std::size_t> account_domains_;
    std::size_t address_conflicts_ = 0;
};

}  // namespace mailpolicy
