// Log targets as an admin uses them: a file target that logrotate moves away and that
// SIGHUP's reopen creates anew, and the level taking effect.
#include "module/logging.h"

#include <Poco/Logger.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace mailpolicy {
namespace {

namespace fs = std::filesystem;

std::string contents(const fs::path& path) {
    std::ifstream file(path);
    std::ostringstream text;
    text << file.rdbuf();
    return text.str();
}

TEST(Logging, FileTargetIsReopenedAfterRotationAndHonoursTheLevel) {
    const fs::path directory =
        fs::temp_directory_path() / ("logging_test." + std::to_string(::getpid()));
    fs::create_directories(directory);
    LogConfig config;
    config.target = LogConfig::Target::File;
    config.file = (directory / "mailpolicyd.log").string();
    config.level = "information";
    configure_logging(config);

    auto& logger = Poco::Logger::get("mailpolicyd.test");
    logger.information("first line");
    logger.debug("hidden at information");
    fs::rename(config.file, directory / "mailpolicyd.log.1");
    config.level = "debug";
    reopen_logs(config);
    logger.debug("second line");

    const std::string rotated = contents(directory / "mailpolicyd.log.1");
    const std::string fresh = contents(config.file);
    EXPECT_NE(rotated.find("mailpolicyd.test: Information: first line"), std::string::npos)
        << rotated;
    EXPECT_EQ(rotated.find("hidden at information"), std::string::npos);
    EXPECT_NE(fresh.find("mailpolicyd.test: Debug: second line"), std::string::npos) << fresh;
    EXPECT_EQ(fresh.find("first line"), std::string::npos);
    fs::remove_all(directory);
}

TEST(Logging, UnwritableFileIsAnError) {
    LogConfig config;
    config.target = LogConfig::Target::File;
    config.file = "/nonexistent-directory/mailpolicyd.log";
    EXPECT_THROW(configure_logging(config), std::runtime_error);
}

}  // namespace
}  // namespace mailpolicy
