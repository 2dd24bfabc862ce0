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

// The indexes, as the replica maintains them and a snapshot freezes them.
struct SnapshotIndexes {
    ClaimIndex<Account>::Winners accounts_by_address;
    ClaimIndex<Account>::Winners accounts_by_login;
    ClaimIndex<Domain, 64>::Winners domains_by_name;
    ClaimIndex<PolicyClass, 64>::Winners classes_by_dn;  // key: normalize_dn()
    ShardedIndex<std::uint32_t> account_domains;         // domain -> addresses in it
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
