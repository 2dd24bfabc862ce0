// What `sendmail -t` needs of a message's header section: the addresses of To, Cc and Bcc
// (RFC 5322 address lists: groups, comments, quoted local parts, folded lines, display
// names), and the header section without its Bcc fields.
// Not for: validating addresses (the daemon normalizes and judges them). Never throws.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mailpolicy {

// The addr-specs of every To, Cc and Bcc field, in order ("a@b", "\"j d\"@x").
std::vector<std::string> header_recipients(std::string_view header_section);

// The addr-specs of one address-list field value (unfolded or not).
std::vector<std::string> address_list(std::string_view value);

// The header section without Bcc fields (their continuation lines included).
std::string without_bcc(std::string_view header_section);

}  // namespace mailpolicy
