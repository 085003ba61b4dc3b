// SlowLog, LatencyMonitor and MONITOR's quoting, without a server.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "server/latency_monitor.h"
#include "server/monitor.h"
#include "server/slowlog.h"

namespace replikv {
namespace {

std::vector<std::string_view> Args(const std::vector<std::string>& v) {
  return std::vector<std::string_view>(v.begin(), v.end());
}

TEST(SlowLog, NewestFirstWithIncreasingIdsAndTrimmedToMaxLen) {
  SlowLog log;
  for (int i = 0; i < 5; ++i) {
    std::vector<std::string> argv = {"SET", "k" + std::to_string(i), "v"};
    auto a = Args(argv);
    log.Add(ArgList(a), 10 + i, 1000 + i, "127.0.0.1:1", "nm", 3);
  }
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log.entries()[0].id, 4u);
  EXPECT_EQ(log.entries()[0].args[1], "k4");
  EXPECT_EQ(log.entries()[2].id, 2u);
  EXPECT_EQ(log.entries()[2].duration_us, 12);
  EXPECT_EQ(log.entries()[0].addr, "127.0.0.1:1");
  log.Reset();
  EXPECT_EQ(log.size(), 0u);
}

TEST(SlowLog, LongArgumentsAndListsAreShortenedAsRedis) {
  SlowLog log;
  std::vector<std::string> argv = {"RPUSH", "l"};
  for (int i = 0; i < 40; ++i) argv.push_back(std::to_string(i));
  argv[2] = std::string(200, 'a');
  auto a = Args(argv);
  log.Add(ArgList(a), 1, 1, "", "", 10);
  const auto& args = log.entries()[0].args;
  ASSERT_EQ(args.size(), 32u);
  EXPECT_EQ(args[2], std::string(128, 'a') + "... (72 more bytes)");
  EXPECT_EQ(args[31], "... (11 more arguments)");
  EXPECT_EQ(args[30], "28");
}

TEST(SlowLog, ExactlyThirtyTwoArgumentsAreKept) {
  SlowLog log;
  std::vector<std::string> argv(32, "x");
  auto a = Args(argv);
  log.Add(ArgList(a), 1, 1, "", "", 10);
  EXPECT_EQ(log.entries()[0].args, argv);
}

TEST(SlowLog, SecretsAreRedacted) {
  SlowLog log;
  std::vector<std::string> argv = {"HELLO", "3", "AUTH", "user", "pass", "SETNAME", "n"};
  auto a = Args(argv);
  log.Add(ArgList(a), 1, 1, "", "", 10);
  EXPECT_EQ(log.entries()[0].args,
            (std::vector<std::string>{"HELLO", "3", "AUTH", "(redacted)", "(redacted)", "SETNAME", "n"}));
}

TEST(MonitorQuoting, EscapesAsSdscatrepr) {
  std::string out;
  AppendQuoted(&out, std::string_view("a \"\\\n\r\t\a\b\x01\xff~", 12));
  EXPECT_EQ(out, "\"a \\\"\\\\\\n\\r\\t\\a\\b\\x01\\xff~\"");
}

TEST(LatencyMonitor, OneSamplePerSecondKeepsItsWorst) {
  LatencyMonitor lm;
  lm.AddIfNeeded("command", 5, 10, 100);  // under the threshold
  EXPECT_EQ(lm.Find("command"), nullptr);
  lm.AddIfNeeded("command", 20, 10, 100);
  lm.AddIfNeeded("command", 50, 10, 100);
  lm.AddIfNeeded("command", 30, 10, 100);
  lm.AddIfNeeded("command", 15, 10, 101);
  const LatencyMonitor::Event* ev = lm.Find("command");
  ASSERT_NE(ev, nullptr);
  auto samples = ev->Samples();
  ASSERT_EQ(samples.size(), 2u);
  EXPECT_EQ(samples[0].latency_ms, 50);
  EXPECT_EQ(samples[1].latency_ms, 15);
  EXPECT_EQ(ev->Last().time_sec, 101);
  EXPECT_EQ(ev->max_ms, 50);
  lm.AddIfNeeded("command", 99, 0, 102);  // threshold 0: off
  EXPECT_EQ(lm.Find("command")->max_ms, 50);
}

TEST(LatencyMonitor, RingKeepsTheLast160Seconds) {
  LatencyMonitor lm;
  for (int t = 1; t <= 200; ++t) lm.Add("fork", t, t);
  auto samples = lm.Find("fork")->Samples();
  ASSERT_EQ(samples.size(), LatencyMonitor::kSamples);
  EXPECT_EQ(samples.front().time_sec, 41);
  EXPECT_EQ(samples.back().time_sec, 200);
  EXPECT_EQ(lm.ResetAll(), 1u);
  EXPECT_FALSE(lm.Reset("fork"));
}

TEST(LatencyGraph, LevelsRowsAndAges) {
  LatencyMonitor lm;
  lm.Add("command", 30, 955);
  lm.Add("command", 12, 956);
  lm.Add("command", 20, 957);
  EXPECT_EQ(LatencyGraph("command", *lm.Find("command"), 957),
            "command - high 30 ms, low 12 ms (all time high 30 ms)\n" + std::string(80, '-') +
                "\n#  \n|  \n| #\n|_|\n   \n210\nsss\n");
}

}  // namespace
}  // namespace replikv
