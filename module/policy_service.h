// The SMTP path: turns one typed policy request into its reply. Judges RCPT requests
// with the engine over the current snapshot, records denials and audit-only violations,
// counts metrics. Thread-safe; holds no locks on the decision path.
#pragma once

#include <functional>
#include <string>

#include "ldap/directory_source.h"
#include "module/audit_store.h"
#include "module/live_policy.h"
#include "module/metrics.h"
#include "module/policy_protocol.h"

namespace mailpolicy {

// Where audit records go (AuditLog::record in the daemon); must not block.
using AuditSink = std::function<void(AuditRecord)>;

class PolicyService {
  public:
    PolicyService(const SnapshotHolder& holder, const LivePolicy& policy, Metrics& metrics,
                  AuditSink audit)
        : holder_(holder), policy_(policy), metrics_(metrics), audit_(std::move(audit)) {}

    // The full reply text, ending in the empty line.
    std::string answer(const PolicyRequest& request) const;

  private:
    std::string decide(const PolicyRequest& request, const PolicySettingsInForce& settings) const;
    void record(const PolicyRequest& request, const Verdict& verdict) const;

    const SnapshotHolder& holder_;
    const LivePolicy& policy_;
    Metrics& metrics_;
    AuditSink audit_;
};

}  // namespace mailpolicy
