// The cache file: "MPCACHE\n", version, payload length and FNV-1a checksum, then the
// sync cookie and the entries as compact records. Written to <path>.tmp, fsynced and
// renamed, so a crash leaves the old file or the new one; truncation and corruption
// are detected by the length and checksum before anything is believed.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include "ldap/replica.h"
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

void sync_directory_of(const std::string& path) {
    auto slash = path.rfind('/');
    std::string directory = slash == std::string::npos ? "." : path.substr(0, slash + 1);
    int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) fail_errno(path, "open directory");
    int result = ::fsync(fd);
    ::close(fd);
    if (result != 0) fail_errno(path, "fsync directory");
}

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
    std::string temporary = path + ".tmp";
    int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) fail_errno(temporary, "create");
    try {
        write_payload(fd, temporary, cookie, count, each);
        if (::fsync(fd) != 0) fail_errno(temporary, "fsync");
    } catch (...) {
        ::close(fd);
        ::unlink(temporary.c_str());
        throw;
    }
    if (::close(fd) != 0) fail_errno(temporary, "close");
    if (::rename(temporary.c_str(), path.c_str()) != 0) fail_errno(path, "rename");
    sync_directory_of(path);
}

void save_cache(const std::string& path, const CacheContent& content) {
    write_cache_records(path, content.cookie, content.entries.size(), [&](const RecordSink& sink) {
        for (const auto& entry : content.entries) sink(encode_record(entry));
    });
}

namespace {

std::string read_whole(const std::string& path) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) fail(path, std::string("cannot open: ") + std::strerror(errno));
    std::string data(static_cast<std::size_t>(in.tellg()), '\0');
    in.seekg(0);
    if (!in.read(data.data(), static_cast<std::streamsize>(data.size()))) fail(path, "read error");
    return data;
}

}  // namespace

CacheContent load_cache(const std::string& path) {
    std::string data = read_whole(path);
    if (data.size() < header_size || std::memcmp(data.data(), magic, sizeof magic) != 0) {
        fail(path, "not a mailpolicyd cache file");
    }
    std::uint32_t version = 0;
    for (int i = 3; i >= 0; --i) version = (version << 8) | static_cast<unsigned char>(data[8 + i]);
    if (version != format_version) fail(path, "unsupported version " + std::to_string(version));
    std::uint64_t length = get_u64(data.data() + 16);
    if (length != data.size() - header_size) {
        fail(path, "truncated or extended: expected " + std::to_string(length) +
                       " bytes of data, found " + std::to_string(data.size() - header_size));
    }
    std::string_view payload = std::string_view(data).substr(header_size);
    Checksum checksum;
    checksum.add(payload);
    if (checksum.value != get_u64(data.data() + 24)) fail(path, "checksum mismatch (corrupt)");

    CacheContent content;
    RecordReader reader(payload);
    std::string_view cookie, record;
    std::uint64_t count = 0;
    if (!reader.text(cookie) || !reader.number(count) || count > payload.size()) {
        fail(path, "malformed header");
    }
    content.cookie = cookie;
    content.entries.resize(count);
    for (auto& entry : content.entries) {
        if (!reader.text(record) || !decode_record(record, entry)) {
            fail(path, "malformed entry record");
        }
    }
    if (!reader.at_end()) fail(path, "trailing data");
    return content;
}

}  // namespace mailpolicy
