// mailpolicyd's life: start the parts in dependency order (audit log, directory source,
// policy server, HTTP server), then wait for signals on the main thread, then stop them
// in reverse so the requests drained at the end are still audited. A SIGHUP swaps the
// [policy] settings atomically; changes that need new sockets or sources are logged.
#include "module/daemon.h"

#include <Poco/Logger.h>

#include <cerrno>
#include <filesystem>
#include <iostream>
#include <optional>

#include "ldap/safe_file.h"
#include "module/api_routes.h"
#include "module/audit_log.h"
#include "module/daemon_process.h"
#include "module/health_routes.h"
#include "module/logging.h"
#include "module/policy_server.h"
#include "module/policy_service.h"
#include "module/secret_file.h"

namespace mailpolicy {

namespace {

Poco::Logger& logger() {
    return Poco::Logger::get("mailpolicyd");
}

std::string parent_directory(const std::string& path) {
    const auto parent = std::filesystem::path(path).parent_path();
    return parent.empty() ? "." : parent.string();
}

// The directories the daemon writes state into: the cache file's (the audit spool's
// too) and the SQLite audit database's.
std::vector<std::string> state_directories(const Config& config) {
    std::vector<std::string> directories = {parent_directory(config.directory.cache_file)};
    if (config.audit.store.starts_with("sqlite:")) {
        const std::string database = parent_directory(config.audit.store.substr(7));
        if (database != directories.front()) directories.push_back(database);
    }
    return directories;
}

// Creates missing state directories, then refuses any that others could plant a
// symlink in (safe_file.h). Throws std::runtime_error naming the directory.
void prepare_state_directories(const Config& config) {
    for (const std::string& directory : state_directories(config)) {
        std::error_code error;
        std::filesystem::create_directories(directory, error);
        check_state_directory(directory);
    }
}

bool same_directory_config(const DirectoryConfig& a, const DirectoryConfig& b) {
    return a.source == b.source && a.base_dn == b.base_dn && a.bind_dn == b.bind_dn &&
           a.bind_password_file == b.bind_password_file && a.starttls == b.starttls &&
           a.tls_ca_file == b.tls_ca_file && a.account_filter == b.account_filter &&
           a.alias_attributes == b.alias_attributes && a.login_attribute == b.login_attribute &&
           a.sync == b.sync && a.poll_interval == b.poll_interval && a.cache_file == b.cache_file;
}

class Daemon {
  public:
    Daemon(Startup startup, std::string http_token)
        : command_line_(std::move(startup.command_line)),
          config_(std::move(startup.config)),
          running_log_(config_.log),
          http_token_(std::move(http_token)),
          live_policy_({config_.policy, config_.on_unavailable}) {}

    // Throws std::runtime_error (or the parts' exceptions) when a part cannot start.
    void start();
    // Waits for TERM or INT; handles HUP meanwhile.
    void serve(const sigset_t& signals);
    void stop();

  private:
    void start_audit();
    void start_http();
    void reload();
    void reload_token(const Config& fresh);
    void announce_snapshot(std::shared_ptr<const Snapshot>& announced);

    CommandLine command_line_;
    Config config_;
    LogConfig running_log_;  // config_.log with the level of the last reload
    std::string http_token_;
    SnapshotHolder holder_;
    Metrics metrics_;
    LivePolicy live_policy_;
    std::unique_ptr<AuditLog> audit_;
    std::unique_ptr<DirectorySource> source_;
    std::unique_ptr<PolicyService> service_;
    std::unique_ptr<PolicyServer> policy_server_;
    std::unique_ptr<HttpServer> http_server_;
};

void Daemon::start_audit() {
    const std::string spool = parent_directory(config_.directory.cache_file) + "/audit.spool";
    prepare_state_directories(config_);
    audit_ = std::make_unique<AuditLog>(make_audit_store(config_.audit.store), spool,
                                        config_.audit.retention);
    audit_->start();
}

void Daemon::start_http() {
    if (!config_.listen.http) return;
    auto router = std::make_shared<HttpRouter>();
    add_health_routes(
        *router, holder_, [this] { return source_->status(); }, metrics_);
    add_api_routes(*router, ApiContext{holder_, live_policy_, metrics_, audit_.get(), config_.ndr});
    HttpServerOptions options;
    options.listen = *config_.listen.http;
    options.token = http_token_;
    http_server_ = std::make_unique<HttpServer>(options, router);
    http_server_->start();
}

void Daemon::start() {
    start_audit();
    source_ = make_directory_source(config_.directory, holder_);
    AuditLog* audit = audit_.get();
    service_ = std::make_unique<PolicyService>(
        holder_, live_policy_, metrics_, [audit](AuditRecord r) { audit->record(std::move(r)); });
    PolicyServerOptions options;
    options.listen = config_.listen.policy;
    options.max_connections = config_.listen.max_connections;
    options.request_timeout = config_.listen.request_timeout;
    options.per_peer.max_per_peer = config_.listen.max_connections_per_peer;
    policy_server_ = std::make_unique<PolicyServer>(
        options, [this](const PolicyRequest& r) { return service_->answer(r); }, metrics_);
    policy_server_->start();
    start_http();
    source_->start();
    logger().information("mailpolicyd started: policy on %s, http on %s, directory %s",
                         config_.listen.policy.text(),
                         config_.listen.http ? config_.listen.http->text() : std::string("off"),
                         config_.directory.source);
}

void Daemon::announce_snapshot(std::shared_ptr<const Snapshot>& announced) {
    auto current = holder_.current();
    if (!current || current == announced) return;
    if (!announced) {
        logger().information("directory loaded: %z accounts", current->account_count());
    } else {
        logger().debug("directory updated: %z accounts", current->account_count());
    }
    announced = std::move(current);
}

void Daemon::serve(const sigset_t& signals) {
    std::shared_ptr<const Snapshot> announced;
    const timespec tick{0, 200'000'000};
    while (true) {
        const int signal = ::sigtimedwait(&signals, nullptr, &tick);
        announce_snapshot(announced);
        if (signal == SIGHUP) {
            reload();
        } else if (signal == SIGTERM || signal == SIGINT) {
            logger().information("mailpolicyd stopping on signal %d", signal);
            return;
        }
    }
}

void Daemon::reload() {
    Config fresh;
    try {
        fresh = reload_config(command_line_);
    } catch (const ConfigError& error) {
        logger().error("config reload failed, keeping the running config: %s",
                       std::string(error.what()));
        reopen_logs(running_log_);
        return;
    }
    live_policy_.replace({fresh.policy, fresh.on_unavailable});
    auto needs_restart = [](const char* what) {
        logger().warning("%s changed: takes effect after a restart", std::string(what));
    };
    const auto http_text = [](const Config& c) {
        return c.listen.http ? c.listen.http->text() : "";
    };
    if (fresh.listen.policy.text() != config_.listen.policy.text() ||
        http_text(fresh) != http_text(config_) ||
        fresh.listen.http_token_file != config_.listen.http_token_file ||
        fresh.listen.max_connections != config_.listen.max_connections ||
        fresh.listen.max_connections_per_peer != config_.listen.max_connections_per_peer ||
        fresh.listen.request_timeout != config_.listen.request_timeout) {
        needs_restart("[listen]");
    }
    if (!same_directory_config(fresh.directory, config_.directory)) needs_restart("[directory]");
    if (fresh.audit.store != config_.audit.store ||
        fresh.audit.retention != config_.audit.retention) {
        needs_restart("[audit]");
    }
    if (fresh.log.target != config_.log.target || fresh.log.file != config_.log.file) {
        needs_restart("log.target");
    }
    // config_ stays as started (HTTP handlers may read it); the new level applies now.
    reload_token(fresh);
    running_log_.level = fresh.log.level;
    reopen_logs(running_log_);
    logger().information("config reloaded from %s", command_line_.config_file);
}

// A rotated token takes effect at once; a token file that became unreadable keeps the
// old token (and says so) rather than opening /v1/ or locking every client out.
void Daemon::reload_token(const Config& fresh) {
    const auto& path = config_.listen.http_token_file;
    if (!http_server_ || path.empty() || fresh.listen.http_token_file != path) return;
    try {
        http_server_->set_token(read_secret_file(path, "listen.http-token-file"));
    } catch (const std::exception& error) {
        logger().error("keeping the HTTP token in use: %s", std::string(error.what()));
    }
}

void Daemon::stop() {
    if (policy_server_) policy_server_->stop();
    if (http_server_) http_server_->stop();
    if (source_) source_->stop();
    if (audit_) audit_->stop();
    logger().information("mailpolicyd stopped");
}

// Everything that can fail for a reason the admin must fix, checked while the terminal
// still shows the message: the command line, the config, the token file.
std::optional<int> prepare(const std::vector<std::string>& arguments, Startup& startup,
                           std::string& token) {
    try {
        startup = load_startup(arguments);
        if (startup.command_line.help) {
            std::cout << help_text();
            return 0;
        }
        if (startup.command_line.version) {
            std::cout << "mailpolicyd " << kMailpolicydVersion << "\n";
            return 0;
        }
        if (startup.command_line.daemon &&
            startup.config.log.target == LogConfig::Target::Console) {
            std::cerr << "mailpolicyd: warning: log.target = console with --daemon: the log "
                         "goes nowhere once detached; use syslog or file:/path\n";
        }
        if (startup.config.listen.http && !startup.config.listen.http_token_file.empty()) {
            token =
                read_secret_file(startup.config.listen.http_token_file, "listen.http-token-file");
        }
        return std::nullopt;
    } catch (const std::exception& error) {
        std::cerr << "mailpolicyd: " << error.what() << "\n";
        return kConfigErrorExitStatus;
    }
}

}  // namespace

int run_daemon(const std::vector<std::string>& arguments) {
    Startup startup;
    std::string token;
    if (auto exit_status = prepare(arguments, startup, token)) return *exit_status;
    const CommandLine command_line = startup.command_line;
    StartupReport report;
    try {
        if (command_line.daemon) report = detach();
    } catch (const std::exception& error) {
        std::cerr << "mailpolicyd: " << error.what() << "\n";
        return 1;
    }
    const sigset_t signals = block_daemon_signals();
    bool pidfile_written = false;
    int exit_status = 0;
    try {
        configure_logging(startup.config.log);
        Daemon daemon(std::move(startup), std::move(token));
        try {
            daemon.start();
            // Only once the sockets are ours: a second instance that fails to start must
            // not overwrite (and then remove) the running one's pid file.
            if (!command_line.pidfile.empty()) write_pidfile(command_line.pidfile);
            pidfile_written = !command_line.pidfile.empty();
        } catch (...) {
            daemon.stop();
            throw;
        }
        report.success();
        daemon.serve(signals);
        daemon.stop();
    } catch (const std::exception& error) {
        logger().critical("mailpolicyd cannot start: %s", std::string(error.what()));
        std::cerr << "mailpolicyd: " << error.what() << "\n";
        report.failure(error.what());
        exit_status = 1;
    }
    if (pidfile_written) ::unlink(command_line.pidfile.c_str());
    return exit_status;
}

}  // namespace mailpolicy
