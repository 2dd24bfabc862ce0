// SQLite backend of AuditStore: one session, serialized by a mutex, in WAL mode with a
// busy timeout so the daemon's writer and other readers (the CLI, backups) can share
// the file. Errors surface as std::runtime_error naming the database file.
#include "module/audit_sqlite.h"

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>
#include <Poco/Exception.h>

#include <mutex>
#include <stdexcept>

#include "module/audit_sql.h"

namespace mailpolicy {
namespace {

using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;

constexpr std::size_t open_timeout_seconds = 2;
constexpr AuditSqlDialect sqlite_dialect{false, "id INTEGER PRIMARY KEY AUTOINCREMENT"};

class SqliteAuditStore final : public AuditStore {
  public:
    explicit SqliteAuditStore(std::string path) : path_(std::move(path)) {
        static std::once_flag registered;
        std::call_once(registered, [] { Poco::Data::SQLite::Connector::registerConnector(); });
        guarded("open", [this] {
            // Poco retries a failing open for a whole minute unless given a timeout.
            session_ = std::make_unique<Poco::Data::Session>("SQLite", path_, open_timeout_seconds);
            std::string journal_mode;
            int busy_timeout = 0;
            *session_ << "PRAGMA journal_mode = WAL", into(journal_mode), now;
            *session_ << "PRAGMA busy_timeout = 5000", into(busy_timeout), now;
            create_audit_schema(*session_, sqlite_dialect);
        });
    }

    void write(const std::vector<AuditRecord>& records) override {
        std::lock_guard lock(mutex_);
        guarded("write to", [&] { insert_audit_records(*session_, sqlite_dialect, records); });
    }

    std::vector<AuditRecord> query(const AuditQuery& query) override {
        std::lock_guard lock(mutex_);
        std::vector<AuditRecord> records;
        guarded("query", [&] { records = select_audit_records(*session_, sqlite_dialect, query); });
        return records;
    }

    std::size_t purge_before(std::chrono::system_clock::time_point cutoff) override {
        std::lock_guard lock(mutex_);
        std::size_t purged = 0;
        guarded("purge",
                [&] { purged = delete_audit_records_before(*session_, sqlite_dialect, cutoff); });
        return purged;
    }

  private:
    // Runs `work`, turning Poco's exceptions into one that names the database.
    template <typename Work>
    void guarded(const char* what, Work&& work) {
        try {
            work();
        } catch (const Poco::Exception& error) {
            throw std::runtime_error("audit store: cannot " + std::string(what) +
                                     " SQLite database " + path_ + ": " + error.displayText());
        }
    }

    std::string path_;
    std::mutex mutex_;
    std::unique_ptr<Poco::Data::Session> session_;
};

}  // namespace

std::unique_ptr<AuditStore> make_sqlite_audit_store(const std::string& path) {
    return std::make_unique<SqliteAuditStore>(path);
}

}  // namespace mailpolicy
