// RFC 4533 consumer glue. libldap's ldap_sync_poll() returns 0 both for "nothing yet"
// and "handled a message", and takes whole seconds as its timeout; so the session polls
// with a zero timeout, counts callbacks to see progress, and leaves waiting to the
// caller's poll() on the socket. A refreshPresent end applies the present phase; the end
// of a refresh without a cookie drops whatever it did not send, however it ends
// (syncprov ends a full reload with refreshDelete and names no deletes).
#include "ldap/syncrepl.h"

#include <poll.h>

#include <Poco/Logger.h>

#include "ldap/ldap_entry_reader.h"
#include "ldap/ldap_query.h"

namespace mailpolicy {
namespace {

// Upper bound of messages handled per process_ready() call, so the caller gets to
// publish during a long burst.
constexpr int max_messages_per_call = 2000;

Poco::Logger& logger() {
    return Poco::Logger::get("mailpolicyd.ldap");
}

SyncSession& session_of(ldap_sync_t* ls) {
    return *static_cast<SyncSession*>(ls->ls_private);
}

// Which syncInfo message ended a refresh phase: refreshPresent or refreshDelete.
ber_tag_t sync_info_tag(LDAP* ld, LDAPMessage* message) {
    char* oid = nullptr;
    berval* data = nullptr;
    ber_tag_t tag = LBER_DEFAULT;
    if (ldap_parse_intermediate(ld, message, &oid, &data, nullptr, 0) == LDAP_SUCCESS &&
        data != nullptr) {
        if (BerElement* ber = ber_init(data)) {
            ber_len_t length = 0;
            tag = ber_peek_tag(ber, &length);
            ber_free(ber, 1);
        }
    }
    if (oid != nullptr) ldap_memfree(oid);
    if (data != nullptr) ber_bvfree(data);
    return tag;
}

}  // namespace

SyncSession::SyncSession(LdapConnection& connection, const DirectoryConfig& config,
                         Replica& replica, const std::string& cookie)
    : config_(config), replica_(replica), cookie_(cookie) {
    ldap_sync_initialize(&sync_);
    // ldap_sync_destroy frees these with ldap_memfree: they must come from libldap.
    sync_.ls_base = ldap_strdup(config.base_dn.c_str());
    sync_.ls_scope = LDAP_SCOPE_SUBTREE;
    sync_.ls_filter = ldap_strdup(directory_filter(config).c_str());
    auto attributes = directory_attributes();
    sync_.ls_attrs = static_cast<char**>(ldap_memcalloc(attributes.size() + 1, sizeof(char*)));
    for (std::size_t i = 0; i < attributes.size(); ++i) {
        sync_.ls_attrs[i] = ldap_strdup(attributes[i].c_str());
    }
    sync_.ls_timeout = 0;  // ldap_sync_poll never blocks; the caller waits on the socket
    sync_.ls_search_entry = &SyncSession::on_entry;
    sync_.ls_intermediate = &SyncSession::on_intermediate;
    sync_.ls_search_result = &SyncSession::on_result;
    sync_.ls_private = this;
    sync_.ls_ld = connection.release();
    set_library_cookie(cookie_);
}

SyncSession::~SyncSession() {
    ldap_sync_destroy(&sync_, 0);
}

int SyncSession::descriptor() const {
    int fd = -1;
    if (sync_.ls_ld == nullptr || ldap_get_option(sync_.ls_ld, LDAP_OPT_DESC, &fd) != 0) return -1;
    return fd;
}

void SyncSession::set_library_cookie(const std::string& cookie) {
    if (sync_.ls_cookie.bv_val != nullptr) ldap_memfree(sync_.ls_cookie.bv_val);
    sync_.ls_cookie = berval{0, nullptr};
    if (!cookie.empty()) ber_str2bv(cookie.c_str(), cookie.size(), 1, &sync_.ls_cookie);
}

void SyncSession::refresh() {
    for (int attempt = 0;; ++attempt) {
        tracking_presence_ = replica_.entry_count() > 0;
        full_reload_ = cookie_.empty();
        present_.clear();
        in_refresh_ = true;
        search_ended_ = false;
        int rc = ldap_sync_init(&sync_, LDAP_SYNC_REFRESH_AND_PERSIST);
        if (rc == LDAP_SUCCESS && !in_refresh_) return;
        if (rc == LDAP_SYNC_REFRESH_REQUIRED && attempt < 2) {
            logger().information("the server cannot resume from our sync cookie; reloading " +
                                 config_.base_dn + " in full");
            cookie_.clear();
            set_library_cookie(cookie_);
            continue;
        }
        if (rc == LDAP_SUCCESS) rc = LDAP_OTHER;  // the search ended before refreshDone
        fail(rc, "syncrepl refresh");
    }
}

bool SyncSession::data_waiting() const {
    Sockbuf* buffer = nullptr;
    if (ldap_get_option(sync_.ls_ld, LDAP_OPT_SOCKBUF, &buffer) == 0 && buffer != nullptr &&
        ber_sockbuf_ctrl(buffer, LBER_SB_OPT_DATA_READY, nullptr) > 0) {
        return true;
    }
    pollfd socket{descriptor(), POLLIN, 0};
    return socket.fd >= 0 && ::poll(&socket, 1, 0) > 0;
}

std::size_t SyncSession::process_ready() {
    std::size_t before = handled_;
    int idle_calls = 0;
    for (int round = 0; round < max_messages_per_call; ++round) {
        std::size_t seen = handled_;
        int rc = ldap_sync_poll(&sync_);
        if (rc == LDAP_SYNC_REFRESH_REQUIRED) {
            logger().information("the server asks for a full refresh of " + config_.base_dn);
            cookie_.clear();
            set_library_cookie(cookie_);
            refresh();
            continue;
        }
        if (rc != LDAP_SUCCESS) fail(rc, "syncrepl");
        if (search_ended_) {
            logger().information("the server ended the sync search; searching again");
            set_library_cookie(cookie_);
            refresh();
            continue;
        }
        if (handled_ != seen) {
            idle_calls = 0;
            continue;
        }
        // With a zero timeout, ldap_result() may read a whole message and still report a
        // timeout; the message is handed out by the next call. Two idle calls in a row
        // with nothing left to read mean there is nothing more for now.
        if (++idle_calls >= 2 && !data_waiting()) break;
    }
    if (!in_refresh_ && sync_.ls_cookie.bv_val != nullptr) {
        cookie_.assign(sync_.ls_cookie.bv_val, sync_.ls_cookie.bv_len);
    }
    return handled_ - before;
}

void SyncSession::fail(int code, const std::string& what) {
    std::string description = describe_ldap_result(sync_.ls_ld, code);
    if (code == LDAP_SERVER_DOWN || code == LDAP_CONNECT_ERROR || code == LDAP_TIMEOUT) {
        throw LdapError(code, "lost the connection to " + config_.source + ": " + description);
    }
    if (code == LDAP_UNAVAILABLE_CRITICAL_EXTENSION) {
        throw LdapError(
            code, config_.source + " does not offer RFC 4533 sync (no syncprov): " + description);
    }
    throw LdapError(code, explain_search_failure(config_, what, code, description));
}

int SyncSession::on_entry(ldap_sync_t* ls, LDAPMessage* message, berval* uuid,
                          ldap_sync_refresh_t phase) {
    SyncSession& session = session_of(ls);
    session.apply_entry(message, *uuid, phase);
    ++session.handled_;
    return LDAP_SUCCESS;
}

int SyncSession::on_intermediate(ldap_sync_t* ls, LDAPMessage* message, BerVarray uuids,
                                 ldap_sync_refresh_t phase) {
    SyncSession& session = session_of(ls);
    if (uuids != nullptr) {
        session.apply_uuid_set(uuids, phase);
    } else {
        session.end_of_phase(message, phase);
    }
    ++session.handled_;
    return LDAP_SUCCESS;
}

int SyncSession::on_result(ldap_sync_t* ls, LDAPMessage*, int) {
    SyncSession& session = session_of(ls);
    session.search_ended_ = true;
    ++session.handled_;
    return LDAP_SUCCESS;
}

void SyncSession::apply_entry(LDAPMessage* message, const berval& uuid, ldap_sync_refresh_t phase) {
    std::string id = uuid_text(uuid);
    switch (phase) {
        case LDAP_SYNC_CAPI_ADD:
        case LDAP_SYNC_CAPI_MODIFY: {
            Entry entry = entry_from_message(sync_.ls_ld, message);
            if (!id.empty()) entry.uuid = id;
            if (tracking_presence_) present_.insert(entry.uuid);
            replica_.upsert(std::move(entry));
            break;
        }
        case LDAP_SYNC_CAPI_DELETE:
            if (!id.empty()) {
                replica_.remove_uuid(id);
                present_.erase(id);
            } else if (char* dn = ldap_get_dn(sync_.ls_ld, message)) {
                replica_.remove_dn(dn);
                ldap_memfree(dn);
            }
            break;
        case LDAP_SYNC_CAPI_PRESENT:
            if (tracking_presence_) present_.insert(id);
            break;
        default:
            break;
    }
}

void SyncSession::apply_uuid_set(BerVarray uuids, ldap_sync_refresh_t phase) {
    for (berval* uuid = uuids; uuid->bv_val != nullptr; ++uuid) {
        std::string id = uuid_text(*uuid);
        if (phase == LDAP_SYNC_CAPI_DELETES_IDSET) {
            replica_.remove_uuid(id);
            present_.erase(id);
        } else if (tracking_presence_) {
            present_.insert(id);
        }
    }
}

void SyncSession::end_of_phase(LDAPMessage* message, ldap_sync_refresh_t phase) {
    bool present_phase_ended =
        phase == LDAP_SYNC_CAPI_PRESENTS ||
        (phase == LDAP_SYNC_CAPI_DONE &&
         sync_info_tag(sync_.ls_ld, message) == LDAP_TAG_SYNC_REFRESH_PRESENT);
    // RFC 4533: whatever the server did not name in the present phase is gone; and a
    // refresh without a cookie (what e-syncRefreshRequired asks for) sent everything.
    bool whole_content_sent = full_reload_ && phase == LDAP_SYNC_CAPI_DONE;
    if (tracking_presence_ && (present_phase_ended || whole_content_sent)) {
        replica_.retain_only(present_);
        present_.clear();
        tracking_presence_ = false;
    }
    if (phase == LDAP_SYNC_CAPI_DONE) {
        in_refresh_ = false;
        tracking_presence_ = false;
        present_ = {};
        if (sync_.ls_cookie.bv_val != nullptr) {
            cookie_.assign(sync_.ls_cookie.bv_val, sync_.ls_cookie.bv_len);
        }
    }
}

}  // namespace mailpolicy
