// mailpolicy-sendmail: the drop-in /usr/sbin/sendmail of SPEC §5. Parses the command
// line, reads [sendmail] from the config file, and hands the rest to submit_message.
// Exit statuses as SPEC §5; a broken config is 75 (the caller keeps the message).

#include <pwd.h>
#include <syslog.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "module/config.h"
#include "module/daemon.h"
#include "module/sendmail_options.h"
#include "module/sendmail_submit.h"

namespace {

using namespace mailpolicy;

std::string invoking_user() {
    const passwd* entry = ::getpwuid(::getuid());
    return entry && entry->pw_name ? entry->pw_name : std::to_string(::getuid());
}

std::string default_origin() {
    std::ifstream mailname("/etc/mailname");
    std::string line;
    if (std::getline(mailname, line) && !line.empty()) return line;
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) == 0 && host[0] != '\0') return host;
    return "localhost";
}

}  // namespace

int main(int argc, char** argv) {
    const std::vector<std::string> arguments(argv + 1, argv + argc);
    auto parsed = parse_sendmail_options(arguments);
    if (auto* error = std::get_if<SendmailUsageError>(&parsed)) {
        std::fprintf(stderr, "mailpolicy-sendmail: %s\n", error->message.c_str());
        return kExitUsage;
    }
    const SendmailOptions& options = std::get<SendmailOptions>(parsed);
    if (options.help) {
        std::fputs(sendmail_usage().c_str(), stdout);
        return kExitOk;
    }
    if (options.version) {
        std::printf("mailpolicy-sendmail %s\n", kMailpolicydVersion);
        return kExitOk;
    }
    ::openlog("mailpolicy-sendmail", LOG_PID, LOG_MAIL);
    Config config;
    try {
        config = load_config_file(options.config_file.value_or(kDefaultConfigFile),
                                  options.config_file.has_value());
    } catch (const std::exception& error) {
        std::fprintf(stderr, "mailpolicy-sendmail: %s\n", error.what());
        return kExitTempfail;
    }
    SendmailCaller caller{invoking_user(), config.sendmail.origin};
    if (caller.origin.empty()) caller.origin = default_origin();
    try {
        return submit_message(options, config.sendmail, caller, STDIN_FILENO);
    } catch (const std::exception& error) {
        std::fprintf(stderr, "mailpolicy-sendmail: %s\n", error.what());
        return kExitTempfail;
    }
}
