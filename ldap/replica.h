// The in-memory replica a source feeds: raw entries keyed by DN (and entryUUID), mapped
// to accounts, classes and domains per SPEC §3, and published as immutable snapshots.
// One change costs far less than O(accounts): only what it touched is rebuilt.
// Not thread-safe: one source thread owns it; readers see only published snapshots.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "ldap/directory_source.h"
#include "ldap/entry.h"

namespace mailpolicy {

class Replica {
  public:
    Replica(const DirectoryConfig& config, SnapshotHolder& holder);
    ~Replica();

    // Adds or replaces the entry with this DN (or with this entryUUID, if the DN changed).
    void upsert(Entry entry);
    void remove_dn(std::string_view dn);
    void remove_uuid(std::string_view uuid);
    // Removes every entry whose entryUUID is not in `present` (RFC 4533 present phase).
    void retain_only(const std::unordered_set<std::string>& present);
    // Replaces the whole content (initial load, LDIF re-read, full refresh). Entries that
    // come back unchanged are kept as they are, so a re-read costs what changed.
    void replace_all(std::vector<Entry> entries);
    // replace_all one entry at a time, so that a source never holds the whole directory
    // as Entry values: begin_reload(), reload(entry) for each entry of the new content,
    // then finish_reload() removes every entry not seen since begin_reload(). Entries
    // that come back unchanged stay as they are (no change pending for them). A reload
    // left unfinished leaves a mix of old and new entries, unpublished: the caller keeps
    // serving the last snapshot and starts a new reload later.
    void begin_reload(std::size_t expected_count = 0);
    void reload(Entry entry);
    void finish_reload();

    // True when changes were applied since the last publish().
    bool has_pending() const;
    // Builds a snapshot from the current content and hands it to the holder.
    void publish();

    std::size_t entry_count() const;
    // Every raw entry, for the cache file. Only the attributes the mapping reads are
    // kept (objectClass, mail, alias and login attributes, mailPolicy*, filter attributes).
    std::vector<Entry> entries() const;
    // Writes the cache file straight from the replica's stored entries, without
    // building entries() first (a million entries would double memory).
    void save_cache(const std::string& path, std::string_view cookie) const;
    // Replaces the whole content with the cache file's, one entry at a time (never all
    // of them as Entry values at once), and returns its cookie. Throws as load_cache
    // does; the file is checked before anything changes, and should a record still
    // prove malformed the replica is left empty.
    std::string load_cache(const std::string& path);

  private:
    struct State;
    std::unique_ptr<State> state_;
};

// The cache file (SPEC §4): the raw entries and the sync cookie, written atomically
// (temp file, fsync, rename). load_cache throws std::runtime_error naming the file
// and the problem when it is missing, truncated or corrupt.
struct CacheContent {
    std::vector<Entry> entries;
    std::string cookie;
};
void save_cache(const std::string& path, const CacheContent& content);
CacheContent load_cache(const std::string& path);
// load_cache one entry at a time: `expect` gets the entry count once the file has
// proved whole, then `each` every entry in turn; returns the cookie.
std::string read_cache_entries(const std::string& path,
                               const std::function<void(std::size_t count)>& expect,
                               const std::function<void(Entry entry)>& each);

}  // namespace mailpolicy
