// make_audit_store as an admin meets it: the three accepted forms, a clear refusal of
// anything else, and no PostgreSQL password in any error or log line, whatever the
// conninfo form (keyword=value or URI).
#include <Poco/AutoPtr.h>
#include <Poco/Channel.h>
#include <Poco/Logger.h>
#include <Poco/Message.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "module/audit_log.h"
#include "module/audit_postgres.h"
#include "module/audit_store.h"
#include "tests/module/audit_test_support.h"
#include "tests/support/free_port.h"

namespace mailpolicy {
namespace {

using namespace std::chrono_literals;

AuditRecord record(std::string sender, std::string recipient) {
    AuditRecord r;
    r.time = std::chrono::system_clock::now();
    r.path = "smtp";
    r.direction = "send";
    r.action = "reject";
    r.sender = std::move(sender);
    r.recipient = std::move(recipient);
    r.reply_code = 550;
    return r;
}

class AuditStoreTest : public AuditScratchTest {};

TEST_F(AuditStoreTest, TheThreeFormsAreAccepted) {
    EXPECT_EQ(make_audit_store("none"), nullptr);
    EXPECT_NE(make_audit_store("sqlite:" + directory_ + "/audit.db"), nullptr);
    EXPECT_TRUE(std::filesystem::exists(directory_ + "/audit.db"));
    // PostgreSQL connects on first use: a database that is down does not stop the daemon.
    const auto started = std::chrono::steady_clock::now();
    EXPECT_NE(make_audit_store("postgresql:host=127.0.0.1 port=" +
                               std::to_string(test::free_loopback_port()) + " dbname=x"),
              nullptr);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
}

TEST_F(AuditStoreTest, BadStoreSpecIsRefusedWithTheValueAndTheForms) {
    for (const std::string spec : {"mysql:host=db", "sqlite:", "", "postgres:host=db"}) {
        try {
            make_audit_store(spec);
            ADD_FAILURE() << "accepted " << spec;
        } catch (const std::invalid_argument& error) {
            const std::string message = error.what();
            EXPECT_NE(message.find("\"" + spec + "\""), std::string::npos) << message;
            EXPECT_NE(message.find("sqlite:/path"), std::string::npos) << message;
            EXPECT_NE(message.find("postgresql:"), std::string::npos) << message;
            EXPECT_NE(message.find("none"), std::string::npos) << message;
        }
    }
}

TEST_F(AuditStoreTest, RedactionCoversEveryPasswordForm) {
    EXPECT_EQ(redact_conninfo("host=db password=abc user=x", "host=db password=abc user=x"),
              "host=db password=*** user=x");
    EXPECT_EQ(redact_conninfo("host=db PASSWORD = 'a b\\' c' user=x", "PASSWORD = 'a b\\' c'"),
              "host=db PASSWORD = *** user=x");
    EXPECT_EQ(redact_conninfo("postgresql://me:pw9@db:5432/audit", "postgresql://me:pw9@db/a"),
              "postgresql://me:***@db:5432/audit");
    // The bare value, wherever a server message might repeat it.
    EXPECT_EQ(redact_conninfo("user \"pw9\" failed", "password=pw9"), "user \"***\" failed");
    EXPECT_EQ(redact_conninfo("host=db user=x", "host=db user=x"), "host=db user=x");
}

TEST_F(AuditStoreTest, PostgresPasswordNeverAppearsInErrorsOrLogs) {
    const std::string port = std::to_string(test::free_loopback_port());
    const std::string keyword = "host=127.0.0.1 port=" + port +
                                " user=audit password='s3cret pw' dbname=audit connect_timeout=2";
    const std::string uri = "postgresql://audit:uri-s3cret@127.0.0.1:" + port + "/audit";
    for (const std::string& conninfo : {keyword, uri}) {
        auto store = make_audit_store("postgresql:" + conninfo);
        ASSERT_NE(store, nullptr);
        try {
            store->write({record("a@x.test", "b@y.test")});
            ADD_FAILURE() << "wrote to a closed port";
        } catch (const std::runtime_error& error) {
            EXPECT_EQ(std::string(error.what()).find("s3cret"), std::string::npos) << error.what();
            EXPECT_NE(std::string(error.what()).find("127.0.0.1"), std::string::npos)
                << error.what();
        }
        // The writer logs the failure before it spools the record.
        const std::string own_spool = spool() + (conninfo == uri ? ".uri" : ".keyword");
        AuditLog log(std::move(store), own_spool, std::chrono::days(90));
        log.start();
        log.record(record("a@x.test", "b@y.test"));
        ASSERT_TRUE(eventually([&] { return lines_in(own_spool) == 1; }));
    }
    try {
        make_audit_store("postgres:password=s3cret");
        ADD_FAILURE() << "accepted a misspelt store";
    } catch (const std::invalid_argument& error) {
        EXPECT_EQ(std::string(error.what()).find("s3cret"), std::string::npos) << error.what();
    }
    const std::string logged = capture_->all_text();
    EXPECT_NE(logged.find("password=***"), std::string::npos) << logged;
    EXPECT_NE(logged.find("postgresql://audit:***@127.0.0.1"), std::string::npos) << logged;
    EXPECT_EQ(logged.find("s3cret"), std::string::npos) << logged;
}

}  // namespace
}  // namespace mailpolicy
