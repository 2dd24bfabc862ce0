// One RFC 4533 refreshAndPersist session over libldap's ldap_sync_* API, applying what
// the server sends to a Replica: adds and modifies as upserts, deletes by entryUUID
// (single or ID sets), the present phase as retain_only, and a refresh without a cookie
// (first load, or a full reload the server required) as the whole content. It never
// publishes: the caller decides when a batch of changes becomes a snapshot.
#pragma once

#include <ldap.h>

#include <cstddef>
#include <string>
#include <unordered_set>

#include "ldap/directory_source.h"
#include "ldap/ldap_connection.h"
#include "ldap/replica.h"

namespace mailpolicy {

class SyncSession {
  public:
    // Takes over the connection's handle (ldap_sync_destroy unbinds it). `cookie` is
    // where to resume from; "" for a full refresh.
    SyncSession(LdapConnection& connection, const DirectoryConfig& config, Replica& replica,
                const std::string& cookie);
    ~SyncSession();
    SyncSession(const SyncSession&) = delete;
    SyncSession& operator=(const SyncSession&) = delete;

    // Runs the refresh phase to its end (blocking). Throws LdapError; unavailable critical
    // extension (12) means the server has no syncprov.
    void refresh();
    // Handles every message already readable, without waiting; returns how many changes
    // and sync messages it handled. Throws LdapError when the connection is lost.
    std::size_t process_ready();

    int descriptor() const;
    // The cookie of the content applied so far (only complete refreshes and persist
    // messages move it, so resuming from it never skips a delete).
    const std::string& cookie() const { return cookie_; }

  private:
    static int on_entry(ldap_sync_t* ls, LDAPMessage* message, berval* uuid,
                        ldap_sync_refresh_t phase);
    static int on_intermediate(ldap_sync_t* ls, LDAPMessage* message, BerVarray uuids,
                               ldap_sync_refresh_t phase);
    static int on_result(ldap_sync_t* ls, LDAPMessage* message, int refresh_deletes);

    void apply_entry(LDAPMessage* message, const berval& uuid, ldap_sync_refresh_t phase);
    void apply_uuid_set(BerVarray uuids, ldap_sync_refresh_t phase);
    void end_of_phase(LDAPMessage* message, ldap_sync_refresh_t phase);
    void start_search();
    void set_library_cookie(const std::string& cookie);
    bool data_waiting() const;
    [[noreturn]] void fail(int code, const std::string& what);

    const DirectoryConfig& config_;
    Replica& replica_;
    ldap_sync_t sync_{};
    std::string cookie_;
    bool in_refresh_ = false;
    bool search_ended_ = false;
    // Present-phase bookkeeping: the UUIDs the server said exist. Only kept when the
    // replica already had content (a first load has nothing to delete).
    bool tracking_presence_ = false;
    // The refresh runs without a cookie: the server sends the whole content.
    bool full_reload_ = false;
    std::unordered_set<std::string> present_;
    std::size_t handled_ = 0;
};

}  // namespace mailpolicy
