// The config loader as an admin meets it: defaults, a file overridden by the command
// line, and refusals whose messages name the key, the value and what is allowed.
#include "module/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace mailpolicy {
namespace {

class ConfigTest : public ::testing::Test {
  protected:
    void SetUp() override {
        directory_ = std::filesystem::temp_directory_path() /
                     ("config_test." + std::to_string(::getpid()) + "." +
                      ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::create_directories(directory_);
    }
    void TearDown() override { std::filesystem::remove_all(directory_); }

    std::string write_file(const std::string& text) {
        const auto path = (directory_ / "mailpolicyd.conf").string();
        std::ofstream(path) << text;
        return path;
    }

    // The ConfigError message for these arguments, or "" when they load.
    static std::string error_for(const std::vector<std::string>& arguments) {
        try {
            load_startup(arguments);
        } catch (const ConfigError& error) {
            return error.what();
        }
        return "";
    }

    std::filesystem::path directory_;
};

TEST_F(ConfigTest, DefaultsAreThoseOfTheSpec) {
    const Config config = config_from_values({});
    EXPECT_EQ(config.listen.policy.text(), "127.0.0.1:10045");
    ASSERT_TRUE(config.listen.http);
    EXPECT_EQ(config.listen.http->text(), "127.0.0.1:10046");
    EXPECT_EQ(config.listen.max_connections, 1024u);
    EXPECT_EQ(config.directory.source, "ldif:/etc/mailpolicyd/directory.ldif");
    EXPECT_EQ(config.directory.account_filter, "(mail=*)");
    EXPECT_EQ(config.directory.login_attribute, "uid");
    EXPECT_EQ(config.directory.sync, DirectoryConfig::Sync::Auto);
    EXPECT_EQ(config.directory.poll_interval, std::chrono::seconds(60));
    EXPECT_EQ(config.directory.cache_file, "/var/lib/mailpolicyd/directory.cache");
    EXPECT_EQ(config.policy.local_domains, LocalDomains::Account);
    EXPECT_EQ(config.policy.default_send_mode, Mode::AllowAll);
    EXPECT_EQ(config.policy.enforcement, Enforcement::Enforce);
    EXPECT_EQ(config.policy.trusted_networks.size(), 2u);
    EXPECT_TRUE(config.policy.verify_local_senders);
    EXPECT_EQ(config.policy.null_sender, NullSender::Allow);
    EXPECT_EQ(config.policy.recipient_delimiter, "+");
    EXPECT_EQ(config.policy.reject_code, 550);
    EXPECT_EQ(config.policy.reject_status, "5.7.1");
    EXPECT_EQ(config.policy.send_reject_text, "Sending to this recipient is not permitted");
    EXPECT_EQ(config.on_unavailable, OnUnavailable::Tempfail);
    EXPECT_EQ(config.audit.store, "sqlite:/var/lib/mailpolicyd/audit.db");
    EXPECT_EQ(config.audit.retention, std::chrono::days(90));
    EXPECT_EQ(config.ndr.return_content, NdrConfig::Return::Headers);
    EXPECT_EQ(config.log.level, "information");
    EXPECT_EQ(config.log.target, LogConfig::Target::Syslog);
    EXPECT_EQ(config.sendmail.real_sendmail, "/usr/sbin/sendmail");
}

TEST_F(ConfigTest, FileIsReadAndCommandLineOverridesIt) {
    const auto path = write_file(
        "[listen]\npolicy = unix:/run/mailpolicyd/policy.sock\nmax-connections = 50\n"
        "[directory]\nsource = ldap://ldap.example.com\nalias-attributes = mailAlternateAddress "
        "shadowAddress\nsync = poll\n"
        "[policy]\ndefault-send-mode = localonly\nenforcement = audit\n"
        "trusted-networks = 10.0.0.0/8, 2001:db8::/32\n"
        "[sendmail]\ntoken-file = /etc/mailpolicyd/token\n[admin]\nbind-dn = cn=admin\n"
        "[log]\ntarget = file:/var/log/mailpolicyd.log\n");
    const Startup startup =
        load_startup({"-c", path, "--policy.enforcement=enforce", "--listen.max-connections", "70",
                      "--daemon", "--pidfile", "/run/mailpolicyd.pid"});
    const Config& config = startup.config;
    EXPECT_EQ(config.listen.policy.kind, ListenAddress::Kind::Unix);
    EXPECT_EQ(config.listen.policy.path, "/run/mailpolicyd/policy.sock");
    EXPECT_EQ(config.listen.max_connections, 70u);
    EXPECT_EQ(config.directory.source, "ldap://ldap.example.com");
    EXPECT_EQ(config.directory.alias_attributes,
              (std::vector<std::string>{"mailAlternateAddress", "shadowAddress"}));
    EXPECT_EQ(config.directory.sync, DirectoryConfig::Sync::Poll);
    EXPECT_EQ(config.policy.default_send_mode, Mode::LocalOnly);
    EXPECT_EQ(config.policy.enforcement, Enforcement::Enforce);
    EXPECT_EQ(config.policy.trusted_networks.size(), 2u);
    EXPECT_EQ(config.sendmail.token_file, "/etc/mailpolicyd/token");
    EXPECT_EQ(config.admin.bind_dn, "cn=admin");
    EXPECT_EQ(config.log.target, LogConfig::Target::File);
    EXPECT_EQ(config.log.file, "/var/log/mailpolicyd.log");
    EXPECT_TRUE(startup.command_line.daemon);
    EXPECT_EQ(startup.command_line.pidfile, "/run/mailpolicyd.pid");
    EXPECT_EQ(startup.command_line.config_file, path);
}

TEST_F(ConfigTest, MissingDefaultFileIsFineMissingExplicitFileIsNot) {
    if (!std::filesystem::exists(kDefaultConfigFile)) {
        EXPECT_EQ(error_for({}), "");
    }
    const auto missing = (directory_ / "absent.conf").string();
    EXPECT_EQ(error_for({"-c", missing}),
              "cannot read config file " + missing + ": No such file or directory");
}

TEST_F(ConfigTest, UnknownKeysAreRefused) {
    const auto path = write_file("[policy]\ndefault-sned-mode = denyAll\n");
    EXPECT_EQ(error_for({"-c", path}),
              "unknown key \"policy.default-sned-mode\" in " + path + ":2");
    EXPECT_EQ(error_for({"-c", path, "--policy.nope=1"}), "unknown option \"--policy.nope\"");
    EXPECT_EQ(error_for({"--directory.bind-password=secret"}),
              "unknown option \"--directory.bind-password\"");
}

TEST_F(ConfigTest, BadValuesAreRefusedNamingKeyValueAndWhatIsAllowed) {
    const auto path = write_file("");
    auto error = [&](const std::string& option) { return error_for({"-c", path, option}); };
    EXPECT_EQ(error("--policy.verify-local-senders=maybe"),
              "bad value \"maybe\" for policy.verify-local-senders: expected true or false");
    EXPECT_EQ(error("--policy.default-send-mode=local"),
              "bad value \"local\" for policy.default-send-mode: expected allowAll, localOnly, "
              "localAndSubdomains or denyAll");
    EXPECT_EQ(error("--policy.enforcement=warn"),
              "bad value \"warn\" for policy.enforcement: expected enforce or audit");
    EXPECT_EQ(error("--directory.starttls=always"),
              "bad value \"always\" for directory.starttls: expected no, try or demand");
    EXPECT_EQ(error("--policy.reject-code=450"),
              "bad value \"450\" for policy.reject-code: expected a whole number from 500 to 599");
    EXPECT_EQ(error("--policy.reject-status=4.7.1"),
              "bad value \"4.7.1\" for policy.reject-status: expected an enhanced status code "
              "5.x.x");
    EXPECT_EQ(error("--listen.max-connections=0"),
              "bad value \"0\" for listen.max-connections: expected a whole number from 1 to "
              "1000000");
    EXPECT_EQ(error("--directory.source=http://x"),
              "bad value \"http://x\" for directory.source: expected ldif:/path, ldap://…, "
              "ldaps://… or ldapi://…");
    EXPECT_NE(error("--listen.policy=10045").find("bad value \"10045\" for listen.policy"),
              std::string::npos);
    EXPECT_NE(error("--listen.policy=127.0.0.1:70000").find("listen.policy"), std::string::npos);
    EXPECT_NE(error("--policy.trusted-networks=10.0.0.0/33")
                  .find("bad value \"10.0.0.0/33\" for policy.trusted-networks"),
              std::string::npos);
    EXPECT_EQ(error("--log.target=stderr"),
              "bad value \"stderr\" for log.target: expected syslog, console or file:/path");
    EXPECT_EQ(error("--policy.on-unavailable=accept"),
              "bad value \"accept\" for policy.on-unavailable: expected tempfail or permit");
    EXPECT_EQ(error("--audit.store=mysql:x"),
              "bad value \"mysql:x\" for audit.store: expected sqlite:/path, "
              "postgresql:<conninfo> or none");
}

TEST_F(ConfigTest, NonLoopbackHttpNeedsAToken) {
    const auto path = write_file("[listen]\nhttp = 0.0.0.0:10046\n");
    EXPECT_EQ(error_for({"-c", path}),
              "listen.http-token-file is required when listen.http (\"0.0.0.0:10046\") is not "
              "a loopback address");
    EXPECT_EQ(error_for({"-c", path, "--listen.http-token-file=/etc/mailpolicyd/token"}), "");
    EXPECT_EQ(error_for({"-c", path, "--listen.http=[::1]:10046"}), "");
    EXPECT_EQ(error_for({"-c", path, "--listen.http="}), "");
}

TEST_F(ConfigTest, IniCommentsAsInTheSpecExample) {
    const auto path = write_file(
        "\xef\xbb\xbf; leading comment\n# another\n[listen]\n"
        "policy = 127.0.0.1:10045        ; host:port or unix:/path\n"
        "http =                          ; empty: off\n"
        "[Policy]\nSend-Reject-Text = Not permitted; ask #help  ; the text\n"
        "[directory]\naccount-filter = (&(mail=*)(!(x=#1)))\n");
    const Config config = load_startup({"-c", path}).config;
    EXPECT_FALSE(config.listen.http);
    EXPECT_EQ(config.policy.send_reject_text, "Not permitted; ask");
    EXPECT_EQ(config.directory.account_filter, "(&(mail=*)(!(x=#1)))");
}

TEST_F(ConfigTest, FileSyntaxErrorsNameFileAndLine) {
    auto path = write_file("[policy]\nenforcement audit\n");
    EXPECT_EQ(error_for({"-c", path}), path + ":2: expected key = value");
    path = write_file("enforcement = audit\n");
    EXPECT_EQ(error_for({"-c", path}), path + ":1: key outside a [section]");
    path = write_file("[policy]\nenforcement = audit\nenforcement = enforce\n");
    EXPECT_EQ(error_for({"-c", path}),
              "policy.enforcement is set twice in " + path + " (lines 2 and 3)");
}

TEST_F(ConfigTest, ReloadReadsTheSameFileFromAnotherDirectory) {
    write_file("[policy]\ndefault-send-mode = denyAll\n");
    const auto previous = std::filesystem::current_path();
    std::filesystem::current_path(directory_);
    const Startup startup = load_startup({"-c", "mailpolicyd.conf", "--policy.enforcement=audit"});
    std::filesystem::current_path("/");
    write_file("[policy]\ndefault-send-mode = localOnly\nenforcement = enforce\n");
    const Config reloaded = reload_config(startup.command_line);
    std::filesystem::current_path(previous);
    EXPECT_EQ(startup.command_line.config_file, (directory_ / "mailpolicyd.conf").string());
    EXPECT_EQ(reloaded.policy.default_send_mode, Mode::LocalOnly);
    EXPECT_EQ(reloaded.policy.enforcement, Enforcement::Audit);  // the command line still wins
}

TEST_F(ConfigTest, HelpListsEveryKeyWithItsDefault) {
    const Startup startup = load_startup({"--help"});
    EXPECT_TRUE(startup.command_line.help);
    const std::string help = help_text();
    EXPECT_NE(help.find("--listen.policy=VALUE  [127.0.0.1:10045]"), std::string::npos);
    EXPECT_NE(help.find("--policy.on-unavailable=VALUE  [tempfail]"), std::string::npos);
    EXPECT_NE(help.find("--admin.bind-password-file"), std::string::npos);
    EXPECT_NE(help.find("Exit status"), std::string::npos);
}

TEST_F(ConfigTest, LoadConfigFileForOtherPrograms) {
    const auto path = write_file("[sendmail]\non-unavailable = pass\n");
    EXPECT_EQ(load_config_file(path, true).sendmail.on_unavailable,
              SendmailConfig::OnUnavailable::Pass);
    EXPECT_THROW(load_config_file((directory_ / "none").string(), true), ConfigError);
    EXPECT_NO_THROW(load_config_file((directory_ / "none").string(), false));
}

}  // namespace
}  // namespace mailpolicy
