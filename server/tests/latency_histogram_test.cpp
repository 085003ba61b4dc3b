// LatencyHistogram: the figures Redis 7.0's HDR histogram (1 ns .. 1 s, two
// significant digits) reports for the same recorded durations.
#include "server/latency_histogram.h"

#include <gtest/gtest.h>

namespace replikv {
namespace {

TEST(LatencyHistogram, SmallValuesAreExact) {
  LatencyHistogram h;
  h.Record(0);  // clamped to 1 ns, as Redis
  h.Record(200);
  EXPECT_EQ(h.ValueAtPercentile(0), 1u);
  EXPECT_EQ(h.ValueAtPercentile(50), 1u);
  EXPECT_EQ(h.ValueAtPercentile(100), 200u);
}

TEST(LatencyHistogram, LargeValuesReportTheirSubRangeBounds) {
  // 72 us = 72000 ns lies in [71680, 72192): Redis prints p0=71.680 and
  // p50=72.191 for it (seen on redis-server 7.0.15).
  LatencyHistogram h;
  h.Record(72000);
  EXPECT_EQ(h.ValueAtPercentile(0), 71680u);
  EXPECT_EQ(h.ValueAtPercentile(50), 72191u);
  EXPECT_EQ(h.ValueAtPercentile(100), 72191u);
  // 1 us: Redis's familiar p50=1.003.
  LatencyHistogram one;
  one.Record(1000);
  EXPECT_EQ(one.ValueAtPercentile(50), 1003u);
}

TEST(LatencyHistogram, PercentilesFollowTheCounts) {
  LatencyHistogram h;
  for (int i = 0; i < 99; ++i) h.Record(1000);
  h.Record(1000000);
  EXPECT_EQ(h.total(), 100u);
  EXPECT_EQ(h.ValueAtPercentile(50), 1003u);
  EXPECT_EQ(h.ValueAtPercentile(99), 1003u);
  EXPECT_GE(h.ValueAtPercentile(99.9), 1000000u);
  EXPECT_LT(h.ValueAtPercentile(99.9), 1000000u * 101 / 100);
}

TEST(LatencyHistogram, ValuesOverOneSecondAreClamped) {
  LatencyHistogram h;
  h.Record(5000000000ull);
  EXPECT_GE(h.ValueAtPercentile(100), LatencyHistogram::kMaxNs);
  EXPECT_LT(h.ValueAtPercentile(100), LatencyHistogram::kMaxNs * 101 / 100);
}

}  // namespace
}  // namespace replikv
