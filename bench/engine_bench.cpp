// Engine::decide() throughput on 1,000,000 accounts, single-threaded, over a mix of
// local/outside senders and recipients with exception hits and misses: on a
// MemoryDirectory, and on the snapshot the daemon serves (a Replica fed the same accounts
// as directory entries); plus memory per account with interned (shared) and with
// distinct exception lists. The directory and traffic come from
// tests/support/engine_workload.h, which the replica differential test shares.

#include <benchmark/benchmark.h>
#include <malloc.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "tests/support/engine_workload.h"

namespace mailpolicy {
namespace {

using namespace engine_workload;

// MAILPOLICY_BENCH_ACCOUNTS overrides the size, to tell cache misses from computation.
const std::size_t kAccounts = [] {
    const char* text = std::getenv("MAILPOLICY_BENCH_ACCOUNTS");
    return text ? std::strtoull(text, nullptr, 10) : std::size_t{1'000'000};
}();
constexpr std::size_t kMessages = 4096;

std::size_t resident_bytes() {
    std::ifstream statm("/proc/self/statm");
    std::size_t pages = 0, resident = 0;
    statm >> pages >> resident;
    return resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

struct Workload {
    std::unique_ptr<MemoryDirectory> directory;
    double bytes_per_account = 0;
    PolicyConfig config;
    Traffic uniform;  // every account equally likely: the cache-hostile worst case
    Traffic skewed;   // Zipf-like (P(rank k) ~ 1/k): a few accounts send and receive most
};

Workload& workload() {
    static Workload built = [] {
        Workload w;
        const std::size_t before = resident_bytes();
        w.directory = build_directory(kAccounts, false);
        w.bytes_per_account =
            static_cast<double>(resident_bytes() - before) / static_cast<double>(kAccounts);
        w.config = policy_config();
        w.uniform = make_traffic(kAccounts, false, kMessages);
        w.skewed = make_traffic(kAccounts, true, kMessages);
        return w;
    }();
    return built;
}

// Arg 0: uniform traffic; arg 1: skewed traffic.
void decide_all(benchmark::State& state, const Directory& directory) {
    Workload& w = workload();
    const Traffic& traffic = state.range(0) == 0 ? w.uniform : w.skewed;
    const Engine engine(directory, w.config);
    std::size_t index = 0, denied = 0;
    for (auto _ : state) {
        const Verdict verdict = engine.decide(traffic.envelopes[index], traffic.recipients[index]);
        denied += verdict.outcome == Outcome::Denied;
        benchmark::DoNotOptimize(verdict);
        index = (index + 1) % kMessages;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    state.counters["denied_share"] =
        static_cast<double>(denied) / static_cast<double>(state.iterations());
}

void BM_Decide(benchmark::State& state) {
    Workload& w = workload();
    decide_all(state, *w.directory);
    state.counters["bytes_per_account"] = w.bytes_per_account;
    state.counters["accounts"] = static_cast<double>(w.directory->account_count());
}
BENCHMARK(BM_Decide)->ArgName("skewed")->Arg(0)->Arg(1);

// The same on the snapshot the daemon serves. The decisions must be the very same, which
// the check below makes sure of before measuring.
void BM_DecideOnReplicaSnapshot(benchmark::State& state) {
    static const std::shared_ptr<const Snapshot> snapshot = build_replica_snapshot(kAccounts);
    Workload& w = workload();
    const Traffic& traffic = state.range(0) == 0 ? w.uniform : w.skewed;
    const Engine reference(*w.directory, w.config), replica(*snapshot, w.config);
    for (std::size_t m = 0; m < kMessages; ++m) {
        const Verdict a = reference.decide(traffic.envelopes[m], traffic.recipients[m]);
        const Verdict b = replica.decide(traffic.envelopes[m], traffic.recipients[m]);
        if (a.outcome != b.outcome || a.rule != b.rule) {
            state.SkipWithError(("replica decides differently: " + std::string(a.rule) + " | " +
                                 std::string(b.rule))
                                    .c_str());
            return;
        }
    }
    decide_all(state, *snapshot);
    state.counters["accounts"] = static_cast<double>(snapshot->account_count());
}
BENCHMARK(BM_DecideOnReplicaSnapshot)->ArgName("skewed")->Arg(0)->Arg(1);

// For comparison: one address lookup alone, the memory latency every decision pays.
void BM_AccountLookup(benchmark::State& state) {
    Workload& w = workload();
    std::vector<std::string> keys;
    std::mt19937_64 random(7);
    for (std::size_t k = 0; k < kMessages; ++k) {
        const std::size_t i = random() % kAccounts;
        keys.push_back("user" + std::to_string(i) + "@" + domain_name(i % kDomains));
    }
    std::size_t index = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(w.directory->account_by_address(keys[index]));
        index = (index + 1) % kMessages;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_AccountLookup);

// One-shot: memory per account when every account carries its own exception lists.
void BM_MemoryWithDistinctLists(benchmark::State& state) {
    for (auto _ : state) {
        malloc_trim(0);
        const std::size_t before = resident_bytes();
        auto directory = build_directory(kAccounts, true);
        state.counters["bytes_per_account"] =
            static_cast<double>(resident_bytes() - before) / static_cast<double>(kAccounts);
        directory.reset();
        malloc_trim(0);
    }
}
BENCHMARK(BM_MemoryWithDistinctLists)->Iterations(1)->Repetitions(1)->Unit(benchmark::kSecond);

}  // namespace
}  // namespace mailpolicy

BENCHMARK_MAIN();
