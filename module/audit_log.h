// The audit log: takes records on the hot path without waiting, writes them to the
// store from its own thread in batches, spools them to a file while the store is
// unavailable (nothing is lost), purges past retention, and logs the one-line record.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "module/audit_store.h"

namespace mailpolicy {

// How the writer paces itself. The defaults suit a daemon; tests shrink them.
struct AuditLogLimits {
    std::size_t queue_capacity = 100'000;  // past this, record() appends to the spool itself
    std::size_t batch_size = 500;          // records per store transaction
    std::chrono::milliseconds batch_interval{200};   // longest wait for a batch to fill
    std::chrono::milliseconds first_backoff{1'000};  // after a store failure; doubles
    std::chrono::milliseconds max_backoff{30'000};
    std::chrono::milliseconds purge_interval{3'600'000};  // retention purges after the first
};

class AuditLog {
  public:
    // `store` may be null ([audit] store = none): records then only go to the log.
    // `spool_path` is the file that keeps records the store could not take yet (its
    // directory must exist); a spool left by an earlier run is written back by start().
    // `retention` of zero days or less keeps records forever.
    AuditLog(std::unique_ptr<AuditStore> store, std::string spool_path, std::chrono::days retention,
             AuditLogLimits limits = {});
    ~AuditLog();  // stops and flushes

    void start();
    // Writes what is queued (to the store or the spool) and stops the writer thread.
    void stop();
    // Never blocks on the store. Logs "reject: path=… direction=… sender=<…> …" at once.
    // Text that is not UTF-8 is cleaned first (bad bytes and NUL become U+FFFD). After
    // stop(), records go straight to the spool for the next start.
    void record(AuditRecord record);
    // Records queued or spooled, not yet in the store.
    std::size_t pending() const;
    // The store, for /v1/violations queries (null when none).
    AuditStore* store() const;

  private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace mailpolicy
