// The access clock (LRU stamps, the LFU Morris counter and its decay), the
// eviction time budget, and eviction through the dispatcher: DEL reaches the
// propagation funnel, and -OOM when nothing is left to evict.
#include <gtest/gtest.h>

#include <limits>

#include "server/access_clock.h"
#include "server/evict.h"
#include "server/types/entry.h"
#include "server/tests/command_fixture.h"

namespace replikv {
namespace {

struct ClockGuard {
  ~ClockGuard() { access_clock::Configure({}); }
};

TEST(AccessClock, LogIncrementIsCertainUpToTheInitialValueThenRarer) {
  EXPECT_EQ(access_clock::LogIncrement(0, 10, 0.999), 1);
  EXPECT_EQ(access_clock::LogIncrement(5, 10, 0.999), 6);
  // At 6 the chance is 1 / (1 * 10 + 1).
  EXPECT_EQ(access_clock::LogIncrement(6, 10, 1.0 / 11 - 1e-9), 7);
  EXPECT_EQ(access_clock::LogIncrement(6, 10, 1.0 / 11 + 1e-9), 6);
  EXPECT_EQ(access_clock::LogIncrement(255, 10, 0.0), 255);
  // A log factor of 0 counts every hit.
  EXPECT_EQ(access_clock::LogIncrement(100, 0, 0.999), 101);
}

TEST(AccessClock, LruStampsTheSecondOfTheLastAccess) {
  ClockGuard guard;
  access_clock::Configure({});
  access_clock::SetNowMs(1'000'000'000);
  Entry* e = Entry::NewString("k", "v", false);
  EXPECT_EQ(e->lru(), 1'000'000u);
  access_clock::SetNowMs(1'000'007'500);
  EXPECT_EQ(access_clock::IdleSeconds(e), 7u);
  EXPECT_EQ(access_clock::EvictionScore(e), 7000u);
  access_clock::Touch(e);
  EXPECT_EQ(access_clock::IdleSeconds(e), 0u);
  Entry::Free(e);
}

TEST(AccessClock, LfuStartsAtFiveAndDecaysOncePerDecayPeriod) {
  ClockGuard guard;
  access_clock::Configure({true, 10, 2});
  const int64_t t0 = 60'000LL * 1000;
  access_clock::SetNowMs(t0);
  Entry* e = Entry::NewString("k", "v", false);
  EXPECT_EQ(access_clock::Frequency(e), access_clock::kLfuInitialCounter);
  for (int i = 0; i < 200; ++i) access_clock::Touch(e);
  const uint8_t hot = access_clock::Frequency(e);
  EXPECT_GT(hot, 6);
  EXPECT_LT(hot, 40);  // logarithmic: 200 hits stay far below 255
  // Five minutes at 2 minutes per period: two decrements.
  access_clock::SetNowMs(t0 + 5 * 60'000);
  EXPECT_EQ(access_clock::Frequency(e), hot - 2);
  EXPECT_EQ(access_clock::EvictionScore(e), 255u - (hot - 2));
  Entry::Free(e);
}

TEST(Evictor, TimeBudgetFollowsTenacity) {
  EXPECT_EQ(Evictor::TimeLimitUs(0), 0u);
  EXPECT_EQ(Evictor::TimeLimitUs(1), 50u);
  EXPECT_EQ(Evictor::TimeLimitUs(10), 500u);
  EXPECT_EQ(Evictor::TimeLimitUs(11), 575u);
  EXPECT_GT(Evictor::TimeLimitUs(99), 100'000'000u);
  EXPECT_EQ(Evictor::TimeLimitUs(100), std::numeric_limits<uint64_t>::max());
}

class EvictionTest : public CommandTest {
 protected:
  ~EvictionTest() override { access_clock::Configure({}); }
};

TEST_F(EvictionTest, EvictedKeysArePropagatedAsDelAndCounted) {
  EXPECT_EQ(Exec({"CONFIG", "SET", "maxmemory-policy", "allkeys-random"}), "+OK\r\n");
  EXPECT_EQ(Exec({"CONFIG", "SET", "maxmemory-eviction-tenacity", "100"}), "+OK\r\n");
  EXPECT_EQ(Exec({"DEBUG", "POPULATE", "1000"}), "+OK\r\n");
  Propagated();
  // A limit under anything the process can reach: every key goes, then
  // writes that need memory are refused and reads still run.
  EXPECT_EQ(Exec({"CONFIG", "SET", "maxmemory", "1"}), "+OK\r\n");
  EXPECT_EQ(Exec({"DBSIZE"}), ":0\r\n");
  EXPECT_EQ(server_->evictor().stats().evicted_keys, 1000u);
  std::string stream = Propagated();
  size_t dels = 0;
  for (size_t at = stream.find("$3\r\nDEL\r\n"); at != std::string::npos; at = stream.find("$3\r\nDEL\r\n", at + 1)) {
    ++dels;
  }
  EXPECT_EQ(dels, 1000u);
  EXPECT_EQ(stream.find("MULTI"), std::string::npos);  // each eviction stands alone
  EXPECT_EQ(Exec({"SET", "k", "v"}), "-OOM command not allowed when used memory > 'maxmemory'.\r\n");
  EXPECT_EQ(Exec({"GET", "k"}), "$-1\r\n");
  EXPECT_EQ(Exec({"CONFIG", "SET", "maxmemory", "0"}), "+OK\r\n");
  EXPECT_EQ(Exec({"SET", "k", "v"}), "+OK\r\n");
}

TEST_F(EvictionTest, VolatilePolicyLeavesKeysWithoutTtl) {
  EXPECT_EQ(Exec({"CONFIG", "SET", "maxmemory-policy", "volatile-lru"}), "+OK\r\n");
  EXPECT_EQ(Exec({"CONFIG", "SET", "maxmemory-eviction-tenacity", "100"}), "+OK\r\n");
  EXPECT_EQ(Exec({"SET", "keep", "1"}), "+OK\r\n");
  EXPECT_EQ(Exec({"SET", "go", "1", "EX", "1000"}), "+OK\r\n");
  EXPECT_EQ(Exec({"CONFIG", "SET", "maxmemory", "1"}), "+OK\r\n");
  EXPECT_EQ(Exec({"EXISTS", "keep", "go"}), ":1\r\n");
  EXPECT_EQ(Exec({"SET", "x", "1"}), "-OOM command not allowed when used memory > 'maxmemory'.\r\n");
  EXPECT_EQ(Exec({"CONFIG", "SET", "maxmemory", "0"}), "+OK\r\n");
}

}  // namespace
}  // namespace replikv
