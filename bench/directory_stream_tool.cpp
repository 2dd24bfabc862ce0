// directory-stream: peak memory and time of a full directory load, the old way (every
// entry as a std::vector<Entry>, then Replica::replace_all) against the streaming way
// (Replica::load_cache, read_ldif_file and poll_directory into a reload). One load per
// process, so that VmHWM is that load's peak. "old" is what the sources did before they
// streamed, except that an LDIF file is no longer read whole into memory first.
//   directory-stream make-cache LDIF CACHE     writes the LDIF's entries as a cache file
//   directory-stream cache CACHE old|new       a start served from the cache file
//   directory-stream ldif LDIF old|new         an ldif: source's load, then a re-read
//   directory-stream poll URL BIND-DN PASSWORD-FILE old|new
//                                              a poll's load, then a poll finding nothing new
// Not a test: it prints figures.
#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "bench/process_memory.h"
#include "ldap/ldap_connection.h"
#include "ldap/ldap_poll.h"
#include "ldap/ldif_parser.h"
#include "ldap/replica.h"

namespace {

using namespace mailpolicy;
using bench::memory_figures;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point started) {
    return std::chrono::duration<double>(Clock::now() - started).count();
}

void report(const std::string& what, Clock::time_point started, const Replica& replica) {
    std::cout << what << ": " << replica.entry_count() << " entries in " << seconds_since(started)
              << " s  " << memory_figures() << "\n";
}

DirectoryConfig directory_config() {
    DirectoryConfig config;
    config.base_dn = "dc=example,dc=test";
    config.cache_file.clear();
    return config;
}

void load_ldif(Replica& replica, const std::string& path, bool streaming) {
    if (!streaming) {
        replica.replace_all(parse_ldif_file(path));
        return;
    }
    read_ldif_file(
        path, [&](std::size_t count) { replica.begin_reload(count); },
        [&](Entry entry) { replica.reload(std::move(entry)); });
    replica.finish_reload();
}

int ldif(const std::string& path, bool streaming) {
    DirectoryConfig config = directory_config();
    SnapshotHolder holder;
    Replica replica(config, holder);
    auto started = Clock::now();
    load_ldif(replica, path, streaming);
    replica.publish();
    report("ldif load", started, replica);
    auto first = holder.current();  // readers still hold the last snapshot during a re-read
    started = Clock::now();
    load_ldif(replica, path, streaming);
    replica.publish();
    report("ldif re-read", started, replica);
    return 0;
}

int make_cache(const std::string& ldif_path, const std::string& cache_path) {
    DirectoryConfig config = directory_config();
    SnapshotHolder holder;
    Replica replica(config, holder);
    load_ldif(replica, ldif_path, true);
    replica.save_cache(cache_path, "cookie");
    return 0;
}

int cache(const std::string& path, bool streaming) {
    DirectoryConfig config = directory_config();
    SnapshotHolder holder;
    Replica replica(config, holder);
    auto started = Clock::now();
    if (streaming) {
        replica.load_cache(path);
    } else {
        CacheContent content = load_cache(path);
        replica.replace_all(std::move(content.entries));
    }
    replica.publish();
    report("cache start", started, replica);
    return 0;
}

void poll_once(LdapConnection& connection, const DirectoryConfig& config, Replica& replica,
               bool streaming) {
    auto never = [] { return false; };
    if (streaming) {
        poll_directory(connection, config, replica, never);
    } else {
        std::vector<Entry> entries;
        read_directory(connection, config, never,
                       [&](Entry entry) { entries.push_back(std::move(entry)); });
        replica.replace_all(std::move(entries));
    }
    if (replica.has_pending()) replica.publish();
}

int poll(const std::string& url, const std::string& bind_dn, const std::string& password_file,
         bool streaming) {
    DirectoryConfig config = directory_config();
    config.source = url;
    config.bind_dn = bind_dn;
    config.bind_password_file = password_file;
    SnapshotHolder holder;
    Replica replica(config, holder);
    LdapConnection connection(config);
    auto started = Clock::now();
    poll_once(connection, config, replica, streaming);
    report("poll load", started, replica);
    auto first = holder.current();
    started = Clock::now();
    poll_once(connection, config, replica, streaming);
    report(std::string("poll again (") + (holder.current() == first ? "not " : "") + "republished)",
           started, replica);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> arguments(argv + 1, argv + argc);
    auto mode_is_new = [&] { return arguments.back() == "new"; };
    if (arguments.size() == 3 && arguments[0] == "make-cache") {
        return make_cache(arguments[1], arguments[2]);
    }
    if (arguments.size() == 3 && arguments[0] == "cache") return cache(arguments[1], mode_is_new());
    if (arguments.size() == 3 && arguments[0] == "ldif") return ldif(arguments[1], mode_is_new());
    if (arguments.size() == 5 && arguments[0] == "poll") {
        return poll(arguments[1], arguments[2], arguments[3], mode_is_new());
    }
    std::cerr << "usage: directory-stream make-cache LDIF CACHE\n"
                 "       directory-stream cache CACHE old|new\n"
                 "       directory-stream ldif LDIF old|new\n"
                 "       directory-stream poll URL BIND-DN PASSWORD-FILE old|new\n";
    return 64;
}
