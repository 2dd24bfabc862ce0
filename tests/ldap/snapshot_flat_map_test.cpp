// The open-addressing map inside the snapshot shards: after any sequence of sets, updates
// and erases it holds exactly what a std::map would, copies are independent, and view
// keys follow the value they were set with.
#include "ldap/snapshot_flat_map.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <random>
#include <string>

namespace mailpolicy {
namespace {

TEST(FlatMapTest, EmptyMapFindsNothing) {
    FlatMap<std::string, int> map;
    EXPECT_EQ(map.find("anything"), nullptr);
    EXPECT_FALSE(map.erase("anything"));
    EXPECT_EQ(map.size(), 0U);
}

TEST(FlatMapTest, SetReplacesAndGetOrAddDefaults) {
    FlatMap<std::string, int> map;
    map.set("a", 1);
    map.set("a", 2);
    ASSERT_NE(map.find("a"), nullptr);
    EXPECT_EQ(*map.find("a"), 2);
    EXPECT_EQ(map.size(), 1U);
    EXPECT_EQ(map.get_or_add("b"), 0);
    map.get_or_add("b") += 5;
    EXPECT_EQ(*map.find("b"), 5);
    EXPECT_EQ(map.size(), 2U);
    EXPECT_TRUE(map.erase("a"));
    EXPECT_EQ(map.find("a"), nullptr);
    EXPECT_EQ(map.size(), 1U);
}

TEST(FlatMapTest, RandomChangesMatchAStdMap) {
    std::mt19937 random(7);
    FlatMap<std::string, int> map;
    std::map<std::string, int> expected;
    for (int step = 0; step < 200000; ++step) {
        // Few distinct keys, so runs collide and erase shifts often.
        std::string key = "key" + std::to_string(random() % 3000);
        switch (random() % 3) {
            case 0:
                map.set(key, step);
                expected[key] = step;
                break;
            case 1:
                EXPECT_EQ(map.erase(key), expected.erase(key) == 1);
                break;
            default:
                ++map.get_or_add(key);
                ++expected[key];
                break;
        }
        if (step % 20000 == 0) {
            for (int i = 0; i < 3000; ++i) {
                std::string probe = "key" + std::to_string(i);
                auto found = expected.find(probe);
                const int* value = map.find(probe);
                ASSERT_EQ(value != nullptr, found != expected.end()) << probe;
                if (value) {
                    EXPECT_EQ(*value, found->second) << probe;
                }
            }
        }
    }
    EXPECT_EQ(map.size(), expected.size());
    EXPECT_LE(map.size() * 8, map.capacity() * 7);
}

TEST(FlatMapTest, CopiesAreIndependent) {
    FlatMap<std::string, int> original;
    for (int i = 0; i < 100; ++i) original.set("k" + std::to_string(i), i);
    FlatMap<std::string, int> copy = original;
    copy.set("k1", 1000);
    copy.erase("k2");
    copy.set("new", 1);
    EXPECT_EQ(*original.find("k1"), 1);
    EXPECT_EQ(*original.find("k2"), 2);
    EXPECT_EQ(original.find("new"), nullptr);
    EXPECT_EQ(*copy.find("k1"), 1000);
    EXPECT_EQ(copy.find("k2"), nullptr);
    EXPECT_EQ(original.size(), 100U);
    EXPECT_EQ(copy.size(), 100U);
}

TEST(FlatMapTest, ViewKeysFollowTheNewValue) {
    using Text = std::shared_ptr<const std::string>;
    FlatMap<std::string_view, Text> map;
    auto first = std::make_shared<const std::string>("alice@example.com");
    map.set(*first, first);
    auto second = std::make_shared<const std::string>("alice@example.com");
    map.set(*second, second);
    first.reset();  // the map must no longer view the first string
    const Text* found = map.find("alice@example.com");
    ASSERT_NE(found, nullptr);
    EXPECT_EQ(found->get(), second.get());
    EXPECT_TRUE(map.erase("alice@example.com"));
    EXPECT_EQ(second.use_count(), 1);  // erase released the value
}

}  // namespace
}  // namespace mailpolicy
