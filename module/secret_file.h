// Secrets (bearer tokens, bind passwords) are read from files, never taken from the
// command line where `ps` would show them. Read once at start, trimmed of surrounding
// whitespace; an empty, missing or oversized file is an error naming the file.
#pragma once

#include <string>

namespace mailpolicy {

// Throws std::runtime_error("cannot read <what> file <path>: <reason>").
std::string read_secret_file(const std::string& path, const std::string& what);

}  // namespace mailpolicy
