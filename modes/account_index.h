// An open-addressing hash index from an address or login to the account that holds it,
// with that account's class and domain entry resolved, for MemoryDirectory. A lookup
// confirms the key against the account's own texts, so a slot is the key's hash and
// the match: one probe and one account read find everything the engine needs.
// Not thread-safe to build.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "modes/directory.h"

namespace mailpolicy {

class AccountIndex {
  public:
    enum class Keys { Addresses, Logins };  // exact normalized addresses; lowercase logins
    explicit AccountIndex(Keys keys) : keys_(keys) {}

    // The slot's match for `key` (lowercase), with a null account when the key is new;
    // the caller stores the account that now holds the key (never null).
    AccountMatch& claim(std::string_view key);
    const AccountMatch* find(std::string_view key) const;
    // Hints that `key` will be looked up soon: starts loading its slot; then, once the
    // slot is likely in cache, the first lines of the account in it.
    void prefetch(std::string_view key) const;
    void prefetch_account(std::string_view key) const;
    // Calls `visit(AccountMatch&)` for every claimed key.
    template <typename Visit>
    void for_each(Visit visit) {
        for (Slot& slot : slots_) {
            if (slot.match.account) visit(slot.match);
        }
    }
    std::size_t size() const { return used_; }

  private:
    struct Slot {
        std::uint64_t hash = 0;
        AccountMatch match;  // null account: empty slot
    };
    static std::uint64_t hash_of(std::string_view key);
    bool holds(const Account& account, std::string_view key) const;
    void grow();

    Keys keys_;
    std::vector<Slot> slots_;
    std::size_t used_ = 0;
};

}  // namespace mailpolicy
