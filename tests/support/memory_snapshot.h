// A Snapshot over modes' MemoryDirectory, for tests of the daemon's edges (policy server,
// HTTP) that need a published directory but not a replica. Build `directory`, set
// `built` if the test reads the snapshot's age, then publish it.
#pragma once

#include <chrono>

#include "ldap/directory_source.h"
#include "modes/memory_directory.h"

namespace mailpolicy {

class MemorySnapshot final : public Snapshot {
  public:
    MemoryDirectory directory;
    std::chrono::system_clock::time_point built = std::chrono::system_clock::now();

    const Account* account_by_address(std::string_view address) const override {
        return directory.account_by_address(address);
    }
    const Account* account_by_login(std::string_view login) const override {
        return directory.account_by_login(login);
    }
    const Domain* domain_by_name(std::string_view name) const override {
        return directory.domain_by_name(name);
    }
    const PolicyClass* class_by_dn(std::string_view dn) const override {
        return directory.class_by_dn(dn);
    }
    bool hosts_domain(std::string_view domain) const override {
        return directory.hosts_domain(domain);
    }
    std::size_t account_count() const override { return directory.account_count(); }
    // MemoryDirectory does not count its classes and domains; no edge test reads them.
    std::size_t class_count() const override { return 0; }
    std::size_t domain_count() const override { return 0; }
    std::size_t address_conflicts() const override { return directory.address_conflicts(); }
    std::chrono::system_clock::time_point built_at() const override { return built; }
};

}  // namespace mailpolicy
