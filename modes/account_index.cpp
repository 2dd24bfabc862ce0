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
    return account.has_address(key);
}

const AccountMatch* AccountIndex::find(std::string_view key) const {
    if (slots_.empty()) return nullptr;
    const std::uint64_t hash = hash_of(key);
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash & mask; slots_[i].match.account; i = (i + 1) & mask) {
        const Slot& slot = slots_[i];
        if (slot.hash == hash && holds(*slot.match.account, key)) return &slot.match;
    }
    return nullptr;
}

void AccountIndex::prefetch(std::string_view key) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[hash_of(key) & (slots_.size() - 1)]);
}

void AccountIndex::prefetch_account(std::string_view key) const {
    if (slots_.empty()) return;
    const std::uint64_t hash = hash_of(key);
    const Slot& home = slots_[hash & (slots_.size() - 1)];
    if (home.hash != hash || !home.match.account) return;
    // The settings, the sizes and the primary address: the first three lines.
    const auto* account = reinterpret_cast<const char*>(home.match.account);
    __builtin_prefetch(account);
    __builtin_prefetch(account + 64);
    __builtin_prefetch(account + 128);
}

AccountMatch& AccountIndex::claim(std::string_view key) {
    if ((used_ + 1) * 2 > slots_.size()) grow();
    const std::uint64_t hash = hash_of(key);
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = hash & mask;
    for (; slots_[i].match.account; i = (i + 1) & mask) {
        if (slots_[i].hash == hash && holds(*slots_[i].match.account, key)) return slots_[i].match;
    }
    ++used_;
    slots_[i].hash = hash;
    return slots_[i].match;
}

void AccountIndex::grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.empty() ? 16 : old.size() * 2, Slot{});
    const std::size_t mask = slots_.size() - 1;
    for (const Slot& slot : old) {
        if (!slot.match.account) continue;
        std::size_t i = slot.hash & mask;
        while (slots_[i].match.account) i = (i + 1) & mask;
        slots_[i] = slot;
    }
}

}  // namespace mailpolicy
