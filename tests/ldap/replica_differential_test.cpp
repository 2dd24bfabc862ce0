// The replica snapshot the daemon serves must decide exactly like the engine's reference
// directory (MemoryDirectory): same outcome, direction, account, rule text and reply for
// every request. Runs the engine benchmark's generated directory and traffic
// (tests/support/engine_workload.h) at a size CI affords, and the property test's random
// small directories and requests (tests/support/random_directory.h) with every kind of
// odd input on, the reference built from the same entries through EntryMapper.
#include <gtest/gtest.h>

#include <iostream>
#include <random>
#include <sstream>
#include <string>

#include "ldap/entry_mapping.h"
#include "ldap/replica.h"
#include "modes/decision.h"
#include "tests/support/engine_workload.h"
#include "tests/support/random_directory.h"

namespace mailpolicy {
namespace {

namespace workload = engine_workload;

constexpr std::size_t kAccounts = 4'000;
constexpr std::size_t kMessages = 8'000;

std::string describe(const Verdict& verdict) {
    std::ostringstream out;
    out << to_string(verdict.outcome) << " " << to_string(verdict.direction)
        << " account=" << verdict.account << " rule=\"" << verdict.rule
        << "\" reply=" << verdict.code << " " << verdict.status << " " << verdict.text;
    return out.str();
}

std::string describe(const Envelope& envelope, std::string_view recipient) {
    std::ostringstream out;
    out << "sender=" << envelope.sender << " recipient=" << recipient
        << " login=" << envelope.login.value_or("(none)") << " client=";
    if (!envelope.client) {
        out << "(none)";
        return out.str();
    }
    // IPv4, stored IPv4-mapped: the last four bytes.
    for (std::size_t i = 12; i < 16; ++i) out << (i > 12 ? "." : "") << +envelope.client->bytes[i];
    return out.str();
}

// Every decision of `traffic` on both directories, one recipient at a time and as one
// message with the next recipients; returns how many differed (each one reported).
std::size_t count_differences(const Engine& reference, const Engine& replica,
                              const workload::Traffic& traffic) {
    std::size_t differences = 0;
    for (std::size_t m = 0; m < traffic.envelopes.size(); ++m) {
        const Envelope& envelope = traffic.envelopes[m];
        const std::string& recipient = traffic.recipients[m];
        const std::string expected = describe(reference.decide(envelope, recipient));
        const std::string actual = describe(replica.decide(envelope, recipient));
        if (expected != actual && ++differences <= 10) {
            ADD_FAILURE() << describe(envelope, recipient) << "\n  reference: " << expected
                          << "\n  replica:   " << actual;
        }
    }
    return differences;
}

class ReplicaDifferentialTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        directory_ = workload::build_directory(kAccounts, false).release();
        snapshot_ =
            new std::shared_ptr<const Snapshot>(workload::build_replica_snapshot(kAccounts));
        config_ = new PolicyConfig(workload::policy_config());
    }
    static void TearDownTestSuite() {
        delete directory_;
        delete snapshot_;
        delete config_;
    }

    static MemoryDirectory* directory_;
    static std::shared_ptr<const Snapshot>* snapshot_;
    static PolicyConfig* config_;
};
MemoryDirectory* ReplicaDifferentialTest::directory_ = nullptr;
std::shared_ptr<const Snapshot>* ReplicaDifferentialTest::snapshot_ = nullptr;
PolicyConfig* ReplicaDifferentialTest::config_ = nullptr;

TEST_F(ReplicaDifferentialTest, BenchmarkDirectoryHasTheSameAccounts) {
    EXPECT_EQ((*snapshot_)->account_count(), directory_->account_count());
    EXPECT_EQ((*snapshot_)->address_conflicts(), directory_->address_conflicts());
}

TEST_F(ReplicaDifferentialTest, UniformTrafficDecidesTheSame) {
    const Engine reference(*directory_, *config_), replica(**snapshot_, *config_);
    const auto traffic = workload::make_traffic(kAccounts, false, kMessages, 42);
    EXPECT_EQ(count_differences(reference, replica, traffic), 0u);
}

TEST_F(ReplicaDifferentialTest, SkewedTrafficDecidesTheSame) {
    const Engine reference(*directory_, *config_), replica(**snapshot_, *config_);
    const auto traffic = workload::make_traffic(kAccounts, true, kMessages, 43);
    EXPECT_EQ(count_differences(reference, replica, traffic), 0u);
}

// The traffic's decisions are not all alike: a comparison of two "allowed" streams
// would prove little.
TEST_F(ReplicaDifferentialTest, TrafficReachesEveryOutcome) {
    const Engine replica(**snapshot_, *config_);
    const auto traffic = workload::make_traffic(kAccounts, false, kMessages, 42);
    std::size_t seen[3] = {0, 0, 0};
    for (std::size_t m = 0; m < traffic.envelopes.size(); ++m) {
        ++seen[static_cast<int>(
            replica.decide(traffic.envelopes[m], traffic.recipients[m]).outcome)];
    }
    EXPECT_GT(seen[static_cast<int>(Outcome::Allowed)], kMessages / 10);
    EXPECT_GT(seen[static_cast<int>(Outcome::Denied)], kMessages / 10);
    EXPECT_GT(seen[static_cast<int>(Outcome::AuditOnly)], kMessages / 100);
}

// Several recipients in one message go through the engine's per-message path.
TEST_F(ReplicaDifferentialTest, MessagesWithSeveralRecipientsDecideTheSame) {
    const Engine reference(*directory_, *config_), replica(**snapshot_, *config_);
    const auto traffic = workload::make_traffic(kAccounts, false, kMessages, 44);
    std::size_t differences = 0;
    for (std::size_t m = 0; m + 5 < traffic.envelopes.size(); m += 5) {
        const std::vector<std::string> recipients(traffic.recipients.begin() + m,
                                                  traffic.recipients.begin() + m + 5);
        const auto expected = reference.decide(traffic.envelopes[m], recipients);
        const auto actual = replica.decide(traffic.envelopes[m], recipients);
        ASSERT_EQ(expected.size(), actual.size());
        for (std::size_t r = 0; r < expected.size(); ++r) {
            if (describe(expected[r]) != describe(actual[r]) && ++differences <= 10) {
                ADD_FAILURE() << describe(traffic.envelopes[m], recipients[r])
                              << "\n  reference: " << describe(expected[r])
                              << "\n  replica:   " << describe(actual[r]);
            }
        }
    }
    EXPECT_EQ(differences, 0u);
}

// The reference directory from the same entries: mapped as the replica maps them, classes
// and domains added before the accounts (as MemoryDirectory asks).
MemoryDirectory reference_directory(const std::vector<Entry>& entries) {
    EntryMapper mapper(random_directory::directory_config());
    std::vector<MappedEntry> mapped;
    for (const Entry& entry : entries) mapped.push_back(mapper.map(entry));
    MemoryDirectory directory;
    for (const MappedEntry& entry : mapped) {
        if (entry.domain) directory.add(Domain(*entry.domain));
        if (entry.policy_class) directory.add(PolicyClass(*entry.policy_class));
    }
    for (const MappedEntry& entry : mapped) {
        if (entry.account) directory.add(entry.account->fields());
    }
    return directory;
}

std::shared_ptr<const Snapshot> replica_snapshot(std::vector<Entry> entries) {
    const DirectoryConfig config = random_directory::directory_config();
    SnapshotHolder holder;
    Replica replica(config, holder);
    for (Entry& entry : entries) replica.upsert(std::move(entry));
    replica.publish();
    return holder.current();
}

TEST(ReplicaDifferentialRandomTest, RandomDirectoriesDecideTheSame) {
    const std::uint64_t seed = std::random_device{}();
    std::cout << "[ differential ] seed " << seed << std::endl;
    random_directory::Generator generator(seed, random_directory::Features{});
    std::size_t differences = 0;
    for (int w = 0; w < 200; ++w) {
        const random_directory::World world = generator.world();
        const std::vector<Entry> entries = random_directory::to_entries(world.directory);
        const MemoryDirectory directory = reference_directory(entries);
        const auto snapshot = replica_snapshot(entries);
        ASSERT_EQ(snapshot->account_count(), directory.account_count()) << "seed " << seed;
        const Engine reference(directory, world.config), replica(*snapshot, world.config);
        workload::Traffic traffic;
        for (int r = 0; r < 100; ++r) {
            random_directory::Request request = generator.request(world);
            traffic.envelopes.push_back(std::move(request.envelope));
            traffic.recipients.push_back(std::move(request.recipient));
        }
        differences += count_differences(reference, replica, traffic);
    }
    EXPECT_EQ(differences, 0u) << "seed " << seed;
}

}  // namespace
}  // namespace mailpolicy
