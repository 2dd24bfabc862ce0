// A throwaway Postfix instance for integration tests (recipe: FIELD-NOTES "A throwaway
// Postfix instance"): a private config and queue directory, smtpd on a free loopback port,
// mailpolicyd as check_policy_service, and an smtp-sink as the relay host so accepted
// mail is delivered somewhere real. Clients talk to it with swaks. Failures throw.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/test_daemon.h"

namespace mailpolicy::test {

// What an SMTP client saw in one swaks session.
struct SmtpSession {
    std::string transcript;                           // swaks output, for failure messages
    std::map<std::string, std::string> rcpt_replies;  // recipient -> reply line "550 5.7.1 …"
    std::string data_reply;                           // final reply after the message body
    int swaks_exit_status = -1;

    // The reply code to RCPT TO:<recipient> (0 when the command was never answered).
    int rcpt_code(const std::string& recipient) const;
    const std::string& rcpt_reply(const std::string& recipient) const;
    // True when the message was queued ("250 2.0.0 Ok: queued as …").
    bool message_accepted() const;
};

class TestPostfix {
  public:
    struct Options {
        int policy_port = 0;  // mailpolicyd's policy protocol port
        // Domains Postfix accepts mail for from anywhere (relayed to the sink).
        std::vector<std::string> relay_domains = {"example.com", "example.net"};
        std::map<std::string, std::string> main_cf;  // extra or overriding main.cf settings
    };

    explicit TestPostfix(Options options);
    ~TestPostfix();
    TestPostfix(const TestPostfix&) = delete;
    TestPostfix& operator=(const TestPostfix&) = delete;

    int smtp_port() const { return smtp_port_; }
    const std::filesystem::path& directory() const { return directory_; }
    std::string maillog() const;

    // One SMTP session from 127.0.0.1: MAIL FROM sender, RCPT TO each recipient, and DATA
    // when some recipient was accepted. `extra` are further swaks arguments.
    SmtpSession send(const std::string& sender, const std::vector<std::string>& recipients,
                     const std::vector<std::string>& extra = {}) const;

    // Waits until the maillog shows `recipient` delivered to the sink (status=sent).
    bool wait_delivered(const std::string& recipient,
                        std::chrono::milliseconds deadline = std::chrono::seconds(10)) const;

  private:
    void register_instance() const;
    void unregister_instance() const;
    void write_config(const Options& options);

    std::filesystem::path directory_;
    int smtp_port_ = 0;
    int sink_port_ = 0;
    std::unique_ptr<ChildProcess> sink_;
    bool started_ = false;
};

}  // namespace mailpolicy::test
