// Reading the command line with Boost.Program_options and merging it over the INI file
// (config_file.cpp): the command line wins. Values are kept as texts here and typed in
// config_values.cpp; defaults live in config_keys.cpp.
#include "module/config.h"

#include <boost/program_options.hpp>
#include <filesystem>

#include "module/config_file.h"
#include "module/config_keys.h"

namespace mailpolicy {

namespace po = boost::program_options;

namespace {

po::options_description key_options() {
    po::options_description keys;
    for (const ConfigKey& key : config_keys()) {
        keys.add_options()(std::string(key.name).c_str(), po::value<std::string>(),
                           std::string(key.meaning).c_str());
    }
    return keys;
}

po::options_description program_options() {
    po::options_description program;
    program.add_options()("config,c", po::value<std::string>(), "config file")(
        "daemon", "run in the background")("pidfile", po::value<std::string>(), "pid file")(
        "help,h", "show options")("version", "show version");
    return program;
}

// The file's values with the command line's on top: the command line wins.
Config typed_config(std::map<std::string, std::string, std::less<>> values,
                    const po::variables_map& command_line) {
    for (const ConfigKey& key : config_keys()) {
        const std::string name(key.name);
        if (command_line.count(name)) values[name] = command_line[name].as<std::string>();
    }
    return config_from_values(values);
}

// Boost refuses "--listen.http=" (an empty value after '='), which is how an admin turns
// a listener off; "--listen.http" "" means the same and is accepted.
std::vector<std::string> with_empty_values_split(const std::vector<std::string>& arguments) {
    std::vector<std::string> result;
    for (const std::string& argument : arguments) {
        if (argument.starts_with("--") && argument.ends_with('=')) {
            result.push_back(argument.substr(0, argument.size() - 1));
            result.emplace_back();
        } else {
            result.push_back(argument);
        }
    }
    return result;
}

CommandLine parse_command_line(const std::vector<std::string>& arguments,
                               po::variables_map& stored) {
    po::options_description all;
    all.add(program_options()).add(key_options());
    const auto style =
        po::command_line_style::default_style & ~po::command_line_style::allow_guessing;
    try {
        po::store(po::command_line_parser(with_empty_values_split(arguments))
                      .options(all)
                      .style(style)
                      .run(),
                  stored);
    } catch (const po::unknown_option& error) {
        // Never echo the value: it might be a password given by mistake.
        const std::string name = error.get_option_name();
        throw ConfigError("unknown option \"" + name.substr(0, name.find('=')) + "\"");
    } catch (const po::error& error) {
        throw ConfigError(error.what());
    }
    CommandLine command_line;
    command_line.arguments = arguments;
    if (stored.count("config")) {
        // Absolute, so a reload still finds it after --daemon changed to "/".
        command_line.config_file =
            std::filesystem::absolute(stored["config"].as<std::string>()).lexically_normal();
        command_line.config_file_given = true;
    }
    command_line.daemon = stored.count("daemon") > 0;
    if (stored.count("pidfile")) command_line.pidfile = stored["pidfile"].as<std::string>();
    command_line.help = stored.count("help") > 0;
    command_line.version = stored.count("version") > 0;
    if (!command_line.pidfile.empty() && !command_line.pidfile.starts_with('/')) {
        throw ConfigError("bad value \"" + command_line.pidfile +
                          "\" for --pidfile: expected an absolute path");
    }
    return command_line;
}

}  // namespace

Startup load_startup(const std::vector<std::string>& arguments) {
    po::variables_map stored;
    Startup startup;
    startup.command_line = parse_command_line(arguments, stored);
    if (startup.command_line.help || startup.command_line.version) return startup;
    po::notify(stored);
    startup.config = typed_config(
        read_config_file(startup.command_line.config_file, startup.command_line.config_file_given),
        stored);
    return startup;
}

Config reload_config(const CommandLine& command_line) {
    po::variables_map stored;
    parse_command_line(command_line.arguments, stored);
    po::notify(stored);
    return typed_config(read_config_file(command_line.config_file, command_line.config_file_given),
                        stored);
}

Config load_config_file(const std::string& path, bool must_exist) {
    return config_from_values(read_config_file(path, must_exist));
}

std::string help_text() {
    std::string text =
        "usage: mailpolicyd [-c FILE] [--section.key=value ...] [--daemon --pidfile FILE]\n"
        "\n"
        "  -c, --config FILE   config file (default " +
        std::string(kDefaultConfigFile) +
        "; a missing default file is fine)\n"
        "  --daemon            detach into the background\n"
        "  --pidfile FILE      write the process id to FILE (removed at exit)\n"
        "  -h, --help          show this text\n"
        "  --version           show the version\n"
        "\n"
        "Every config key is also an option and overrides the file, e.g.\n"
        "--policy.enforcement=audit. In the file, keys sit under their [section].\n"
        "Passwords are only ever read from files.\n"
        "\n"
        "Signals: TERM or INT stop cleanly; HUP re-reads the config file and reopens logs.\n"
        "Exit status: 0 after a clean stop, 2 for a bad command line or config,\n"
        "1 when the daemon cannot start (e.g. a listen address is in use).\n"
        "\n"
        "Options (default in brackets):\n";
    for (const ConfigKey& key : config_keys()) {
        text += "  --" + std::string(key.name) + "=VALUE  [" + std::string(key.default_value) +
                "]\n      " + std::string(key.meaning) + "\n";
    }
    return text;
}

}  // namespace mailpolicy
