// mailpolicy-sendmail against the real mailpolicyd (example directory) with a recording
// stand-in for real-sendmail: what it hands on (arguments and exact bytes), the NDR for
// denied recipients, -t with Bcc, -N never, a restricted login under a forged -f, the
// daemon down (75, nothing sent) and pass mode, usage (64), no recipients (65), a failing
// real-sendmail (its status, no NDR), and the invocations of PHP, cron, mail(1), git.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "tests/ndr/report_test_support.h"
#include "tests/support/test_daemon.h"

namespace mailpolicy::test {
namespace {

namespace fs = std::filesystem;

const std::string kToken = "wrapper-test-token";

struct Call {
    std::vector<std::string> arguments;
    std::string message;
};

class SendmailWrapperTest : public ::testing::Test {
  protected:
    void SetUp() override {
        scratch_ = make_scratch_directory("sendmail-wrapper");
        fs::permissions(scratch_,
                        fs::perms::all & ~fs::perms::others_write & ~fs::perms::group_write);
        std::ofstream ldif(scratch_ / "directory.ldif");
        ldif << read_file(fs::path(MAILPOLICY_SOURCE_DIR) / "examples" / "directory.ldif")
             << "\ndn: uid=nobody,ou=people,dc=example,dc=com\nobjectClass: inetOrgPerson\n"
                "objectClass: mailPolicyAccount\nuid: nobody\ncn: nobody\nsn: nobody\n"
                "mail: robot@example.com\nmailPolicySendMode: localOnly\n";
        ldif.close();
        write(scratch_ / "token", kToken + "\n", 0644);
        fs::create_directory(scratch_ / "calls");
        fs::permissions(scratch_ / "calls", fs::perms::all);
        // Records each call as calls/N.args (one argument per line) and calls/N.msg.
        write(scratch_ / "real-sendmail",
              "#!/bin/sh\nd=" + (scratch_ / "calls").string() +
                  "\nn=$(ls $d | grep -c args)\nprintf '%s\\n' \"$@\" > $d/$n.args\n"
                  "cat > $d/$n.msg\n[ -f $d/../exit-status ] && exit $(cat $d/../exit-status)\n"
                  "exit 0\n",
              0755);
        TestDaemon::Options options;
        options.source = "ldif:" + (scratch_ / "directory.ldif").string();
        options.settings = {{"listen.http-token-file", (scratch_ / "token").string()},
                            {"policy.null-sender", "external"}};
        daemon_ = std::make_unique<TestDaemon>(options);
        write_config("tempfail", daemon_->http_port());
    }
    void TearDown() override {
        if (HasFailure()) std::cerr << "mailpolicyd output:\n" << daemon_->output();
        daemon_.reset();
        fs::remove_all(scratch_);
    }

    static void write(const fs::path& path, const std::string& text, int mode) {
        std::ofstream(path, std::ios::binary) << text;
        ::chmod(path.c_str(), static_cast<mode_t>(mode));
    }
    void write_config(const std::string& on_unavailable, int port) {
        write(scratch_ / "wrapper.conf",
              "[sendmail]\nreal-sendmail = " + (scratch_ / "real-sendmail").string() +
                  "\npolicy-url = http://127.0.0.1:" + std::to_string(port) +
                  "\ntoken-file = " + (scratch_ / "token").string() +
                  "\non-unavailable = " + on_unavailable + "\norigin = example.com\n",
              0644);
    }

    // Runs the wrapper (as `user` when given) with `message` on stdin.
    CommandResult wrapper(const std::vector<std::string>& arguments, const std::string& message,
                          const std::string& user = "") {
        write(scratch_ / "stdin", message, 0644);
        std::string command = MAILPOLICY_BINARY_DIR "/module/mailpolicy-sendmail -C " +
                              (scratch_ / "wrapper.conf").string();
        for (const std::string& argument : arguments) command += " '" + argument + "'";
        command += " < " + (scratch_ / "stdin").string();
        std::vector<std::string> argv{"sh", "-c", command};
        if (!user.empty()) argv.insert(argv.begin(), {"runuser", "-u", user, "--"});
        return run_command(argv);
    }

    std::vector<Call> calls() const {
        std::vector<Call> found;
        for (int n = 0; fs::exists(scratch_ / "calls" / (std::to_string(n) + ".args")); ++n) {
            Call call;
            std::istringstream lines(read_file(scratch_ / "calls" / (std::to_string(n) + ".args")));
            for (std::string line; std::getline(lines, line);) call.arguments.push_back(line);
            call.message = read_file(scratch_ / "calls" / (std::to_string(n) + ".msg"));
            found.push_back(call);
        }
        return found;
    }

    fs::path scratch_;
    std::unique_ptr<TestDaemon> daemon_;
};

using Args = std::vector<std::string>;

const std::string kMessage =
    "From: bob@example.com\r\nTo: alice@example.com, buyer@shop.example\r\nSubject: Quote\r\n"
    "\r\n.leading dot\r\n..two dots\r\n" +
    std::string(2000, 'L') + "\r\n\xe9t\xe9 8-bit\r\nno newline";

TEST_F(SendmailWrapperTest, AllowedGetTheExactBytesAndTheSenderAnNdrForTheDenied) {
    const CommandResult result = wrapper(
        {"-i", "-f", "bob@example.com", "alice@example.com", "buyer@shop.example"}, kMessage);
    EXPECT_EQ(result.exit_status, 0) << result.output;
    EXPECT_NE(result.output.find("<buyer@shop.example>: 550 5.7.1 Contractors"), std::string::npos)
        << result.output;
    const std::vector<Call> made = calls();
    ASSERT_EQ(made.size(), 2u);
    EXPECT_EQ(made[0].arguments, (Args{"-i", "-f", "bob@example.com", "--", "alice@example.com"}));
    EXPECT_EQ(made[0].message, kMessage);
    EXPECT_EQ(made[1].arguments, (Args{"-i", "-f", "", "--", "bob@example.com"}));
    const auto report = ndr::test::parsed_by_python(made[1].message);
    ASSERT_EQ(report->getArray("recipients")->size(), 1u);
    EXPECT_EQ(
        report->getArray("recipients")->getObject(0)->getValue<std::string>("Final-Recipient"),
        "rfc822; buyer@shop.example");
}

TEST_F(SendmailWrapperTest, RecipientsFromHeadersWithBccRemoved) {
    const std::string message =
        "From: carl@example.com\nTo: Alice <alice@example.com>\nBcc: erin@example.com,\n"
        " dave@example.com\nSubject: t\n\nbody\n";
    const CommandResult result = wrapper({"-t", "-i", "-fcarl@example.com"}, message);  // PHP
    EXPECT_EQ(result.exit_status, 0) << result.output;
    const std::vector<Call> made = calls();
    ASSERT_EQ(made.size(), 1u);
    EXPECT_EQ(made[0].arguments, (Args{"-i", "-f", "carl@example.com", "--", "alice@example.com",
                                       "erin@example.com", "dave@example.com"}));
    EXPECT_EQ(made[0].message,
              "From: carl@example.com\nTo: Alice <alice@example.com>\nSubject: t\n\nbody\n");
}

TEST_F(SendmailWrapperTest, NotifyNeverSendsNoNdrAndTheNullSenderGetsNone) {
    EXPECT_EQ(
        wrapper({"-N", "never", "-f", "bob@example.com", "x@shop.example"}, kMessage).exit_status,
        0);
    EXPECT_EQ(wrapper({"-f", "<>", "internal@example.com"}, "Subject: b\n\nx\n").exit_status, 0);
    EXPECT_TRUE(calls().empty()) << "nothing allowed, and no NDR";
}

TEST_F(SendmailWrapperTest, ARestrictedLoginCannotEscapeWithAForgedSender) {
    // nobody's account (uid=nobody) may only send inside; alice's may send anywhere.
    const CommandResult result =
        wrapper({"-f", "alice@example.com", "-i", "buyer@shop.example", "alice@example.com"},
                "Subject: s\n\nx\n", "nobody");
    EXPECT_EQ(result.exit_status, 0) << result.output;
    const std::vector<Call> made = calls();
    ASSERT_GE(made.size(), 1u);
    EXPECT_EQ(made[0].arguments.back(), "alice@example.com");
    EXPECT_EQ(std::count(made[0].arguments.begin(), made[0].arguments.end(), "buyer@shop.example"),
              0);
}

TEST_F(SendmailWrapperTest, DaemonDownIsATempfailAndPassModeDeliversUnchecked) {
    daemon_->stop();
    const CommandResult down = wrapper({"-f", "bob@example.com", "buyer@shop.example"}, kMessage);
    EXPECT_EQ(down.exit_status, 75) << down.output;
    EXPECT_TRUE(calls().empty());
    write_config("pass", daemon_->http_port());
    const CommandResult pass = wrapper({"-f", "bob@example.com", "buyer@shop.example"}, kMessage);
    EXPECT_EQ(pass.exit_status, 0) << pass.output;
    ASSERT_EQ(calls().size(), 1u);
    EXPECT_EQ(calls()[0].arguments.back(), "buyer@shop.example");
}

TEST_F(SendmailWrapperTest, UsageAndNoRecipients) {
    const CommandResult usage = wrapper({"-q", "a@x"}, "x\n");
    EXPECT_EQ(usage.exit_status, 64);
    EXPECT_NE(usage.output.find("unknown option -q"), std::string::npos) << usage.output;
    EXPECT_EQ(wrapper({"-t"}, "Subject: none\n\nx\n").exit_status, 65);
    EXPECT_TRUE(calls().empty());
}

TEST_F(SendmailWrapperTest, AFailingRealSendmailGivesItsStatusAndNoNdr) {
    write(scratch_ / "exit-status", "69\n", 0644);
    const CommandResult result =
        wrapper({"-f", "bob@example.com", "alice@example.com", "buyer@shop.example"}, kMessage);
    EXPECT_EQ(result.exit_status, 69) << result.output;
    EXPECT_EQ(calls().size(), 1u) << "the delivery only, no NDR after it failed";
}

TEST_F(SendmailWrapperTest, CronMailAndGitSendEmailInvocations) {
    EXPECT_EQ(
        wrapper({"-FCronDaemon", "-i", "-B8BITMIME", "-oem", "alice"}, "Subject: cron\n\nok\n")
            .exit_status,
        0);
    EXPECT_EQ(wrapper({"-i", "-t", "-f", "carl@example.com"}, "To: alice@example.com\n\nmailx\n")
                  .exit_status,
              0);
    EXPECT_EQ(wrapper({"-f", "carl@example.com", "-i", "alice@example.com", "erin@example.com"},
                      "To: alice@example.com,\n erin@example.com\nSubject: [PATCH]\n\ndiff\n")
                  .exit_status,
              0);
    const std::vector<Call> made = calls();
    ASSERT_EQ(made.size(), 3u);
    EXPECT_EQ(made[0].arguments,
              (Args{"-i", "-F", "CronDaemon", "-B", "8BITMIME", "--", "alice@example.com"}));
    EXPECT_EQ(made[1].arguments.back(), "alice@example.com");
    EXPECT_EQ(made[2].arguments, (Args{"-i", "-f", "carl@example.com", "--", "alice@example.com",
                                       "erin@example.com"}));
}

}  // namespace
}  // namespace mailpolicy::test
