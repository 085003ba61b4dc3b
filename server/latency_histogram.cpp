#include "server/latency_histogram.h"

#include <bit>
#include <cstdio>

#include "server/command_table.h"
#include "server/server.h"

namespace replikv {
namespace {

constexpr int kSubBits = 7;                    // 128 sub-ranges per power of two
constexpr uint64_t kLinear = 2u << kSubBits;   // 256 values below this have a counter each
constexpr int kMaxShift = 22;                  // 1e9 >> 22 is in [128, 256)
constexpr size_t kCounters = kLinear + kMaxShift * (kLinear / 2);

// Values in [lo << shift, (lo + 1) << shift) share a counter; shift 0 below 256.
int ShiftOf(uint64_t v) {
  if (v < kLinear) return 0;
  return std::bit_width(v) - 1 - kSubBits;
}

size_t IndexOf(uint64_t v) {
  int shift = ShiftOf(v);
  if (shift == 0) return static_cast<size_t>(v);
  return kLinear + static_cast<size_t>(shift - 1) * (kLinear / 2) + static_cast<size_t>((v >> shift) - kLinear / 2);
}

// The lowest value of counter `i` and the width of its range.
void RangeOf(size_t i, uint64_t* low, uint64_t* width) {
  if (i < kLinear) {
    *low = i;
    *width = 1;
    return;
  }
  size_t j = i - kLinear;
  int shift = static_cast<int>(j / (kLinear / 2)) + 1;
  uint64_t sub = j % (kLinear / 2) + kLinear / 2;
  *low = sub << shift;
  *width = uint64_t{1} << shift;
}

// "%f" without trailing zeros: 50 -> "50", 99.9 -> "99.9" (as Redis names them).
std::string PercentileName(double p) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%f", p);
  std::string s = buf;
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

void AppendOne(const Command& cmd, const std::vector<double>& percentiles, std::string* out) {
  if (!cmd.latency || cmd.latency->total() == 0) return;
  *out += "latency_percentiles_usec_";
  *out += cmd.full_name;
  *out += ':';
  bool first = true;
  for (double p : percentiles) {
    char buf[96];
    std::snprintf(buf, sizeof(buf), "%sp%s=%.3f", first ? "" : ",", PercentileName(p).c_str(),
                  static_cast<double>(cmd.latency->ValueAtPercentile(p)) / 1000.0);
    *out += buf;
    first = false;
  }
  *out += "\r\n";
}

}  // namespace

LatencyHistogram::LatencyHistogram() : counts_(kCounters, 0) {}

void LatencyHistogram::Record(uint64_t ns) {
  if (ns < kMinNs) ns = kMinNs;
  if (ns > kMaxNs) ns = kMaxNs;
  ++counts_[IndexOf(ns)];
  ++total_;
}

uint64_t LatencyHistogram::ValueAtPercentile(double percentile) const {
  if (total_ == 0) return 0;
  if (percentile > 100) percentile = 100;
  // hdr_histogram: the first value whose cumulative count reaches
  // round(p% of the total), at least 1.
  auto wanted = static_cast<uint64_t>(percentile / 100.0 * static_cast<double>(total_) + 0.5);
  if (wanted < 1) wanted = 1;
  uint64_t seen = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= wanted && counts_[i] != 0) {
      uint64_t low, width;
      RangeOf(i, &low, &width);
      return percentile == 0.0 ? low : low + width - 1;
    }
  }
  return 0;
}

uint64_t LatencyHistogram::CountUpTo(uint64_t ns) const {
  if (ns > kMaxNs) ns = kMaxNs;
  const size_t last = IndexOf(ns);
  uint64_t n = 0;
  for (size_t i = 0; i <= last; ++i) n += counts_[i];
  return n;
}

uint64_t LatencyHistogram::HighestEquivalent(uint64_t ns) {
  uint64_t low, width;
  RangeOf(IndexOf(ns), &low, &width);
  return low + width - 1;
}

void RecordCommandLatency(Command& cmd, int64_t duration_us) {
  if (!cmd.latency) cmd.latency = std::make_shared<LatencyHistogram>();
  cmd.latency->Record(duration_us > 0 ? static_cast<uint64_t>(duration_us) * 1000 : 0);
}

void AppendLatencyStats(Server& s, std::string* out) {
  // Redis 7.0 prints nothing while latency-tracking is off.
  if (!s.config().latency_tracking) return;
  const std::vector<double>& percentiles = s.config().latency_tracking_info_percentiles;
  for (auto& [name, cmd] : s.commands().all()) {
    AppendOne(cmd, percentiles, out);
    for (auto& [sname, sub] : cmd.subcommands) AppendOne(sub, percentiles, out);
  }
}

}  // namespace replikv
