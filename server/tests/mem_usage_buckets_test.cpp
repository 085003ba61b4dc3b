#include "server/net/mem_usage_buckets.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <random>
#include <vector>

namespace replikv {
namespace {

struct Item {
  explicit Item(size_t b = 0) : bytes(b) {}
  size_t bytes;
  MemUsageHook<Item> hook;
};
using Buckets = MemUsageBuckets<Item, &Item::hook>;

TEST(MemUsageBuckets, BucketOfClampsBothEnds) {
  EXPECT_EQ(Buckets::BucketOf(0), 0);
  EXPECT_EQ(Buckets::BucketOf(1), 0);
  EXPECT_EQ(Buckets::BucketOf(32 * 1024 - 1), 0);
  EXPECT_EQ(Buckets::BucketOf(32 * 1024), 1);
  EXPECT_EQ(Buckets::BucketOf(64 * 1024 - 1), 1);
  EXPECT_EQ(Buckets::BucketOf(64 * 1024), 2);
  EXPECT_EQ(Buckets::BucketOf(size_t{1} << 32), Buckets::kBuckets - 1);
  EXPECT_EQ(Buckets::BucketOf(SIZE_MAX), Buckets::kBuckets - 1);
}

TEST(MemUsageBuckets, EmptyHasNoBiggest) {
  Buckets b;
  EXPECT_EQ(b.Biggest(), nullptr);
  EXPECT_EQ(b.size(), 0u);
}

TEST(MemUsageBuckets, BiggestIsInTheHighestBucket) {
  Buckets b;
  Item small{1000}, mid{100 * 1024}, big{5 * 1024 * 1024};
  b.Place(&small, small.bytes);
  b.Place(&big, big.bytes);
  b.Place(&mid, mid.bytes);
  EXPECT_EQ(b.size(), 3u);
  EXPECT_EQ(b.Biggest(), &big);
  b.Remove(&big);
  EXPECT_EQ(b.Biggest(), &mid);
  b.Remove(&mid);
  EXPECT_EQ(b.Biggest(), &small);
  b.Remove(&small);
  EXPECT_EQ(b.Biggest(), nullptr);
}

TEST(MemUsageBuckets, SameBucketKeepsArrivalOrder) {
  Buckets b;
  Item a{40 * 1024}, c{50 * 1024};
  b.Place(&a, a.bytes);
  b.Place(&c, c.bytes);
  EXPECT_EQ(b.Biggest(), &a);
  // A new figure in the same bucket does not move it.
  b.Place(&a, 33 * 1024);
  EXPECT_EQ(b.Biggest(), &a);
  b.Remove(&a);
  EXPECT_EQ(b.Biggest(), &c);
}

TEST(MemUsageBuckets, GrowingMovesToTheNewBucket) {
  Buckets b;
  Item a{1000}, c{40 * 1024};
  b.Place(&a, a.bytes);
  b.Place(&c, c.bytes);
  EXPECT_EQ(b.Biggest(), &c);
  b.Place(&a, 1 << 20);
  EXPECT_EQ(b.Biggest(), &a);
  EXPECT_EQ(b.size(), 2u);
  b.Place(&a, 10);  // shrinks back
  EXPECT_EQ(b.Biggest(), &c);
  EXPECT_EQ(b.size(), 2u);
}

TEST(MemUsageBuckets, RemoveOfAnAbsentItemIsANoOp) {
  Buckets b;
  Item a{1000};
  b.Remove(&a);
  EXPECT_FALSE(b.Contains(&a));
  b.Place(&a, a.bytes);
  EXPECT_TRUE(b.Contains(&a));
  b.Remove(&a);
  b.Remove(&a);
  EXPECT_FALSE(b.Contains(&a));
  EXPECT_EQ(b.size(), 0u);
}

TEST(MemUsageBuckets, RemoveFromTheMiddleKeepsTheListLinked) {
  Buckets b;
  Item x{40 * 1024}, y{40 * 1024}, z{40 * 1024};
  b.Place(&x, x.bytes);
  b.Place(&y, y.bytes);
  b.Place(&z, z.bytes);
  b.Remove(&y);
  EXPECT_EQ(b.Biggest(), &x);
  b.Remove(&x);
  EXPECT_EQ(b.Biggest(), &z);
  b.Place(&y, y.bytes);  // to the tail, after z
  b.Remove(&z);
  EXPECT_EQ(b.Biggest(), &y);
}

// Random moves and removals against a plain scan: Biggest() is always in
// the bucket of the true maximum, and the count matches.
TEST(MemUsageBuckets, AgreesWithAScanUnderRandomChanges) {
  std::mt19937_64 rng(7);
  std::vector<Item> items(200);
  std::vector<bool> placed(items.size(), false);
  Buckets b;
  for (int step = 0; step < 20000; ++step) {
    size_t i = rng() % items.size();
    if (rng() % 4 == 0) {
      b.Remove(&items[i]);
      placed[i] = false;
    } else {
      items[i].bytes = size_t{1} << (rng() % 36);
      items[i].bytes += rng() % items[i].bytes;
      b.Place(&items[i], items[i].bytes);
      placed[i] = true;
    }
    size_t count = 0, max = 0;
    for (size_t k = 0; k < items.size(); ++k) {
      if (!placed[k]) continue;
      ++count;
      if (items[k].bytes > max) max = items[k].bytes;
    }
    ASSERT_EQ(b.size(), count);
    Item* top = b.Biggest();
    if (count == 0) {
      ASSERT_EQ(top, nullptr);
    } else {
      ASSERT_NE(top, nullptr);
      ASSERT_EQ(Buckets::BucketOf(top->bytes), Buckets::BucketOf(max));
    }
  }
}

}  // namespace
}  // namespace replikv
