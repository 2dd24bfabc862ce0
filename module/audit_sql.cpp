// SQL for the `violations` table, shared by audit_sqlite.cpp and audit_postgres.cpp.
// Times are integer milliseconds since the epoch (UTC); sender and recipient are
// matched case-insensitively through lower() indexes. No connection handling here.
#include "module/audit_sql.h"

#include <Poco/Data/Statement.h>

#include <algorithm>
#include <cctype>
#include <string>

#include "module/audit_format.h"

namespace mailpolicy {
namespace {

using Poco::Data::Statement;
using Poco::Data::Keywords::bind;
using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;

constexpr const char* columns =
    "time, path, direction, action, sender, recipient, login, client_address, account, "
    "rule, reply_code, reply_status, reply_text, instance";

// Hands out the next parameter marker in the dialect's spelling.
class Placeholders {
  public:
    explicit Placeholders(const AuditSqlDialect& dialect) : dollar_(dialect.dollar_placeholders) {}
    std::string next() {
        if (!dollar_) return "?";
        // Appended, not "$" + std::string: GCC 12 at -O3 warns -Wrestrict on the latter.
        std::string marker = "$";
        marker += std::to_string(++count_);
        return marker;
    }

  private:
    bool dollar_;
    int count_ = 0;
};

std::string lowercase(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

// Rows per INSERT: one round trip for many records, and 14 * 50 parameters stay under
// SQLite's oldest limit of 999.
constexpr std::size_t rows_per_insert = 50;

std::string insert_sql(const AuditSqlDialect& dialect, std::size_t rows) {
    Placeholders marker(dialect);
    std::string sql = std::string("INSERT INTO violations (") + columns + ") VALUES ";
    for (std::size_t row = 0; row < rows; ++row) {
        sql += row == 0 ? "(" : ", (";
        for (int i = 0; i < 14; ++i) sql += (i == 0 ? "" : ", ") + marker.next();
        sql += ")";
    }
    return sql;
}

void bind_record(Statement& statement, const AuditRecord& dirty) {
    // One byte that is not UTF-8 would make PostgreSQL refuse this batch forever.
    const AuditRecord r = with_clean_text(dirty);
    statement, bind(Poco::Int64{to_unix_milliseconds(r.time)}), bind(r.path), bind(r.direction),
        bind(r.action), bind(r.sender), bind(r.recipient), bind(r.login), bind(r.client_address),
        bind(r.account), bind(r.rule), bind(r.reply_code), bind(r.reply_status), bind(r.reply_text),
        bind(r.instance);
}

void insert_rows(Poco::Data::Session& session, const AuditSqlDialect& dialect,
                 const AuditRecord* first, std::size_t rows) {
    Statement statement(session);
    statement << insert_sql(dialect, rows);
    for (std::size_t row = 0; row < rows; ++row) bind_record(statement, first[row]);
    statement.execute();
}

// Column vectors of one query result, turned into records row by row.
struct ResultColumns {
    std::vector<Poco::Int64> time;
    std::vector<std::string> path, direction, action, sender, recipient, login, client_address,
        account, rule, reply_status, reply_text, instance;
    std::vector<int> reply_code;

    std::vector<AuditRecord> records() const {
        std::vector<AuditRecord> out(time.size());
        for (std::size_t i = 0; i < out.size(); ++i) {
            out[i] = AuditRecord{from_unix_milliseconds(time[i]),
                                 path[i],
                                 direction[i],
                                 action[i],
                                 sender[i],
                                 recipient[i],
                                 login[i],
                                 client_address[i],
                                 account[i],
                                 rule[i],
                                 reply_code[i],
                                 reply_status[i],
                                 reply_text[i],
                                 instance[i]};
        }
        return out;
    }
};

}  // namespace

void create_audit_schema(Poco::Data::Session& session, const AuditSqlDialect& dialect) {
    session << std::string("CREATE TABLE IF NOT EXISTS violations (") + dialect.id_column +
                   ", time BIGINT NOT NULL, path TEXT NOT NULL, direction TEXT NOT NULL, "
                   "action TEXT NOT NULL, sender TEXT NOT NULL, recipient TEXT NOT NULL, "
                   "login TEXT NOT NULL, client_address TEXT NOT NULL, account TEXT NOT NULL, "
                   "rule TEXT NOT NULL, reply_code INTEGER NOT NULL, "
                   "reply_status TEXT NOT NULL, reply_text TEXT NOT NULL, "
                   "instance TEXT NOT NULL)",
        now;
    session << "CREATE INDEX IF NOT EXISTS violations_time ON violations (time)", now;
    session << "CREATE INDEX IF NOT EXISTS violations_sender ON violations (lower(sender))", now;
    session << "CREATE INDEX IF NOT EXISTS violations_recipient "
               "ON violations (lower(recipient))",
        now;
}

void insert_audit_records(Poco::Data::Session& session, const AuditSqlDialect& dialect,
                          const std::vector<AuditRecord>& records) {
    if (records.empty()) return;
    session.begin();
    try {
        for (std::size_t done = 0; done < records.size(); done += rows_per_insert) {
            insert_rows(session, dialect, records.data() + done,
                        std::min(rows_per_insert, records.size() - done));
        }
        session.commit();
    } catch (...) {
        try {
            if (session.isTransaction()) session.rollback();
        } catch (...) {
            // The connection is gone; the transaction died with it.
        }
        throw;
    }
}

std::vector<AuditRecord> select_audit_records(Poco::Data::Session& session,
                                              const AuditSqlDialect& dialect,
                                              const AuditQuery& query) {
    const std::size_t limit = std::min(query.limit, max_audit_query_limit);
    if (limit == 0) return {};
    Placeholders marker(dialect);
    ResultColumns c;
    Statement statement(session);
    std::string sql = std::string("SELECT ") + columns + " FROM violations WHERE 1 = 1";
    if (query.sender) {
        sql += " AND lower(sender) = " + marker.next();
        statement, bind(lowercase(*query.sender));
    }
    if (query.recipient) {
        sql += " AND lower(recipient) = " + marker.next();
        statement, bind(lowercase(*query.recipient));
    }
    if (query.since) {
        sql += " AND time >= " + marker.next();
        statement, bind(Poco::Int64{to_unix_milliseconds(*query.since)});
    }
    if (query.until) {
        sql += " AND time < " + marker.next();
        statement, bind(Poco::Int64{to_unix_milliseconds(*query.until)});
    }
    sql += " ORDER BY time DESC, id DESC LIMIT " + std::to_string(limit);
    statement << sql, into(c.time), into(c.path), into(c.direction), into(c.action), into(c.sender),
        into(c.recipient), into(c.login), into(c.client_address), into(c.account), into(c.rule),
        into(c.reply_code), into(c.reply_status), into(c.reply_text), into(c.instance);
    statement.execute();
    return c.records();
}

std::size_t delete_audit_records_before(Poco::Data::Session& session,
                                        const AuditSqlDialect& dialect,
                                        std::chrono::system_clock::time_point cutoff) {
    Placeholders marker(dialect);
    Statement statement(session);
    statement << "DELETE FROM violations WHERE time < " + marker.next(),
        bind(Poco::Int64{to_unix_milliseconds(cutoff)});
    return statement.execute();
}

}  // namespace mailpolicy
