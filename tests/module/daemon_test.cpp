// The built mailpolicyd binary as an admin runs it: an LDIF directory, readiness, a real
// policy request over TCP, SIGHUP reloading the default send mode, SIGTERM exiting 0,
// --daemon with a pid file, and bad configs refused with exit status 2 and a message.
// Needs the mailpolicyd target built (a full build or `--target mailpolicyd`).
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "../support/test_daemon.h"

namespace mailpolicy {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test::ChildProcess;

const std::string kBinary = MAILPOLICY_BINARY_DIR "/module/mailpolicyd";

const char* kLdif =
    "dn: dc=example,dc=com\n"
    "objectClass: dcObject\nobjectClass: organization\nobjectClass: mailPolicyDomain\n"
    "dc: example\no: Example\nmailPolicyDomainName: example.com\n\n"
    "dn: uid=alice,dc=example,dc=com\n"
    "objectClass: inetOrgPerson\nobjectClass: mailPolicyAccount\n"
    "uid: alice\ncn: Alice\nsn: A\nmail: alice@example.com\n\n";

class DaemonTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(fs::exists(kBinary)) << kBinary << " is not built";
        directory_ = test::make_scratch_directory("daemon_test");
        std::ofstream(directory_ / "directory.ldif") << kLdif;
        policy_port_ = test::free_loopback_port();
        http_port_ = test::free_loopback_port();
        write_config("allowAll");
    }
    void TearDown() override {
        daemon_.reset();
        if (fs::exists(directory_ / "mailpolicyd.pid")) {  // a detached daemon left behind
            ::kill(std::stoi(test::read_file(directory_ / "mailpolicyd.pid")), SIGKILL);
        }
        fs::remove_all(directory_);
    }

    void write_config(const std::string& send_mode) {
        std::ofstream(directory_ / "mailpolicyd.conf")
            << "[listen]\npolicy = 127.0.0.1:" << policy_port_
            << "   ; the policy protocol\nhttp = 127.0.0.1:" << http_port_ << "\n"
            << "[directory]\nsource = ldif:" << (directory_ / "directory.ldif").string()
            << "\nbase-dn = dc=example,dc=com\ncache-file = "
            << (directory_ / "var/directory.cache").string() << "\n"
            << "[policy]\ndefault-send-mode = " << send_mode << "\n"
            << "[audit]\nstore = sqlite:" << (directory_ / "var/audit.db").string() << "\n"
            << "[log]\ntarget = console\n";
    }

    std::string config_file() const { return (directory_ / "mailpolicyd.conf").string(); }
    std::string output() const { return test::read_file(directory_ / "output"); }

    void start(std::vector<std::string> extra = {}) {
        std::vector<std::string> argv = {kBinary, "-c", config_file()};
        argv.insert(argv.end(), extra.begin(), extra.end());
        daemon_ = std::make_unique<ChildProcess>(argv, directory_ / "output");
    }

    // The exit status of a daemon expected to give up by itself; 137 (killed) when it
    // still runs after `deadline`.
    int exit_status_within(std::chrono::milliseconds deadline) {
        for (auto until = std::chrono::steady_clock::now() + deadline;
             std::chrono::steady_clock::now() < until; std::this_thread::sleep_for(20ms)) {
            if (!daemon_->running()) break;
        }
        return daemon_->stop(SIGKILL, 5s);
    }

    bool wait_ready() {
        for (auto deadline = std::chrono::steady_clock::now() + 20s;
             std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(50ms)) {
            if (test::http_get(http_port_, "/readyz").status == 200) return true;
        }
        return false;
    }

    std::string decide(const std::string& sender, const std::string& recipient) {
        return test::policy_action(policy_port_, {{"request", "smtpd_access_policy"},
                                                  {"protocol_state", "RCPT"},
                                                  {"client_address", "192.0.2.1"},
                                                  {"sender", sender},
                                                  {"recipient", recipient}});
    }

    fs::path directory_;
    int policy_port_ = 0;
    int http_port_ = 0;
    std::unique_ptr<ChildProcess> daemon_;
};

TEST_F(DaemonTest, ServesReloadsOnHupAndStopsCleanly) {
    start();
    ASSERT_TRUE(wait_ready()) << output();
    EXPECT_EQ(decide("alice@example.com", "bob@example.org"), "DUNNO");

    write_config("denyAll");
    ::kill(daemon_->pid(), SIGHUP);
    std::string action;
    for (int i = 0; i < 100; ++i, std::this_thread::sleep_for(50ms)) {
        action = decide("alice@example.com", "bob@example.org");
        if (action != "DUNNO") break;
    }
    EXPECT_EQ(action, "550 5.7.1 Sending to this recipient is not permitted");
    EXPECT_EQ(test::http_get(http_port_, "/healthz").status, 200);

    EXPECT_EQ(daemon_->stop(SIGTERM, 10s), 0) << output();
    const std::string log = output();
    EXPECT_NE(log.find("mailpolicyd started: policy on 127.0.0.1:" + std::to_string(policy_port_) +
                       ", http on 127.0.0.1:" + std::to_string(http_port_) + ", directory ldif:"),
              std::string::npos)
        << log;
    EXPECT_NE(log.find("directory loaded: 1 accounts"), std::string::npos) << log;
    EXPECT_NE(log.find("config reloaded"), std::string::npos) << log;
    EXPECT_NE(log.find("reject: path=smtp direction=send sender=<alice@example.com>"),
              std::string::npos)
        << log;
}

TEST_F(DaemonTest, ReloadWithABadFileKeepsTheRunningConfig) {
    start();
    ASSERT_TRUE(wait_ready()) << output();
    std::ofstream(config_file(), std::ios::app) << "[policy]\nenforcement = sometimes\n";
    ::kill(daemon_->pid(), SIGHUP);
    std::this_thread::sleep_for(500ms);
    EXPECT_EQ(decide("alice@example.com", "bob@example.org"), "DUNNO");
    EXPECT_EQ(daemon_->stop(SIGINT, 10s), 0);
    EXPECT_NE(output().find("config reload failed, keeping the running config"), std::string::npos)
        << output();
}

TEST_F(DaemonTest, DetachesAndWritesThePidFile) {
    const std::string pidfile = (directory_ / "mailpolicyd.pid").string();
    const auto result =
        test::run_command({kBinary, "-c", config_file(), "--daemon", "--pidfile", pidfile,
                           "--log.target=file:" + (directory_ / "log").string()});
    ASSERT_EQ(result.exit_status, 0) << result.output;
    ASSERT_TRUE(wait_ready());
    const pid_t pid = std::stoi(test::read_file(pidfile));
    EXPECT_EQ(decide("alice@example.com", "bob@example.org"), "DUNNO");
    ASSERT_EQ(::kill(pid, SIGTERM), 0);
    for (int i = 0; i < 200 && fs::exists(pidfile); ++i) std::this_thread::sleep_for(50ms);
    EXPECT_FALSE(fs::exists(pidfile));
    EXPECT_NE(test::read_file(directory_ / "log").find("mailpolicyd stopped"), std::string::npos);
}

TEST_F(DaemonTest, DetachedStartFailureIsReportedByTheParent) {
    const int busy = test::free_loopback_port();
    const std::string pidfile = (directory_ / "first.pid").string();
    start({"--listen.policy=127.0.0.1:" + std::to_string(busy), "--pidfile", pidfile});
    ASSERT_TRUE(wait_ready()) << output();
    const auto result = test::run_command({kBinary, "-c", config_file(), "--daemon",
                                           "--listen.policy=127.0.0.1:" + std::to_string(busy),
                                           "--listen.http=", "--pidfile", pidfile});
    EXPECT_EQ(result.exit_status, 1);
    // The running daemon's pid file is neither replaced nor removed by the failed one.
    EXPECT_EQ(test::read_file(pidfile), std::to_string(daemon_->pid()) + "\n");
    EXPECT_NE(result.output.find("cannot listen on 127.0.0.1:" + std::to_string(busy)),
              std::string::npos)
        << result.output;
}

// A symlink planted at the pid file's temporary path (the daemon writes it as root)
// must not carry the write to the file it points to.
TEST_F(DaemonTest, ThePidFileIsNeverWrittenThroughASymlink) {
    const std::string pidfile = (directory_ / "mailpolicyd.pid").string();
    std::ofstream(directory_ / "outside") << "precious\n";
    fs::create_symlink(directory_ / "outside", pidfile + ".tmp");
    start({"--pidfile", pidfile});
    ASSERT_TRUE(wait_ready()) << output();
    EXPECT_EQ(test::read_file(pidfile), std::to_string(daemon_->pid()) + "\n");
    EXPECT_EQ(test::read_file(directory_ / "outside"), "precious\n");
    EXPECT_EQ(daemon_->stop(SIGTERM, 10s), 0) << output();
}

TEST_F(DaemonTest, AWorldWritableStateDirectoryIsRefusedByName) {
    const fs::path state = directory_ / "var";
    fs::create_directories(state);
    fs::permissions(state, fs::perms::all);
    start();
    EXPECT_EQ(exit_status_within(20s), 1);
    EXPECT_NE(output().find("state directory " + state.string() +
                            ": is writable by group or others (mode 0777; chmod go-w " +
                            state.string() + ")"),
              std::string::npos)
        << output();
    EXPECT_FALSE(fs::exists(state / "audit.db"));
}

TEST_F(DaemonTest, BadConfigIsRefusedWithExitStatusTwo) {
    std::ofstream(config_file(), std::ios::app) << "[policy]\nverify-local-senders = maybe\n";
    auto result = test::run_command({kBinary, "-c", config_file()});
    EXPECT_EQ(result.exit_status, 2);
    EXPECT_NE(result.output.find("mailpolicyd: bad value \"maybe\" for "
                                 "policy.verify-local-senders: expected true or false"),
              std::string::npos)
        << result.output;

    result = test::run_command({kBinary, "--no-such-option"});
    EXPECT_EQ(result.exit_status, 2);
    EXPECT_NE(result.output.find("unknown option \"--no-such-option\""), std::string::npos);

    result = test::run_command({kBinary, "-c", (directory_ / "missing.conf").string()});
    EXPECT_EQ(result.exit_status, 2);
    EXPECT_NE(result.output.find("cannot read config file"), std::string::npos);
}

TEST_F(DaemonTest, HelpAndVersion) {
    auto result = test::run_command({kBinary, "--help"});
    EXPECT_EQ(result.exit_status, 0);
    EXPECT_NE(result.output.find("--policy.default-send-mode=VALUE  [allowAll]"),
              std::string::npos);
    result = test::run_command({kBinary, "--version"});
    EXPECT_EQ(result.exit_status, 0);
    EXPECT_EQ(result.output, "mailpolicyd 0.1.0\n");
}

}  // namespace
}  // namespace mailpolicy
