// LDIF parsing as an admin writes it: comments, folded lines, base64, several values,
// CRLF files; and errors that point at the file and line to fix.
#include "ldap/ldif_parser.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

namespace mailpolicy {
namespace {

TEST(LdifParser, ReadsRecordsWithCommentsContinuationsAndBase64) {
    const char* text =
        "version: 1\n"
        "# the people\n"
        "#  continued comment\n"
        "dn: uid=alice,ou=people,\n"
        " dc=example,dc=test\n"
        "objectClass: inetOrgPerson\n"
        "objectclass: mailPolicyAccount\n"
        "Mail: alice@example.com\n"
        "cn:: QWxpY2Ugw4l4YW1wbGU=\n"
        "mailPolicySendException: *@partner.com\n"
        "mailPolicySendException: supplier.org\n"
        "description;lang-en: folded\n"
        "  with a space\n"
        "\n"
        "\n"
        "dn:: Y249c3RhZmYsZGM9ZXhhbXBsZSxkYz10ZXN0\n"
        "entryUUID: 0c4f2d6e-1111-2222-3333-444455556666\n"
        "cn: staff\n";
    auto entries = parse_ldif(text, "people.ldif");
    ASSERT_EQ(entries.size(), 2U);
    const Entry& alice = entries[0];
    EXPECT_EQ(alice.dn, "uid=alice,ou=people,dc=example,dc=test");
    EXPECT_EQ(alice.values("objectClass"),
              (std::vector<std::string>{"inetOrgPerson", "mailPolicyAccount"}));
    EXPECT_EQ(alice.first("mail"), "alice@example.com");
    EXPECT_EQ(alice.first("cn"), "Alice \xC3\x89xample");
    EXPECT_EQ(alice.values("mailPolicySendException").size(), 2U);
    EXPECT_EQ(alice.first("description"), "folded with a space");
    EXPECT_TRUE(alice.has_object_class("MAILPOLICYACCOUNT"));
    EXPECT_EQ(entries[1].dn, "cn=staff,dc=example,dc=test");
    EXPECT_EQ(entries[1].uuid, "0c4f2d6e-1111-2222-3333-444455556666");
    EXPECT_TRUE(entries[1].values("entryuuid").empty());
}

TEST(LdifParser, ToleratesCrlfAndEmptyValues) {
    auto entries = parse_ldif("dn: cn=a,dc=test\r\ncn: a\r\ndescription:\r\n\r\n", "crlf.ldif");
    ASSERT_EQ(entries.size(), 1U);
    EXPECT_EQ(entries[0].first("cn"), "a");
    EXPECT_EQ(entries[0].values("description"), std::vector<std::string>{""});
}

void expect_error(const std::string& text, const std::string& message) {
    try {
        parse_ldif(text, "bad.ldif");
        ADD_FAILURE() << "no error for: " << text;
    } catch (const LdifParseError& error) {
        EXPECT_EQ(std::string(error.what()), message);
    }
}

TEST(LdifParser, ErrorsNameFileAndLine) {
    expect_error("dn: cn=a,dc=test\ncn: a\nthis line has no colon\n",
                 "bad.ldif:3: expected \"attribute: value\"");
    expect_error("cn: a\n", "bad.ldif:1: expected \"dn:\" to start a record");
    expect_error("# c\n\ndn: cn=a,dc=test\ncn:: !!!\n", "bad.ldif:4: invalid base64 value");
    expect_error("dn: cn=a,dc=test\njpegPhoto:< file:///etc/passwd\n",
                 "bad.ldif:2: URL values (\"jpegphoto:<\") are not supported");
    expect_error("dn: cn=a,dc=test\nchangetype: modify\n",
                 "bad.ldif:2: change records (changetype) are not supported");
    expect_error(" leading continuation\n",
                 "bad.ldif:1: continuation line without a line to continue");
    expect_error("dn: cn=a,dc=test\nbad name: x\n",
                 "bad.ldif:2: invalid attribute name \"bad name\"");
    expect_error("version: 2\n", "bad.ldif:1: unsupported LDIF version");
}

TEST(LdifParser, RefusesOverlongLines) {
    std::string huge = "dn: cn=a,dc=test\ndescription: " + std::string(max_ldif_line + 1, 'x');
    expect_error(huge, "bad.ldif:2: line too long");
    std::string folded = "dn: cn=a,dc=test\ndescription: x\n";
    for (int i = 0; i < 20; ++i) folded += " " + std::string(max_ldif_line / 16, 'y') + "\n";
    expect_error(folded, "bad.ldif:2: line too long");
}

TEST(LdifParser, MissingFileIsAClearError) {
    try {
        parse_ldif_file("/nonexistent/directory.ldif");
        ADD_FAILURE();
    } catch (const LdifParseError& error) {
        EXPECT_EQ(std::string(error.what()), "/nonexistent/directory.ldif:0: cannot open file");
    }
}

// A temporary file that removes itself.
class TempFile {
  public:
    explicit TempFile(const std::string& text) {
        char pattern[] = "/tmp/mailpolicy-ldif-parser.XXXXXX";
        int fd = ::mkstemp(pattern);
        ::close(fd);
        path = pattern;
        std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
    }
    ~TempFile() { std::remove(path.c_str()); }
    std::string path;
};

TEST(LdifParser, ReadsALargeFileRecordByRecordAcrossChunks) {
    // Far more than one read chunk, with folded lines and CRLF wherever the chunks split.
    std::string text = "version: 1\r\n";
    const int count = 20000;
    for (int i = 0; i < count; ++i) {
        text += "dn: uid=user" + std::to_string(i) + ",\r\n dc=test\r\nmail: user" +
                std::to_string(i) + "@example.com\r\ndescription: " + std::string(i % 97 + 1, 'd') +
                "\r\n  folded\r\n\r\n";
    }
    TempFile file(text);
    std::size_t expected = 0;
    int seen = 0;
    std::size_t count_read = read_ldif_file(
        file.path, [&](std::size_t announced) { expected = announced; },
        [&](Entry entry) {
            EXPECT_EQ(expected, std::size_t(count)) << "records before the count";
            EXPECT_EQ(entry.dn, "uid=user" + std::to_string(seen) + ",dc=test");
            EXPECT_EQ(entry.first("mail"), "user" + std::to_string(seen) + "@example.com");
            EXPECT_EQ(entry.first("description"), std::string(seen % 97 + 1, 'd') + " folded");
            ++seen;
        });
    EXPECT_EQ(count_read, std::size_t(count));
    EXPECT_EQ(seen, count);
    EXPECT_EQ(parse_ldif_file(file.path).size(), std::size_t(count));
}

TEST(LdifParser, ABrokenFileHandsOnNothing) {
    std::string text;
    for (int i = 0; i < 5000; ++i)
        text += "dn: uid=u" + std::to_string(i) + ",dc=test\nmail: x\n\n";
    text += "dn: uid=bad,dc=test\nmail x\n";
    TempFile file(text);
    bool handed_on = false;
    try {
        read_ldif_file(
            file.path, [&](std::size_t) { handed_on = true; }, [&](Entry) { handed_on = true; });
        ADD_FAILURE() << "no error";
    } catch (const LdifParseError& error) {
        EXPECT_EQ(std::string(error.what()), file.path + ":15002: expected \"attribute: value\"");
    }
    EXPECT_FALSE(handed_on);
}

TEST(LdifParser, RefusesAnOverlongLineInAFileWithoutReadingItWhole) {
    TempFile file("dn: cn=a,dc=test\ndescription: " + std::string(3 * max_ldif_line, 'x'));
    try {
        parse_ldif_file(file.path);
        ADD_FAILURE();
    } catch (const LdifParseError& error) {
        EXPECT_EQ(std::string(error.what()), file.path + ":2: line too long");
    }
}

}  // namespace
}  // namespace mailpolicy
