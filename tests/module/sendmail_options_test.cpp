// The sendmail command line as real programs write it (FIELD-NOTES "How real programs
// call sendmail"), bundling, attached and separate values, and usage errors.

#include "module/sendmail_options.h"

#include <gtest/gtest.h>

namespace mailpolicy {
namespace {

SendmailOptions parsed(const std::vector<std::string>& arguments) {
    auto result = parse_sendmail_options(arguments);
    if (auto* error = std::get_if<SendmailUsageError>(&result)) {
        ADD_FAILURE() << error->message;
        return {};
    }
    return std::get<SendmailOptions>(result);
}

std::string usage_error(const std::vector<std::string>& arguments) {
    auto result = parse_sendmail_options(arguments);
    auto* error = std::get_if<SendmailUsageError>(&result);
    return error ? error->message : "(accepted)";
}

TEST(SendmailOptions, Php) {
    const SendmailOptions options = parsed({"-t", "-i", "-fcarl@example.com"});
    EXPECT_TRUE(options.recipients_from_headers);
    EXPECT_TRUE(options.ignore_dots);
    EXPECT_EQ(options.sender, "carl@example.com");
    EXPECT_TRUE(options.recipients.empty());
}

TEST(SendmailOptions, Cron) {
    const SendmailOptions options = parsed({"-FCronDaemon", "-i", "-B8BITMIME", "-oem", "user"});
    EXPECT_EQ(options.full_name, "CronDaemon");
    EXPECT_EQ(options.body_type, "8BITMIME");
    EXPECT_TRUE(options.ignore_dots);
    EXPECT_EQ(options.recipients, std::vector<std::string>{"user"});
}

TEST(SendmailOptions, MuttAndGitSendEmail) {
    const SendmailOptions mutt = parsed({"-f", "carl@example.com", "--", "r1@x", "-r2@x"});
    EXPECT_EQ(mutt.sender, "carl@example.com");
    EXPECT_EQ(mutt.recipients, (std::vector<std::string>{"r1@x", "-r2@x"}));
    const SendmailOptions git = parsed({"-f", "carl@example.com", "-i", "r1@x", "r2@x"});
    EXPECT_EQ(git.recipients, (std::vector<std::string>{"r1@x", "r2@x"}));
    EXPECT_TRUE(git.ignore_dots);
}

TEST(SendmailOptions, BundlesDsnOptionsAndTheFirstRecipientEndsTheOptions) {
    const SendmailOptions options =
        parsed({"-tiN", "never", "-Rhdrs", "-V", "E1", "-oi", "-odi", "a@x", "-t"});
    EXPECT_TRUE(options.recipients_from_headers);
    EXPECT_TRUE(options.notify_never());
    EXPECT_EQ(options.dsn_return, "hdrs");
    EXPECT_EQ(options.envelope_id, "E1");
    EXPECT_EQ(options.recipients, (std::vector<std::string>{"a@x", "-t"}));
    EXPECT_FALSE(parsed({"-N", "failure,delay"}).notify_never());
    EXPECT_EQ(parsed({"-r", "x@y", "-C", "/etc/x.conf"}).config_file, "/etc/x.conf");
}

TEST(SendmailOptions, UsageErrorsNameTheOption) {
    EXPECT_EQ(usage_error({"-q"}), "unknown option -q");
    EXPECT_EQ(usage_error({"-tq"}), "unknown option -q");
    EXPECT_EQ(usage_error({"-bs"}), "unknown option -b");
    EXPECT_EQ(usage_error({"--frobnicate"}), "unknown option --frobnicate");
    EXPECT_EQ(usage_error({"-f"}), "option -f needs a value");
    EXPECT_EQ(usage_error({"-R", "body"}), "-R takes hdrs or full, not \"body\"");
}

}  // namespace
}  // namespace mailpolicy
