// Snapshot lookups. Callers pass normalized addresses and domains (the engine does);
// logins and class DNs are normalized here as the Directory contract allows any case.
#include "ldap/snapshot.h"

#include <cctype>

#include "ldap/entry_mapping.h"

namespace mailpolicy {

int compare_dn_ignoring_case(std::string_view a, std::string_view b) {
    std::size_t common = std::min(a.size(), b.size());
    for (std::size_t i = 0; i < common; ++i) {
        int x = std::tolower(static_cast<unsigned char>(a[i]));
        int y = std::tolower(static_cast<unsigned char>(b[i]));
        if (x != y) return x < y ? -1 : 1;
    }
    return a.size() == b.size() ? 0 : (a.size() < b.size() ? -1 : 1);
}

namespace {

// The element of `texts` equal to `key`; claims only ever use keys taken from the item.
template <typename Texts>
std::string_view stored(const Texts& texts, std::string_view key) {
    for (const auto& text : texts) {
        if (text == key) return text;
    }
    return {};
}

template <typename Index>
auto lookup(const Index& index, std::string_view key) -> decltype(index.find(key)->get()) {
    const auto* found = index.find(key);
    return found ? found->get() : nullptr;
}

bool has_upper(std::string_view text) {
    for (char c : text) {
        if (c >= 'A' && c <= 'Z') return true;
    }
    return false;
}

std::string lowercase(std::string_view text) {
    std::string result(text);
    for (char& c : result) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return result;
}

}  // namespace

std::string_view AccountAddressKeys::operator()(const Account& account,
                                                std::string_view address) const {
    if (account.primary() == address) return account.primary();
    if (std::string_view mail = stored(account.other_mail(), address); !mail.empty()) return mail;
    return stored(account.aliases(), address);
}

std::string_view AccountLoginKeys::operator()(const Account& account,
                                              std::string_view login) const {
    return stored(account.logins(), login);
}

std::string_view DomainNameKeys::operator()(const Domain& domain, std::string_view name) const {
    return stored(domain.names, name);
}

const Account* ReplicaSnapshot::account_by_address(std::string_view address) const {
    return lookup(indexes_.accounts_by_address, address);
}

const Account* ReplicaSnapshot::account_by_login(std::string_view login) const {
    std::string lowered;
    if (has_upper(login)) login = lowered = lowercase(login);
    if (const Account* account = lookup(indexes_.accounts_by_login, login)) return account;
    return lookup(indexes_.accounts_by_address, login);
}

const Domain* ReplicaSnapshot::domain_by_name(std::string_view name) const {
    return lookup(indexes_.domains_by_name, name);
}

const PolicyClass* ReplicaSnapshot::class_by_dn(std::string_view dn) const {
    // Keys are normalized DNs and normalizing twice changes nothing, so a DN that is a
    // key as it stands (as accounts' class DNs mostly are) needs no normalized copy.
    if (const PolicyClass* found = lookup(indexes_.classes_by_dn, dn)) return found;
    return lookup(indexes_.classes_by_dn, normalize_dn(dn));
}

void ReplicaSnapshot::prefetch_address(std::string_view address) const {
    indexes_.accounts_by_address.prefetch(address);
}

void ReplicaSnapshot::prefetch_account(std::string_view address) const {
    indexes_.accounts_by_address.prefetch_pointee(address);
}

bool ReplicaSnapshot::hosts_domain(std::string_view domain) const {
    return domain_by_name(domain) != nullptr || indexes_.account_domains.find(domain) != nullptr;
}

}  // namespace mailpolicy
