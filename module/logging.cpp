// Poco channels for the three targets. Syslog messages carry no timestamp of their own
// (syslog adds one); console and file lines do. The channel is kept so SIGHUP can close
// and reopen it.
#include "module/logging.h"

#include <Poco/AutoPtr.h>
#include <Poco/ConsoleChannel.h>
#include <Poco/FileChannel.h>
#include <Poco/FormattingChannel.h>
#include <Poco/Logger.h>
#include <Poco/PatternFormatter.h>
#include <Poco/SyslogChannel.h>

#include <fstream>
#include <mutex>
#include <stdexcept>

namespace mailpolicy {

namespace {

std::mutex channel_mutex;
Poco::AutoPtr<Poco::Channel> target_channel;  // the innermost channel, for reopening

Poco::AutoPtr<Poco::Channel> make_target(const LogConfig& config) {
    switch (config.target) {
        case LogConfig::Target::Syslog: {
            Poco::AutoPtr<Poco::SyslogChannel> channel(new Poco::SyslogChannel(
                "mailpolicyd", Poco::SyslogChannel::SYSLOG_PID, Poco::SyslogChannel::SYSLOG_MAIL));
            return channel;
        }
        case LogConfig::Target::Console:
            return Poco::AutoPtr<Poco::Channel>(new Poco::ConsoleChannel);
        case LogConfig::Target::File: {
            if (!std::ofstream(config.file, std::ios::app)) {
                throw std::runtime_error("cannot open log file " + config.file);
            }
            return Poco::AutoPtr<Poco::Channel>(new Poco::FileChannel(config.file));
        }
    }
    throw std::logic_error("unknown log target");
}

void set_level(const std::string& level) {
    const int priority = Poco::Logger::parseLevel(level);
    Poco::Logger::root().setLevel(priority);
    Poco::Logger::setLevel("", priority);
}

}  // namespace

void configure_logging(const LogConfig& config) {
    const bool syslog = config.target == LogConfig::Target::Syslog;
    Poco::AutoPtr<Poco::PatternFormatter> formatter(
        new Poco::PatternFormatter(syslog ? "%t" : "%Y-%m-%d %H:%M:%S.%i [%P] %s: %p: %t"));
    formatter->setProperty("times", "local");
    std::lock_guard lock(channel_mutex);
    target_channel = make_target(config);
    target_channel->open();
    Poco::AutoPtr<Poco::FormattingChannel> channel(
        new Poco::FormattingChannel(formatter, target_channel));
    // root() first: loggers created later copy it; setChannel("") updates existing ones.
    Poco::Logger::root().setChannel(channel);
    Poco::Logger::setChannel("", channel);
    set_level(config.level);
}

void reopen_logs(const LogConfig& config) {
    std::lock_guard lock(channel_mutex);
    if (target_channel) {
        target_channel->close();
        target_channel->open();
    }
    set_level(config.level);
}

}  // namespace mailpolicy
