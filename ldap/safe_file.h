// Creating the daemon's state files (cache file, audit spool, pid file) so that a
// symlink or a foreign file planted in a state directory is never written through: new
// files are created exclusively without following symlinks and renamed into place, and
// appends refuse anything but a regular file of the daemon's own. In ldap/ because it is
// the lowest folder that does I/O; module/ uses it too. Failures throw std::runtime_error
// naming the path. Never logs (the cache writer calls it in a forked child).
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

namespace mailpolicy {

// A file written under "<path>.tmp" and renamed onto `path` by commit(). Whatever was at
// the .tmp path (a file left by a crash, a planted symlink) is removed, never followed;
// the new file is created with O_EXCL | O_NOFOLLOW. A pipe there is written into (see
// open_pipe). Dropped without commit(), the temporary file is removed.
class FileReplacement {
  public:
    explicit FileReplacement(std::string path, mode_t mode = 0600);
    ~FileReplacement();
    FileReplacement(const FileReplacement&) = delete;
    FileReplacement& operator=(const FileReplacement&) = delete;

    int descriptor() const { return fd_; }
    const std::string& temporary_path() const { return temporary_; }
    // Writes all of `data` at the current offset.
    void write(std::string_view data);
    // fsync, close, rename onto the path, fsync the directory: the old file or the new.
    void commit();

  private:
    void open_pipe();

    std::string path_;
    std::string temporary_;
    int fd_ = -1;
};

// Replaces `path` with `content` through a FileReplacement.
void replace_file(const std::string& path, std::string_view content, mode_t mode = 0600);

// Opens `path` for appending, creating it when missing; refuses a symlink, anything that
// is not a regular file, a file with other hard links, and a file another user owns.
int open_for_append(const std::string& path, mode_t mode = 0600);

// Refuses a state directory that a symlink planted in it could be abused through: it
// must be a directory owned by the effective user and writable by neither group nor
// others. The message names the directory, what is wrong and how to fix it.
void check_state_directory(const std::string& directory);

}  // namespace mailpolicy
