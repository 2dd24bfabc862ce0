// Copy-on-write sharded hash maps, the storage of published snapshots. Shards sit in
// 64 groups; a snapshot copies only the 64 group pointers, and the replica clones a
// group table and a shard the first time it changes them after a publish. One change
// thus costs one shard (~1/4096 of a big map), not the map.
// Writers: the single replica thread. Readers: any thread, on frozen copies only.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ldap/snapshot_flat_map.h"
#include "modes/text_hash.h"

namespace mailpolicy {

struct TransparentHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const { return hash_text(text); }
};

// Key is std::string, or std::string_view when the value keeps the viewed text alive
// (saves a heap copy of every address on big directories).
template <typename Value, std::size_t ShardCount = 4096, typename Key = std::string>
class ShardedIndex {
    static constexpr std::size_t group_count = ShardCount >= 64 ? 64 : 1;
    static constexpr std::size_t shards_per_group = ShardCount / group_count;
    static_assert(ShardCount % group_count == 0);

  public:
    using Map = FlatMap<Key, Value>;

    ShardedIndex() : group_owned_(group_count, false), shard_owned_(ShardCount, false) {}

    const Value* find(std::string_view key) const {
        std::size_t code = TransparentHash{}(key);
        const Map* shard = shard_at(shard_of_hash(code));
        return shard ? shard->find(key, code) : nullptr;
    }

    // Starts loading what find(key) will read first; later, what the value points to.
    void prefetch(std::string_view key) const {
        std::size_t code = TransparentHash{}(key);
        if (const Map* shard = shard_at(shard_of_hash(code))) shard->prefetch(code);
    }
    void prefetch_pointee(std::string_view key) const {
        std::size_t code = TransparentHash{}(key);
        if (const Map* shard = shard_at(shard_of_hash(code))) shard->prefetch_pointee(code);
    }

    // With view keys, `key` must view text that `value` keeps alive.
    void set(std::string_view key, Value value) {
        auto& map = writable(shard_of(key));
        std::size_t before = map.size();
        map.set(key, std::move(value));
        size_ += map.size() - before;
    }

    void erase(std::string_view key) {
        std::size_t index = shard_of(key);
        const Map* shard = shard_at(index);
        if (!shard || !shard->find(key)) return;
        writable(index).erase(key);
        --size_;
    }

    // Applies `change` to the value (default-constructed if absent); erases it when
    // `change` returns false. String keys only.
    template <typename Change>
    void update(std::string_view key, Change change) {
        auto& map = writable(shard_of(key));
        std::size_t before = map.size();
        if (!change(map.get_or_add(key))) map.erase(key);
        size_ += map.size();
        size_ -= before;
    }

    // After this, the current shards belong to a snapshot: the next write clones.
    void freeze() {
        std::fill(group_owned_.begin(), group_owned_.end(), false);
        std::fill(shard_owned_.begin(), shard_owned_.end(), false);
    }
    void clear() { *this = ShardedIndex(); }
    std::size_t size() const { return size_; }

  private:
    using Group = std::array<std::shared_ptr<Map>, shards_per_group>;

    static std::size_t shard_of(std::string_view key) {
        return shard_of_hash(TransparentHash{}(key));
    }
    static std::size_t shard_of_hash(std::size_t code) {
        // Bits 20 and up pick the shard; FlatMap uses the upper half and the lowest bits.
        return (code >> 20) % ShardCount;
    }

    const Map* shard_at(std::size_t index) const {
        const auto& group = groups_[index / shards_per_group];
        return group ? (*group)[index % shards_per_group].get() : nullptr;
    }

    Map& writable(std::size_t index) {
        std::size_t group_index = index / shards_per_group;
        auto& group = groups_[group_index];
        if (!group_owned_[group_index]) {
            group = group ? std::make_shared<Group>(*group) : std::make_shared<Group>();
            group_owned_[group_index] = true;
        }
        auto& shard = (*group)[index % shards_per_group];
        if (!shard_owned_[index]) {
            shard = shard ? std::make_shared<Map>(*shard) : std::make_shared<Map>();
            shard_owned_[index] = true;
        }
        return *shard;
    }

    std::array<std::shared_ptr<Group>, group_count> groups_{};
    std::vector<bool> group_owned_;
    std::vector<bool> shard_owned_;
    std::size_t size_ = 0;
};

}  // namespace mailpolicy
