// A throwaway Postfix instance for integration tests. Postfix refuses a private config
// directory unless /etc/postfix/main.cf lists it in alternate_config_directories, so the
// instance registers itself there (under a lock: tests run in parallel) and removes
// itself again when it stops. Postfix logs to <dir>/maillog, not syslog.
#include "tests/support/test_postfix.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/file.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace mailpolicy::test {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

const fs::path kGlobalMainCf = "/etc/postfix/main.cf";
const std::string kAlternates = "alternate_config_directories";

// Holds an exclusive lock on a file next to /etc/postfix/main.cf while alive.
class GlobalConfigLock {
  public:
    GlobalConfigLock() {
        fd_ = ::open("/etc/postfix/.mailpolicy-tests.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd_ < 0 || ::flock(fd_, LOCK_EX) != 0)
            throw std::runtime_error("cannot lock /etc/postfix/.mailpolicy-tests.lock");
    }
    ~GlobalConfigLock() { ::close(fd_); }
    GlobalConfigLock(const GlobalConfigLock&) = delete;
    GlobalConfigLock& operator=(const GlobalConfigLock&) = delete;

  private:
    int fd_ = -1;
};

// Rewrites the alternate_config_directories line of the global main.cf through `edit`.
void edit_alternates(const std::function<void(std::vector<std::string>&)>& edit) {
    GlobalConfigLock lock;
    std::vector<std::string> lines;
    std::vector<std::string> directories;
    {
        std::ifstream in(kGlobalMainCf);
        std::string line;
        while (std::getline(in, line)) {
            if (line.rfind(kAlternates, 0) == 0) {
                std::istringstream values(line.substr(line.find('=') + 1));
                std::string directory;
                while (values >> directory) {
                    if (directory.back() == ',') directory.pop_back();
                    if (!directory.empty()) directories.push_back(directory);
                }
                continue;
            }
            lines.push_back(line);
        }
    }
    edit(directories);
    fs::path temporary = kGlobalMainCf.string() + ".mailpolicy-tests.tmp";
    {
        std::ofstream out(temporary);
        if (lines.empty()) out << "compatibility_level = 3.6\n";
        for (const auto& line : lines) out << line << "\n";
        if (!directories.empty()) {
            out << kAlternates << " =";
            for (const auto& directory : directories) out << " " << directory;
            out << "\n";
        }
    }
    fs::rename(temporary, kGlobalMainCf);
}

int parse_code(const std::string& reply) {
    if (reply.size() < 3) return 0;
    return std::atoi(reply.substr(0, 3).c_str());
}

// The text of a server line of swaks' transcript ("<-  250 Ok", "<** 550 …"), or "".
std::string server_line(const std::string& line) {
    if (line.rfind("<-  ", 0) == 0 || line.rfind("<** ", 0) == 0) return line.substr(4);
    return "";
}

SmtpSession parse_transcript(const std::string& transcript) {
    SmtpSession session;
    session.transcript = transcript;
    std::istringstream lines(transcript);
    std::string line;
    std::string pending_recipient;
    bool after_body = false;
    while (std::getline(lines, line)) {
        if (line.rfind(" -> RCPT TO:<", 0) == 0) {
            pending_recipient = line.substr(13, line.find('>', 13) - 13);
            continue;
        }
        if (line == " -> .") {
            after_body = true;
            continue;
        }
        std::string reply = server_line(line);
        if (reply.empty() || (reply.size() > 3 && reply[3] == '-')) continue;
        if (!pending_recipient.empty()) {
            session.rcpt_replies[pending_recipient] = reply;
            pending_recipient.clear();
        } else if (after_body) {
            session.data_reply = reply;
            after_body = false;
        }
    }
    return session;
}

}  // namespace

int SmtpSession::rcpt_code(const std::string& recipient) const {
    auto found = rcpt_replies.find(recipient);
    return found == rcpt_replies.end() ? 0 : parse_code(found->second);
}

const std::string& SmtpSession::rcpt_reply(const std::string& recipient) const {
    static const std::string none;
    auto found = rcpt_replies.find(recipient);
    return found == rcpt_replies.end() ? none : found->second;
}

bool SmtpSession::message_accepted() const {
    return data_reply.rfind("250 2.0.0 Ok: queued as", 0) == 0;
}

TestPostfix::TestPostfix(Options options) : directory_(make_scratch_directory("postfix")) {
    smtp_port_ = free_loopback_port();
    sink_port_ = free_loopback_port();
    write_config(options);
    register_instance();
    sink_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{"smtp-sink", "-u", "postfix",
                                 "127.0.0.1:" + std::to_string(sink_port_), "100"},
        directory_ / "smtp-sink.log");
    auto started = run_command({"postfix", "-c", directory_.string(), "start"});
    if (started.exit_status != 0) {
        unregister_instance();
        throw std::runtime_error("postfix start failed:\n" + started.output + maillog());
    }
    started_ = true;
    // master forks smtpd on demand: the port answers once master listens.
    auto until = Clock::now() + std::chrono::seconds(10);
    while (Clock::now() < until) {
        if (maillog().find("daemon started") != std::string::npos) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    throw std::runtime_error("postfix did not start:\n" + maillog());
}

TestPostfix::~TestPostfix() {
    if (started_) run_command({"postfix", "-c", directory_.string(), "stop"});
    if (sink_) sink_->stop(SIGTERM, std::chrono::seconds(5));
    try {
        unregister_instance();
    } catch (const std::exception&) {
        // the global main.cf keeps a stale entry; harmless for later runs
    }
    std::error_code ignored;
    if (std::getenv("MAILPOLICY_KEEP_TEST_DIRS") == nullptr) fs::remove_all(directory_, ignored);
}

void TestPostfix::write_config(const Options& options) {
    fs::create_directories(directory_ / "queue");
    fs::create_directories(directory_ / "data");
    const passwd* postfix_user = ::getpwnam("postfix");
    if (postfix_user == nullptr) throw std::runtime_error("no user postfix: is Postfix installed?");
    if (::chown((directory_ / "data").c_str(), postfix_user->pw_uid, postfix_user->pw_gid) != 0)
        throw std::runtime_error("chown data_directory failed");

    std::string relay_domains;
    for (const auto& domain : options.relay_domains)
        relay_domains += (relay_domains.empty() ? "" : " ") + domain;
    std::map<std::string, std::string> settings = {
        {"compatibility_level", "3.6"},
        {"queue_directory", (directory_ / "queue").string()},
        {"data_directory", (directory_ / "data").string()},
        {"meta_directory", "/etc/postfix"},
        {"maillog_file", (directory_ / "maillog").string()},
        {"maillog_file_prefixes", directory_.string()},
        {"myhostname", "mx.test"},
        {"mydomain", "test"},
        {"mydestination", ""},
        {"inet_interfaces", "127.0.0.1"},
        {"inet_protocols", "ipv4"},
        {"mynetworks", "127.0.0.0/8"},
        {"relay_domains", relay_domains},
        {"relayhost", "[127.0.0.1]:" + std::to_string(sink_port_)},
        {"smtp_tls_security_level", "none"},
        {"smtpd_tls_security_level", "none"},
        // As README.md recommends: relaying decided first, then the policy for every
        // recipient, authenticated or not.
        {"smtpd_relay_restrictions", "permit_mynetworks, reject_unauth_destination"},
        {"smtpd_recipient_restrictions",
         "check_policy_service { inet:127.0.0.1:" + std::to_string(options.policy_port) +
             ", timeout=10s, default_action=DEFER_IF_PERMIT }"},
        {"smtpd_authorized_xclient_hosts", "127.0.0.0/8"},
    };
    for (const auto& [name, value] : options.main_cf) settings[name] = value;
    {
        std::ofstream main_cf(directory_ / "main.cf");
        for (const auto& [name, value] : settings) main_cf << name << " = " << value << "\n";
    }
    std::ofstream master_cf(directory_ / "master.cf");
    master_cf << smtp_port_ << " inet n - n - - smtpd\n"
              << "pickup unix n - n 60 1 pickup\n"
                 "cleanup unix n - n - 0 cleanup\n"
                 "qmgr unix n - n 300 1 qmgr\n"
                 "rewrite unix - - n - - trivial-rewrite\n"
                 "bounce unix - - n - 0 bounce\n"
                 "defer unix - - n - 0 bounce\n"
                 "trace unix - - n - 0 bounce\n"
                 "verify unix - - n - 1 verify\n"
                 "flush unix n - n 1000? 0 flush\n"
                 "proxymap unix - - n - - proxymap\n"
                 "smtp unix - - n - - smtp\n"
                 "relay unix - - n - - smtp\n"
                 "showq unix n - n - - showq\n"
                 "error unix - - n - - error\n"
                 "retry unix - - n - - error\n"
                 "discard unix - - n - - discard\n"
                 "anvil unix - - n - 1 anvil\n"
                 "scache unix - - n - 1 scache\n"
                 "postlog unix-dgram n - n - 1 postlogd\n";
}

void TestPostfix::register_instance() const {
    const std::string mine = directory_.string();
    edit_alternates([&](std::vector<std::string>& directories) {
        std::vector<std::string> kept;
        for (const auto& directory : directories) {
            // Drop entries of instances whose directories are gone (earlier crashed runs).
            if (directory != mine && fs::exists(directory)) kept.push_back(directory);
        }
        kept.push_back(mine);
        directories = std::move(kept);
    });
}

void TestPostfix::unregister_instance() const {
    const std::string mine = directory_.string();
    edit_alternates([&](std::vector<std::string>& directories) { std::erase(directories, mine); });
}

std::string TestPostfix::maillog() const {
    return read_file(directory_ / "maillog");
}

SmtpSession TestPostfix::send(const std::string& sender, const std::vector<std::string>& recipients,
                              const std::vector<std::string>& extra) const {
    std::string to;
    for (const auto& recipient : recipients) to += (to.empty() ? "" : ",") + recipient;
    std::vector<std::string> argv = {"swaks", "--server", "127.0.0.1:" + std::to_string(smtp_port_),
                                     "--from", sender, "--to", to, "--helo", "client.test",
                                     "--timeout", "30",
                                     // one stream, so replies stay in order with commands
                                     "--output-file-stderr", "&STDOUT"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto result = run_command(argv);
    SmtpSession session = parse_transcript(result.output);
    session.swaks_exit_status = result.exit_status;
    return session;
}

bool TestPostfix::wait_delivered(const std::string& recipient,
                                 std::chrono::milliseconds deadline) const {
    const std::string needle = "to=<" + recipient + ">, relay=127.0.0.1";
    auto until = Clock::now() + deadline;
    do {
        std::istringstream lines(maillog());
        std::string line;
        while (std::getline(lines, line)) {
            if (line.find(needle) != std::string::npos &&
                line.find("status=sent") != std::string::npos)
                return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    } while (Clock::now() < until);
    return false;
}

}  // namespace mailpolicy::test
