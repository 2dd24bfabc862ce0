// Parsing of the sendmail command line (see sendmail_options.h). The accepted letters
// are those of SPEC §5: t i f r F N R V B C o; "-o" values are accepted and ignored but
// "-oi" (ignore dots). Never throws.

#include "module/sendmail_options.h"

#include <string_view>

#include "modes/text.h"

namespace mailpolicy {

namespace {

constexpr std::string_view kWithValue = "frFNRVBCo";
constexpr std::string_view kFlags = "ti";

std::optional<std::string>* value_slot(SendmailOptions& options, char letter) {
    switch (letter) {
        case 'f':
        case 'r':
            return &options.sender;
        case 'F':
            return &options.full_name;
        case 'N':
            return &options.notify;
        case 'R':
            return &options.dsn_return;
        case 'V':
            return &options.envelope_id;
        case 'B':
            return &options.body_type;
        case 'C':
            return &options.config_file;
        default:
            return nullptr;
    }
}

std::optional<SendmailUsageError> apply_value(SendmailOptions& options, char letter,
                                              const std::string& value) {
    if (letter == 'o') {
        if (value == "i") options.ignore_dots = true;
        return std::nullopt;
    }
    if (letter == 'R' && !iequals_ascii(value, "hdrs") && !iequals_ascii(value, "full")) {
        return SendmailUsageError{"-R takes hdrs or full, not \"" + value + "\""};
    }
    *value_slot(options, letter) = value;
    return std::nullopt;
}

// One argument of bundled letters ("-ti", "-fbob@x", "-oem"); `next` is the argument after
// it, taken as the value when the last letter needs one. Sets `used_next`.
std::optional<SendmailUsageError> apply_bundle(SendmailOptions& options, std::string_view bundle,
                                               const std::string* next, bool& used_next) {
    for (std::size_t i = 1; i < bundle.size(); ++i) {
        const char letter = bundle[i];
        if (kFlags.find(letter) != std::string_view::npos) {
            (letter == 't' ? options.recipients_from_headers : options.ignore_dots) = true;
            continue;
        }
        if (kWithValue.find(letter) == std::string_view::npos) {
            return SendmailUsageError{"unknown option -" + std::string(1, letter)};
        }
        if (i + 1 < bundle.size())
            return apply_value(options, letter, std::string(bundle.substr(i + 1)));
        if (!next)
            return SendmailUsageError{"option -" + std::string(1, letter) + " needs a value"};
        used_next = true;
        return apply_value(options, letter, *next);
    }
    return std::nullopt;
}

}  // namespace

bool SendmailOptions::notify_never() const {
    return notify && iequals_ascii(trim_ascii_space(*notify), "never");
}

std::variant<SendmailOptions, SendmailUsageError> parse_sendmail_options(
    const std::vector<std::string>& arguments) {
    SendmailOptions options;
    std::size_t i = 0;
    for (; i < arguments.size(); ++i) {
        const std::string& argument = arguments[i];
        if (argument == "--") {
            ++i;
            break;
        }
        if (argument == "--help") {
            options.help = true;
            continue;
        }
        if (argument == "--version") {
            options.version = true;
            continue;
        }
        if (argument.size() < 2 || argument[0] != '-') break;
        if (argument[1] == '-') return SendmailUsageError{"unknown option " + argument};
        const std::string* next = i + 1 < arguments.size() ? &arguments[i + 1] : nullptr;
        bool used_next = false;
        if (auto error = apply_bundle(options, argument, next, used_next)) return *error;
        if (used_next) ++i;
    }
    options.recipients.assign(arguments.begin() + static_cast<std::ptrdiff_t>(i), arguments.end());
    return options;
}

std::string sendmail_usage() {
    return "usage: mailpolicy-sendmail [-t] [-i] [-f SENDER] [-F NAME] [-N NOTIFY] [-R hdrs|full]\n"
           "                           [-V ENVID] [-B TYPE] [-o...] [-C FILE] [--] [RECIPIENT...]\n"
           "A drop-in sendmail: checks the recipients with mailpolicyd (POST /v1/check), hands\n"
           "the message to the allowed ones through [sendmail] real-sendmail and sends the sender\n"
           "an NDR for the denied ones. The message is read from standard input.\n"
           "  -t          recipients from To, Cc and Bcc (Bcc is removed); arguments are added\n"
           "  -i, -oi     a line with a single dot does not end the message\n"
           "  -f, -r ADDR envelope sender (default: the invoking user)\n"
           "  -F NAME     full name of the sender\n"
           "  -N NOTIFY   DSN notify (\"never\": no NDR either); -R, -V: DSN return and envelope "
           "id\n"
           "  -B TYPE     body type (7BIT, 8BITMIME); other -o options are accepted and ignored\n"
           "  -C FILE     config file (default /etc/mailpolicyd/mailpolicyd.conf, [sendmail])\n"
           "Exit: 0 handed on, the real sendmail's status if it fails, 64 usage, 65 no\n"
           "recipients, 75 the policy service cannot be reached (on-unavailable = tempfail).\n";
}

}  // namespace mailpolicy
