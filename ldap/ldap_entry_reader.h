// Turns LDAP search results into Entry values (DN, lowercase attribute names, raw
// values) and RFC 4533 syncUUIDs (16 raw octets) into the textual entryUUID form slapd
// shows, so that UUIDs from controls, ID sets and attributes compare equal.
#pragma once

#include <ldap.h>

#include <string>

#include "ldap/entry.h"

namespace mailpolicy {

// The entry in `message` (an LDAP_RES_SEARCH_ENTRY); uuid from its entryUUID attribute.
Entry entry_from_message(LDAP* ld, LDAPMessage* message);

// "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", lowercase; "" when `raw` is not 16 octets.
std::string uuid_text(const berval& raw);

}  // namespace mailpolicy
