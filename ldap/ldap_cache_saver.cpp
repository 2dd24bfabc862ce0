// The cache writer thread. A failed save is logged and forgotten: the next change
// brings another save, and serving never depends on the cache file.
#include "ldap/ldap_cache_saver.h"

#include <chrono>
#include <exception>

#include <Poco/Logger.h>

namespace mailpolicy {

CacheSaver::CacheSaver(std::string path) : path_(std::move(path)), thread_([this] { run(); }) {}

CacheSaver::~CacheSaver() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

bool CacheSaver::busy() const {
    std::lock_guard lock(mutex_);
    return writing_ || waiting_.has_value();
}

void CacheSaver::save(CacheContent content) {
    {
        std::lock_guard lock(mutex_);
        waiting_ = std::move(content);
    }
    wake_.notify_all();
}

void CacheSaver::run() {
    auto& logger = Poco::Logger::get("mailpolicyd.ldap");
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [this] { return stopping_ || waiting_.has_value(); });
        if (!waiting_) return;
        CacheContent content = std::move(*waiting_);
        waiting_.reset();
        writing_ = true;
        lock.unlock();
        auto started = std::chrono::steady_clock::now();
        try {
            save_cache(path_, content);
            auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - started);
            logger.debug("saved " + std::to_string(content.entries.size()) + " entries to " +
                         path_ + " in " + std::to_string(took.count()) + " ms");
        } catch (const std::exception& error) {
            logger.warning("cannot save the directory cache: " + std::string(error.what()));
        }
        content = {};
        lock.lock();
        writing_ = false;
    }
}

}  // namespace mailpolicy
