// Free loopback ports for the servers tests start (slapd, PostgreSQL, Postfix, the
// daemon): ctest runs tests in parallel, so no test may use a fixed port.
#pragma once

namespace mailpolicy::test {

// A loopback TCP port the kernel considered free a moment ago (bind to port 0, read it,
// close); the caller binds it soon after. Throws std::runtime_error when none is found.
int free_loopback_port();

}  // namespace mailpolicy::test
