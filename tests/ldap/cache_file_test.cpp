// The cache file: what is saved comes back (entries and cookie), including from the
// replica directly; a truncated or damaged file is refused with its name and the reason.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>

#include "ldap/ldif_parser.h"
#include "ldap/replica.h"
#include "ldap/snapshot_record.h"

namespace mailpolicy {
namespace {

class CacheFileTest : public ::testing::Test {
  protected:
    CacheFileTest() {
        char pattern[] = "/tmp/mailpolicy-cache.XXXXXX";
        directory = ::mkdtemp(pattern);
        path = directory + "/directory.cache";
    }
    ~CacheFileTest() override { std::filesystem::remove_all(directory); }

    std::string read() const {
        std::ifstream in(path, std::ios::binary);
        return std::string(std::istreambuf_iterator<char>(in), {});
    }
    void write(const std::string& data) const {
        std::ofstream(path, std::ios::binary | std::ios::trunc) << data;
    }
    void expect_refused(const std::string& reason) const {
        try {
            load_cache(path);
            ADD_FAILURE() << "accepted a bad cache file";
        } catch (const std::runtime_error& error) {
            EXPECT_EQ(std::string(error.what()), "cache file " + path + ": " + reason);
        }
    }

    // A replica holding `entries`, publishing to `holder`.
    std::unique_ptr<Replica> replica_of(std::vector<Entry> entries) {
        auto replica = std::make_unique<Replica>(config, holder);
        replica->replace_all(std::move(entries));
        return replica;
    }

    std::string directory;
    std::string path;
    DirectoryConfig config;
    SnapshotHolder holder;
};

CacheContent sample() {
    CacheContent content;
    content.cookie = "rid=000,csn=20261122043000.000000Z#000000#000#000000";
    content.entries = parse_ldif(
        "dn: uid=a,dc=test\nentryUUID: u-1\nmail: a@example.com\nmailPolicySendException: x\n"
        "mailPolicySendException: y\ncn:: w4k=\n\ndn: cn=c,dc=test\nobjectClass: mailPolicyClass\n",
        "sample");
    return content;
}

TEST_F(CacheFileTest, RoundTrip) {
    save_cache(path, sample());
    CacheContent loaded = load_cache(path);
    EXPECT_EQ(loaded.cookie, sample().cookie);
    ASSERT_EQ(loaded.entries.size(), 2U);
    EXPECT_EQ(loaded.entries[0].dn, "uid=a,dc=test");
    EXPECT_EQ(loaded.entries[0].uuid, "u-1");
    EXPECT_EQ(loaded.entries[0].attributes, sample().entries[0].attributes);
    EXPECT_EQ(loaded.entries[1].first("objectclass"), "mailPolicyClass");
    EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
}

// A symlink planted at the temporary path (the state directory is the daemon's, but the
// write happens as whoever runs it, often root) must not carry the write elsewhere.
TEST_F(CacheFileTest, ASymlinkAtTheTemporaryPathIsNotWrittenThrough) {
    const std::string outside = directory + "/outside";
    std::ofstream(outside) << "precious\n";
    std::filesystem::create_symlink(outside, path + ".tmp");
    replica_of(sample().entries)->save_cache(path, "cookie-1");
    std::ifstream in(outside);
    EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "precious\n");
    EXPECT_EQ(load_cache(path).cookie, "cookie-1");
}

TEST_F(CacheFileTest, ReplicaSavesAndReloadsItsEntries) {
    replica_of(sample().entries)->save_cache(path, "cookie-1");

    CacheContent loaded = load_cache(path);
    EXPECT_EQ(loaded.cookie, "cookie-1");
    replica_of(loaded.entries)->publish();
    ASSERT_NE(holder.current()->account_by_address("a@example.com"), nullptr);
    EXPECT_EQ(holder.current()->class_count(), 1U);
}

TEST_F(CacheFileTest, ReplicaWritesEntriesAsTheyCame) {
    // The replica keeps UUIDs and DNs in tighter forms; the file has them as received.
    auto replica = replica_of(parse_ldif(
        "dn: uid=a,dc=test\nentryUUID: 0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d\nmail: a@example.com\n"
        "uid: a\n\ndn: UID=B, DC=Test\nentryUUID: 0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4E\n"
        "mail: b@example.com\n\ndn: cn=c,dc=test\nentryUUID: u-3\n"
        "objectClass: mailPolicyClass\nmailPolicySendMode: localOnly\n",
        "sample"));
    replica->save_cache(path, "cookie-2");
    std::map<std::string, Entry> expected;
    for (auto& entry : replica->entries()) expected[entry.dn] = entry;
    CacheContent loaded = load_cache(path);
    ASSERT_EQ(loaded.entries.size(), 3U);
    for (const auto& entry : loaded.entries) {
        ASSERT_EQ(expected.count(entry.dn), 1U) << entry.dn;
        EXPECT_EQ(entry.uuid, expected[entry.dn].uuid);
        EXPECT_EQ(entry.attributes, expected[entry.dn].attributes);
    }
    EXPECT_EQ(expected["UID=B, DC=Test"].uuid, "0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4E");
    EXPECT_EQ(expected["uid=a,dc=test"].uuid, "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d");
    EXPECT_EQ(expected["cn=c,dc=test"].first("mailpolicysendmode"), "localOnly");
}

TEST_F(CacheFileTest, ReplicaLoadsTheFileItself) {
    replica_of(sample().entries)->save_cache(path, "cookie-3");

    auto loaded = replica_of(parse_ldif("dn: uid=old,dc=test\nmail: old@example.com\n", "old"));
    EXPECT_EQ(loaded->load_cache(path), "cookie-3");
    EXPECT_EQ(loaded->entry_count(), 2U);
    loaded->publish();
    EXPECT_NE(holder.current()->account_by_address("a@example.com"), nullptr);
    EXPECT_EQ(holder.current()->account_by_address("old@example.com"), nullptr);
    EXPECT_EQ(holder.current()->class_count(), 1U);
}

TEST_F(CacheFileTest, ABadFileLeavesTheReplicaAsItWas) {
    auto replica = replica_of(sample().entries);
    save_cache(path, sample());
    std::string data = read();
    data[data.size() - 3] ^= 0x20;
    write(data);
    EXPECT_THROW(replica->load_cache(path), std::runtime_error);
    EXPECT_EQ(replica->entry_count(), 2U);
}

TEST_F(CacheFileTest, AMalformedRecordInAWholeFileEmptiesTheReplica) {
    // The checksum holds (a writer's bug, not damage): found only while loading.
    write_cache_records(path, "cookie", 2, [](const RecordSink& sink) {
        sink(encode_record(sample().entries[0]));
        sink("\xff");
    });
    expect_refused("malformed entry record");
    auto replica = replica_of(sample().entries);
    EXPECT_THROW(replica->load_cache(path), std::runtime_error);
    EXPECT_EQ(replica->entry_count(), 0U);
}

TEST_F(CacheFileTest, FilesLargerThanTheReadChunkRoundTrip) {
    // Records cross the 1 MiB read chunks, and one record is larger than a chunk.
    CacheContent content;
    content.cookie = "cookie";
    for (int i = 0; i < 30000; ++i) {
        Entry entry;
        entry.dn = "uid=user" + std::to_string(i) + ",dc=test";
        entry.attributes["mail"] = {"user" + std::to_string(i) + "@example.com"};
        content.entries.push_back(std::move(entry));
    }
    content.entries[12345].attributes["description"] = {std::string(3 << 20, 'x')};
    save_cache(path, content);
    CacheContent loaded = load_cache(path);
    ASSERT_EQ(loaded.entries.size(), content.entries.size());
    for (std::size_t i = 0; i < content.entries.size(); ++i) {
        ASSERT_EQ(loaded.entries[i].dn, content.entries[i].dn);
        ASSERT_EQ(loaded.entries[i].attributes, content.entries[i].attributes);
    }
}

TEST_F(CacheFileTest, EmptyCacheRoundTrips) {
    save_cache(path, CacheContent{});
    EXPECT_TRUE(load_cache(path).entries.empty());
}

TEST_F(CacheFileTest, TruncatedFileIsRefused) {
    save_cache(path, sample());
    std::string data = read();
    write(data.substr(0, data.size() - 5));
    expect_refused("truncated or extended: expected " + std::to_string(data.size() - 32) +
                   " bytes of data, found " + std::to_string(data.size() - 37));
    write(data.substr(0, 10));
    expect_refused("not a mailpolicyd cache file");
}

TEST_F(CacheFileTest, CorruptFileIsRefused) {
    save_cache(path, sample());
    std::string data = read();
    data[data.size() - 3] ^= 0x20;
    write(data);
    expect_refused("checksum mismatch (corrupt)");
    write("dn: uid=a,dc=test\nmail: a@example.com\n");
    expect_refused("not a mailpolicyd cache file");
}

TEST_F(CacheFileTest, MissingFileAndUnwritableDirectoryNameTheFile) {
    expect_refused("cannot open: No such file or directory");
    EXPECT_THROW(save_cache("/nonexistent-dir/x.cache", sample()), std::runtime_error);
    try {
        save_cache("/nonexistent-dir/x.cache", sample());
    } catch (const std::runtime_error& error) {
        EXPECT_NE(std::string(error.what()).find("/nonexistent-dir/x.cache.tmp"),
                  std::string::npos);
    }
}

}  // namespace
}  // namespace mailpolicy
