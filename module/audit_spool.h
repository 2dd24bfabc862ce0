// The audit spool: a file of records the store could not take yet, one JSON object per
// line, appended with fsync. Records are read from the front and dropped only after the
// caller has committed them (an offset in "<path>.done"). Thread-safe; I/O errors throw
// std::runtime_error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "module/audit_store.h"

namespace mailpolicy {

class AuditSpool {
  public:
    // Counts the records already in `path` (a spool left by an earlier run) and ends an
    // unfinished last line, left by a crash mid-append, so it cannot swallow the next.
    explicit AuditSpool(std::string path);

    // The first records of the file and how many bytes they take.
    struct Front {
        std::vector<AuditRecord> records;
        std::uint64_t bytes = 0;
        std::size_t lines = 0;
    };

    void append(const std::vector<AuditRecord>& records);
    Front read_front(std::size_t max_records) const;
    // Marks what read_front returned as written; records appended since then are kept.
    // Removes the file once everything in it is written.
    void drop_front(const Front& front);
    // Records in the file.
    std::size_t size() const;
    const std::string& path() const { return path_; }

  private:
    std::string path_;
    std::string done_path_;  // how many bytes of path_ are already in the store
    mutable std::mutex mutex_;
    std::uint64_t offset_ = 0;
    std::size_t lines_ = 0;  // records after offset_
};

// One spool line (without the newline) and back; decode throws on a malformed line.
std::string encode_spool_line(const AuditRecord& record);
AuditRecord decode_spool_line(const std::string& line);

}  // namespace mailpolicy
