// The INI file of SPEC §4: "[section]" lines, "key = value" lines, comments starting
// with ';' or '#' (whole lines, or after whitespace at the end of a line, as in the
// SPEC's own example). Keys come out dotted ("listen.policy"). Boost's own file parser
// is not used: it knows no ';' comments and cuts values at any '#'.
#pragma once

#include <map>
#include <string>

namespace mailpolicy {

// Reads and parses the file. A missing file gives an empty map unless `must_exist`.
// Throws ConfigError naming the file and line for syntax errors, unknown keys and keys
// set twice.
std::map<std::string, std::string, std::less<>> read_config_file(const std::string& path,
                                                                 bool must_exist);

}  // namespace mailpolicy
