// The hash map inside each ShardedIndex shard: open addressing in one array of slots and
// one of control bytes, instead of std::unordered_map's heap node and bucket per key.
// A key costs ~45 bytes instead of ~75 (a million accounts have two million keys), and a
// copy-on-write clone of a shard is two array copies. Not thread-safe; copyable.
// Linear probing; erase shifts the following run back, so no tombstones accumulate.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>
#include <utility>
#include <vector>

#include "modes/text_hash.h"

namespace mailpolicy {

// Linear probing helpers shared with PointerTable (snapshot_pointer_table.h).
namespace probing {

// The home slot of a hash among `capacity` slots: its upper half scaled to the table
// (ShardedIndex picks shards from bits 20 and up of the lower half, alike in one shard).
inline std::size_t home_slot(std::size_t hash, std::size_t capacity) {
    auto upper = static_cast<std::uint64_t>(hash) >> 32;
    return static_cast<std::size_t>((upper * capacity) >> 32);
}

// Control byte of a full slot: the high bit set, seven bits of the hash below it.
inline std::uint8_t tag_of(std::size_t hash) {
    return static_cast<std::uint8_t>(0x80 | (hash & 0x7f));
}

// During erase's backward shift: whether the member at `next`, whose home is `home`,
// must stay (its home lies cyclically after the hole, up to itself) or fill the hole.
inline bool stays_after_hole(std::size_t hole, std::size_t next, std::size_t home) {
    return hole < next ? (home > hole && home <= next) : (home > hole || home <= next);
}

}  // namespace probing

// Key is std::string or std::string_view (the caller keeps viewed text alive).
template <typename Key, typename Value>
class FlatMap {
  public:
    std::size_t size() const { return size_; }
    std::size_t capacity() const { return control_.size(); }

    const Value* find(std::string_view key) const { return find(key, hash(key)); }
    // `code` is hash_text(key), when the caller has it already.
    const Value* find(std::string_view key, std::size_t code) const {
        std::size_t index = position(key, code);
        return index == npos ? nullptr : &slots_[index].value;
    }

    // Starts loading the control byte and slot where a lookup of `code` begins.
    void prefetch(std::size_t code) const {
        if (size_ == 0) return;
        const std::size_t home = home_of(code);
        __builtin_prefetch(&control_[home]);
        __builtin_prefetch(&slots_[home]);
    }

    // Once prefetch(code) has had time to land: starts loading what the value in the
    // home slot points to, if that slot holds a key with this hash's tag. Pointer values only.
    void prefetch_pointee(std::size_t code) const {
        if (size_ == 0) return;
        const std::size_t home = home_of(code);
        if (control_[home] != tag_of(code)) return;
        const auto* pointee = reinterpret_cast<const char*>(&*slots_[home].value);
        __builtin_prefetch(pointee);
        __builtin_prefetch(pointee + 64);
    }

    // Stores `value` under `key`; an equal key already there is replaced along with its
    // value (a view key must then view the new value's text).
    void set(std::string_view key, Value value) {
        Slot& slot = slot_for(key);
        slot.key = Key(key);
        slot.value = std::move(value);
    }

    // The value under `key`, default-constructed (and counted) if it was absent.
    Value& get_or_add(std::string_view key) { return slot_for(key).value; }

    // Removes `key`; false when it was absent.
    bool erase(std::string_view key) {
        std::size_t hole = position(key, hash(key));
        if (hole == npos) return false;
        // Backward shift: move each later member of the run whose home is not between
        // the hole and itself into the hole, so every key stays reachable from its home.
        for (std::size_t next = advance(hole); control_[next] != 0; next = advance(next)) {
            std::size_t home = home_of(hash(slots_[next].key));
            if (probing::stays_after_hole(hole, next, home)) continue;
            slots_[hole] = std::move(slots_[next]);
            control_[hole] = control_[next];
            hole = next;
        }
        slots_[hole] = Slot{};
        control_[hole] = 0;
        --size_;
        return true;
    }

  private:
    struct Slot {
        Key key{};
        Value value{};
    };
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);

    static std::size_t hash(std::string_view key) { return hash_text(key); }
    static std::uint8_t tag_of(std::size_t hash) { return probing::tag_of(hash); }
    std::size_t home_of(std::size_t hash) const {
        return probing::home_slot(hash, control_.size());
    }
    std::size_t advance(std::size_t index) const {
        return index + 1 == control_.size() ? 0 : index + 1;
    }

    std::size_t position(std::string_view key, std::size_t code) const {
        if (size_ == 0) return npos;
        std::uint8_t tag = tag_of(code);
        for (std::size_t index = home_of(code);; index = advance(index)) {
            if (control_[index] == 0) return npos;
            if (control_[index] == tag && slots_[index].key == key) return index;
        }
    }

    // The slot holding `key`, or a new one for it (its key set, its value default).
    Slot& slot_for(std::string_view key) {
        std::size_t code = hash(key);
        if (std::size_t found = position(key, code); found != npos) return slots_[found];
        // At most 7/8 full; growing by half leaves it ~58% full.
        if ((size_ + 1) * 8 > control_.size() * 7) grow();
        std::size_t index = home_of(code);
        while (control_[index] != 0) index = advance(index);
        control_[index] = tag_of(code);
        slots_[index].key = Key(key);
        ++size_;
        return slots_[index];
    }

    void grow() {
        std::size_t capacity = control_.size() < 8 ? 8 : control_.size() + control_.size() / 2;
        std::vector<Slot> old_slots(capacity);
        std::vector<std::uint8_t> old_control(capacity, 0);
        old_slots.swap(slots_);
        old_control.swap(control_);
        for (std::size_t i = 0; i < old_control.size(); ++i) {
            if (old_control[i] == 0) continue;
            std::size_t index = home_of(hash(old_slots[i].key));
            while (control_[index] != 0) index = advance(index);
            control_[index] = old_control[i];
            slots_[index] = std::move(old_slots[i]);
        }
    }

    std::vector<Slot> slots_;
    std::vector<std::uint8_t> control_;
    std::size_t size_ = 0;
};

}  // namespace mailpolicy
