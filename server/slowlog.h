// SLOWLOG: the last `slowlog-max-len` commands that took at least
// `slowlog-log-slower-than` microseconds (-1: none, 0: every command).
//
// Entries are kept newest first, as Redis 7.0 replies them:
//   id, unix time, duration in microseconds, arguments, "ip:port", name.
// Arguments are stored as Redis shortens them: at most 32 (the 32nd says
// "... (N more arguments)"), each at most 128 bytes followed by
// "... (N more bytes)"; secrets as "(redacted)" (server/monitor.h).
// Trimming to slowlog-max-len happens when an entry is added, as in Redis.
// Loop thread only.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "server/command_table.h"

namespace replikv {

class SlowLog {
 public:
  struct Entry {
    uint64_t id = 0;
    int64_t time_sec = 0;
    int64_t duration_us = 0;
    std::vector<std::string> args;
    std::string addr;
    std::string name;
  };

  SlowLog() = default;
  SlowLog(const SlowLog&) = delete;
  SlowLog& operator=(const SlowLog&) = delete;

  // Adds an entry for `argv` and trims to `max_len` entries.
  void Add(ArgList argv, int64_t duration_us, int64_t now_sec, const std::string& addr, const std::string& name,
           uint64_t max_len);
  void Reset() { entries_.clear(); }
  size_t size() const { return entries_.size(); }
  // Newest first.
  const std::deque<Entry>& entries() const { return entries_; }

 private:
  std::deque<Entry> entries_;
  uint64_t next_id_ = 0;
};

}  // namespace replikv
