// Spooling the message from standard input: bytes kept exactly, the dot rule without -i,
// the header section, and a message far larger than any buffer.

#include "module/sendmail_message.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>

namespace mailpolicy {
namespace {

// Feeds `input` through a pipe (in chunks of `chunk` bytes) and spools it.
std::unique_ptr<SpooledMessage> spool(const std::string& input, bool ignore_dots,
                                      std::size_t chunk = 1 << 20) {
    int fds[2];
    EXPECT_EQ(::pipe(fds), 0);
    std::thread writer([&] {
        for (std::size_t done = 0; done < input.size(); done += chunk) {
            const std::size_t size = std::min(chunk, input.size() - done);
            if (::write(fds[1], input.data() + done, size) != static_cast<ssize_t>(size)) break;
        }
        ::close(fds[1]);
    });
    auto message = std::make_unique<SpooledMessage>(fds[0], ignore_dots);
    writer.join();
    ::close(fds[0]);
    return message;
}

std::string delivered(const SpooledMessage& message, const std::string& header) {
    char path[] = "/tmp/spool-test.XXXXXX";
    const int fd = ::mkstemp(path);
    ::unlink(path);
    message.write_to(fd, header);
    std::string out(static_cast<std::size_t>(::lseek(fd, 0, SEEK_END)), '\0');
    EXPECT_EQ(::pread(fd, out.data(), out.size(), 0), static_cast<ssize_t>(out.size()));
    ::close(fd);
    return out;
}

TEST(SendmailMessage, BytesAreKeptExactly) {
    const std::string input = "Subject: x\r\n\r\n..dots stay\r\n.\r\nlong" +
                              std::string(5000, 'y') + "\xe9\xff no newline at the end";
    const auto message = spool(input, true, 7);
    EXPECT_EQ(message->size(), input.size());
    EXPECT_EQ(message->header_section(), "Subject: x\r\n\r\n");
    EXPECT_EQ(delivered(*message, message->header_section()), input);
    EXPECT_EQ(message->read_all(), input);
}

TEST(SendmailMessage, WithoutIgnoreDotsALoneDotEndsTheMessage) {
    for (std::size_t chunk : {1u, 2u, 3u, 1000u}) {
        const auto message = spool("A: 1\n\nbody\n.\nafter\n", false, chunk);
        EXPECT_EQ(message->read_all(), "A: 1\n\nbody\n") << chunk;
        const auto crlf = spool("A: 1\r\n\r\nbody\r\n.\r\nafter\r\n", false, chunk);
        EXPECT_EQ(crlf->read_all(), "A: 1\r\n\r\nbody\r\n") << chunk;
    }
    EXPECT_EQ(spool(".\nrest", false)->read_all(), "");
    EXPECT_EQ(spool("a\n..\n.x\n", false)->read_all(), "a\n..\n.x\n");
}

TEST(SendmailMessage, NoEmptyLineMeansNoHeaderSection) {
    EXPECT_EQ(spool("just a line", true)->header_section(), "");
    const auto message = spool("A: 1\nB: 2\n\nbody", true);
    EXPECT_EQ(message->header_section(), "A: 1\nB: 2\n\n");
    EXPECT_EQ(delivered(*message, "A: 1\n\n"), "A: 1\n\nbody");
}

TEST(SendmailMessage, AMessageLargerThanAnyBufferIsStreamed) {
    std::string input = "Subject: big\n\n";
    while (input.size() < 20 * 1024 * 1024) input += std::string(99, 'z') + "\n";
    const auto message = spool(input, true);
    EXPECT_EQ(message->size(), input.size());
    EXPECT_EQ(delivered(*message, message->header_section()), input);
}

}  // namespace
}  // namespace mailpolicy
