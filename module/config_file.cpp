// INI parsing for the shared config file, bounded (1 MiB) and strict: an admin's typo
// stops the start instead of being ignored.
#include "module/config_file.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "module/config.h"
#include "module/config_keys.h"

namespace mailpolicy {

namespace {

constexpr std::size_t kMaxConfigBytes = 1024 * 1024;

std::string trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) return {};
    return std::string(text.substr(first, text.find_last_not_of(" \t\r") - first + 1));
}

// Section and key names are matched case-insensitively, as INI readers usually do.
std::string lowercase(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

// Cuts a trailing comment: ';' or '#' at the start or after whitespace.
std::string without_comment(const std::string& line) {
    for (std::size_t i = 0; i < line.size(); ++i) {
        if ((line[i] == ';' || line[i] == '#') &&
            (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t')) {
            return line.substr(0, i);
        }
    }
    return line;
}

bool is_known_key(std::string_view key) {
    const auto keys = config_keys();
    return std::any_of(keys.begin(), keys.end(), [&](const ConfigKey& k) { return k.name == key; });
}

std::string read_all(const std::string& path, bool must_exist, bool& found) {
    std::ifstream file(path, std::ios::binary);
    found = static_cast<bool>(file);
    if (!file) {
        if (!must_exist && errno == ENOENT) return {};
        throw ConfigError("cannot read config file " + path + ": " + std::strerror(errno));
    }
    std::string text(kMaxConfigBytes + 1, '\0');
    file.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(file.gcount()));
    if (text.size() > kMaxConfigBytes) {
        throw ConfigError("config file " + path + " is larger than 1 MiB");
    }
    if (text.starts_with("\xef\xbb\xbf")) text.erase(0, 3);
    return text;
}

}  // namespace

std::map<std::string, std::string, std::less<>> read_config_file(const std::string& path,
                                                                 bool must_exist) {
    bool found = false;
    const std::string text = read_all(path, must_exist, found);
    std::map<std::string, std::string, std::less<>> values;
    std::map<std::string, int, std::less<>> set_on_line;
    std::istringstream lines(text);
    std::string raw;
    std::string section;
    int number = 0;
    while (std::getline(lines, raw)) {
        ++number;
        const std::string where = path + ":" + std::to_string(number);
        const std::string line = trim(without_comment(raw));
        if (line.empty()) continue;
        if (line.front() == '[') {
            if (line.back() != ']') throw ConfigError(where + ": expected [section]");
            section = lowercase(trim(std::string_view(line).substr(1, line.size() - 2)));
            continue;
        }
        const auto equals = line.find('=');
        if (equals == std::string::npos) throw ConfigError(where + ": expected key = value");
        if (section.empty()) throw ConfigError(where + ": key outside a [section]");
        const std::string key =
            section + "." + lowercase(trim(std::string_view(line).substr(0, equals)));
        if (!is_known_key(key)) throw ConfigError("unknown key \"" + key + "\" in " + where);
        if (auto earlier = set_on_line.find(key); earlier != set_on_line.end()) {
            throw ConfigError(key + " is set twice in " + path + " (lines " +
                              std::to_string(earlier->second) + " and " + std::to_string(number) +
                              ")");
        }
        set_on_line[key] = number;
        values[key] = trim(std::string_view(line).substr(equals + 1));
    }
    return values;
}

}  // namespace mailpolicy
