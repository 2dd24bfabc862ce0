// The audit spool file: append with fsync, read from the front, drop the front after a
// commit by moving a durable offset (kept in "<spool>.done"), never by rewriting the
// file, which is removed once all of it is written. Malformed lines are logged and
// skipped, never fatal: one damaged record must not block all the others.
#include "module/audit_spool.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Logger.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "ldap/safe_file.h"
#include "module/audit_format.h"

namespace mailpolicy {
namespace {

[[noreturn]] void fail(const std::string& what, const std::string& path) {
    throw std::runtime_error("audit spool: cannot " + what + " " + path + ": " +
                             std::strerror(errno));
}

// Appends `data` to `path` and fsyncs it; never through a symlink (safe_file.h).
void append_durably(const std::string& path, const std::string& data) {
    const int fd = open_for_append(path);
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            ::close(fd);
            fail("write", path);
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) {
        ::close(fd);
        fail("fsync", path);
    }
    ::close(fd);
}

// The offset "<spool>.done" holds; 0 when it is missing or unreadable (replay it all).
std::uint64_t read_offset(const std::string& path) {
    std::ifstream in(path);
    std::uint64_t offset = 0;
    return in >> offset ? offset : 0;
}

}  // namespace

std::string encode_spool_line(const AuditRecord& dirty) {
    const AuditRecord record = with_clean_text(dirty);  // Poco's parser rejects bad UTF-8
    Poco::JSON::Object object;
    object.set("time", Poco::Int64{to_unix_milliseconds(record.time)});
    object.set("path", record.path);
    object.set("direction", record.direction);
    object.set("action", record.action);
    object.set("sender", record.sender);
    object.set("recipient", record.recipient);
    object.set("login", record.login);
    object.set("client_address", record.client_address);
    object.set("account", record.account);
    object.set("rule", record.rule);
    object.set("reply_code", record.reply_code);
    object.set("reply_status", record.reply_status);
    object.set("reply_text", record.reply_text);
    object.set("instance", record.instance);
    std::ostringstream out;
    object.stringify(out);
    return out.str();
}

AuditRecord decode_spool_line(const std::string& line) {
    const auto object = Poco::JSON::Parser().parse(line).extract<Poco::JSON::Object::Ptr>();
    const auto text = [&](const char* name) { return object->getValue<std::string>(name); };
    return AuditRecord{from_unix_milliseconds(object->getValue<Poco::Int64>("time")),
                       text("path"),
                       text("direction"),
                       text("action"),
                       text("sender"),
                       text("recipient"),
                       text("login"),
                       text("client_address"),
                       text("account"),
                       text("rule"),
                       object->getValue<int>("reply_code"),
                       text("reply_status"),
                       text("reply_text"),
                       text("instance")};
}

AuditSpool::AuditSpool(std::string path)
    : path_(std::move(path)), done_path_(path_ + ".done"), offset_(read_offset(done_path_)) {
    std::error_code missing, ignored;
    const auto size = std::filesystem::file_size(path_, missing);
    if (missing || offset_ > size) {  // no spool, or an offset that is not about this one
        std::filesystem::remove(done_path_, ignored);
        offset_ = 0;
        if (missing) return;
    }
    std::ifstream in(path_, std::ios::binary);
    in.seekg(static_cast<std::streamoff>(offset_));
    std::vector<char> buffer(64 * 1024);
    char last = '\n';
    while (in.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) || in.gcount() > 0) {
        const char* begin = buffer.data();
        const char* end = begin + in.gcount();
        lines_ += static_cast<std::size_t>(std::count(begin, end, '\n'));
        last = *(end - 1);
    }
    if (last != '\n') {
        append_durably(path_, "\n");
        ++lines_;
    }
}

void AuditSpool::append(const std::vector<AuditRecord>& records) {
    if (records.empty()) return;
    std::string data;
    for (const AuditRecord& record : records) data += encode_spool_line(record) + "\n";
    std::lock_guard lock(mutex_);
    append_durably(path_, data);
    lines_ += records.size();
}

AuditSpool::Front AuditSpool::read_front(std::size_t max_records) const {
    std::lock_guard lock(mutex_);
    Front front;
    std::ifstream in(path_, std::ios::binary);
    in.seekg(static_cast<std::streamoff>(offset_));
    std::string line;
    while (front.records.size() < max_records && std::getline(in, line)) {
        if (in.eof()) break;  // no newline yet: not a whole record
        front.bytes += line.size() + 1;
        ++front.lines;
        try {
            front.records.push_back(decode_spool_line(line));
        } catch (const Poco::Exception& error) {
            Poco::Logger::get("mailpolicyd.audit")
                .error("audit spool %s: skipping malformed line: %s", path_, error.displayText());
        }
    }
    return front;
}

void AuditSpool::drop_front(const Front& front) {
    std::lock_guard lock(mutex_);
    offset_ += front.bytes;
    lines_ -= std::min(lines_, front.lines);
    std::error_code error;
    const auto size = std::filesystem::file_size(path_, error);
    if (error || offset_ >= size) {  // all written: start afresh
        std::filesystem::remove(path_, error);
        std::filesystem::remove(done_path_, error);
        offset_ = 0;
        lines_ = 0;
        return;
    }
    // A crash before the rename replays this front once more: at-least-once.
    replace_file(done_path_, std::to_string(offset_) + "\n");
}

std::size_t AuditSpool::size() const {
    std::lock_guard lock(mutex_);
    return lines_;
}

}  // namespace mailpolicy
