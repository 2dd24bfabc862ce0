// Reading one secret from a file. The file is opened once (O_NOFOLLOW: a planted symlink
// is not followed; O_NONBLOCK: a FIFO cannot hold the caller), then everything is judged
// on that open descriptor (fstat), so what is checked is what is read. Messages name the
// setting, the path and what to fix, never the content.
#include "ldap/secret_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include <Poco/Logger.h>

namespace mailpolicy {
namespace {

// Closes the descriptor on every path out.
class Descriptor {
  public:
    explicit Descriptor(int fd) : fd_(fd) {}
    ~Descriptor() {
        if (fd_ >= 0) ::close(fd_);
    }
    Descriptor(const Descriptor&) = delete;
    Descriptor& operator=(const Descriptor&) = delete;
    int get() const { return fd_; }

  private:
    int fd_;
};

std::string octal_mode(mode_t mode) {
    char text[8];
    std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
    return text;
}

std::string file_kind(mode_t mode) {
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISSOCK(mode)) return "a socket";
    if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
    return "not a regular file";
}

// Up to limit + 1 bytes, so that a file that grew past the limit after fstat is caught.
std::string read_bounded(int fd, std::size_t limit, const std::string& where) {
    std::string content(limit + 1, '\0');
    std::size_t got = 0;
    while (got < content.size()) {
        const ssize_t n = ::read(fd, content.data() + got, content.size() - got);
        if (n == 0) break;
        if (n < 0) {
            if (errno == EINTR) continue;
            throw std::runtime_error(where + ": cannot read: " + std::strerror(errno));
        }
        got += static_cast<std::size_t>(n);
    }
    content.resize(got);
    return content;
}

void check_metadata(const struct stat& status, const std::string& where) {
    if (!S_ISREG(status.st_mode)) {
        throw std::runtime_error(where + ": is " + file_kind(status.st_mode) +
                                 "; a secret must be a regular file");
    }
    if (static_cast<std::size_t>(status.st_size) > kMaxSecretFileBytes) {
        throw std::runtime_error(where + ": is larger than " + std::to_string(kMaxSecretFileBytes) +
                                 " bytes; is this the right file?");
    }
    if ((status.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        throw std::runtime_error(where + ": group or others can write it (mode " +
                                 octal_mode(status.st_mode) + "); chmod 600 it");
    }
    if ((status.st_mode & (S_IRGRP | S_IROTH)) != 0) {
        Poco::Logger::get("mailpolicyd.secrets")
            .warning(where + ": group or others can read it (mode " + octal_mode(status.st_mode) +
                     "); chmod 600 it");
    }
}

}  // namespace

std::string read_secret_file(const std::string& path, const std::string& what) {
    const std::string where = what + " " + path;
    if (path.empty()) throw std::runtime_error(what + ": no file given");
    Descriptor file(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC));
    if (file.get() < 0) {
        const int error = errno;
        if (error == ELOOP) {
            throw std::runtime_error(where +
                                     ": is a symbolic link; name the file itself, which only its "
                                     "owner may write");
        }
        throw std::runtime_error(where + ": cannot open: " + std::strerror(error));
    }
    struct stat status {};
    if (::fstat(file.get(), &status) != 0) {
        throw std::runtime_error(where + ": cannot stat: " + std::strerror(errno));
    }
    check_metadata(status, where);
    std::string secret = read_bounded(file.get(), kMaxSecretFileBytes, where);
    if (secret.size() > kMaxSecretFileBytes) {
        throw std::runtime_error(where + ": is larger than " + std::to_string(kMaxSecretFileBytes) +
                                 " bytes");
    }
    while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
    if (secret.empty()) throw std::runtime_error(where + ": is empty");
    return secret;
}

}  // namespace mailpolicy
