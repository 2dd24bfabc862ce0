// The message of one sendmail call, read from standard input into a private temporary
// file (0600, unlinked at once, so it is gone on every exit path) and never held whole in
// memory; only the header section is kept in memory, bounded.
// Not for: changing the message (the caller removes Bcc when it delivers).
// Read and write failures throw std::runtime_error with the reason.
#pragma once

#include <cstdint>
#include <string>

namespace mailpolicy {

// A header section larger than this is not a header section: the message is then
// checked without one and delivered as it came.
constexpr std::size_t kMaxHeaderSection = 1024 * 1024;

class SpooledMessage {
  public:
    // Reads `input` to its end, or, unless `ignore_dots`, to a line holding only ".".
    SpooledMessage(int input, bool ignore_dots);
    ~SpooledMessage();
    SpooledMessage(const SpooledMessage&) = delete;
    SpooledMessage& operator=(const SpooledMessage&) = delete;

    // The lines before the first empty line, with their line ends; empty when there is
    // no empty line within kMaxHeaderSection bytes.
    const std::string& header_section() const { return header_section_; }
    std::uint64_t size() const { return size_; }
    // Writes `header` and then the message from the end of the header section (or all of
    // it when `header_section()` is empty) to `output`. Throws on a write failure.
    void write_to(int output, const std::string& header) const;
    // The whole message (for an NDR that returns it).
    std::string read_all() const;

  private:
    int fd_ = -1;
    std::uint64_t size_ = 0;
    std::string header_section_;
};

}  // namespace mailpolicy
