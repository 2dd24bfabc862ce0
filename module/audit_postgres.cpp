// PostgreSQL backend of AuditStore: one session, serialized by a mutex, opened on first
// use and dropped after any error so the next call reconnects (libpq keeps no state
// worth saving across a broken connection). Every error message is redacted.
#include "module/audit_postgres.h"

#include <Poco/Data/PostgreSQL/Connector.h>
#include <Poco/Data/Session.h>
#include <Poco/Exception.h>
#include <Poco/Logger.h>

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

// libpq waits forever for an unreachable host unless told otherwise.
std::string with_connect_timeout(const std::string& conninfo) {
    const bool is_uri = conninfo.rfind("postgres", 0) == 0;
    if (is_uri || conninfo.find("connect_timeout") != std::string::npos) return conninfo;
    return conninfo + " connect_timeout=10";
}

class PostgresAuditStore final : public AuditStore {
  public:
    explicit PostgresAuditStore(std::string conninfo) : conninfo_(std::move(conninfo)) {
        static std::once_flag registered;
        std::call_once(registered, [] { Poco::Data::PostgreSQL::Connector::registerConnector(); });
        try {
            std::lock_guard lock(mutex_);
            guarded("connect to", [this] { connected(); });
        } catch (const std::runtime_error& error) {
            Poco::Logger::get("mailpolicyd.audit").warning(error.what());
        }
    }

    void write(const std::vector<AuditRecord>& records) override {
        std::lock_guard lock(mutex_);
        guarded("write to", [&] { insert_audit_records(connected(), postgres_dialect, records); });
    }

    std::vector<AuditRecord> query(const AuditQuery& query) override {
        std::lock_guard lock(mutex_);
        std::vector<AuditRecord> records;
        guarded("query",
                [&] { records = select_audit_records(connected(), postgres_dialect, query); });
        return records;
    }

    std::size_t purge_before(std::chrono::system_clock::time_point cutoff) override {
        std::lock_guard lock(mutex_);
        std::size_t purged = 0;
        guarded("purge", [&] {
            purged = delete_audit_records_before(connected(), postgres_dialect, cutoff);
        });
        return purged;
    }

  private:
    // The open session, connecting (and creating the table) first when there is none.
    Poco::Data::Session& connected() {
        if (!session_) {
            auto session = std::make_unique<Poco::Data::Session>("PostgreSQL",
                                                                 with_connect_timeout(conninfo_));
            create_audit_schema(*session, postgres_dialect);
            session_ = std::move(session);
        }
        return *session_;
    }

    // Runs `work`; on failure drops the session and throws a redacted runtime_error.
    template <typename Work>
    void guarded(const char* what, Work&& work) {
        try {
            work();
        } catch (const Poco::Exception& error) {
            fail(what, error.displayText());
        } catch (const std::exception& error) {
            fail(what, error.what());
        }
    }

    [[noreturn]] void fail(const char* what, const std::string& detail) {
        session_.reset();
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
