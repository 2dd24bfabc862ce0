// Shared by the ndr tests: a fixed report request and identity (so output is comparable
// with golden files), and the independent check: Python's email package parses a report
// and tells what it found (tests/ndr/check_report.py).
#pragma once

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "ndr/delivery_report.h"
#include "tests/support/test_daemon.h"

namespace mailpolicy::ndr::test {

inline std::chrono::system_clock::time_point at(std::int64_t epoch_seconds) {
    return std::chrono::system_clock::time_point(std::chrono::seconds(epoch_seconds));
}

inline ReportIdentity fixed_identity() {
    return {"<1796233115.0123456789abcdef@mx.example.com>", "=_mailpolicyd_fixed_boundary",
            at(1796233115)};  // Wed, 02 Dec 2026 17:38:35 +0000
}

inline const char* kOriginal =
    "From: Bob <bob@example.com>\r\n"
    "To: buyer@shop.example, alice@example.com\r\n"
    "Subject: Quote\r\n"
    "Message-ID: <q1@example.com>\r\n"
    "\r\n"
    "Please find the quote attached.\r\n";

inline ReportRequest one_denied_request() {
    ReportRequest request;
    request.reporting_mta = "mx.example.com";
    request.from = "MAILER-DAEMON@mx.example.com";
    request.original_sender = "bob@example.com";
    request.arrival_date = at(1796233110);
    request.recipients.push_back({"buyer@shop.example", std::nullopt, "5.7.1",
                                  "550 5.7.1 Contractors may only write to example.com addresses"});
    request.original_message = kOriginal;
    return request;
}

// Python's view of `report` (see check_report.py), parsed from its JSON output.
inline Poco::JSON::Object::Ptr parsed_by_python(const std::string& report) {
    const auto directory = mailpolicy::test::make_scratch_directory("ndr-check");
    const auto file = directory / "report.eml";
    std::ofstream(file, std::ios::binary) << report;
    const auto result = mailpolicy::test::run_command(
        {"python3", MAILPOLICY_SOURCE_DIR "/tests/ndr/check_report.py", file.string()});
    std::filesystem::remove_all(directory);
    if (result.exit_status != 0) {
        ADD_FAILURE() << "check_report.py failed: " << result.output;
        return new Poco::JSON::Object;
    }
    return Poco::JSON::Parser().parse(result.output).extract<Poco::JSON::Object::Ptr>();
}

}  // namespace mailpolicy::ndr::test
