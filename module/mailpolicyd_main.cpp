// mailpolicyd: the policy daemon of SPEC §4. Everything happens in daemon.cpp; this file
// only hands over the command line.
#include <string>
#include <vector>

#include "module/daemon.h"

int main(int argc, char** argv) {
    return mailpolicy::run_daemon(std::vector<std::string>(argv + 1, argv + argc));
}
