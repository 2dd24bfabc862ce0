// Replica costs on big directories: a full replace_all (initial load, LDIF re-read) of
// 100,000 and 1,000,000 accounts, publish() after one upsert on a 1M replica (the price
// of one LDAP change), and lookups in a 1M snapshot. Counters report resident memory;
// run a Release build.
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include "ldap/ldif_parser.h"
#include "ldap/replica.h"

namespace mailpolicy {
namespace {

double resident_mib() {
    std::ifstream statm("/proc/self/statm");
    long pages_total = 0, pages_resident = 0;
    statm >> pages_total >> pages_resident;
    return static_cast<double>(pages_resident) * static_cast<double>(::sysconf(_SC_PAGESIZE)) /
           (1024.0 * 1024.0);
}

double peak_mib() {
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

// An account as a typical directory has it: inetOrgPerson plus our auxiliary class,
// one in ten with a policy of its own (exception lists drawn from a few shared ones).
Entry make_account(std::size_t number, std::size_t variant = 0) {
    std::string uid = "user" + std::to_string(number);
    std::string domain = "domain" + std::to_string(number % 1000) + ".example";
    Entry entry;
    entry.dn = "uid=" + uid + ",ou=people,dc=" + domain + ",dc=test";
    char uuid[40];
    std::snprintf(uuid, sizeof uuid, "%08zx-0000-4000-8000-%012zx", number, variant);
    entry.uuid = uuid;
    entry.attributes["objectclass"] = {"top", "person", "organizationalPerson", "inetOrgPerson",
                                       "mailPolicyAccount"};
    entry.attributes["uid"] = {uid};
    entry.attributes["cn"] = {"User " + std::to_string(number)};
    entry.attributes["sn"] = {std::to_string(number)};
    entry.attributes["mail"] = {uid + "@" + domain};
    entry.attributes["userpassword"] = {"{SSHA}abcdefghijklmnopqrstuvwxyz0123456789"};
    if (number % 10 == 0) {
        entry.attributes["mailpolicysendmode"] = {variant % 2 ? "denyAll" : "localOnly"};
        entry.attributes["mailpolicysendexception"] = {
            "*@partner" + std::to_string(number % 7) + ".example", "supplier.example"};
    }
    return entry;
}

std::vector<Entry> make_accounts(std::size_t count) {
    std::vector<Entry> entries;
    entries.reserve(count);
    for (std::size_t i = 0; i < count; ++i) entries.push_back(make_account(i));
    return entries;
}

void replace_all(benchmark::State& state) {
    auto count = static_cast<std::size_t>(state.range(0));
    double input_mib = 0;
    for (auto _ : state) {
        state.PauseTiming();
        double before = resident_mib();
        auto entries = make_accounts(count);
        input_mib = resident_mib() - before;
        DirectoryConfig config;
        SnapshotHolder holder;
        auto replica = std::make_unique<Replica>(config, holder);
        state.ResumeTiming();
        replica->replace_all(std::move(entries));
        replica->publish();
        state.PauseTiming();
        state.counters["replica_rss_MiB"] = resident_mib();
        state.counters["input_MiB"] = input_mib;
        state.counters["peak_rss_MiB"] = peak_mib();
        if (holder.current()->account_count() != count) state.SkipWithError("accounts missing");
        replica.reset();
        state.ResumeTiming();
    }
}
BENCHMARK(replace_all)->Arg(100'000)->Arg(1'000'000)->Iterations(1)->Unit(benchmark::kSecond);

// The way a syncrepl refresh loads: entries arrive one at a time, no input vector, so
// the resident size is the replica's own.
void upsert_each(benchmark::State& state) {
    auto count = static_cast<std::size_t>(state.range(0));
    for (auto _ : state) {
        double before = resident_mib();
        DirectoryConfig config;
        SnapshotHolder holder;
        auto replica = std::make_unique<Replica>(config, holder);
        for (std::size_t i = 0; i < count; ++i) replica->upsert(make_account(i));
        replica->publish();
        state.PauseTiming();
        state.counters["replica_MiB"] = resident_mib() - before;
        replica.reset();
        state.ResumeTiming();
    }
}
BENCHMARK(upsert_each)->Arg(1'000'000)->Iterations(1)->Unit(benchmark::kSecond);

// What an ldif: source does when the file changes: parse it whole and replace_all.
void ldif_reload(benchmark::State& state) {
    auto count = static_cast<std::size_t>(state.range(0));
    std::string path = "/tmp/mailpolicy-bench-" + std::to_string(::getpid()) + ".ldif";
    {
        std::ofstream out(path);
        for (std::size_t i = 0; i < count; ++i) {
            Entry entry = make_account(i);
            out << "dn: " << entry.dn << "\n";
            for (const auto& [name, values] : entry.attributes) {
                for (const auto& value : values) out << name << ": " << value << "\n";
            }
            out << "\n";
        }
    }
    DirectoryConfig config;
    SnapshotHolder holder;
    Replica replica(config, holder);
    for (auto _ : state) {
        replica.replace_all(parse_ldif_file(path));
        replica.publish();
    }
    ::unlink(path.c_str());
}
BENCHMARK(ldif_reload)->Arg(100'000)->Iterations(3)->Unit(benchmark::kMillisecond);

// A published replica of a million accounts.
struct LoadedReplica {
    LoadedReplica() {
        replica.replace_all(make_accounts(1'000'000));
        replica.publish();
    }
    DirectoryConfig config;
    SnapshotHolder holder;
    Replica replica{config, holder};
};

void publish_after_one_upsert(benchmark::State& state) {
    LoadedReplica loaded;
    Replica& replica = loaded.replica;
    std::size_t round = 0;
    for (auto _ : state) {
        state.PauseTiming();
        ++round;
        replica.upsert(make_account((round * 7919) % 1'000'000, round));
        state.ResumeTiming();
        replica.publish();
    }
    state.counters["rss_MiB"] = resident_mib();
}
BENCHMARK(publish_after_one_upsert)
    ->Iterations(100)
    ->Repetitions(5)
    ->ReportAggregatesOnly(true)
    ->Unit(benchmark::kMicrosecond);

void upsert_and_publish(benchmark::State& state) {
    LoadedReplica loaded;
    Replica& replica = loaded.replica;
    std::size_t round = 0;
    for (auto _ : state) {
        ++round;
        replica.upsert(make_account((round * 7919) % 1'000'000, round));
        replica.publish();
    }
}
BENCHMARK(upsert_and_publish)->Iterations(1000)->Unit(benchmark::kMicrosecond);

// The hot path: a published 1M snapshot's lookups by address (half of them misses) and
// by login, in a random order (cache misses as a busy daemon sees them).
void snapshot_lookups(benchmark::State& state) {
    LoadedReplica loaded;
    auto snapshot = loaded.holder.current();
    std::vector<std::string> addresses, logins;
    for (std::size_t i = 0; i < 4096; ++i) {
        std::size_t number = (i * 2654435761U) % 1'000'000;
        std::string uid = "user" + std::to_string(number);
        std::string domain = "domain" + std::to_string(number % 1000) + ".example";
        addresses.push_back(i % 2 ? uid + "@" + domain : uid + "@elsewhere.example");
        logins.push_back(uid);
    }
    std::size_t found = 0, round = 0;
    for (auto _ : state) {
        std::size_t i = round++ % addresses.size();
        found += snapshot->account_by_address(addresses[i]) != nullptr;
        found += snapshot->account_by_login(logins[i]) != nullptr;
    }
    benchmark::DoNotOptimize(found);
    state.SetItemsProcessed(static_cast<std::int64_t>(2 * round));
}
BENCHMARK(snapshot_lookups)->Iterations(2'000'000)->Unit(benchmark::kNanosecond);

}  // namespace
}  // namespace mailpolicy

BENCHMARK_MAIN();
