// A set of pointers to items that carry their own keys (the replica's stored entries,
// by DN and by entryUUID): open addressing with linear probing, 9 bytes a slot (the
// pointer and a control byte with seven bits of the hash), at most 4/5 full. A key
// costs ~14 bytes instead of a std::unordered_map node and bucket (~56).
// Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "ldap/snapshot_flat_map.h"

namespace mailpolicy {

// KeyOf provides `static Key key(const Item&)`, `static std::size_t hash(const Key&)`,
// and Key has ==. Items are not owned.
template <typename Item, typename KeyOf>
class PointerTable {
  public:
    using Key = typename KeyOf::Key;

    std::size_t size() const { return size_; }
    void reserve(std::size_t count);
    // Grows now if one more entry would need it, so that set() cannot fail.
    void make_room();
    void clear();
    Item* find(const Key& key) const;
    // Points `key` (the entry's own) at the entry, replacing an entry with an equal key.
    void set(Item* entry);
    // Forgets the entry's key if it points at this entry.
    void erase(const Item* entry);
    template <typename Visit>
    void for_each(Visit visit) const {
        for (std::size_t i = 0; i < slots_.size(); ++i) {
            if (control_[i] != 0) visit(*slots_[i]);
        }
    }

  private:
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);
    std::size_t position(const Key& key, std::size_t code) const;
    std::size_t home_of(std::size_t code) const;
    std::size_t advance(std::size_t index) const {
        return index + 1 == slots_.size() ? 0 : index + 1;
    }
    void resize(std::size_t capacity);
    void erase_at(std::size_t hole);

    std::vector<Item*> slots_;
    std::vector<std::uint8_t> control_;
    std::size_t size_ = 0;
};

template <typename Item, typename KeyOf>
std::size_t PointerTable<Item, KeyOf>::home_of(std::size_t code) const {
    return probing::home_slot(code, slots_.size());
}

template <typename Item, typename KeyOf>
std::size_t PointerTable<Item, KeyOf>::position(const Key& key, std::size_t code) const {
    if (size_ == 0) return npos;
    std::uint8_t tag = probing::tag_of(code);
    for (std::size_t index = home_of(code);; index = advance(index)) {
        if (control_[index] == 0) return npos;
        if (control_[index] == tag && KeyOf::key(*slots_[index]) == key) return index;
    }
}

template <typename Item, typename KeyOf>
Item* PointerTable<Item, KeyOf>::find(const Key& key) const {
    std::size_t index = position(key, KeyOf::hash(key));
    return index == npos ? nullptr : slots_[index];
}

template <typename Item, typename KeyOf>
void PointerTable<Item, KeyOf>::set(Item* entry) {
    Key key = KeyOf::key(*entry);
    std::size_t code = KeyOf::hash(key);
    if (std::size_t found = position(key, code); found != npos) {
        slots_[found] = entry;
        return;
    }
    make_room();
    std::size_t index = home_of(code);
    while (control_[index] != 0) index = advance(index);
    slots_[index] = entry;
    control_[index] = probing::tag_of(code);
    ++size_;
}

template <typename Item, typename KeyOf>
void PointerTable<Item, KeyOf>::make_room() {
    // At most 4/5 full; growing by half leaves it ~53% full.
    if ((size_ + 1) * 5 > slots_.size() * 4) {
        resize(slots_.size() < 16 ? 16 : slots_.size() + slots_.size() / 2);
    }
}

template <typename Item, typename KeyOf>
void PointerTable<Item, KeyOf>::erase(const Item* entry) {
    if (size_ == 0) return;
    std::size_t code = KeyOf::hash(KeyOf::key(*entry));
    for (std::size_t index = home_of(code); control_[index] != 0; index = advance(index)) {
        if (slots_[index] == entry) {
            erase_at(index);
            return;
        }
    }
}

template <typename Item, typename KeyOf>
void PointerTable<Item, KeyOf>::erase_at(std::size_t hole) {
    // Backward shift (as FlatMap::erase): no tombstones, every key reachable from home.
    for (std::size_t next = advance(hole); control_[next] != 0; next = advance(next)) {
        std::size_t home = home_of(KeyOf::hash(KeyOf::key(*slots_[next])));
        if (probing::stays_after_hole(hole, next, home)) continue;
        slots_[hole] = slots_[next];
        control_[hole] = control_[next];
        hole = next;
    }
    slots_[hole] = nullptr;
    control_[hole] = 0;
    --size_;
}

template <typename Item, typename KeyOf>
void PointerTable<Item, KeyOf>::resize(std::size_t capacity) {
    std::vector<Item*> old_slots(capacity, nullptr);
    std::vector<std::uint8_t> old_control(capacity, 0);
    old_slots.swap(slots_);
    old_control.swap(control_);
    for (std::size_t i = 0; i < old_slots.size(); ++i) {
        if (old_control[i] == 0) continue;
        std::size_t index = home_of(KeyOf::hash(KeyOf::key(*old_slots[i])));
        while (control_[index] != 0) index = advance(index);
        slots_[index] = old_slots[i];
        control_[index] = old_control[i];
    }
}

template <typename Item, typename KeyOf>
void PointerTable<Item, KeyOf>::reserve(std::size_t count) {
    std::size_t capacity = count + count / 4 + 1;
    if (capacity > slots_.size()) resize(capacity);
}

template <typename Item, typename KeyOf>
void PointerTable<Item, KeyOf>::clear() {
    slots_ = {};
    control_ = {};
    size_ = 0;
}

}  // namespace mailpolicy
