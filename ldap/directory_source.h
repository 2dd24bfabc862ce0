// Directory sources publish immutable snapshots of the directory for the engine.
// Implementations: ldif_source.cpp (a file), ldap_source.cpp (RFC 4533 syncrepl or
// polling), both able to fall back to the cache file. Lookups never wait for a source.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "modes/directory.h"

namespace mailpolicy {

// The [directory] section of the config (SPEC §4).
struct DirectoryConfig {
    std::string source = "ldif:/etc/mailpolicyd/directory.ldif";
    std::string base_dn;
    std::string bind_dn;
    std::string bind_password_file;
    enum class StartTls { No, Try, Demand } starttls = StartTls::No;
    std::string tls_ca_file;
    std::string account_filter = "(mail=*)";
    std::vector<std::string> alias_attributes;
    std::string login_attribute = "uid";
    enum class Sync { Auto, Syncrepl, Poll } sync = Sync::Auto;
    std::chrono::seconds poll_interval{60};
    std::string cache_file = "/var/lib/mailpolicyd/directory.cache";
};

// One published, immutable view of the directory.
class Snapshot : public Directory {
public:
    virtual std::size_t account_count() const = 0;
    virtual std::size_t class_count() const = 0;
    virtual std::size_t domain_count() const = 0;
    // Addresses claimed by more than one account (the lowest DN kept them).
    virtual std::size_t address_conflicts() const = 0;
    virtual std::chrono::system_clock::time_point built_at() const = 0;
};

// Holds the current snapshot; readers take a reference, writers swap a new one in whole.
class SnapshotHolder {
public:
    std::shared_ptr<const Snapshot> current() const { return current_.load(); }
    void publish(std::shared_ptr<const Snapshot> snapshot) { current_.store(std::move(snapshot)); }

private:
    std::atomic<std::shared_ptr<const Snapshot>> current_;
};

// What a source reports for /metrics and logs.
struct SourceStatus {
    std::string state;  // "loading", "ldif", "syncrepl", "poll", "cache", "disconnected", "failed"
    std::string detail;  // last error, if any
};

class DirectorySource {
public:
    virtual ~DirectorySource() = default;
    // Starts loading in the background; snapshots go to the holder as they are built.
    virtual void start() = 0;
    // Stops the background work and returns once it has stopped.
    virtual void stop() = 0;
    virtual SourceStatus status() const = 0;
};

// Chooses the source from config.source ("ldif:", "ldap://", "ldaps://", "ldapi://").
// Throws std::invalid_argument naming the value when the scheme is unknown.
std::unique_ptr<DirectorySource> make_directory_source(const DirectoryConfig& config,
                                                       SnapshotHolder& holder);

}  // namespace mailpolicy
