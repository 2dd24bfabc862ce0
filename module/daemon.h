// mailpolicyd as a process (SPEC §4): reads the config, optionally detaches, writes the
// pid file, starts the directory replica, audit log, policy server and HTTP server, and
// then handles signals on its main thread: TERM/INT stop cleanly, HUP reloads.
// Exit status: 0 clean stop, 2 bad config or command line, 1 cannot start.
#pragma once

#include <string>
#include <vector>

namespace mailpolicy {

inline constexpr const char* kMailpolicydVersion = "0.1.0";

// Runs the daemon; `arguments` excludes the program name. Returns the exit status.
int run_daemon(const std::vector<std::string>& arguments);

}  // namespace mailpolicy
