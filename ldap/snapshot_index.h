// Copy-on-write sharded hash maps, the storage of published snapshots. A snapshot copies
// only the shard pointers; the replica clones a shard the first time it changes it after
// a publish, so one change costs one shard (~1/shard_count of the map), not the map.
// Writers: the single replica thread. Readers: any thread, on frozen copies only.
#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mailpolicy {

struct TransparentHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const {
        return std::hash<std::string_view>{}(text);
    }
};

template <typename Value, std::size_t ShardCount = 1024>
class ShardedIndex {
  public:
    using Map = std::unordered_map<std::string, Value, TransparentHash, std::equal_to<>>;

    ShardedIndex() : shards_(ShardCount), owned_(ShardCount, false) {}

    const Value* find(std::string_view key) const {
        const auto& shard = shards_[shard_of(key)];
        if (!shard) return nullptr;
        auto found = shard->find(key);
        return found == shard->end() ? nullptr : &found->second;
    }

    void set(std::string_view key, Value value) {
        auto& map = writable(shard_of(key));
        auto found = map.find(key);
        if (found != map.end()) {
            found->second = std::move(value);
            return;
        }
        map.emplace(std::string(key), std::move(value));
        ++size_;
    }

    void erase(std::string_view key) {
        std::size_t index = shard_of(key);
        if (!shards_[index] || !shards_[index]->contains(key)) return;
        auto& map = writable(index);
        map.erase(map.find(key));
        --size_;
    }

    // Applies `change` to the value (default-constructed if absent); erases it when
    // `change` returns false.
    template <typename Change>
    void update(std::string_view key, Change change) {
        auto& map = writable(shard_of(key));
        auto found = map.find(key);
        if (found == map.end()) {
            found = map.emplace(std::string(key), Value{}).first;
            ++size_;
        }
        if (!change(found->second)) {
            map.erase(found);
            --size_;
        }
    }

    // After this, the current shards belong to a snapshot: the next write clones.
    void freeze() { std::fill(owned_.begin(), owned_.end(), false); }
    void clear() { *this = ShardedIndex(); }
    std::size_t size() const { return size_; }

  private:
    static std::size_t shard_of(std::string_view key) {
        // The high bits pick the shard so the low bits still spread keys within it.
        std::size_t hash = TransparentHash{}(key);
        return (hash >> 20) % ShardCount;
    }

    Map& writable(std::size_t index) {
        if (!owned_[index]) {
            shards_[index] =
                shards_[index] ? std::make_shared<Map>(*shards_[index]) : std::make_shared<Map>();
            owned_[index] = true;
        }
        return *shards_[index];
    }

    std::vector<std::shared_ptr<Map>> shards_;
    std::vector<bool> owned_;
    std::size_t size_ = 0;
};

}  // namespace mailpolicy
