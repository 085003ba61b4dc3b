#include "server/base/log.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <string>
#include <ctime>

namespace replikv {
namespace {

std::atomic<char> g_role{'M'};
std::atomic<int> g_pid{0};
std::string g_logfile;  // empty: stdout

// Formats "pid:R dd Mon yyyy hh:mm:ss.mmm L" where L is the level mark.
class RedisPrefix final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    // spdlog fills its tm only for patterns with time flags; compute ours.
    std::time_t secs = std::chrono::system_clock::to_time_t(msg.time);
    std::tm tm_time{};
    localtime_r(&secs, &tm_time);
    static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  msg.time.time_since_epoch()).count() % 1000;
    char mark = '*';
    switch (msg.level) {
      case spdlog::level::trace: mark = '.'; break;
      case spdlog::level::debug: mark = '-'; break;
      case spdlog::level::info: mark = '*'; break;
      default: mark = '#'; break;
    }
    fmt::format_to(std::back_inserter(dest), "{}:{} {:02d} {} {:04d} {:02d}:{:02d}:{:02d}.{:03d} {}",
                   g_pid.load(), g_role.load(), tm_time.tm_mday, kMonths[tm_time.tm_mon],
                   tm_time.tm_year + 1900, tm_time.tm_hour, tm_time.tm_min, tm_time.tm_sec,
                   static_cast<int>(ms), mark);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<RedisPrefix>();
  }
};

Result<spdlog::level::level_enum> ParseLevel(std::string_view level) {
  if (level == "debug") return spdlog::level::trace;
  if (level == "verbose") return spdlog::level::debug;
  if (level == "notice") return spdlog::level::info;
  if (level == "warning") return spdlog::level::warn;
  return Status::InvalidArgument("unknown log level", level);
}

}  // namespace

Status SetupLogging(const std::string& logfile, const std::string& level) {
  RefreshLogPid();
  g_logfile = logfile;
  auto lvl = ParseLevel(level);
  if (!lvl.ok()) return lvl.status();
  std::shared_ptr<spdlog::logger> logger;
  if (logfile.empty()) {
    logger = std::make_shared<spdlog::logger>(
        "replikv", std::make_shared<spdlog::sinks::stdout_sink_st>());
  } else {
    // spdlog throws on open failure; this is the edge where we catch it.
    try {
      logger = std::make_shared<spdlog::logger>(
          "replikv", std::make_shared<spdlog::sinks::basic_file_sink_st>(logfile));
    } catch (const spdlog::spdlog_ex& e) {
      return Status::IOError("can't open the log file", e.what());
    }
  }
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<RedisPrefix>('*').set_pattern("%* %v");
  logger->set_formatter(std::move(formatter));
  logger->set_level(*lvl);
  // Every line reaches the file at once: operators tail it, and a crash must
  // not swallow the last lines.
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
  return Status::OK();
}

Status SetLogLevel(std::string_view level) {
  auto lvl = ParseLevel(level);
  if (!lvl.ok()) return lvl.status();
  spdlog::set_level(*lvl);
  return Status::OK();
}

void SetLogRole(LogRole role) { g_role = static_cast<char>(role); }

void RefreshLogPid() { g_pid = static_cast<int>(getpid()); }

void LogRaw(std::string_view text) {
  auto logger = spdlog::default_logger();
  if (logger == nullptr || !logger->should_log(spdlog::level::info)) return;
  logger->flush();  // keep the order with the lines already logged
  // As Redis: the file is opened for each raw write, stdout otherwise.
  FILE* f = g_logfile.empty() ? stdout : std::fopen(g_logfile.c_str(), "a");
  if (f == nullptr) return;
  std::fwrite(text.data(), 1, text.size(), f);
  if (f == stdout) {
    std::fflush(f);
  } else {
    std::fclose(f);
  }
}

}  // namespace replikv
