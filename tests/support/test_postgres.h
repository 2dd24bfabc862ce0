// A throwaway PostgreSQL server for tests: Debian's binaries, a mktemp directory, a free
// loopback port, trust authentication, fsync off. Started as the `postgres` system user
// when we are root (PostgreSQL refuses root). Every step has a timeout, so a broken
// server fails a test instead of hanging it. Not for production.
#pragma once

#include <string>

namespace mailpolicy::test {

class TestPostgres {
  public:
    // initdb and start; throws std::runtime_error (with the server's log) on failure.
    TestPostgres();
    // Stops the server and removes its directory.
    ~TestPostgres();
    TestPostgres(const TestPostgres&) = delete;
    TestPostgres& operator=(const TestPostgres&) = delete;

    // "host=127.0.0.1 port=N user=postgres dbname=postgres"
    std::string conninfo() const;
    int port() const { return port_; }
    const std::string& directory() const { return directory_; }

    // pg_ctl stop -m fast; the data stays. start() runs it again on the same port.
    void stop();
    void start();
    bool running() const { return running_; }

    // Runs one SQL command with psql; returns its unaligned, tuples-only output.
    std::string psql(const std::string& sql) const;

  private:
    std::string binary(const std::string& name) const;
    void append_config(const std::string& lines) const;
    void start_on_a_free_port();

    std::string directory_;
    std::string bin_directory_;
    int port_ = 0;
    bool running_ = false;
};

}  // namespace mailpolicy::test
