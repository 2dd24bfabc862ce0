// LdifSource: one watcher thread owns the Replica and does every load, the first one
// included, so start() returns at once even for a big file (status "loading" until then).
// stat() polling rather than inotify: it also sees a file replaced by rename or edited
// on a network filesystem, and costs one syscall every half second.
#include "ldap/ldif_source.h"

#include <Poco/Logger.h>
#include <sys/stat.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "ldap/ldif_parser.h"
#include "ldap/replica.h"

namespace mailpolicy {

namespace {

constexpr auto check_interval = std::chrono::milliseconds(500);

struct FileIdentity {
    bool exists = false;
    dev_t device = 0;
    ino_t inode = 0;
    off_t size = 0;
    timespec modified{};

    bool operator==(const FileIdentity& other) const {
        return exists == other.exists && device == other.device && inode == other.inode &&
               size == other.size && modified.tv_sec == other.modified.tv_sec &&
               modified.tv_nsec == other.modified.tv_nsec;
    }
};

FileIdentity identify(const std::string& path) {
    struct stat info {};
    FileIdentity identity;
    if (::stat(path.c_str(), &info) != 0) return identity;
    identity = {true, info.st_dev, info.st_ino, info.st_size, info.st_mtim};
    return identity;
}

class LdifSource final : public DirectorySource {
  public:
    LdifSource(const DirectoryConfig& config, SnapshotHolder& holder)
        : path_(config.source.substr(5)), replica_(config, holder) {}

    ~LdifSource() override { stop(); }

    void start() override {
        if (watcher_.joinable()) return;
        {
            std::lock_guard lock(mutex_);
            stopping_ = false;
        }
        watcher_ = std::thread([this] {
            load(identify(path_));
            watch();
        });
    }

    void stop() override {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_all();
        if (watcher_.joinable()) watcher_.join();
    }

    SourceStatus status() const override {
        std::lock_guard lock(mutex_);
        return status_;
    }

  private:
    void watch() {
        std::unique_lock lock(mutex_);
        while (!wake_.wait_for(lock, check_interval, [this] { return stopping_; })) {
            lock.unlock();
            FileIdentity now = identify(path_);
            if (!(now == loaded_)) load(now);
            lock.lock();
        }
    }

    // Reads the file; on success replaces the replica and publishes, else keeps it. The
    // file is checked whole before the replica changes, then streamed into it record by
    // record: the directory is never held as Entry values. Should the second pass still
    // fail (the file edited in place meanwhile), the half-applied replica is not
    // published; the edit changed the file's identity, so the next check reloads it.
    void load(const FileIdentity& identity) {
        loaded_ = identity;
        auto& log = Poco::Logger::get("mailpolicyd.ldap");
        try {
            std::size_t count = read_ldif_file(
                path_, [this](std::size_t expected) { replica_.begin_reload(expected); },
                [this](Entry entry) { replica_.reload(std::move(entry)); });
            replica_.finish_reload();
            // The status first: whoever sees the new snapshot must see "ldif" too.
            set_status({"ldif", ""});
            replica_.publish();
            published_ = true;
            log.information("ldif: loaded %z entries from %s", count, path_);
        } catch (const std::exception& error) {
            // What readers have is what was published, whatever a failed pass left behind.
            bool have_data = published_;
            log.error("ldif: %s%s", std::string(error.what()),
                      std::string(have_data ? " (keeping the last good data)" : ""));
            set_status({have_data ? "ldif" : "failed", error.what()});
        }
    }

    void set_status(SourceStatus status) {
        std::lock_guard lock(mutex_);
        status_ = std::move(status);
    }

    const std::string path_;
    Replica replica_;
    FileIdentity loaded_;
    bool published_ = false;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    SourceStatus status_{"loading", ""};
    std::thread watcher_;
};

}  // namespace

std::unique_ptr<DirectorySource> make_ldif_source(const DirectoryConfig& config,
                                                  SnapshotHolder& holder) {
    return std::make_unique<LdifSource>(config, holder);
}

}  // namespace mailpolicy
