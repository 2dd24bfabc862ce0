// The command line of mailpolicy-sendmail (SPEC §5), parsed as Postfix's sendmail parses
// it: getopt-style bundling ("-ti"), option values attached or separate ("-fbob@x",
// "-f bob@x"), the first non-option argument or "--" ending the options.
// Not for: reading the message or qualifying names. An unknown option is a usage error.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace mailpolicy {

struct SendmailOptions {
    bool recipients_from_headers = false;    // -t
    bool ignore_dots = false;                // -i, -oi: a line "." does not end the message
    std::optional<std::string> sender;       // -f / -r
    std::optional<std::string> full_name;    // -F
    std::optional<std::string> notify;       // -N (e.g. "never", "failure,delay")
    std::optional<std::string> dsn_return;   // -R hdrs | full
    std::optional<std::string> envelope_id;  // -V
    std::optional<std::string> body_type;    // -B 7BIT | 8BITMIME
    std::optional<std::string> config_file;  // -C
    std::vector<std::string> recipients;     // the arguments after the options
    bool help = false;                       // --help
    bool version = false;                    // --version

    // -N never: the sender asked for no DSN at all, so no NDR either.
    bool notify_never() const;
};

struct SendmailUsageError {
    std::string message;  // one line, naming the option: "unknown option -q"
};

std::variant<SendmailOptions, SendmailUsageError> parse_sendmail_options(
    const std::vector<std::string>& arguments);

std::string sendmail_usage();

}  // namespace mailpolicy
