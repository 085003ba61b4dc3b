// LatencyHistogram: per-command latency for INFO latencystats.
//
// Redis 7.0 records each call's duration in nanoseconds into an HDR
// histogram (1 ns .. 1 s, two significant digits) and reports percentiles
// in microseconds with three decimals. This is the same log-linear layout,
// written for the one use: values below 256 ns have a counter each; above,
// every power-of-two range [2^m, 2^(m+1)) is split into 128 equal
// sub-ranges, so a reported value is at most 1/128 (< 1%) above the real
// one, and a percentile prints the same figure Redis prints for the same
// durations (the top of the sub-range; the bottom for p0).
//
// Cost: Record() is a bit scan, a shift and an increment; the counters
// (3,072 of them, 24 KiB) are allocated on a command's first call.
// Loop thread only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace replikv {

class Server;

class LatencyHistogram {
 public:
  static constexpr uint64_t kMinNs = 1;
  static constexpr uint64_t kMaxNs = 1000000000;  // 1 s, as Redis's bound

  LatencyHistogram();
  void Record(uint64_t duration_ns);
  uint64_t total() const { return total_; }
  // The value at `percentile` (0..100) in nanoseconds, hdr_histogram's
  // answer: the highest value equivalent to the one reached (p0: lowest).
  uint64_t ValueAtPercentile(double percentile) const;
  // How many recorded values share a counter with `ns` or a lower one
  // (hdr_histogram's cumulative count at the step `ns`; LATENCY HISTOGRAM).
  uint64_t CountUpTo(uint64_t ns) const;
  // The highest value sharing a counter with `ns`.
  static uint64_t HighestEquivalent(uint64_t ns);

 private:
  std::vector<uint64_t> counts_;
  uint64_t total_ = 0;
};

// The INFO latencystats lines: "latency_percentiles_usec_<cmd>:p50=...,...".
void AppendLatencyStats(Server& s, std::string* out);

// Records one call of `cmd` that took `duration_us` (Server::Call).
struct Command;
void RecordCommandLatency(Command& cmd, int64_t duration_us);

}  // namespace replikv
