// The flow of one sendmail call (see sendmail_submit.h). Runs real-sendmail as a child
// with the message on a pipe; logs to syslog (mail facility) what an admin must see.

#include "module/sendmail_submit.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <stdexcept>

#include "ldap/secret_file.h"
#include "module/api_check_request.h"
#include "module/sendmail_headers.h"
#include "module/sendmail_message.h"
#include "module/sendmail_policy_client.h"

namespace mailpolicy {

namespace {

// Runs `argv` with `feed` writing its standard input; returns its exit status
// (128 + signal when killed), or kExitTempfail when it cannot be started or fed.
int run_with_input(const std::vector<std::string>& argv, const std::function<void(int)>& feed) {
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return kExitTempfail;
    const pid_t child = ::fork();
    if (child < 0) return kExitTempfail;
    if (child == 0) {
        ::dup2(pipe_fds[0], STDIN_FILENO);
        std::vector<char*> args;
        for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
        args.push_back(nullptr);
        ::execv(args[0], args.data());
        std::fprintf(stderr, "mailpolicy-sendmail: cannot run %s: %s\n", args[0],
                     std::strerror(errno));
        ::_exit(kExitTempfail);
    }
    ::close(pipe_fds[0]);
    bool fed = true;
    try {
        feed(pipe_fds[1]);
    } catch (const std::exception& error) {
        std::fprintf(stderr, "mailpolicy-sendmail: %s\n", error.what());
        fed = false;
    }
    ::close(pipe_fds[1]);
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    if (!fed) return kExitTempfail;
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}

bool is_null(const std::string& sender) {
    return sender.empty() || sender == "<>";
}

std::vector<std::string> real_sendmail_argv(const SendmailConfig& config,
                                            const SendmailOptions& options,
                                            const std::vector<std::string>& recipients) {
    std::vector<std::string> argv{config.real_sendmail, "-i"};
    const auto pass = [&](const char* flag, const std::optional<std::string>& value) {
        if (value) argv.insert(argv.end(), {flag, *value});
    };
    if (options.sender)
        argv.insert(argv.end(), {"-f", is_null(*options.sender) ? std::string() : *options.sender});
    pass("-F", options.full_name);
    pass("-N", options.notify);
    pass("-R", options.dsn_return);
    pass("-V", options.envelope_id);
    pass("-B", options.body_type);
    argv.push_back("--");
    argv.insert(argv.end(), recipients.begin(), recipients.end());
    return argv;
}

std::vector<std::string> all_recipients(const SendmailOptions& options,
                                        const SpooledMessage& message, const std::string& origin) {
    std::vector<std::string> recipients;
    if (options.recipients_from_headers) recipients = header_recipients(message.header_section());
    recipients.insert(recipients.end(), options.recipients.begin(), options.recipients.end());
    std::vector<std::string> unique;
    for (const std::string& recipient : recipients) {
        std::string address = qualified(recipient, origin);
        if (!address.empty() && std::find(unique.begin(), unique.end(), address) == unique.end()) {
            unique.push_back(std::move(address));
        }
    }
    return unique;
}

// Outside text for stderr and syslog: controls (CR, LF, ESC…) as '?', so a recipient
// cannot forge a log line.
std::string printable(const std::string& text) {
    std::string out = text.substr(0, 512);
    for (char& c : out) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    }
    return out;
}

struct Checked {
    std::vector<std::string> allowed;
    std::vector<RecipientVerdict> denied;
    std::vector<std::string> reports;  // NDRs, one per batch of recipients with a denial
};

// Asks in batches of kMaxCheckRecipients; nullopt (after saying why) when unavailable.
std::optional<Checked> check(const SendmailConfig& config, const std::string& token,
                             PolicyQuestion question, const std::vector<std::string>& recipients,
                             int& refused_status) {
    Checked checked;
    for (std::size_t start = 0; start < recipients.size(); start += kMaxCheckRecipients) {
        const std::size_t end = std::min(recipients.size(), start + kMaxCheckRecipients);
        question.recipients.assign(recipients.begin() + static_cast<std::ptrdiff_t>(start),
                                   recipients.begin() + static_cast<std::ptrdiff_t>(end));
        PolicyOutcome outcome = ask_policy(config, token, question);
        if (auto* refused = std::get_if<PolicyRefusedRequest>(&outcome)) {
            std::fprintf(stderr,
                         "mailpolicy-sendmail: the policy service refused the request: %s\n",
                         refused->reason.c_str());
            refused_status = kExitNoRecipients;
            return std::nullopt;
        }
        if (auto* unavailable = std::get_if<PolicyUnavailable>(&outcome)) {
            std::fprintf(stderr, "mailpolicy-sendmail: policy service %s unavailable: %s\n",
                         config.policy_url.c_str(), unavailable->reason.c_str());
            syslog(LOG_WARNING, "policy service %s unavailable: %s", config.policy_url.c_str(),
                   unavailable->reason.c_str());
            return std::nullopt;
        }
        PolicyAnswer& answer = std::get<PolicyAnswer>(outcome);
        for (RecipientVerdict& verdict : answer.verdicts) {
            if (verdict.allowed)
                checked.allowed.push_back(verdict.recipient);
            else
                checked.denied.push_back(std::move(verdict));
        }
        if (answer.ndr) checked.reports.push_back(std::move(*answer.ndr));
    }
    return checked;
}

PolicyQuestion question_for(const SendmailOptions& options, const SpooledMessage& message,
                            const std::string& sender, const std::string& user) {
    PolicyQuestion question;
    question.sender = is_null(sender) ? std::string() : sender;
    question.login = user;
    const bool full =
        options.dsn_return && (*options.dsn_return == "full" || *options.dsn_return == "FULL");
    // The whole message only for -R full and within the API's body limit.
    question.message = full && message.size() <= kMaxCheckBodyWithMessage / 2
                           ? message.read_all()
                           : message.header_section();
    question.dsn_return = full ? "full" : "headers";
    question.want_ndr = !options.notify_never() && !is_null(sender);
    question.envelope_id = options.envelope_id;
    return question;
}

int deliver(const SendmailConfig& config, const SendmailOptions& options,
            const SpooledMessage& message, const std::vector<std::string>& recipients) {
    const std::string header = options.recipients_from_headers
                                   ? without_bcc(message.header_section())
                                   : message.header_section();
    return run_with_input(real_sendmail_argv(config, options, recipients),
                          [&](int fd) { message.write_to(fd, header); });
}

void send_reports(const SendmailConfig& config, const std::string& sender,
                  const std::vector<std::string>& reports) {
    for (const std::string& report : reports) {
        const int status =
            run_with_input({config.real_sendmail, "-i", "-f", "", "--", sender}, [&](int fd) {
                if (::write(fd, report.data(), report.size()) !=
                    static_cast<ssize_t>(report.size())) {
                    throw std::runtime_error("cannot hand the NDR to real-sendmail");
                }
            });
        if (status != 0) {
            std::fprintf(stderr, "mailpolicy-sendmail: the NDR to <%s> was not sent (status %d)\n",
                         printable(sender).c_str(), status);
            syslog(LOG_ERR, "NDR to <%s> not sent: real-sendmail exited %d",
                   printable(sender).c_str(), status);
        }
    }
}

}  // namespace

std::string qualified(const std::string& name, const std::string& origin) {
    if (is_null(name) || name.find('@') != std::string::npos || origin.empty()) return name;
    return name + "@" + origin;
}

int submit_message(const SendmailOptions& options, const SendmailConfig& config,
                   const SendmailCaller& caller, int input) {
    ::signal(SIGPIPE, SIG_IGN);  // a real-sendmail that dies shows as a write error
    const SpooledMessage message(input, options.ignore_dots);
    const std::vector<std::string> recipients = all_recipients(options, message, caller.origin);
    if (recipients.empty()) {
        std::fprintf(stderr, "mailpolicy-sendmail: no recipients\n");
        return kExitNoRecipients;
    }
    const std::string sender = qualified(options.sender.value_or(caller.user), caller.origin);
    std::string token;
    if (!config.token_file.empty()) {
        try {
            token = read_secret_file(config.token_file, "sendmail.token-file");
        } catch (const std::exception& error) {
            std::fprintf(stderr, "mailpolicy-sendmail: %s\n", error.what());
            return kExitTempfail;
        }
    }
    int refused_status = kExitTempfail;
    const auto checked = check(config, token, question_for(options, message, sender, caller.user),
                               recipients, refused_status);
    if (!checked) {
        if (refused_status != kExitTempfail ||
            config.on_unavailable != SendmailConfig::OnUnavailable::Pass) {
            return refused_status;
        }
        syslog(LOG_WARNING, "delivering unchecked (on-unavailable = pass): sender=<%s>",
               printable(sender).c_str());
        return deliver(config, options, message, recipients);
    }
    for (const RecipientVerdict& denied : checked->denied) {
        const std::string recipient = printable(denied.recipient);
        std::fprintf(stderr, "mailpolicy-sendmail: <%s>: %s\n", recipient.c_str(),
                     printable(denied.reply).c_str());
        syslog(LOG_NOTICE, "denied: sender=<%s> recipient=<%s> reply=\"%s\"",
               printable(sender).c_str(), recipient.c_str(), printable(denied.reply).c_str());
    }
    if (!checked->allowed.empty()) {
        const int status = deliver(config, options, message, checked->allowed);
        if (status != kExitOk) return status;
    }
    send_reports(config, sender, checked->reports);
    return kExitOk;
}

}  // namespace mailpolicy
