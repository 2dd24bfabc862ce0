// Keys (addresses, logins, domain names, class DNs) claimed by directory entries, where
// two entries may claim one key: the lowest DN (case-insensitive) wins, whatever the
// order of arrival, and the runner-up takes over when the winner goes (SPEC §3).
// Only contested keys cost extra memory; winners live in a ShardedIndex snapshots share.
#pragma once

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "ldap/snapshot_index.h"
#include "modes/account.h"

namespace mailpolicy {

int compare_dn_ignoring_case(std::string_view a, std::string_view b);

// KeysIn for indexes that keep their own copy of each key (keys not stored in the item).
struct OwnedKeys {};

// KeysIn, when not OwnedKeys, finds the key's text inside the item
// (`std::string_view operator()(const Item&, std::string_view key)`), so the winners'
// index can view it instead of copying it.
template <typename Item, std::size_t ShardCount = 4096, typename KeysIn = OwnedKeys>
class ClaimIndex {
    static constexpr bool views = !std::is_same_v<KeysIn, OwnedKeys>;

  public:
    using Pointer = std::shared_ptr<const Item>;
    using Winners =
        ShardedIndex<Pointer, ShardCount, std::conditional_t<views, std::string_view, std::string>>;

    // Returns the DN of the other claimant when the key was already claimed, else "".
    std::string claim(std::string_view key, const Pointer& item) {
        const Pointer* winner = winners_.find(key);
        if (!winner) {
            winners_.set(key_in(*item, key), item);
            return {};
        }
        if (winner->get() == item.get()) return {};
        std::string other(dn_of(**winner));
        auto [position, created] = contested_.try_emplace(std::string(key));
        if (created) position->second.push_back(*winner);
        position->second.push_back(item);
        if (compare_dn_ignoring_case(dn_of(*item), dn_of(**winner)) < 0) {
            winners_.set(key_in(*item, key), item);
        }
        return other;
    }

    void release(std::string_view key, const Item* item) {
        auto contested = contested_.find(key);
        if (contested == contested_.end()) {
            const Pointer* winner = winners_.find(key);
            if (winner && winner->get() == item) winners_.erase(key);
            return;
        }
        auto& claimants = contested->second;
        std::erase_if(claimants, [&](const Pointer& claimant) { return claimant.get() == item; });
        auto lowest = std::min_element(claimants.begin(), claimants.end(),
                                       [](const Pointer& a, const Pointer& b) {
                                           return compare_dn_ignoring_case(dn_of(*a), dn_of(*b)) < 0;
                                       });
        if (lowest == claimants.end()) {
            winners_.erase(key);
        } else {
            winners_.set(key_in(**lowest, key), *lowest);
        }
        if (claimants.size() <= 1) contested_.erase(contested);
    }

    const Winners& winners() const { return winners_; }
    void freeze() { winners_.freeze(); }
    void clear() {
        winners_.clear();
        contested_.clear();
    }
    // Keys claimed by more than one entry right now.
    std::size_t contested() const { return contested_.size(); }

  private:
    static std::string_view key_in(const Item& item, std::string_view key) {
        if constexpr (views) {
            return KeysIn{}(item, key);
        } else {
            return key;
        }
    }

    Winners winners_;
    std::unordered_map<std::string, std::vector<Pointer>, TransparentHash, std::equal_to<>>
        contested_;
};

}  // namespace mailpolicy
