// The local-domain set L of SPEC §2 and the two locality tests the modes need:
// d in L (localOnly) and d in L or a subdomain of one (localAndSubdomains).
// Not for: deciding whether an address is local to the directory (decision.cpp).
#pragma once

#include <string_view>

#include "modes/direction_check.h"

namespace mailpolicy {

// True if `domain` is in the holder's L (policy.local-domains decides which L).
bool in_local_domains(std::string_view domain, const HolderRef& holder, const Directory& directory,
                      LocalDomains local_domains);

// True if `domain` is in L or ends with ".x" for some x in L (at a label boundary:
// "notexample.com" is not under "example.com").
bool in_local_domains_or_subdomains(std::string_view domain, const HolderRef& holder,
                                    const Directory& directory, LocalDomains local_domains);

}  // namespace mailpolicy
