// The policy settings in force, replaced whole on SIGHUP: readers take a reference to
// one immutable version per request, so a reload never tears a decision in half.
#pragma once

#include <atomic>
#include <memory>
#include <utility>

#include "modes/settings.h"
#include "module/policy_protocol.h"

namespace mailpolicy {

struct PolicySettingsInForce {
    PolicyConfig policy;
    OnUnavailable on_unavailable = OnUnavailable::Tempfail;
};

class LivePolicy {
  public:
    explicit LivePolicy(PolicySettingsInForce settings)
        : current_(std::make_shared<const PolicySettingsInForce>(std::move(settings))) {}

    std::shared_ptr<const PolicySettingsInForce> current() const { return current_.load(); }
    void replace(PolicySettingsInForce settings) {
        current_.store(std::make_shared<const PolicySettingsInForce>(std::move(settings)));
    }

  private:
    std::atomic<std::shared_ptr<const PolicySettingsInForce>> current_;
};

}  // namespace mailpolicy
