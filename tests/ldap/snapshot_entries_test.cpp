// The replica's stored entries: found again by normalized DN and by entryUUID (binary or
// text, any case), given back whole as Entry and as the cache file's record, whatever
// of DN, normalized DN and UUID each entry could share or had to keep.
#include "ldap/snapshot_entries.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

#include "ldap/snapshot_record.h"

namespace mailpolicy {
namespace {

const StoredEntries::KeepValue keep_all = [](std::string_view, std::string_view) { return true; };

Entry make_entry(const std::string& dn, const std::string& uuid) {
    Entry entry;
    entry.dn = dn;
    entry.uuid = uuid;
    entry.attributes["mail"] = {"a@example.com"};
    entry.attributes["mailalternateaddress"] = {"alias@example.com", "Other@Example.com"};
    entry.attributes["uid"] = {"a", "Alice"};
    entry.attributes["mailpolicysendmode"] = {"allowAll"};
    entry.attributes["mailpolicyclassdn"] = {"cn=staff,dc=test"};
    return entry;
}

// The account mapping would make: values it holds too are stored as references to it,
// and must come back exactly (those that differ, e.g. in case, are kept as they are).
MappedEntry with_account(const std::string& dn) {
    AccountFields fields;
    fields.dn = dn;
    fields.primary = "a@example.com";
    fields.aliases = {"alias@example.com", "other@example.com"};
    fields.logins = {"a", "alice"};
    fields.class_dn = "cn=staff,dc=test";
    return MappedEntry{Account::make(fields), nullptr, nullptr};
}

void expect_same(const Entry& actual, const Entry& expected) {
    EXPECT_EQ(actual.dn, expected.dn);
    EXPECT_EQ(actual.uuid, expected.uuid);
    EXPECT_EQ(actual.attributes, expected.attributes);
}

TEST(StoredEntriesTest, FindsByDnAndUuidAndGivesTheEntryBack) {
    StoredEntries entries;
    // Lowercase RFC 4122 UUID and normalized DN held by the account: nothing stored twice.
    Entry plain = make_entry("uid=a,dc=test", "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d");
    // Mixed-case DN (normalized key kept apart) and an uppercase UUID (kept as text).
    Entry upper = make_entry("UID=B, DC=Test", "0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4E");
    // A UUID that is not RFC 4122 text, and no mapping at all.
    Entry text = make_entry("uid=c,dc=test", "uuid-c");
    Entry none = make_entry("uid=d,dc=test", "");
    entries.add("uid=a,dc=test", plain, with_account(plain.dn), keep_all);
    entries.add("uid=b,dc=test", upper, with_account(upper.dn), keep_all);
    entries.add("uid=c,dc=test", text, MappedEntry{}, keep_all);
    entries.add("uid=d,dc=test", none, MappedEntry{}, keep_all);
    EXPECT_EQ(entries.size(), 4U);

    const StoredEntry* a = entries.find_dn("uid=a,dc=test");
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->dn(), "uid=a,dc=test");
    EXPECT_EQ(a->uuid(), plain.uuid);
    EXPECT_NE(a->mapped().account, nullptr);
    EXPECT_EQ(entries.find_uuid("0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D"), a);  // any case

    const StoredEntry* b = entries.find_dn("uid=b,dc=test");
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(b->dn(), "UID=B, DC=Test");
    EXPECT_EQ(b->key(), "uid=b,dc=test");
    EXPECT_EQ(b->uuid(), upper.uuid);  // as the server sent it
    EXPECT_EQ(entries.find_uuid("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4e"), b);
    EXPECT_EQ(entries.find_dn("UID=B, DC=Test"), nullptr);  // keys are normalized DNs

    EXPECT_EQ(entries.find_uuid("uuid-c"), entries.find_dn("uid=c,dc=test"));
    EXPECT_EQ(entries.find_uuid("UUID-C"), nullptr);  // non-RFC 4122 text: exact
    EXPECT_EQ(entries.find_uuid(""), nullptr);
    EXPECT_EQ(entries.find_dn("uid=d,dc=test")->uuid(), "");

    for (const Entry* original : {&plain, &upper, &text, &none}) {
        const StoredEntry* stored = entries.find_dn(normalize_dn(original->dn));
        ASSERT_NE(stored, nullptr);
        Entry decoded;
        entries.decode(*stored, decoded);
        expect_same(decoded, *original);
        std::string record;
        entries.append_record(*stored, record);
        EXPECT_EQ(record, encode_record(*original));
    }
}

TEST(StoredEntriesTest, KeepsOnlyAcceptedValues) {
    StoredEntries entries;
    Entry entry = make_entry("uid=a,dc=test", "");
    entry.attributes["objectclass"] = {"inetOrgPerson", "mailPolicyClass"};
    entry.attributes["cn"] = {"Alice"};
    entries.add("uid=a,dc=test", entry, MappedEntry{},
                [](std::string_view name, std::string_view value) {
                    return name != "cn" && value != "inetOrgPerson";
                });
    Entry decoded;
    entries.decode(*entries.find_dn("uid=a,dc=test"), decoded);
    EXPECT_EQ(decoded.attributes.count("cn"), 0U);
    EXPECT_EQ(decoded.attributes["objectclass"], std::vector<std::string>{"mailPolicyClass"});
    EXPECT_EQ(decoded.attributes["uid"], (std::vector<std::string>{"a", "Alice"}));
}

TEST(StoredEntriesTest, SameContentComparesWhatIsKept) {
    StoredEntries entries;
    auto keep = [](std::string_view name, std::string_view) { return name != "cn"; };
    Entry entry = make_entry("uid=a,dc=test", "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d");
    const StoredEntry& stored = entries.add("uid=a,dc=test", entry, with_account(entry.dn), keep);
    EXPECT_TRUE(entries.same_content(stored, entry, keep));
    Entry other = entry;
    other.attributes["cn"] = {"Not kept"};
    EXPECT_TRUE(entries.same_content(stored, other, keep));
    other.attributes["uid"] = {"a"};
    EXPECT_FALSE(entries.same_content(stored, other, keep));
    other = entry;
    other.dn = "UID=a,dc=test";
    EXPECT_FALSE(entries.same_content(stored, other, keep));
    other = entry;
    other.uuid = "0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D";
    EXPECT_FALSE(entries.same_content(stored, other, keep));

    EXPECT_FALSE(StoredEntries::marked(stored));
    StoredEntries::mark(stored, true);
    EXPECT_TRUE(StoredEntries::marked(stored));
    EXPECT_EQ(stored.uuid(), entry.uuid);  // the mark leaves the rest alone
    EXPECT_EQ(entries.find_uuid(entry.uuid), &stored);
    StoredEntries::mark(stored, false);
    EXPECT_FALSE(StoredEntries::marked(stored));
}

TEST(StoredEntriesTest, ClassAndDomainMappingsComeBack) {
    StoredEntries entries;
    auto policy_class = std::make_shared<const PolicyClass>(PolicyClass{"cn=c,dc=test", {}});
    auto domain = std::make_shared<const Domain>(Domain{"cn=c,dc=test", {"example.com"}, {}});
    entries.add("cn=c,dc=test", make_entry("cn=c,dc=test", ""),
                MappedEntry{nullptr, policy_class, domain}, keep_all);
    MappedEntry mapped = entries.find_dn("cn=c,dc=test")->mapped();
    EXPECT_EQ(mapped.account, nullptr);
    EXPECT_EQ(mapped.policy_class, policy_class);
    EXPECT_EQ(mapped.domain, domain);
}

TEST(StoredEntriesTest, AddingAKeyTwiceIsRefused) {
    StoredEntries entries;
    entries.add("uid=a,dc=test", make_entry("uid=a,dc=test", ""), MappedEntry{}, keep_all);
    EXPECT_THROW(
        entries.add("uid=a,dc=test", make_entry("uid=a,dc=test", ""), MappedEntry{}, keep_all),
        std::logic_error);
    EXPECT_EQ(entries.size(), 1U);
}

TEST(StoredEntriesTest, LongTextsAreKeptWhole) {
    StoredEntries entries;
    std::string dn = "uid=" + std::string(70000, 'x') + ",dc=test";
    Entry entry = make_entry(dn, std::string(70000, 'u'));
    entry.attributes["mail"] = {std::string(300, 'm') + "@example.com"};
    entries.add(dn, entry, MappedEntry{}, keep_all);
    const StoredEntry* stored = entries.find_uuid(entry.uuid);
    ASSERT_NE(stored, nullptr);
    EXPECT_EQ(entries.find_dn(dn), stored);
    Entry decoded;
    entries.decode(*stored, decoded);
    expect_same(decoded, entry);
}

// Random adds and removes against a std::map: both tables stay exact through growth and
// the backward shifts of removal.
TEST(StoredEntriesTest, RandomChangesMatchAStdMap) {
    std::mt19937 random(11);
    StoredEntries entries;
    std::map<std::string, std::string> expected;  // key -> uuid
    auto uuid_of = [](unsigned number) {
        char text[37];
        std::snprintf(text, sizeof text, "%08x-0000-1000-8000-00000000%04x", number * 2654435761U,
                      number % 65536);
        return std::string(text);
    };
    for (int step = 0; step < 60000; ++step) {
        unsigned number = random() % 5000;
        std::string key = "uid=u" + std::to_string(number) + ",dc=test";
        if (const StoredEntry* found = entries.find_dn(key)) {
            entries.remove(*found);
            expected.erase(key);
        } else {
            std::string uuid = number % 3 == 0 ? "" : uuid_of(number);
            entries.add(key, make_entry(key, uuid), MappedEntry{}, keep_all);
            expected[key] = uuid;
        }
    }
    ASSERT_EQ(entries.size(), expected.size());
    for (unsigned number = 0; number < 5000; ++number) {
        std::string key = "uid=u" + std::to_string(number) + ",dc=test";
        auto found = expected.find(key);
        const StoredEntry* stored = entries.find_dn(key);
        ASSERT_EQ(stored != nullptr, found != expected.end()) << key;
        if (number % 3 != 0) {
            EXPECT_EQ(entries.find_uuid(uuid_of(number)), stored) << key;
        }
    }
    std::size_t visited = 0;
    entries.for_each([&](const StoredEntry& stored) {
        ++visited;
        EXPECT_EQ(expected.at(std::string(stored.key())), stored.uuid());
    });
    EXPECT_EQ(visited, expected.size());
    entries.clear();
    EXPECT_EQ(entries.size(), 0U);
    EXPECT_EQ(entries.find_uuid(uuid_of(1)), nullptr);
}

}  // namespace
}  // namespace mailpolicy
