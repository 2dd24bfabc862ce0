// The default AccountMatch: the account's class and domain entry looked up by name.

#include "modes/directory.h"

namespace mailpolicy {

AccountMatch Directory::with_entries(const Account* account) const {
    if (!account) return {};
    const auto class_dn = account->class_dn();
    return {account, class_dn ? class_by_dn(*class_dn) : nullptr,
            domain_by_name(account->primary_domain())};
}

}  // namespace mailpolicy
