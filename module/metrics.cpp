// Prometheus text exposition of the daemon's counters and the directory's state.
// Histogram buckets are stored per bucket and summed into cumulative counts on render,
// so counting touches one bucket only.
#include "module/metrics.h"

#include <algorithm>
#include <cstdio>

namespace mailpolicy {

namespace {

constexpr SubmissionPath kPaths[] = {SubmissionPath::Smtp, SubmissionPath::Sendmail,
                                     SubmissionPath::Http};
constexpr Direction kDirections[] = {Direction::Send, Direction::Receive};
constexpr Outcome kOutcomes[] = {Outcome::Allowed, Outcome::Denied, Outcome::AuditOnly};
constexpr const char* kSyncStates[] = {"loading", "ldif",         "syncrepl", "poll",
                                       "cache",   "disconnected", "failed"};

std::size_t index_of(SubmissionPath path, Direction direction, Outcome outcome) {
    return (static_cast<std::size_t>(path) * 2 + static_cast<std::size_t>(direction)) * 3 +
           static_cast<std::size_t>(outcome);
}

std::string number(double value) {
    char text[64];
    std::snprintf(text, sizeof text, "%.9g", value);
    return text;
}

void header(std::string& out, const char* name, const char* type, const char* help) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

}  // namespace

void Metrics::count_decision(SubmissionPath path, const Verdict& verdict,
                             std::chrono::nanoseconds duration) {
    decisions_[index_of(path, verdict.direction, verdict.outcome)].fetch_add(
        1, std::memory_order_relaxed);
    const double seconds = std::chrono::duration<double>(duration).count();
    const auto bucket = static_cast<std::size_t>(
        std::lower_bound(kLatencyBuckets.begin(), kLatencyBuckets.end(), seconds) -
        kLatencyBuckets.begin());
    latency_buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
    latency_sum_nanoseconds_.fetch_add(static_cast<std::uint64_t>(duration.count()),
                                       std::memory_order_relaxed);
}

void Metrics::count_unavailable(SubmissionPath path) {
    unavailable_[static_cast<std::size_t>(path)].fetch_add(1, std::memory_order_relaxed);
}

std::uint64_t Metrics::decisions(SubmissionPath path, Direction direction, Outcome outcome) const {
    return decisions_[index_of(path, direction, outcome)].load(std::memory_order_relaxed);
}

void Metrics::render_decisions(std::string& out) const {
    header(out, "mailpolicy_decisions_total", "counter", "Recipient decisions.");
    for (SubmissionPath path : kPaths) {
        for (Direction direction : kDirections) {
            for (Outcome outcome : kOutcomes) {
                out += "mailpolicy_decisions_total{path=\"" + std::string(to_string(path)) +
                       "\",direction=\"" + std::string(to_string(direction)) + "\",outcome=\"" +
                       std::string(to_string(outcome)) + "\"} " +
                       std::to_string(decisions(path, direction, outcome)) + "\n";
            }
        }
    }
    header(out, "mailpolicy_unavailable_total", "counter",
           "Requests answered while no directory data was loaded.");
    for (SubmissionPath path : kPaths) {
        out += "mailpolicy_unavailable_total{path=\"" + std::string(to_string(path)) + "\"} " +
               std::to_string(unavailable_[static_cast<std::size_t>(path)].load()) + "\n";
    }
}

void Metrics::render_latency(std::string& out) const {
    header(out, "mailpolicy_decision_duration_seconds", "histogram",
           "Time to decide one recipient.");
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < kLatencyBuckets.size(); ++i) {
        cumulative += latency_buckets_[i].load(std::memory_order_relaxed);
        out += "mailpolicy_decision_duration_seconds_bucket{le=\"" + number(kLatencyBuckets[i]) +
               "\"} " + std::to_string(cumulative) + "\n";
    }
    cumulative += latency_buckets_[kLatencyBuckets.size()].load(std::memory_order_relaxed);
    out += "mailpolicy_decision_duration_seconds_bucket{le=\"+Inf\"} " +
           std::to_string(cumulative) + "\n";
    out += "mailpolicy_decision_duration_seconds_sum " +
           number(static_cast<double>(latency_sum_nanoseconds_.load()) / 1e9) + "\n";
    out += "mailpolicy_decision_duration_seconds_count " + std::to_string(cumulative) + "\n";
}

std::string Metrics::render(const Snapshot* snapshot, const SourceStatus& status) const {
    std::string out;
    render_decisions(out);
    render_latency(out);
    header(out, "mailpolicy_snapshot_age_seconds", "gauge",
           "Age of the directory snapshot in use (-1: none loaded).");
    double age = -1;
    if (snapshot) {
        age = std::chrono::duration<double>(std::chrono::system_clock::now() - snapshot->built_at())
                  .count();
    }
    out += "mailpolicy_snapshot_age_seconds " + number(age) + "\n";
    header(out, "mailpolicy_snapshot_accounts", "gauge", "Accounts in the snapshot.");
    out += "mailpolicy_snapshot_accounts " +
           std::to_string(snapshot ? snapshot->account_count() : 0) + "\n";
    header(out, "mailpolicy_address_conflicts", "gauge",
           "Addresses claimed by more than one account.");
    out += "mailpolicy_address_conflicts " +
           std::to_string(snapshot ? snapshot->address_conflicts() : 0) + "\n";
    header(out, "mailpolicy_directory_sync_state", "gauge", "State of the directory source.");
    for (const char* state : kSyncStates) {
        out += std::string("mailpolicy_directory_sync_state{state=\"") + state + "\"} " +
               (status.state == state ? "1" : "0") + "\n";
    }
    header(out, "mailpolicy_policy_connections", "gauge", "Open policy protocol connections.");
    out += "mailpolicy_policy_connections " + std::to_string(open_connections_.load()) + "\n";
    header(out, "mailpolicy_policy_connections_refused_total", "counter",
           "Connections closed at once because max-connections was reached.");
    out += "mailpolicy_policy_connections_refused_total " + std::to_string(refused_.load()) + "\n";
    header(out, "mailpolicy_malformed_requests_total", "counter",
           "Policy connections closed for a malformed request.");
    out += "mailpolicy_malformed_requests_total " + std::to_string(malformed_.load()) + "\n";
    return out;
}

}  // namespace mailpolicy
