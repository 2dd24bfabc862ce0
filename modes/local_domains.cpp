// Locality of a peer's domain for the local modes. Under `account`, L is the holder's
// domain plus the names on its domain entry; under `hosted`, every hosted domain.
// Subdomains are found by walking the peer's label-boundary suffixes, never substrings.

#include "modes/local_domains.h"

namespace mailpolicy {

namespace {

bool in_account_domains(std::string_view domain, const HolderRef& holder) {
    if (domain == holder.domain_name) return true;
    if (!holder.domain) return false;
    for (const std::string& name : holder.domain->names) {
        if (domain == name) return true;
    }
    return false;
}

}  // namespace

bool in_local_domains(std::string_view domain, const HolderRef& holder, const Directory& directory,
                      LocalDomains local_domains) {
    if (domain.empty()) return false;
    if (local_domains == LocalDomains::Hosted) return directory.hosts_domain(domain);
    return in_account_domains(domain, holder);
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
