// Spooling of the message from standard input (see sendmail_message.h): chunked reads,
// the dot rule of sendmail without -i, an anonymous 0600 file in $TMPDIR or /tmp.

#include "module/sendmail_message.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace mailpolicy {

namespace {

constexpr std::size_t kChunk = 64 * 1024;

[[noreturn]] void fail(const std::string& what) {
    throw std::runtime_error(what + ": " + std::strerror(errno));
}

int anonymous_file() {
    const char* directory = std::getenv("TMPDIR");
    std::string path = directory && *directory ? directory : "/tmp";
    const int fd = ::open(path.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0) return fd;
    path += "/mailpolicy-sendmail.XXXXXX";  // where O_TMPFILE is not supported
    std::vector<char> name(path.begin(), path.end());
    name.push_back('\0');
    const mode_t old_mask = ::umask(077);
    const int fallback = ::mkostemp(name.data(), O_CLOEXEC);
    ::umask(old_mask);
    if (fallback < 0) fail("cannot create a temporary file in " + path);
    ::unlink(name.data());
    return fallback;
}

void write_all(int fd, const char* data, std::size_t size) {
    while (size > 0) {
        const ssize_t written = ::write(fd, data, size);
        if (written < 0 && errno == EINTR) continue;
        if (written <= 0) fail("write");
        data += written;
        size -= static_cast<std::size_t>(written);
    }
}

// Finds where a line holding only "." starts, across chunks: `line` holds the bytes of the
// current line seen so far, up to three.
struct DotRule {
    std::string line;
    // The length of `chunk` to keep: up to the start of the terminating line, or all.
    // `retract`: bytes of that line that came in earlier chunks (already written).
    std::size_t keep(const char* chunk, std::size_t size, bool& ended, std::size_t& retract) {
        for (std::size_t i = 0; i < size; ++i) {
            const char c = chunk[i];
            if (c == '\n') {
                if (line == "." || line == ".\r") {
                    ended = true;
                    retract = i < line.size() ? line.size() - i : 0;
                    return i < line.size() ? 0 : i - line.size();
                }
                line.clear();
            } else if (line.size() < 3) {
                line += c;
            }
        }
        return size;
    }
};

}  // namespace

SpooledMessage::SpooledMessage(int input, bool ignore_dots) : fd_(anonymous_file()) {
    std::vector<char> buffer(kChunk);
    DotRule dots;
    bool ended = false;
    while (!ended) {
        const ssize_t got = ::read(input, buffer.data(), buffer.size());
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) fail("reading the message from standard input");
        if (got == 0) break;
        std::size_t keep = static_cast<std::size_t>(got);
        std::size_t retract = 0;
        if (!ignore_dots) keep = dots.keep(buffer.data(), keep, ended, retract);
        if (retract > 0) {
            size_ -= retract;
            if (::ftruncate(fd_, static_cast<off_t>(size_)) != 0) fail("truncating the spool");
            if (::lseek(fd_, 0, SEEK_END) < 0) fail("seeking the spool");
            header_section_.resize(std::min<std::uint64_t>(header_section_.size(), size_));
        }
        write_all(fd_, buffer.data(), keep);
        size_ += keep;
        if (header_section_.size() < kMaxHeaderSection + 1) {
            header_section_.append(buffer.data(),
                                   std::min(keep, kMaxHeaderSection + 1 - header_section_.size()));
        }
    }
    // Cut after the first empty line (LF LF or CRLF CRLF or a mix), or drop it all.
    std::size_t end = std::string::npos;
    for (std::size_t i = 0; i < header_section_.size() && end == std::string::npos; ++i) {
        if (header_section_[i] != '\n') continue;
        if (i == 0)
            end = 1;
        else if (i + 1 < header_section_.size() && header_section_[i + 1] == '\n')
            end = i + 2;
        else if (i + 2 < header_section_.size() && header_section_[i + 1] == '\r' &&
                 header_section_[i + 2] == '\n')
            end = i + 3;
    }
    if (end == std::string::npos || end > kMaxHeaderSection)
        header_section_.clear();
    else
        header_section_.resize(end);
}

SpooledMessage::~SpooledMessage() {
    if (fd_ >= 0) ::close(fd_);
}

void SpooledMessage::write_to(int output, const std::string& header) const {
    write_all(output, header.data(), header.size());
    std::vector<char> buffer(kChunk);
    auto offset = static_cast<off_t>(header_section_.size());
    for (;;) {
        const ssize_t got = ::pread(fd_, buffer.data(), buffer.size(), offset);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) fail("reading the spooled message");
        if (got == 0) return;
        write_all(output, buffer.data(), static_cast<std::size_t>(got));
        offset += got;
    }
}

std::string SpooledMessage::read_all() const {
    std::string text(size_, '\0');
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t got =
            ::pread(fd_, text.data() + done, text.size() - done, static_cast<off_t>(done));
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) fail("reading the spooled message");
        done += static_cast<std::size_t>(got);
    }
    return text;
}

}  // namespace mailpolicy
