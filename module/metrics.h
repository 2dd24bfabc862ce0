// Counters for /metrics: decisions by path, direction and outcome, a latency histogram,
// and the policy server's connection counts. Counting is a few relaxed atomic adds, so
// it sits on the hot path; rendering (Prometheus text) happens only when scraped.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "ldap/directory_source.h"
#include "modes/decision.h"

namespace mailpolicy {

class Metrics {
  public:
    static constexpr std::array<double, 12> kLatencyBuckets = {0.00001, 0.000025, 0.00005, 0.0001,
                                                               0.00025, 0.0005,   0.001,   0.0025,
                                                               0.005,   0.01,     0.05,    0.25};

    void count_decision(SubmissionPath path, const Verdict& verdict,
                        std::chrono::nanoseconds duration);
    void count_unavailable(SubmissionPath path);
    void count_malformed_request() { malformed_.fetch_add(1, std::memory_order_relaxed); }
    void count_refused_connection() { refused_.fetch_add(1, std::memory_order_relaxed); }
    void connection_opened() { open_connections_.fetch_add(1, std::memory_order_relaxed); }
    void connection_closed() { open_connections_.fetch_sub(1, std::memory_order_relaxed); }

    std::uint64_t decisions(SubmissionPath path, Direction direction, Outcome outcome) const;

    // The Prometheus text: these counters plus the snapshot (null: none loaded yet) and
    // the directory source's state.
    std::string render(const Snapshot* snapshot, const SourceStatus& status) const;

  private:
    static constexpr std::size_t kPathCount = 3;
    static constexpr std::size_t kDirectionCount = 2;
    static constexpr std::size_t kOutcomeCount = 3;

    void render_decisions(std::string& out) const;
    void render_latency(std::string& out) const;

    std::array<std::atomic<std::uint64_t>, kPathCount * kDirectionCount * kOutcomeCount>
        decisions_{};
    std::array<std::atomic<std::uint64_t>, kPathCount> unavailable_{};
    std::array<std::atomic<std::uint64_t>, kLatencyBuckets.size() + 1> latency_buckets_{};
    std::atomic<std::uint64_t> latency_sum_nanoseconds_{0};
    std::atomic<std::uint64_t> malformed_{0};
    std::atomic<std::uint64_t> refused_{0};
    std::atomic<std::int64_t> open_connections_{0};
};

}  // namespace mailpolicy
