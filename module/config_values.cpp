// Turns config texts into typed values, one checker per kind of value, each refusing
// with "bad value "<v>" for <key>: expected <what>". Cross-key rules (a token for a
// non-loopback HTTP listener) come last. Reads no files.
#include <algorithm>
#include <cctype>
#include <charconv>

#include "module/config.h"
#include "module/config_keys.h"

namespace mailpolicy {

namespace {

std::string lowercase(std::string_view text) {
    std::string result(text);
    std::transform(result.begin(), result.end(), result.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return result;
}

std::vector<std::string> split_list(std::string_view text) {
    std::vector<std::string> items;
    std::string item;
    for (char c : text) {
        if (c == ' ' || c == '\t' || c == ',') {
            if (!item.empty()) items.push_back(std::move(item));
            item.clear();
        } else {
            item.push_back(c);
        }
    }
    if (!item.empty()) items.push_back(std::move(item));
    return items;
}

class Values {
  public:
    explicit Values(const std::map<std::string, std::string, std::less<>>& given) : given_(given) {
        for (const auto& [key, value] : given) {
            const auto known = config_keys();
            if (std::none_of(known.begin(), known.end(),
                             [&](const ConfigKey& k) { return k.name == key; })) {
                throw ConfigError("unknown key \"" + key + "\"");
            }
        }
    }

    std::string text(std::string_view key) const {
        if (auto found = given_.find(key); found != given_.end()) return trim(found->second);
        for (const ConfigKey& k : config_keys()) {
            if (k.name == key) return std::string(k.default_value);
        }
        throw std::logic_error("config key missing from the table: " + std::string(key));
    }

    [[noreturn]] void bad(std::string_view key, std::string_view expected) const {
        throw ConfigError("bad value \"" + text(key) + "\" for " + std::string(key) +
                          ": expected " + std::string(expected));
    }

    // One of the listed words (case-insensitive); returns its index.
    std::size_t choice(std::string_view key, std::initializer_list<std::string_view> words) const {
        const std::string value = lowercase(text(key));
        std::size_t index = 0;
        std::string expected;
        for (std::string_view word : words) {
            if (value == lowercase(word)) return index;
            expected += (index == 0 ? "" : index + 1 == words.size() ? " or " : ", ");
            expected += word;
            ++index;
        }
        bad(key, expected);
    }

    long number(std::string_view key, long low, long high) const {
        const std::string value = text(key);
        long result = 0;
        const auto [end, error] =
            std::from_chars(value.data(), value.data() + value.size(), result);
        if (value.empty() || error != std::errc{} || end != value.data() + value.size() ||
            result < low || result > high) {
            bad(key, "a whole number from " + std::to_string(low) + " to " + std::to_string(high));
        }
        return result;
    }

    bool boolean(std::string_view key) const {
        const std::string value = lowercase(text(key));
        if (value == "true" || value == "yes" || value == "on" || value == "1") return true;
        if (value == "false" || value == "no" || value == "off" || value == "0") return false;
        bad(key, "true or false");
    }

  private:
    static std::string trim(std::string_view text) {
        const auto first = text.find_first_not_of(" \t\r\n");
        if (first == std::string_view::npos) return {};
        return std::string(text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1));
    }

    const std::map<std::string, std::string, std::less<>>& given_;
};

ListenAddress listen_address(const Values& values, std::string_view key, bool unix_allowed) {
    auto parsed = ListenAddress::parse(values.text(key));
    if (auto* error = std::get_if<std::string>(&parsed)) {
        const std::string expected = unix_allowed ? "host:port or unix:/path" : "host:port";
        values.bad(key, expected + " (" + *error + ")");
    }
    auto address = std::get<ListenAddress>(parsed);
    if (address.kind == ListenAddress::Kind::Unix && !unix_allowed) values.bad(key, "host:port");
    return address;
}

ListenConfig listen_config(const Values& values) {
    ListenConfig listen;
    listen.policy = listen_address(values, "listen.policy", true);
    if (!values.text("listen.http").empty()) {
        listen.http = listen_address(values, "listen.http", false);
    }
    listen.http_token_file = values.text("listen.http-token-file");
    listen.max_connections =
        static_cast<std::size_t>(values.number("listen.max-connections", 1, 1'000'000));
    listen.max_connections_per_peer = static_cast<std::size_t>(
        values.number("listen.max-connections-per-peer", 0, 1'000'000));
    listen.request_timeout = std::chrono::seconds(values.number("listen.request-timeout", 1, 3600));
    if (listen.http && !listen.http->is_loopback() && listen.http_token_file.empty()) {
        throw ConfigError("listen.http-token-file is required when listen.http (\"" +
                          listen.http->text() + "\") is not a loopback address");
    }
    return listen;
}

DirectoryConfig directory_config(const Values& values) {
    DirectoryConfig directory;
    directory.source = values.text("directory.source");
    const std::string scheme =
        lowercase(directory.source.substr(0, directory.source.find(':') + 1));
    if (scheme != "ldif:" && scheme != "ldap:" && scheme != "ldaps:" && scheme != "ldapi:") {
        values.bad("directory.source", "ldif:/path, ldap://…, ldaps://… or ldapi://…");
    }
    if (scheme == "ldif:" && directory.source.size() == 5) {
        values.bad("directory.source", "ldif: followed by a file path");
    }
    directory.base_dn = values.text("directory.base-dn");
    directory.bind_dn = values.text("directory.bind-dn");
    directory.bind_password_file = values.text("directory.bind-password-file");
    directory.starttls = static_cast<DirectoryConfig::StartTls>(
        values.choice("directory.starttls", {"no", "try", "demand"}));
    directory.tls_ca_file = values.text("directory.tls-ca-file");
    directory.account_filter = values.text("directory.account-filter");
    if (!directory.account_filter.starts_with('(') || !directory.account_filter.ends_with(')')) {
        values.bad("directory.account-filter", "an LDAP filter in parentheses");
    }
    directory.alias_attributes = split_list(values.text("directory.alias-attributes"));
    directory.login_attribute = values.text("directory.login-attribute");
    if (directory.login_attribute.empty())
        values.bad("directory.login-attribute", "an attribute name");
    directory.sync = static_cast<DirectoryConfig::Sync>(
        values.choice("directory.sync", {"auto", "syncrepl", "poll"}));
    directory.poll_interval =
        std::chrono::seconds(values.number("directory.poll-interval", 1, 86400));
    directory.cache_file = values.text("directory.cache-file");
    if (directory.cache_file.empty()) values.bad("directory.cache-file", "a file path");
    return directory;
}

Mode mode(const Values& values, std::string_view key) {
    auto parsed = parse_mode(values.text(key));
    if (!parsed) values.bad(key, "allowAll, localOnly, localAndSubdomains or denyAll");
    return *parsed;
}

// RFC 3463 permanent status "5.x.y": class 5, subject and detail of one to three digits.
bool is_permanent_enhanced_status(std::string_view status) {
    if (!status.starts_with("5.")) return false;
    status.remove_prefix(2);
    const std::size_t dot = status.find('.');
    if (dot == std::string_view::npos) return false;
    auto digits = [](std::string_view part) {
        return !part.empty() && part.size() <= 3 &&
               std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
    };
    return digits(status.substr(0, dot)) && digits(status.substr(dot + 1));
}

std::string reply_text(const Values& values, std::string_view key) {
    const std::string text = values.text(key);
    const bool printable = std::none_of(text.begin(), text.end(), [](char c) {
        return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
    });
    if (text.empty() || text.size() > 400 || !printable) {
        values.bad(key, "one line of text, at most 400 bytes");
    }
    return text;
}

PolicyConfig policy_config(const Values& values) {
    PolicyConfig policy;
    policy.local_domains =
        static_cast<LocalDomains>(values.choice("policy.local-domains", {"account", "hosted"}));
    policy.default_send_mode = mode(values, "policy.default-send-mode");
    policy.default_receive_mode = mode(values, "policy.default-receive-mode");
    auto enforcement = parse_enforcement(values.text("policy.enforcement"));
    if (!enforcement) values.bad("policy.enforcement", "enforce or audit");
    policy.enforcement = *enforcement;
    for (const std::string& item : split_list(values.text("policy.trusted-networks"))) {
        auto network = Network::parse(item);
        if (auto* error = std::get_if<std::string>(&network)) {
            values.bad("policy.trusted-networks", "networks like 192.0.2.0/24 or 2001:db8::/32 (" +
                                                      item + ": " + *error + ")");
        }
        policy.trusted_networks.push_back(std::get<Network>(network));
    }
    policy.verify_local_senders = values.boolean("policy.verify-local-senders");
    policy.null_sender =
        static_cast<NullSender>(values.choice("policy.null-sender", {"allow", "external"}));
    policy.recipient_delimiter = values.text("policy.recipient-delimiter");
    if (policy.recipient_delimiter.find_first_of("@<>\"\\ \t") != std::string::npos) {
        values.bad("policy.recipient-delimiter", "delimiter characters other than @ < > \" \\");
    }
    policy.reject_code = static_cast<int>(values.number("policy.reject-code", 500, 599));
    policy.reject_status = values.text("policy.reject-status");
    if (!is_permanent_enhanced_status(policy.reject_status)) {
        values.bad("policy.reject-status", "an enhanced status code 5.x.x");
    }
    policy.send_reject_text = reply_text(values, "policy.send-reject-text");
    policy.receive_reject_text = reply_text(values, "policy.receive-reject-text");
    return policy;
}

AuditConfig audit_config(const Values& values) {
    AuditConfig audit;
    audit.store = values.text("audit.store");
    const bool sqlite = audit.store.starts_with("sqlite:") && audit.store.size() > 7;
    const bool postgres = audit.store.starts_with("postgresql:");
    if (!sqlite && !postgres && audit.store != "none") {
        values.bad("audit.store", "sqlite:/path, postgresql:<conninfo> or none");
    }
    audit.retention = std::chrono::days(values.number("audit.retention-days", 1, 36500));
    return audit;
}

LogConfig log_config(const Values& values) {
    LogConfig log;
    log.level = lowercase(values.text("log.level"));
    static const std::vector<std::string> levels = {"fatal",  "critical",    "error", "warning",
                                                    "notice", "information", "debug", "trace"};
    if (std::find(levels.begin(), levels.end(), log.level) == levels.end()) {
        values.bad("log.level",
                   "fatal, critical, error, warning, notice, information, debug or trace");
    }
    const std::string target = values.text("log.target");
    if (target == "syslog") {
        log.target = LogConfig::Target::Syslog;
    } else if (target == "console") {
        log.target = LogConfig::Target::Console;
    } else if (target.starts_with("file:/")) {
        log.target = LogConfig::Target::File;
        log.file = target.substr(5);
    } else {
        values.bad("log.target", "syslog, console or file:/path");
    }
    return log;
}

}  // namespace

Config config_from_values(const std::map<std::string, std::string, std::less<>>& given) {
    const Values values(given);
    Config config;
    config.listen = listen_config(values);
    config.directory = directory_config(values);
    config.policy = policy_config(values);
    config.on_unavailable =
        static_cast<OnUnavailable>(values.choice("policy.on-unavailable", {"tempfail", "permit"}));
    config.audit = audit_config(values);
    config.ndr.reporting_mta = values.text("ndr.reporting-mta");
    config.ndr.from = values.text("ndr.from");
    if (!config.ndr.from.empty() && config.ndr.from.find('@') == std::string::npos) {
        values.bad("ndr.from", "an address like MAILER-DAEMON@mx.example.com");
    }
    config.ndr.return_content =
        static_cast<NdrConfig::Return>(values.choice("ndr.return", {"headers", "full"}));
    config.log = log_config(values);
    config.sendmail.real_sendmail = values.text("sendmail.real-sendmail");
    config.sendmail.policy_url = values.text("sendmail.policy-url");
    if (!config.sendmail.policy_url.starts_with("http://")) {
        values.bad("sendmail.policy-url", "an http:// URL");
    }
    config.sendmail.token_file = values.text("sendmail.token-file");
    config.sendmail.origin = values.text("sendmail.origin");
    config.sendmail.on_unavailable = static_cast<SendmailConfig::OnUnavailable>(
        values.choice("sendmail.on-unavailable", {"tempfail", "pass"}));
    config.admin.bind_dn = values.text("admin.bind-dn");
    config.admin.bind_password_file = values.text("admin.bind-password-file");
    return config;
}

}  // namespace mailpolicy
