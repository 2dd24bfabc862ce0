// The TLS settings of one LDAP handle, made independent of libldap's ambient config
// (LDAPTLS_* variables, ldaprc, ~/.ldaprc, /etc/ldap/ldap.conf): the server's
// certificate chain and name are always verified, against tls-ca-file or the system's CA
// bundle, in a TLS context of the handle's own. Throws LdapError on a setting it cannot make.
#pragma once

#include <ldap.h>

#include <string>

#include "ldap/directory_source.h"

namespace mailpolicy {

// The system's CA bundle (the first of the distributions' usual paths that exists), or ""
// when there is none.
std::string system_ca_bundle();

// Sets every TLS option of `ld` (what the ambient config could have changed is reset to
// libldap's default or to ours), then gives it a new TLS context built from them.
void configure_client_tls(LDAP* ld, const DirectoryConfig& config);

}  // namespace mailpolicy
