// The cache file: "MPCACHE\n", version, payload length and FNV-1a checksum, then the
// sync cookie and the entries as compact records. Written to <path>.tmp (safe_file.h:
// never through a planted symlink), fsynced and renamed, so a crash leaves the old file
// or the new one; truncation and corruption are detected by the length and checksum
// before anything is believed. Read in two streaming passes (check, then entries one at
// a time), never held whole in memory.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include "ldap/replica.h"
#include "ldap/safe_file.h"
#include "ldap/snapshot_record.h"

namespace mailpolicy {

namespace {

constexpr char magic[8] = {'M', 'P', 'C', 'A', 'C', 'H', 'E', '\n'};
constexpr std::uint32_t format_version = 1;
constexpr std::size_t header_size = 8 + 4 + 4 + 8 + 8;

[[noreturn]] void fail(const std::string& path, const std::string& reason) {
    throw std::runtime_error("cache file " + path + ": " + reason);
}

[[noreturn]] void fail_errno(const std::string& path, const std::string& action) {
    fail(path, action + ": " + std::strerror(errno));
}

struct Checksum {
    std::uint64_t value = 14695981039346656037ULL;
    void add(std::string_view data) {
        for (char c : data) {
            value ^= static_cast<unsigned char>(c);
            value *= 1099511628211ULL;
        }
    }
};

void put_u64(char* out, std::uint64_t value) {
    for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((value >> (8 * i)) & 0xff);
}

std::uint64_t get_u64(const char* in) {
    std::uint64_t value = 0;
    for (int i = 7; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(in[i]);
    return value;
}

// Buffered writer to a file descriptor that tracks the payload length and checksum.
class PayloadWriter {
  public:
    PayloadWriter(int fd, const std::string& path) : fd_(fd), path_(path) {}

    void write(std::string_view data) {
        checksum.add(data);
        length += data.size();
        buffer_.append(data);
        if (buffer_.size() >= (1U << 20)) flush();
    }

    void flush() {
        std::size_t done = 0;
        while (done < buffer_.size()) {
            ssize_t written = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
            if (written < 0 && errno == EINTR) continue;
            if (written < 0) fail_errno(path_, "write");
            done += static_cast<std::size_t>(written);
        }
        buffer_.clear();
    }

    Checksum checksum;
    std::uint64_t length = 0;

  private:
    int fd_;
    const std::string& path_;
    std::string buffer_;
};

void write_payload(int fd, const std::string& temporary, std::string_view cookie, std::size_t count,
                   const std::function<void(const RecordSink&)>& each) {
    std::string header(header_size, '\0');
    if (::write(fd, header.data(), header.size()) != static_cast<ssize_t>(header.size())) {
        fail_errno(temporary, "write");
    }
    PayloadWriter payload(fd, temporary);
    std::string prefix;
    put_record_text(prefix, cookie);
    put_record_number(prefix, count);
    payload.write(prefix);
    std::size_t written = 0;
    each([&](std::string_view record) {
        std::string length;
        put_record_number(length, record.size());
        payload.write(length);
        payload.write(record);
        ++written;
    });
    if (written != count) fail(temporary, "entry count changed while writing");
    payload.flush();
    std::memcpy(header.data(), magic, sizeof magic);
    for (int i = 0; i < 4; ++i)
        header[8 + i] = static_cast<char>((format_version >> (8 * i)) & 0xff);
    put_u64(header.data() + 16, payload.length);
    put_u64(header.data() + 24, payload.checksum.value);
    if (::pwrite(fd, header.data(), header.size(), 0) != static_cast<ssize_t>(header.size())) {
        fail_errno(temporary, "write header");
    }
}

}  // namespace

void write_cache_records(const std::string& path, std::string_view cookie, std::size_t count,
                         const std::function<void(const RecordSink&)>& each) {
    FileReplacement file(path);
    write_payload(file.descriptor(), file.temporary_path(), cookie, count, each);
    file.commit();
}

void save_cache(const std::string& path, const CacheContent& content) {
    write_cache_records(path, content.cookie, content.entries.size(), [&](const RecordSink& sink) {
        for (const auto& entry : content.entries) sink(encode_record(entry));
    });
}

namespace {

constexpr std::size_t chunk_size = 1U << 20;

// The payload of an open cache file, read a chunk at a time: a file of any size is
// checked and parsed in ~1 MiB (a million entries make ~160 MB).
class PayloadStream {
  public:
    PayloadStream(std::ifstream& in, std::uint64_t length, const std::string& path)
        : in_(in), left_(length), path_(path) {}

    // At least `wanted` bytes from the current position, or all that is left.
    std::string_view available(std::size_t wanted) {
        if (buffer_.size() - start_ < wanted && left_ > 0) {
            buffer_.erase(0, start_);
            start_ = 0;
            std::size_t target = std::max(wanted, chunk_size);
            while (buffer_.size() < target && left_ > 0) {
                std::size_t more = static_cast<std::size_t>(
                    std::min<std::uint64_t>(left_, target - buffer_.size()));
                std::size_t old_size = buffer_.size();
                buffer_.resize(old_size + more);
                if (!in_.read(buffer_.data() + old_size, static_cast<std::streamsize>(more))) {
                    fail(path_, "read error");
                }
                left_ -= more;
            }
        }
        return std::string_view(buffer_).substr(start_);
    }
    void consume(std::size_t count) { start_ += count; }
    bool at_end() const { return left_ == 0 && start_ == buffer_.size(); }

    bool number(std::uint64_t& value) {
        RecordReader reader(available(10));
        if (!reader.number(value)) return false;
        consume(reader.consumed());
        return true;
    }
    // `value` views the stream's buffer: valid until the next read.
    bool text(std::string_view& value) {
        std::uint64_t length = 0;
        if (!number(length) || length > left_ + (buffer_.size() - start_)) return false;
        value = available(static_cast<std::size_t>(length)).substr(0, length);
        consume(value.size());
        return true;
    }

  private:
    std::ifstream& in_;
    std::uint64_t left_;  // not read from the file yet
    const std::string& path_;
    std::string buffer_;
    std::size_t start_ = 0;
};

// Checks magic, version, length and checksum; leaves `in` at the start of the payload
// and returns its length.
std::uint64_t check_file(std::ifstream& in, const std::string& path) {
    in.seekg(0, std::ios::end);
    auto size = static_cast<std::uint64_t>(in.tellg());
    in.seekg(0);
    char header[header_size];
    if (size < header_size || !in.read(header, header_size) ||
        std::memcmp(header, magic, sizeof magic) != 0) {
        fail(path, "not a mailpolicyd cache file");
    }
    std::uint32_t version = 0;
    for (int i = 3; i >= 0; --i) {
        version = (version << 8) | static_cast<unsigned char>(header[8 + i]);
    }
    if (version != format_version) fail(path, "unsupported version " + std::to_string(version));
    std::uint64_t length = get_u64(header + 16);
    if (length != size - header_size) {
        fail(path, "truncated or extended: expected " + std::to_string(length) +
                       " bytes of data, found " + std::to_string(size - header_size));
    }
    PayloadStream payload(in, length, path);
    Checksum checksum;
    while (!payload.at_end()) {
        std::string_view chunk = payload.available(chunk_size);
        checksum.add(chunk);
        payload.consume(chunk.size());
    }
    if (checksum.value != get_u64(header + 24)) fail(path, "checksum mismatch (corrupt)");
    in.seekg(static_cast<std::streamoff>(header_size));
    return length;
}

}  // namespace

std::string read_cache_entries(const std::string& path,
                               const std::function<void(std::size_t count)>& expect,
                               const std::function<void(Entry entry)>& each) {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail(path, std::string("cannot open: ") + std::strerror(errno));
    std::uint64_t length = check_file(in, path);
    PayloadStream payload(in, length, path);
    std::string_view text;
    std::uint64_t count = 0;
    if (!payload.text(text) || !payload.number(count) || count > length) {
        fail(path, "malformed header");
    }
    std::string cookie(text);
    expect(static_cast<std::size_t>(count));
    for (std::uint64_t i = 0; i < count; ++i) {
        Entry entry;
        if (!payload.text(text) || !decode_record(text, entry)) {
            fail(path, "malformed entry record");
        }
        each(std::move(entry));
    }
    if (!payload.at_end()) fail(path, "trailing data");
    return cookie;
}

CacheContent load_cache(const std::string& path) {
    CacheContent content;
    content.cookie = read_cache_entries(
        path, [&](std::size_t count) { content.entries.reserve(count); },
        [&](Entry entry) { content.entries.push_back(std::move(entry)); });
    return content;
}

}  // namespace mailpolicy
