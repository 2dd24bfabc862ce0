// Linear probing over a power-of-two table kept at most half full, so probe runs stay
// short; the 64-bit hash in each slot makes the key comparison (a cache miss into the
// account's strings) happen only for the real key in practice.

#include "modes/account_index.h"

#include <functional>

#include "modes/text.h"
#include "modes/text_hash.h"

namespace mailpolicy {

std::uint64_t AccountIndex::hash_of(std::string_view key) {
    return hash_text(key);
}

bool AccountIndex::holds(const Account& account, std::string_view key) const {
    if (keys_ == Keys::Logins) {
        for (std::string_view login : account.logins()) {
            if (iequals_ascii(login, key)) return true;
        }
        return false;
    }
    return account.primary() == key || account.aliases().contains(key);
}

const Account* AccountIndex::find(std::string_view key) const {
    if (slots_.empty()) return nullptr;
    const std::uint64_t hash = hash_of(key);
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash & mask; slots_[i].account; i = (i + 1) & mask) {
        if (slots_[i].hash == hash && holds(*slots_[i].account, key)) return slots_[i].account;
    }
    return nullptr;
}

const Account*& AccountIndex::claim(std::string_view key) {
    if ((used_ + 1) * 2 > slots_.size()) grow();
    const std::uint64_t hash = hash_of(key);
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = hash & mask;
    for (; slots_[i].account; i = (i + 1) & mask) {
        if (slots_[i].hash == hash && holds(*slots_[i].account, key)) return slots_[i].account;
    }
    ++used_;
    slots_[i].hash = hash;
    return slots_[i].account;
}

void AccountIndex::grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.empty() ? 16 : old.size() * 2, Slot{});
    const std::size_t mask = slots_.size() - 1;
    for (const Slot& slot : old) {
        if (!slot.account) continue;
        std::size_t i = slot.hash & mask;
        while (slots_[i].account) i = (i + 1) & mask;
        slots_[i] = slot;
    }
}

}  // namespace mailpolicy
