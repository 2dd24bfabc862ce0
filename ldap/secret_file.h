// The one reader for every secret the programs use (bind password files, bearer token
// files): secrets live in files, never on the command line where `ps` shows them. Here,
// below module/, because the LDAP connection reads its bind password on every connect.
// Refuses anything that is not a small regular file only its owner can change.
#pragma once

#include <cstddef>
#include <string>

namespace mailpolicy {

// Largest secret file accepted.
inline constexpr std::size_t kMaxSecretFileBytes = 4096;

// The file's content without its trailing line end (CR and LF). Opened without
// following a symbolic link and without blocking (a FIFO is refused, not waited on).
// Refused: not a regular file, larger than kMaxSecretFileBytes, writable by group or
// others, empty. Readable by group or others: a warning on the "mailpolicyd.secrets"
// logger. Throws std::runtime_error("<what> <path>: <reason>"); the content is never
// part of a message. `what` names the setting, e.g. "listen.http-token-file".
std::string read_secret_file(const std::string& path, const std::string& what);

}  // namespace mailpolicy
