// sendmail -t: addresses from To, Cc and Bcc in the forms RFC 5322 allows, and Bcc removal.

#include "module/sendmail_headers.h"

#include <gtest/gtest.h>

namespace mailpolicy {
namespace {

using List = std::vector<std::string>;

TEST(SendmailHeaders, AddressListForms) {
    EXPECT_EQ(address_list(" a@x.example"), List{"a@x.example"});
    EXPECT_EQ(address_list(" Ann Example <ann@x.example>, b@y.example"),
              (List{"ann@x.example", "b@y.example"}));
    EXPECT_EQ(address_list(" \"Doe, John\" <john@x.example> (work), c@z (comment, with comma)"),
              (List{"john@x.example", "c@z"}));
    EXPECT_EQ(address_list(" team: a@x, b@y;, solo@z"), (List{"a@x", "b@y", "solo@z"}));
    EXPECT_EQ(address_list(" undisclosed-recipients:;"), List{});
    EXPECT_EQ(address_list(" \"odd local\"@x.example"), List{"\"odd local\"@x.example"});
    EXPECT_EQ(address_list(" =?utf-8?q?J=C3=B6rg?= <jorg@x.example>"), List{"jorg@x.example"});
    EXPECT_EQ(address_list(" <@relay.example,@r2.example:route@x.example>"),
              List{"route@x.example"});
    EXPECT_EQ(address_list(" Name\r\n <folded@x.example>,\r\n\tnext@y.example\r\n"),
              (List{"folded@x.example", "next@y.example"}));
}

TEST(SendmailHeaders, RecipientsComeFromToCcAndBccOnly) {
    const std::string header =
        "From: me@example.com\r\n"
        "To: a@x.example,\r\n b@y.example\r\n"
        "cc: c@z.example\r\n"
        "Reply-To: not@me.example\r\n"
        "BCC: hidden@w.example\r\n"
        "Subject: To: nobody@x\r\n"
        "\r\n";
    EXPECT_EQ(header_recipients(header),
              (List{"a@x.example", "b@y.example", "c@z.example", "hidden@w.example"}));
}

TEST(SendmailHeaders, BccIsRemovedWithItsContinuationLines) {
    const std::string header = "To: a@x\nBcc: h1@x,\n  h2@x\nSubject: hi\nbcc: h3@x\n\n";
    EXPECT_EQ(without_bcc(header), "To: a@x\nSubject: hi\n\n");
    EXPECT_EQ(without_bcc("To: a@x\r\n\r\n"), "To: a@x\r\n\r\n");
}

}  // namespace
}  // namespace mailpolicy
