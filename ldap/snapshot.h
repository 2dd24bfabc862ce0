// The Snapshot the replica publishes: frozen copies of its sharded indexes plus counts.
// Immutable once built, so any number of threads may read it; it keeps every account,
// class and domain it can return alive through the shared pointers in its shards.
#pragma once

#include <chrono>
#include <cstdint>

#include "ldap/directory_source.h"
#include "ldap/snapshot_claims.h"
#include "modes/policy.h"

namespace mailpolicy {

// Where an index key lives inside the item that claims it (see ClaimIndex).
struct AccountAddressKeys {
    std::string_view operator()(const Account& account, std::string_view address) const;
};
struct AccountLoginKeys {
    std::string_view operator()(const Account& account, std::string_view login) const;
};
struct DomainNameKeys {
    std::string_view operator()(const Domain& domain, std::string_view name) const;
};

using AddressClaims = ClaimIndex<Account, 4096, AccountAddressKeys>;
using LoginClaims = ClaimIndex<Account, 4096, AccountLoginKeys>;
using DomainNameClaims = ClaimIndex<Domain, 64, DomainNameKeys>;
using ClassClaims = ClaimIndex<PolicyClass, 64>;  // key: normalize_dn(dn)

// The indexes, as the replica maintains them and a snapshot freezes them.
struct SnapshotIndexes {
    AddressClaims::Winners accounts_by_address;
    LoginClaims::Winners accounts_by_login;
    DomainNameClaims::Winners domains_by_name;
    ClassClaims::Winners classes_by_dn;
    ShardedIndex<std::uint32_t, 256> account_domains;  // domain -> addresses in it
    std::size_t account_count = 0;
    std::size_t class_count = 0;
    std::size_t domain_count = 0;
    std::size_t address_conflicts = 0;
};

class ReplicaSnapshot final : public Snapshot {
  public:
    ReplicaSnapshot(SnapshotIndexes indexes, std::chrono::system_clock::time_point built_at)
        : indexes_(std::move(indexes)), built_at_(built_at) {}

    const Account* account_by_address(std::string_view address) const override;
    const Account* account_by_login(std::string_view login) const override;
    const Domain* domain_by_name(std::string_view name) const override;
    const PolicyClass* class_by_dn(std::string_view dn) const override;
    bool hosts_domain(std::string_view domain) const override;
    void prefetch_address(std::string_view address) const override;
    void prefetch_account(std::string_view address) const override;

    std::size_t account_count() const override { return indexes_.account_count; }
    std::size_t class_count() const override { return indexes_.class_count; }
    std::size_t domain_count() const override { return indexes_.domain_count; }
    std::size_t address_conflicts() const override { return indexes_.address_conflicts; }
    std::chrono::system_clock::time_point built_at() const override { return built_at_; }

  private:
    const SnapshotIndexes indexes_;
    const std::chrono::system_clock::time_point built_at_;
};

}  // namespace mailpolicy
