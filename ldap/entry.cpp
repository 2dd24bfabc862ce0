// Entry accessors: attribute names are stored lowercase, so lookups lowercase the
// requested name; object class values are compared case-insensitively as LDAP does.
#include "ldap/entry.h"

#include <algorithm>
#include <cctype>

namespace mailpolicy {

namespace {

bool equal_ignoring_case(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

}  // namespace

const std::vector<std::string>& Entry::values(std::string_view name) const {
    static const std::vector<std::string> none;
    auto found = attributes.find(name);
    bool has_upper =
        std::any_of(name.begin(), name.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
    if (found == attributes.end() && has_upper) {
        std::string lowered(name);
        for (char& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        found = attributes.find(lowered);
    }
    return found == attributes.end() ? none : found->second;
}

std::string_view Entry::first(std::string_view name) const {
    const auto& all = values(name);
    return all.empty() ? std::string_view() : std::string_view(all.front());
}

bool Entry::has_object_class(std::string_view object_class) const {
    const auto& classes = values("objectclass");
    return std::any_of(classes.begin(), classes.end(), [&](const std::string& value) {
        return equal_ignoring_case(value, object_class);
    });
}

}  // namespace mailpolicy
