// Log output for the daemon (SPEC §4 [log]): syslog (facility mail, ident mailpolicyd),
// the console (stderr) or a file, at a configured level. Every "mailpolicyd.*" logger
// goes there. reopen_logs() serves SIGHUP, so logrotate can move the file away.
#pragma once

#include "module/config.h"

namespace mailpolicy {

// Points every Poco logger at the configured target. Throws std::runtime_error naming
// the file when a log file cannot be opened.
void configure_logging(const LogConfig& config);

// Closes and reopens the log target (a rotated file is created anew) and applies the
// level of `config`; the target itself changes only at restart.
void reopen_logs(const LogConfig& config);

}  // namespace mailpolicy
