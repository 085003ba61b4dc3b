// The latency monitor (LATENCY ...): per event, the worst latency of each
// second in which it reached `latency-monitor-threshold` milliseconds.
//
// Events, as Redis 7.0 names them: "command" and "fast-command" (a call),
// "fork", "expire-cycle", "eviction-cycle", "eviction-del", "aof-write",
// "aof-fsync-always". Each keeps the last 160 samples in a ring (a sample
// per second: a second sample in the same second only raises it) and the
// all-time maximum. A threshold of 0 records nothing. Loop thread only.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace replikv {

struct ServerConfig;

class LatencyMonitor {
 public:
  static constexpr size_t kSamples = 160;
  struct Sample {
    int64_t time_sec = 0;  // 0: unused slot
    int64_t latency_ms = 0;
  };
  struct Event {
    Sample ring[kSamples];
    size_t next = 0;  // the slot the next sample takes
    int64_t max_ms = 0;
    const Sample& Last() const { return ring[(next + kSamples - 1) % kSamples]; }
    // Oldest first, unused slots skipped.
    std::vector<Sample> Samples() const;
  };

  // Records `latency_ms` for `event` at `now_sec` when the threshold (ms,
  // 0 = off) is set and reached.
  void AddIfNeeded(std::string_view event, int64_t latency_ms, int64_t threshold_ms, int64_t now_sec) {
    if (threshold_ms > 0 && latency_ms >= threshold_ms) Add(event, latency_ms, now_sec);
  }
  void Add(std::string_view event, int64_t latency_ms, int64_t now_sec);
  const Event* Find(std::string_view event) const;
  // Forgets one event (true if it had samples) or all (returns how many).
  bool Reset(std::string_view event);
  size_t ResetAll();
  const std::map<std::string, Event, std::less<>>& events() const { return events_; }

 private:
  std::map<std::string, Event, std::less<>> events_;
};

// LATENCY GRAPH's text for one event: a header, then a sparkline of the
// samples (4 rows; '_' lowest, 'o' and '#' as the level rises in a row, '|'
// below the top of a column) with each column's age ("12s", "3m") written
// downwards under it. `now_sec` dates the ages.
std::string LatencyGraph(std::string_view name, const LatencyMonitor::Event& ev, int64_t now_sec);

// LATENCY DOCTOR's report (Redis 7.0's wording).
std::string LatencyDoctor(const LatencyMonitor& lm, const ServerConfig& config, int64_t now_sec);

}  // namespace replikv
