// What the bench tools print about their own memory: peak and current resident set size
// from /proc/self/status. Header-only, so every tool program can include it.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

namespace mailpolicy::bench {

// E.g. "VmHWM: 428 MiB  VmRSS: 407 MiB  ".
inline std::string memory_figures() {
    std::ifstream status("/proc/self/status");
    std::string line, figures;
    while (std::getline(status, line)) {
        if (line.rfind("VmHWM:", 0) == 0 || line.rfind("VmRSS:", 0) == 0) {
            std::istringstream fields(line);
            std::string name;
            long kib = 0;
            fields >> name >> kib;
            figures += name + " " + std::to_string(kib / 1024) + " MiB  ";
        }
    }
    return figures;
}

}  // namespace mailpolicy::bench
