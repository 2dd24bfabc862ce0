// PostgreSQL backend of AuditStore: one session, serialized by a mutex, opened on first
// use and reconnected in place once the server went away (a restart, an outage). The
// daemon starts even while the database is down. Every error message is redacted.
#include "module/audit_postgres.h"

#include <Poco/Data/PostgreSQL/Connector.h>
#include <Poco/Data/PostgreSQL/SessionImpl.h>
#include <Poco/Data/Session.h>
#include <Poco/Exception.h>
#include <libpq-fe.h>

#include <mutex>
#include <regex>
#include <stdexcept>

#include "module/audit_sql.h"

namespace mailpolicy {
namespace {

constexpr AuditSqlDialect postgres_dialect{true, "id BIGSERIAL PRIMARY KEY"};

// The password values a conninfo holds, in keyword=value or URI form.
std::vector<std::string> passwords_in(const std::string& conninfo) {
    static const std::regex keyword(R"(password\s*=\s*('((?:[^'\\]|\\.)*)'|([^\s']+)))",
                                    std::regex::icase);
    static const std::regex uri(R"(://[^:/@\s]*:([^@/\s]+)@)");
    std::vector<std::string> found;
    for (std::sregex_iterator it(conninfo.begin(), conninfo.end(), keyword), end; it != end; ++it) {
        found.push_back((*it)[2].matched ? (*it)[2].str() : (*it)[3].str());
    }
    for (std::sregex_iterator it(conninfo.begin(), conninfo.end(), uri), end; it != end; ++it) {
        found.push_back((*it)[1].str());
    }
    return found;
}

// libpq's messages span lines ("\n\tIs the server running…"); log lines must not.
std::string one_line(const std::string& text) {
    std::string out;
    for (char c : text) {
        const bool space = c == '\n' || c == '\r' || c == '\t' || c == ' ';
        if (!space) {
            out += c;
        } else if (!out.empty() && out.back() != ' ') {
            out += ' ';
        }
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
}

// libpq waits forever for an unreachable host unless told otherwise.
std::string with_connect_timeout(const std::string& conninfo) {
    if (conninfo.find("connect_timeout") != std::string::npos) return conninfo;
    const bool is_uri = conninfo.rfind("postgres", 0) == 0;
    if (!is_uri) return conninfo + " connect_timeout=10";
    return conninfo + (conninfo.find('?') == std::string::npos ? "?" : "&") + "connect_timeout=10";
}

class PostgresAuditStore final : public AuditStore {
  public:
    // Connects on first use, so that neither the daemon's start nor a database that is
    // down can hold up the caller here.
    explicit PostgresAuditStore(std::string conninfo) : conninfo_(std::move(conninfo)) {
        static std::once_flag registered;
        std::call_once(registered, [] { Poco::Data::PostgreSQL::Connector::registerConnector(); });
    }

    ~PostgresAuditStore() override {
        // Poco frees the connection only if it is up: give a broken one a last chance.
        if (session_ && !session_->isConnected()) postgres_handle().reset();
    }

    void write(const std::vector<AuditRecord>& records) override {
        std::lock_guard lock(mutex_);
        guarded("write to", [&](Poco::Data::Session& session) {
            insert_audit_records(session, postgres_dialect, records);
        });
    }

    std::vector<AuditRecord> query(const AuditQuery& query) override {
        std::lock_guard lock(mutex_);
        std::vector<AuditRecord> records;
        guarded("query", [&](Poco::Data::Session& session) {
            records = select_audit_records(session, postgres_dialect, query);
        });
        return records;
    }

    std::size_t purge_before(std::chrono::system_clock::time_point cutoff) override {
        std::lock_guard lock(mutex_);
        std::size_t purged = 0;
        guarded("purge", [&](Poco::Data::Session& session) {
            purged = delete_audit_records_before(session, postgres_dialect, cutoff);
        });
        return purged;
    }

  private:
    // The open session: made on first use, and brought back after the server went away.
    Poco::Data::Session& connected() {
        if (!session_) {
            probe();
            auto session = std::make_unique<Poco::Data::Session>("PostgreSQL",
                                                                 with_connect_timeout(conninfo_));
            create_audit_schema(*session, postgres_dialect);
            session_ = std::move(session);
        } else if (!session_->isConnected()) {
            reconnect();
        }
        return *session_;
    }

    // Reconnects the broken session in place (PQreset on the same connection object):
    // Poco 1.11 never frees a broken connection, so a new session per outage would leak.
    void reconnect() {
        probe();
        auto& handle = postgres_handle();
        if (!handle.reset()) throw std::runtime_error("reconnecting failed: " + handle.lastError());
        // The transaction of the failed call died with the old connection, but Poco still
        // thinks it is open (and would make the next begin() a no-op).
        if (session_->isTransaction()) session_->rollback();
        create_audit_schema(*session_, postgres_dialect);
    }

    Poco::Data::PostgreSQL::SessionHandle& postgres_handle() {
        return dynamic_cast<Poco::Data::PostgreSQL::SessionImpl&>(*session_->impl()).handle();
    }

    // Connects once with libpq itself: Poco 1.11 leaks the connection object of every
    // failed attempt, which adds up while a database stays down for hours.
    void probe() const {
        PGconn* connection = PQconnectdb(with_connect_timeout(conninfo_).c_str());
        const bool ok = connection != nullptr && PQstatus(connection) == CONNECTION_OK;
        const std::string error = connection ? PQerrorMessage(connection) : "out of memory";
        PQfinish(connection);
        if (!ok) throw std::runtime_error(error);
    }

    // Runs `work` on the session. A session that broke since its last use (the server
    // restarted) fails on its first command; that is retried once after reconnecting.
    template <typename Work>
    void guarded(const char* what, Work&& work) {
        try {
            work(connected());
            return;
        } catch (const std::exception& error) {
            if (!session_ || session_->isConnected()) fail(what, error);
        }
        try {
            work(connected());
        } catch (const std::exception& error) {
            fail(what, error);
        }
    }

    [[noreturn]] void fail(const char* what, const std::exception& error) const {
        const auto* poco = dynamic_cast<const Poco::Exception*>(&error);
        const std::string detail = one_line(poco ? poco->displayText() : error.what());
        throw std::runtime_error(redact_conninfo("audit store: cannot " + std::string(what) +
                                                     " PostgreSQL (" + conninfo_ + "): " + detail,
                                                 conninfo_));
    }

    std::string conninfo_;
    std::mutex mutex_;
    std::unique_ptr<Poco::Data::Session> session_;
};

}  // namespace

std::string redact_conninfo(std::string text, const std::string& conninfo) {
    static const std::regex keyword(R"((password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s']+))",
                                    std::regex::icase);
    static const std::regex uri(R"((://[^:/@\s]*:)[^@/\s]+@)");
    text = std::regex_replace(text, keyword, "$1***");
    text = std::regex_replace(text, uri, "$1***@");
    for (const std::string& password : passwords_in(conninfo)) {
        if (password.empty()) continue;
        for (auto at = text.find(password); at != std::string::npos;
             at = text.find(password, at + 3)) {
            text.replace(at, password.size(), "***");
        }
    }
    return text;
}

std::unique_ptr<AuditStore> make_postgres_audit_store(const std::string& conninfo) {
    return std::make_unique<PostgresAuditStore>(conninfo);
}

}  // namespace mailpolicy
