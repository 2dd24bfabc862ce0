// An open-addressing hash index from an address or login to the account that holds it,
// for MemoryDirectory. Slots keep only the key's hash and the account: a lookup confirms
// the key against the account's own values, so a million accounts cost 16 bytes a slot
// and a lookup touches the slot, the account and its string. Not thread-safe to build.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "modes/account.h"

namespace mailpolicy {

class AccountIndex {
  public:
    enum class Keys { Addresses, Logins };  // exact normalized addresses; lowercase logins
    explicit AccountIndex(Keys keys) : keys_(keys) {}

    // The slot's account pointer for `key` (lowercase), null when the key is new; the
    // caller stores the account that now holds the key (never null).
    const Account*& claim(std::string_view key);
    const Account* find(std::string_view key) const;
    std::size_t size() const { return used_; }

  private:
    struct Slot {
        std::uint64_t hash = 0;
        const Account* account = nullptr;  // null: empty slot
    };
    static std::uint64_t hash_of(std::string_view key);
    bool holds(const Account& account, std::string_view key) const;
    void grow();

    Keys keys_;
    std::vector<Slot> slots_;
    std::size_t used_ = 0;
};

}  // namespace mailpolicy
