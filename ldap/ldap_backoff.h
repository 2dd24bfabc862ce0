// Reconnect delays for the live source: 0.25 s doubling to 30 s, each with +-25 %
// jitter so that many daemons do not reconnect to a restarted server in lockstep.
#pragma once

#include <chrono>
#include <random>

namespace mailpolicy {

class Backoff {
  public:
    using Duration = std::chrono::milliseconds;
    explicit Backoff(Duration first = Duration(250), Duration limit = Duration(30000));

    // The delay before the next attempt; each call doubles the following one.
    Duration next();
    // After a success: the next failure waits the first delay again.
    void reset() { current_ = first_; }

  private:
    Duration first_;
    Duration limit_;
    Duration current_;
    std::minstd_rand random_;
};

}  // namespace mailpolicy
