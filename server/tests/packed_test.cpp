// The compact buffers: packed elements (strings and scores) and intsets.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "server/ds/int_set.h"
#include "server/ds/packed.h"

namespace replikv {
namespace {

std::vector<std::string> ReadAll(const char* p) {
  std::vector<std::string> out;
  for (uint32_t off = packed::kHeaderSize; off < packed::End(p);) out.emplace_back(packed::StringAt(p, off, &off));
  return out;
}

TEST(Packed, StringsOfEveryLengthClassRoundTrip) {
  const size_t lengths[] = {0, 1, 127, 128, 129, 16383, 16384, 70000};
  char* p = packed::New();
  std::vector<std::string> want;
  for (size_t len : lengths) {
    std::string s(len, static_cast<char>('a' + len % 26));
    p = packed::InsertString(p, packed::End(p), s);
    want.push_back(s);
    EXPECT_EQ(packed::StringSize(len), len + (len < 128 ? 1 : len < 16384 ? 2 : 5));
  }
  EXPECT_EQ(packed::Count(p), want.size());
  EXPECT_EQ(ReadAll(p), want);
  packed::Free(p);
}

TEST(Packed, ScoresRoundTripExactly) {
  const double scores[] = {0, 1, -1, 127, 128, -129, 1e15, 9007199254740991.0, -9007199254740991.0,
                           9007199254740992.0, 0.1, -2.5, 1e300, 5e-324,
                           std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()};
  char* p = packed::New();
  for (double d : scores) p = packed::InsertScore(p, packed::End(p), d);
  uint32_t off = packed::kHeaderSize;
  for (double d : scores) {
    uint32_t at = off;
    EXPECT_EQ(packed::ScoreAt(p, off, &off), d);
    EXPECT_EQ(packed::Skip(p, at), off);
    EXPECT_EQ(off - at, packed::ScoreSize(d));
  }
  EXPECT_EQ(off, packed::End(p));
  packed::Free(p);
}

TEST(Packed, IntegralScoresAreSmall) {
  EXPECT_EQ(packed::ScoreSize(0), 1u);
  EXPECT_EQ(packed::ScoreSize(-64), 2u);
  EXPECT_EQ(packed::ScoreSize(1000), 3u);
  EXPECT_EQ(packed::ScoreSize(0.5), 9u);
}

TEST(Packed, NegativeZeroIsStoredAsZeroLikeRedisListpack) {
  char* p = packed::New();
  p = packed::InsertScore(p, packed::End(p), -0.0);
  uint32_t off = packed::kHeaderSize;
  double d = packed::ScoreAt(p, off, &off);
  EXPECT_EQ(d, 0.0);
  EXPECT_FALSE(std::signbit(d));
  packed::Free(p);
}

TEST(Packed, InsertEraseReplaceInTheMiddle) {
  char* p = packed::New();
  for (const char* s : {"a", "b", "c"}) p = packed::InsertString(p, packed::End(p), s);
  uint32_t b_off = packed::Skip(p, packed::kHeaderSize);
  p = packed::InsertString(p, b_off, std::string(200, 'x'));
  EXPECT_EQ(ReadAll(p), (std::vector<std::string>{"a", std::string(200, 'x'), "b", "c"}));
  uint32_t x_end = packed::Skip(p, b_off);
  p = packed::ReplaceString(p, b_off, x_end, "y");
  EXPECT_EQ(ReadAll(p), (std::vector<std::string>{"a", "y", "b", "c"}));
  p = packed::Erase(p, b_off, packed::Skip(p, packed::Skip(p, b_off)), 2);
  EXPECT_EQ(ReadAll(p), (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(packed::Count(p), 2u);
  p = packed::InsertPair(p, packed::kHeaderSize, "f", "v");
  EXPECT_EQ(ReadAll(p), (std::vector<std::string>{"f", "v", "a", "c"}));
  char* q = packed::Clone(p);
  EXPECT_EQ(ReadAll(q), ReadAll(p));
  packed::Free(q);
  packed::Free(p);
}

TEST(IntSet, KeepsValuesSortedAndUpgradesWidth) {
  char* p = intset::New();
  bool added;
  for (int64_t v : {5, -3, 100, 0}) {
    p = intset::Add(p, v, &added);
    EXPECT_TRUE(added);
  }
  EXPECT_EQ(intset::Width(p), 2u);
  p = intset::Add(p, 5, &added);
  EXPECT_FALSE(added);
  p = intset::Add(p, 70000, &added);
  EXPECT_EQ(intset::Width(p), 4u);
  p = intset::Add(p, INT64_MIN, &added);
  EXPECT_EQ(intset::Width(p), 8u);
  std::vector<int64_t> got;
  for (uint32_t i = 0; i < intset::Count(p); ++i) got.push_back(intset::Get(p, i));
  EXPECT_EQ(got, (std::vector<int64_t>{INT64_MIN, -3, 0, 5, 100, 70000}));
  uint32_t pos;
  EXPECT_TRUE(intset::Find(p, 100, &pos));
  EXPECT_EQ(pos, 4u);
  EXPECT_FALSE(intset::Find(p, 6, &pos));
  EXPECT_EQ(pos, 4u);
  p = intset::RemoveAt(p, 0);
  EXPECT_EQ(intset::Get(p, 0), -3);
  char* q = intset::Clone(p);
  EXPECT_EQ(intset::Count(q), 5u);
  intset::Free(q);
  intset::Free(p);
}

TEST(IntSet, RandomOperationsMatchAModel) {
  std::mt19937_64 rng(42);
  char* p = intset::New();
  std::set<int64_t> model;
  for (int i = 0; i < 20000; ++i) {
    int64_t v;
    switch (rng() % 3) {
      case 0: v = static_cast<int64_t>(rng() % 200) - 100; break;
      case 1: v = static_cast<int64_t>(rng() % 200000) - 100000; break;
      default: v = static_cast<int64_t>(rng()); break;
    }
    uint32_t pos;
    if (rng() % 3 == 0) {
      if (intset::Find(p, v, &pos)) p = intset::RemoveAt(p, pos);
      model.erase(v);
    } else {
      bool added;
      p = intset::Add(p, v, &added);
      EXPECT_EQ(added, model.insert(v).second);
    }
  }
  ASSERT_EQ(intset::Count(p), model.size());
  uint32_t i = 0;
  for (int64_t v : model) EXPECT_EQ(intset::Get(p, i++), v);
  intset::Free(p);
}

}  // namespace
}  // namespace replikv
