// State files created without ever writing through a planted name: O_EXCL | O_NOFOLLOW
// for new files, rename for replacement (rename replaces a symlink, never follows it),
// fstat checks for appends, and an ownership and mode check for the directories.
#include "ldap/safe_file.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace mailpolicy {

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& action) {
    throw std::runtime_error("cannot " + action + " " + path + ": " + std::strerror(errno));
}

std::string directory_of(const std::string& path) {
    const auto slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

void sync_directory(const std::string& path) {
    const std::string directory = directory_of(path);
    const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) fail(directory, "open directory");
    const int result = ::fsync(fd);
    ::close(fd);
    if (result != 0) fail(directory, "fsync directory");
}

std::string user_name(uid_t uid) {
    const passwd* entry = ::getpwuid(uid);
    const std::string number = "uid " + std::to_string(uid);
    return entry ? std::string(entry->pw_name) + " (" + number + ")" : number;
}

std::string octal_mode(mode_t mode) {
    char text[8];
    std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
    return text;
}

}  // namespace

FileReplacement::FileReplacement(std::string path, mode_t mode)
    : path_(std::move(path)), temporary_(path_ + ".tmp") {
    const auto create = [&] {
        return ::open(temporary_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                      mode);
    };
    fd_ = create();
    if (fd_ < 0 && errno == EEXIST) {
        struct stat status {};
        if (::lstat(temporary_.c_str(), &status) == 0 && S_ISFIFO(status.st_mode)) {
            open_pipe();
            return;
        }
        // A file left by a crash, or a planted symlink: unlink removes the name itself,
        // and O_EXCL refuses whatever appears there meanwhile.
        if (::unlink(temporary_.c_str()) != 0 && errno != ENOENT) fail(temporary_, "remove");
        fd_ = create();
    }
    if (fd_ < 0) fail(temporary_, "create");
}

// A pipe at the temporary path is written into, not replaced: that changes no file (the
// commit then fails, as a pipe cannot be fsynced), and tests use one to hold a write
// in progress. Checked again once open, in case the name was swapped meanwhile.
void FileReplacement::open_pipe() {
    fd_ = ::open(temporary_.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd_ < 0) fail(temporary_, "open");
    struct stat status {};
    if (::fstat(fd_, &status) != 0 || !S_ISFIFO(status.st_mode)) {
        ::close(fd_);
        fd_ = -1;
        throw std::runtime_error("cannot create " + temporary_ + ": it was replaced while opening");
    }
}

FileReplacement::~FileReplacement() {
    if (fd_ < 0) return;
    ::close(fd_);
    ::unlink(temporary_.c_str());
}

void FileReplacement::write(std::string_view data) {
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t written = ::write(fd_, data.data() + done, data.size() - done);
        if (written < 0 && errno == EINTR) continue;
        if (written < 0) fail(temporary_, "write");
        done += static_cast<std::size_t>(written);
    }
}

void FileReplacement::commit() {
    if (::fsync(fd_) != 0) fail(temporary_, "fsync");
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) {
        ::unlink(temporary_.c_str());
        fail(temporary_, "close");
    }
    if (::rename(temporary_.c_str(), path_.c_str()) != 0) {
        const int error = errno;
        ::unlink(temporary_.c_str());
        errno = error;
        fail(path_, "rename onto");
    }
    sync_directory(path_);
}

void replace_file(const std::string& path, std::string_view content, mode_t mode) {
    FileReplacement file(path, mode);
    file.write(content);
    file.commit();
}

int open_for_append(const std::string& path, mode_t mode) {
    const int fd =
        ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0) {
        if (errno == ELOOP) {
            throw std::runtime_error("refusing to append to " + path + ": it is a symlink");
        }
        fail(path, "open");
    }
    struct stat status {};
    std::string problem;
    if (::fstat(fd, &status) != 0) {
        problem = std::strerror(errno);
    } else if (!S_ISREG(status.st_mode)) {
        problem = "it is not a regular file";
    } else if (status.st_nlink != 1) {
        problem = "it has other hard links";
    } else if (status.st_uid != ::geteuid()) {
        problem =
            "it belongs to " + user_name(status.st_uid) + ", not to " + user_name(::geteuid());
    }
    if (problem.empty()) return fd;
    ::close(fd);
    throw std::runtime_error("refusing to append to " + path + ": " + problem);
}

void check_state_directory(const std::string& directory) {
    struct stat status {};
    if (::stat(directory.c_str(), &status) != 0) fail(directory, "use state directory");
    const std::string name = "state directory " + directory + ": ";
    if (!S_ISDIR(status.st_mode)) throw std::runtime_error(name + "is not a directory");
    if (status.st_uid != ::geteuid()) {
        throw std::runtime_error(name + "is owned by " + user_name(status.st_uid) + ", not by " +
                                 user_name(::geteuid()) +
                                 ", the user mailpolicyd runs as (chown it to that user)");
    }
    if ((status.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        throw std::runtime_error(name + "is writable by group or others (mode " +
                                 octal_mode(status.st_mode) + "; chmod go-w " + directory + ")");
    }
}

}  // namespace mailpolicy
