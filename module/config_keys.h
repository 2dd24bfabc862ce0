// The table of every config key (SPEC §4, §5, §7): name, default and meaning. The
// command-line parser, the file parser and --help are all built from it, so a key
// cannot be known to one and missing from another.
#pragma once

#include <span>
#include <string_view>

namespace mailpolicy {

struct ConfigKey {
    std::string_view name;  // "section.key", as in --section.key=value
    std::string_view default_value;
    std::string_view meaning;
};

std::span<const ConfigKey> config_keys();

}  // namespace mailpolicy
