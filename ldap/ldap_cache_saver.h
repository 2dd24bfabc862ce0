// Writes the cache file on its own thread, so that a large directory's save never holds
// up applying and publishing changes. Keeps at most one save waiting; a newer content
// replaces an older one that has not been written yet.
#pragma once

#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "ldap/replica.h"

namespace mailpolicy {

class CacheSaver {
  public:
    explicit CacheSaver(std::string path);
    // Writes what is still waiting, then stops.
    ~CacheSaver();
    CacheSaver(const CacheSaver&) = delete;
    CacheSaver& operator=(const CacheSaver&) = delete;

    // True while a save is waiting or being written: the caller can skip copying the
    // replica again until it is done.
    bool busy() const;
    void save(CacheContent content);

  private:
    void run();

    std::string path_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::optional<CacheContent> waiting_;
    bool writing_ = false;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace mailpolicy
