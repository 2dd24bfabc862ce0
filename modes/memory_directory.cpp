// MemoryDirectory: hash indexes over entries added one by one, read-only afterwards.
// An address or login claimed by two entries goes to the lowest DN (case-insensitive),
// whatever the order of adding, so two loads of the same data always agree. Hosted
// domains are the domain entries' names and the domains of mail values, not of aliases.

#include "modes/memory_directory.h"

#include <algorithm>

#include "modes/text.h"

namespace mailpolicy {

namespace {

bool lower_dn(std::string_view candidate, std::string_view holder) {
    return icompare_ascii(candidate, holder) < 0;
}

// Records `entry` as holding a key already claimed in `holder` (null when new);
// returns true when another entry had claimed it. The lowest DN keeps it.
template <typename Entry>
bool claim_lowest_dn(const Entry*& holder, const Entry* entry) {
    if (!holder) {
        holder = entry;
        return false;
    }
    if (holder == entry) return false;
    if (lower_dn(dn_of(*entry), dn_of(*holder))) holder = entry;
    return true;
}

std::string_view domain_of(std::string_view address) {
    const std::size_t at = address.rfind('@');
    return at == std::string_view::npos ? std::string_view() : address.substr(at + 1);
}

}  // namespace

std::size_t MemoryDirectory::add(const AccountFields& account) {
    const Account::Pointer& stored = accounts_.emplace_back(Account::make(account));
    // Mail values first: only their domains become hosted (SPEC §2), aliases' do not.
    std::vector<std::pair<std::string_view, bool>> addresses;  // address, is a mail value
    addresses.reserve(1 + stored->other_mail().size() + stored->aliases().size());
    addresses.emplace_back(stored->primary(), true);
    for (std::string_view mail : stored->other_mail()) addresses.emplace_back(mail, true);
    for (std::string_view alias : stored->aliases()) addresses.emplace_back(alias, false);

    std::size_t conflicts = 0;
    std::vector<std::string_view> claimed;
    for (const auto& [address, is_mail] : addresses) {
        if (address.empty()) continue;
        if (is_mail) ++account_domains_[std::string(domain_of(address))];
        if (std::find(claimed.begin(), claimed.end(), address) != claimed.end()) continue;
        claimed.push_back(address);
        AccountMatch& match = by_address_.claim(address);
        if (claim_lowest_dn(match.account, stored.get())) ++conflicts;
        link(match);
    }
    for (std::string_view login : stored->logins()) {
        AccountMatch& match = by_login_.claim(ascii_lowercase(login));
        claim_lowest_dn(match.account, stored.get());
        link(match);
    }
    address_conflicts_ += conflicts;
    return conflicts;
}

std::size_t MemoryDirectory::CaseInsensitiveHash::operator()(std::string_view text) const {
    return hash_text_ignoring_case(text);
}

bool MemoryDirectory::CaseInsensitiveEqual::operator()(std::string_view a,
                                                       std::string_view b) const {
    return a == b || iequals_ascii(a, b);
}

void MemoryDirectory::link(AccountMatch& match) const {
    match = with_entries(match.account);
}

void MemoryDirectory::relink_all() {
    auto relink = [this](AccountMatch& match) { link(match); };
    by_address_.for_each(relink);
    by_login_.for_each(relink);
}

void MemoryDirectory::add(PolicyClass policy_class) {
    std::string key = policy_class.dn;
    classes_.insert_or_assign(std::move(key),
                              std::make_unique<PolicyClass>(std::move(policy_class)));
    relink_all();
}

void MemoryDirectory::add(Domain domain) {
    // Name indexes point into the stored entry, so a repeated DN must not replace it.
    if (domains_by_dn_.contains(ascii_lowercase(domain.dn))) return;
    auto stored = std::make_unique<Domain>(std::move(domain));
    for (const std::string& name : stored->names) {
        std::string key = ascii_lowercase(name);
        account_domains_.try_emplace(key, 0);  // hosted even without accounts
        claim_lowest_dn(domains_by_name_[std::move(key)], stored.get());
    }
    domains_by_dn_.insert_or_assign(ascii_lowercase(stored->dn), std::move(stored));
    relink_all();
}

const Account* MemoryDirectory::account_by_address(std::string_view address) const {
    return match_address(address).account;
}

const Account* MemoryDirectory::account_by_login(std::string_view login) const {
    return match_login(login).account;
}

AccountMatch MemoryDirectory::match_address(std::string_view address) const {
    const AccountMatch* match = by_address_.find(address);
    return match ? *match : AccountMatch{};
}

AccountMatch MemoryDirectory::match_login(std::string_view login) const {
    if (const AccountMatch* match = by_login_.find(login)) return *match;
    return match_address(login);
}

void MemoryDirectory::prefetch_address(std::string_view address) const {
    by_address_.prefetch(address);
}

void MemoryDirectory::prefetch_account(std::string_view address) const {
    by_address_.prefetch_account(address);
}

const Domain* MemoryDirectory::domain_by_name(std::string_view name) const {
    const auto found = domains_by_name_.find(name);
    return found == domains_by_name_.end() ? nullptr : found->second;
}

const PolicyClass* MemoryDirectory::class_by_dn(std::string_view dn) const {
    const auto found = classes_.find(dn);
    return found == classes_.end() ? nullptr : found->second.get();
}

bool MemoryDirectory::hosts_domain(std::string_view domain) const {
    return account_domains_.contains(domain);
}

}  // namespace mailpolicy
