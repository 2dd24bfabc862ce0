// Capped exponential backoff with jitter; see ldap_backoff.h.
#include "ldap/ldap_backoff.h"

#include <algorithm>

namespace mailpolicy {

Backoff::Backoff(Duration first, Duration limit)
    : first_(first), limit_(limit), current_(first), random_(std::random_device{}()) {}

Backoff::Duration Backoff::next() {
    std::uniform_real_distribution<double> jitter(0.75, 1.25);
    auto delay = Duration(
        static_cast<Duration::rep>(static_cast<double>(current_.count()) * jitter(random_)));
    current_ = std::min(current_ * 2, limit_);
    return delay;
}

}  // namespace mailpolicy
