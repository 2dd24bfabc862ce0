// Locality of a peer's domain for the local modes. Under `account`, L is the domains of
// the holder's mail values plus the names on their domain entries (an account-less
// holder: its domain and its entry's names); under `hosted`, every hosted domain.
// Subdomains are found by walking the peer's label-boundary suffixes, never substrings.

#include "modes/local_domains.h"

namespace mailpolicy {

namespace {

bool in_domain_entry(std::string_view domain, const Domain* entry) {
    if (!entry) return false;
    for (const std::string& name : entry->names) {
        if (domain == name) return true;
    }
    return false;
}

// L of SPEC §2 under `account`: the domains of every mail value plus the names on their
// domain entries. The holder's own domain and entry answer nearly every case; only
// accounts with mail values in other domains look further.
bool in_account_domains(std::string_view domain, const HolderRef& holder,
                        const Directory& directory) {
    if (domain == holder.domain_name || in_domain_entry(domain, holder.domain)) return true;
    if (!holder.account || holder.account->other_mail().empty()) return false;
    if (holder.account->has_mail_domain(domain)) return true;
    // `domain` is in L if its own domain entry also names one of the mail domains.
    const Domain* entry = directory.domain_by_name(domain);
    if (!entry || entry == holder.domain) return false;
    for (const std::string& name : entry->names) {
        if (holder.account->has_mail_domain(name)) return true;
    }
    return false;
}

}  // namespace

bool in_local_domains(std::string_view domain, const HolderRef& holder, const Directory& directory,
                      LocalDomains local_domains) {
    if (domain.empty()) return false;
    if (local_domains == LocalDomains::Hosted) return directory.hosts_domain(domain);
    return in_account_domains(domain, holder, directory);
}

bool in_local_domains_or_subdomains(std::string_view domain, const HolderRef& holder,
                                    const Directory& directory, LocalDomains local_domains) {
    while (!domain.empty()) {
        if (in_local_domains(domain, holder, directory, local_domains)) return true;
        const std::size_t dot = domain.find('.');
        if (dot == std::string_view::npos) return false;
        domain.remove_prefix(dot + 1);
    }
    return false;
}

}  // namespace mailpolicy
