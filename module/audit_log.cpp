// AuditLog: record() logs the line and queues the record; a writer thread moves queued
// records to the store in batches. While the store fails, batches go to the spool and
// the writer retries with backoff; the spool is written back first, in order, and
// dropped only after its commit. A crash between that commit and the drop replays those
// records once more on the next start: delivery is at-least-once, never lossy.
#include "module/audit_log.h"

#include <Poco/Logger.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "module/audit_format.h"
#include "module/audit_spool.h"

namespace mailpolicy {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t spool_chunk = 5'000;  // records per transaction when writing back

Poco::Logger& logger() {
    return Poco::Logger::get("mailpolicyd.audit");
}

}  // namespace

struct AuditLog::State {
    State(std::unique_ptr<AuditStore> s, std::string spool_path, std::chrono::days r,
          AuditLogLimits l)
        : store(std::move(s)),
          spool(std::move(spool_path)),
          retention(r),
          limits(l),
          backoff(l.first_backoff) {
        limits.batch_size = std::max<std::size_t>(limits.batch_size, 1);
    }

    std::unique_ptr<AuditStore> store;
    AuditSpool spool;
    std::chrono::days retention;
    AuditLogLimits limits;

    mutable std::mutex mutex;
    std::condition_variable wake;
    std::deque<AuditRecord> queue;
    std::size_t in_flight = 0;  // taken from the queue, not yet in the store or spool
    bool running = false;
    bool stopping = false;
    std::thread writer;

    // Writer-thread state.
    Clock::time_point retry_at{};
    Clock::duration backoff;
    bool store_down = false;
    Clock::time_point next_purge{};

    void run();
    std::vector<AuditRecord> take_batch(bool wait);
    void deliver(const std::vector<AuditRecord>& batch);
    bool write_back_spool();
    void store_failed(const std::exception& error);
    void spool_or_report(const std::vector<AuditRecord>& batch);
    void purge_if_due();
};

// Waits for a full batch, the batch interval or stop; takes up to batch_size records.
std::vector<AuditRecord> AuditLog::State::take_batch(bool wait) {
    std::unique_lock lock(mutex);
    if (wait) {
        wake.wait_for(lock, limits.batch_interval,
                      [this] { return stopping || queue.size() >= limits.batch_size; });
    }
    const std::size_t n = std::min(queue.size(), limits.batch_size);
    std::vector<AuditRecord> batch(std::make_move_iterator(queue.begin()),
                                   std::make_move_iterator(queue.begin() + static_cast<long>(n)));
    queue.erase(queue.begin(), queue.begin() + static_cast<long>(n));
    in_flight = n;
    return batch;
}

void AuditLog::State::run() {
    for (;;) {
        std::vector<AuditRecord> batch = take_batch(true);
        if (!batch.empty() || spool.size() > 0) deliver(batch);
        purge_if_due();
        std::lock_guard lock(mutex);
        in_flight = 0;
        if (stopping && queue.empty()) return;
    }
}

// Store first (after any spooled records), else the spool; while the store is in
// backoff, straight to the spool so that order is kept and nothing waits.
void AuditLog::State::deliver(const std::vector<AuditRecord>& batch) {
    if (Clock::now() < retry_at) {
        spool_or_report(batch);
        return;
    }
    try {
        if (!write_back_spool()) {
            spool_or_report(batch);
            return;
        }
        if (!batch.empty()) store->write(batch);
        if (store_down) logger().notice("audit store available again");
        store_down = false;
        backoff = limits.first_backoff;
    } catch (const std::exception& error) {
        store_failed(error);
        spool_or_report(batch);
    }
}

// Writes spooled records to the store, oldest first; false when the store failed.
bool AuditLog::State::write_back_spool() {
    while (spool.size() > 0) {
        const AuditSpool::Front front = spool.read_front(spool_chunk);
        if (front.lines == 0) {  // the file went away under us: nothing left to write
            spool.drop_front(front);
            return true;
        }
        try {
            store->write(front.records);
        } catch (const std::exception& error) {
            store_failed(error);
            return false;
        }
        // Committed: a crash before this drop writes these records again next start.
        spool.drop_front(front);
        logger().information("audit: wrote %z spooled records to the store", front.records.size());
    }
    return true;
}

void AuditLog::State::store_failed(const std::exception& error) {
    if (!store_down) {
        logger().warning(std::string("audit store unavailable, spooling to ") + spool.path() +
                         ": " + error.what());
    } else {
        logger().debug(std::string("audit store still unavailable: ") + error.what());
    }
    store_down = true;
    retry_at = Clock::now() + backoff;
    backoff = std::min<Clock::duration>(backoff * 2, limits.max_backoff);
}

void AuditLog::State::spool_or_report(const std::vector<AuditRecord>& batch) {
    try {
        spool.append(batch);
    } catch (const std::exception& error) {
        logger().critical(std::string(error.what()) + "; lost audit records:");
        for (const AuditRecord& record : batch) logger().critical(format_audit_line(record));
    }
}

void AuditLog::State::purge_if_due() {
    if (retention.count() <= 0 || Clock::now() < next_purge) return;
    next_purge = Clock::now() + limits.purge_interval;
    try {
        const std::size_t purged =
            store->purge_before(std::chrono::system_clock::now() - retention);
        if (purged > 0) logger().information("audit: purged %z records past retention", purged);
    } catch (const std::exception& error) {
        logger().warning(std::string("audit purge failed: ") + error.what());
    }
}

AuditLog::AuditLog(std::unique_ptr<AuditStore> store, std::string spool_path,
                   std::chrono::days retention, AuditLogLimits limits)
    : state_(std::make_unique<State>(std::move(store), std::move(spool_path), retention, limits)) {}

AuditLog::~AuditLog() {
    try {
        stop();
    } catch (const std::exception& error) {
        logger().error(std::string("audit: stopping failed: ") + error.what());
    }
}

void AuditLog::start() {
    std::lock_guard lock(state_->mutex);
    if (!state_->store || state_->running) return;
    state_->running = true;
    state_->stopping = false;
    state_->writer = std::thread([state = state_.get()] { state->run(); });
}

void AuditLog::stop() {
    State& state = *state_;
    {
        std::lock_guard lock(state.mutex);
        state.stopping = true;
    }
    state.wake.notify_all();
    if (state.writer.joinable()) state.writer.join();
    {
        std::lock_guard lock(state.mutex);
        state.running = false;
    }
    // What the writer did not take (it never ran, or a record came in as it left) is
    // written here; record() spools by itself from now on.
    if (!state.store) return;
    for (auto batch = state.take_batch(false); !batch.empty(); batch = state.take_batch(false)) {
        state.deliver(batch);
    }
    std::lock_guard lock(state.mutex);
    state.in_flight = 0;
}

void AuditLog::record(AuditRecord dirty) {
    AuditRecord record = with_clean_text(std::move(dirty));
    const std::string line = format_audit_line(record);
    if (record.action == "audit") {
        logger().information(line);
    } else {
        logger().notice(line);
    }
    State& state = *state_;
    if (!state.store) return;
    {
        std::lock_guard lock(state.mutex);
        const bool writer_gone = state.stopping && !state.running;
        if (!writer_gone && state.queue.size() < state.limits.queue_capacity) {
            state.queue.push_back(std::move(record));
            if (state.queue.size() >= state.limits.batch_size) state.wake.notify_one();
            return;
        }
    }
    // Queue full, or no writer any more: the spool keeps it for the store. Such a record
    // may reach the store before older queued ones; its time field keeps the true order.
    state.spool_or_report({record});
}

std::size_t AuditLog::pending() const {
    std::lock_guard lock(state_->mutex);
    return state_->queue.size() + state_->in_flight + state_->spool.size();
}

AuditStore* AuditLog::store() const {
    return state_->store.get();
}

}  // namespace mailpolicy
