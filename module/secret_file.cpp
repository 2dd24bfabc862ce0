// Reading one secret from a file with a size limit, so a wrong path (a log, a device)
// cannot make the daemon read without bound.
#include "module/secret_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace mailpolicy {

std::string read_secret_file(const std::string& path, const std::string& what) {
    constexpr std::size_t kLimit = 4096;
    auto fail = [&](const std::string& reason) {
        throw std::runtime_error("cannot read " + what + " file " + path + ": " + reason);
    };
    std::ifstream file(path, std::ios::binary);
    if (!file) fail(std::strerror(errno));
    std::string text(kLimit + 1, '\0');
    file.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(file.gcount()));
    if (text.size() > kLimit) fail("longer than " + std::to_string(kLimit) + " bytes");
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) fail("the file is empty");
    return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

}  // namespace mailpolicy
