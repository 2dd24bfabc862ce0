// make_directory_source: picks the implementation from the scheme of directory.source.
// Nothing is opened here; the source starts loading in start().
#include <stdexcept>

#include "ldap/directory_source.h"
#include "ldap/ldap_source.h"
#include "ldap/ldif_source.h"

namespace mailpolicy {

std::unique_ptr<DirectorySource> make_directory_source(const DirectoryConfig& config,
                                                       SnapshotHolder& holder) {
    const std::string& source = config.source;
    auto starts_with = [&](std::string_view prefix) { return source.rfind(prefix, 0) == 0; };
    if (starts_with("ldif:") && source.size() > 5) return make_ldif_source(config, holder);
    if (starts_with("ldap://") || starts_with("ldaps://") || starts_with("ldapi://")) {
        return make_ldap_source(config, holder);
    }
    throw std::invalid_argument("directory.source \"" + source +
                                "\" is not supported: use ldif:/path/to/file.ldif, ldap://, "
                                "ldaps:// or ldapi://");
}

}  // namespace mailpolicy
