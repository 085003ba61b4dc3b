// Logging in Redis's line shape:
//   12345:M 25 Nov 2026 17:50:07.123 * Ready to accept connections
// "pid:role" then the time with milliseconds, then a level mark: '.' debug,
// '-' verbose, '*' notice, '#' warning. Role: 'M' primary, 'S' replica,
// 'C' a fork()ed child. Levels map onto spdlog's: trace=debug, debug=verbose,
// info=notice, warn=warning.
//
// One synchronous logger (no async thread: threads do not survive fork()).
// Only the loop thread and forked children log.
#pragma once

#include <spdlog/spdlog.h>

#include <string>
#include <string_view>

#include "server/base/status.h"

namespace replikv {

enum class LogRole : char { kPrimary = 'M', kReplica = 'S', kChild = 'C' };

// Installs the default spdlog logger: stdout when `logfile` is empty, else
// appends to that file. `level` is Redis's name (debug, verbose, notice,
// warning).
Status SetupLogging(const std::string& logfile, const std::string& level);

// Changes the level at run time (CONFIG SET loglevel).
Status SetLogLevel(std::string_view level);

// The role letter printed after the pid; the child sets kChild after fork().
void SetLogRole(LogRole role);

// Re-reads the pid for the line prefix (a forked child calls it).
void RefreshLogPid();

// Writes `text` as is (no prefix, no newline added) where the log goes, at
// notice level: Redis's serverLogRaw, used for the start-up logo.
void LogRaw(std::string_view text);

}  // namespace replikv
