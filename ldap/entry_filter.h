// RFC 4515 search filters evaluated against an Entry held in memory: the LDIF source
// selects accounts with directory.account-filter, and the LDAP source re-checks an
// entry after a modify. Supports &, |, !, =, =*, substrings, >=, <= (~= as =);
// attribute names and values compare case-insensitively (ASCII), as for mail and uid.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "ldap/entry.h"

namespace mailpolicy {

class EntryFilter {
  public:
    // Throws std::invalid_argument naming the filter and the problem.
    static EntryFilter parse(std::string_view text);

    bool matches(const Entry& entry) const;
    const std::string& text() const { return text_; }
    // Attribute names (lowercase) the filter reads: an entry needs them to be judged.
    const std::vector<std::string>& attributes() const { return attributes_; }

    struct Node;

  private:
    std::string text_;
    std::shared_ptr<const Node> root_;
    std::vector<std::string> attributes_;
};

}  // namespace mailpolicy
