// PostgreSQL backend of AuditStore: one session, serialized by a mutex, opened on first
// use and reconnected in place once the server went away (a restart, an outage). The
// daemon starts even while the database is down. Every error message is redacted.
#include "module/audit_postgres.h"

#include <Poco/Data/PostgreSQL/Connector.h>
#include <Poco/Data/PostgreSQL/SessionImpl.h>
#include <Poco/Data/Session.h>
#include <Poco/Exception.h>
#include <Poco/String.h>
#include <libpq-fe.h>

#include <algorithm>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string_view>

#include "module/audit_sql.h"

namespace mailpolicy {
namespace {

constexpr AuditSqlDialect postgres_dialect{true, "id BIGSERIAL PRIMARY KEY"};

// Where a text holds a password value: `password = value` or `password='quoted'`
// (keyword form, any case) and `scheme://user:secret@` (URI form). `begin`/`end` span what
// redaction replaces (a quoted value with its quotes); `inner` is the password itself.
struct PasswordSpan {
    std::size_t begin = 0;
    std::size_t end = 0;
    std::string_view inner;
};

bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::size_t skip_blanks(std::string_view text, std::size_t at) {
    while (at < text.size() && is_blank(text[at])) ++at;
    return at;
}

// The keyword-form value starting at `at` (just past "password"), if there is one.
std::optional<PasswordSpan> keyword_value(std::string_view text, std::size_t at) {
    at = skip_blanks(text, at);
    if (at >= text.size() || text[at] != '=') return std::nullopt;
    const std::size_t begin = skip_blanks(text, at + 1);
    std::size_t end = begin;
    if (begin < text.size() && text[begin] == '\'') {
        for (end = begin + 1; end < text.size() && text[end] != '\''; ++end) {
            if (text[end] == '\\') ++end;
        }
        end = std::min(end + 1, text.size());
        const std::size_t inner_end = std::max(begin + 1, end - (text[end - 1] == '\'' ? 1 : 0));
        return PasswordSpan{begin, end, text.substr(begin + 1, inner_end - begin - 1)};
    }
    while (end < text.size() && !is_blank(text[end]) && text[end] != '\'') ++end;
    if (end == begin) return std::nullopt;
    return PasswordSpan{begin, end, text.substr(begin, end - begin)};
}

// The URI-form password after "://" at `at`: "user:secret@" with no '/' before the '@'.
std::optional<PasswordSpan> uri_password(std::string_view text, std::size_t at) {
    const std::size_t authority_end = text.find_first_of("/@ \t\n\r", at);
    if (authority_end == std::string_view::npos || text[authority_end] != '@') return std::nullopt;
    const std::size_t colon = text.find(':', at);
    if (colon == std::string_view::npos || colon + 1 >= authority_end) return std::nullopt;
    return PasswordSpan{colon + 1, authority_end,
                        text.substr(colon + 1, authority_end - colon - 1)};
}

std::vector<PasswordSpan> password_spans(std::string_view text) {
    std::vector<PasswordSpan> spans;
    const std::string lowered = Poco::toLower(std::string(text));
    for (std::size_t at = lowered.find("password"); at != std::string::npos;
         at = lowered.find("password", at + 1)) {
        if (auto span = keyword_value(text, at + 8)) spans.push_back(*span);
    }
    for (std::size_t at = text.find("://"); at != std::string_view::npos;
         at = text.find("://", at + 3)) {
        if (auto span = uri_password(text, at + 3)) spans.push_back(*span);
    }
    std::sort(spans.begin(), spans.end(),
              [](const PasswordSpan& a, const PasswordSpan& b) { return a.begin < b.begin; });
    return spans;
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
    std::vector<std::string> passwords;
    for (const PasswordSpan& span : password_spans(conninfo)) passwords.emplace_back(span.inner);
    const std::vector<PasswordSpan> spans = password_spans(text);
    for (auto span = spans.rbegin(); span != spans.rend(); ++span) {
        text.replace(span->begin, span->end - span->begin, "***");
    }
    for (const std::string& password : passwords) {
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
