// One mailpolicy-sendmail call from message to exit status (SPEC §5): recipients from
// the arguments and with -t the headers, names qualified with the origin, the policy
// asked, the message handed to the allowed recipients through real-sendmail, an NDR for
// the denied ones to the sender (never for <>, not with -N never).
// Not for: parsing the command line (sendmail_options.h). Never lets a message be lost:
// either it was handed on or the exit status says it was not.
#pragma once

#include <string>

#include "module/config.h"
#include "module/sendmail_options.h"

namespace mailpolicy {

// sysexits.h values, named for what they mean here.
constexpr int kExitOk = 0;
constexpr int kExitUsage = 64;
constexpr int kExitNoRecipients = 65;
constexpr int kExitTempfail = 75;

struct SendmailCaller {
    std::string user;    // the invoking user's login name
    std::string origin;  // the domain for bare names
};

// Reads the message from `input` and does the rest; returns the exit status.
int submit_message(const SendmailOptions& options, const SendmailConfig& config,
                   const SendmailCaller& caller, int input);

// "name" -> "name@origin"; an address with '@' and the null sender stay as they are.
std::string qualified(const std::string& name, const std::string& origin);

}  // namespace mailpolicy
