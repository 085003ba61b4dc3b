// Skiplist and ZsetValue: ranks, ranges, ZADD flags and conversions, against
// a sorted-vector model in both encodings.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "server/ds/skiplist.h"
#include "server/types/type_zset.h"

namespace replikv {
namespace {

using Elem = std::pair<double, std::string>;

std::vector<Elem> Sorted(const std::map<std::string, double>& m) {
  std::vector<Elem> v;
  for (auto& [k, s] : m) v.emplace_back(s, k);
  std::sort(v.begin(), v.end(), [](const Elem& a, const Elem& b) {
    return a.first < b.first || (a.first == b.first && CompareMembers(a.second, b.second) < 0);
  });
  return v;
}

std::vector<Elem> Contents(const ZsetValue& z) {
  std::vector<Elem> v;
  z.ForEach([&](std::string_view m, double s) { v.emplace_back(s, std::string(m)); });
  return v;
}

TEST(Skiplist, RankAndByRankAgreeWithOrder) {
  Skiplist l;
  std::mt19937_64 rng(1);
  std::map<std::string, double> model;
  for (int i = 0; i < 3000; ++i) {
    std::string m = "m" + std::to_string(i);
    double s = static_cast<double>(rng() % 100);
    l.Insert(s, m);
    model[m] = s;
  }
  auto sorted = Sorted(model);
  ASSERT_EQ(l.size(), sorted.size());
  for (size_t r = 0; r < sorted.size(); r += 37) {
    ZNode* n = l.ByRank(r + 1);
    ASSERT_NE(n, nullptr);
    EXPECT_EQ(n->member(), sorted[r].second);
    EXPECT_EQ(l.Rank(sorted[r].first, sorted[r].second), r + 1);
  }
  EXPECT_EQ(l.ByRank(0), nullptr);
  EXPECT_EQ(l.ByRank(sorted.size() + 1), nullptr);
  EXPECT_EQ(l.Rank(5, "absent"), 0u);
  // UpdateScore keeps the node and its order.
  ZNode* n = l.ByRank(10);
  std::string m(n->member());
  l.UpdateScore(n, 1000);
  EXPECT_EQ(l.last(), n);
  EXPECT_EQ(l.Rank(1000, m), l.size());
  ZNode* removed = l.Unlink(1000, m);
  EXPECT_EQ(removed, n);
  Skiplist::FreeNode(removed);
  EXPECT_EQ(l.size(), sorted.size() - 1);
}

TEST(Skiplist, ScoreAndLexRanges) {
  Skiplist l;
  for (int i = 0; i < 100; ++i) l.Insert(i, "m" + std::to_string(1000 + i));
  ScoreRange r{10, 20, true, false};
  EXPECT_EQ(l.FirstIn(r)->score, 11);
  EXPECT_EQ(l.LastIn(r)->score, 20);
  ScoreRange none{200, 300, false, false};
  EXPECT_EQ(l.FirstIn(none), nullptr);
  ScoreRange empty{5, 5, true, false};
  EXPECT_EQ(l.FirstIn(empty), nullptr);
  Skiplist lex;
  for (char c = 'a'; c <= 'z'; ++c) lex.Insert(0, std::string(1, c));
  LexRange lr;
  lr.min_kind = LexRange::kValue;
  lr.min = "c";
  lr.minex = true;
  lr.max_kind = LexRange::kValue;
  lr.max = "f";
  EXPECT_EQ(lex.FirstIn(lr)->member(), "d");
  EXPECT_EQ(lex.LastIn(lr)->member(), "f");
  LexRange all;
  EXPECT_EQ(lex.FirstIn(all)->member(), "a");
  EXPECT_EQ(lex.LastIn(all)->member(), "z");
  int removed = 0;
  lex.DeleteRankRange(2, 5, [&](ZNode* n) {
    ++removed;
    Skiplist::FreeNode(n);
  });
  EXPECT_EQ(removed, 4);
  EXPECT_EQ(lex.ByRank(2)->member(), "f");
}

TEST(LexRange, EmptinessFollowsRedis) {
  // "-" and "+" parse as exclusive bounds, as Redis's zslParseLexRangeItem.
  LexRange r;
  r.minex = r.maxex = true;
  EXPECT_FALSE(r.Empty());  // - +
  r.min_kind = LexRange::kPosInf;
  EXPECT_TRUE(r.Empty());  // + +
  LexRange m;
  m.minex = m.maxex = true;
  m.max_kind = LexRange::kNegInf;
  EXPECT_TRUE(m.Empty());  // - -
  LexRange v;
  v.min_kind = v.max_kind = LexRange::kValue;
  v.min = v.max = "a";
  EXPECT_FALSE(v.Empty());
  v.maxex = true;
  EXPECT_TRUE(v.Empty());
}

TEST(ZsetValue, AddFlagsFollowZadd) {
  PackLimits limits;
  ZsetValue z(ZsetValue::NewObject(1, 1, limits));
  double ns = 0;
  EXPECT_EQ(z.Add(1, "a", 0, &ns, limits), ZsetValue::kAdded);
  EXPECT_EQ(z.Add(1, "a", 0, &ns, limits), 0);
  EXPECT_EQ(z.Add(2, "a", ZsetValue::kNx, &ns, limits), ZsetValue::kNop);
  EXPECT_EQ(z.Add(2, "b", ZsetValue::kXx, &ns, limits), ZsetValue::kNop);
  EXPECT_EQ(z.Add(0, "a", ZsetValue::kGt, &ns, limits), ZsetValue::kNop);
  EXPECT_EQ(z.Add(5, "a", ZsetValue::kGt, &ns, limits), ZsetValue::kUpdated);
  EXPECT_EQ(z.Add(2, "a", ZsetValue::kIncr, &ns, limits), ZsetValue::kUpdated);
  EXPECT_EQ(ns, 7);
  EXPECT_EQ(z.Add(INFINITY, "i", 0, &ns, limits), ZsetValue::kAdded);
  EXPECT_EQ(z.Add(-INFINITY, "i", ZsetValue::kIncr, &ns, limits), ZsetValue::kNan);
  double s;
  ASSERT_TRUE(z.Score("i", &s));
  EXPECT_EQ(s, INFINITY);
  ZsetValue::FreeObject(z.object());
}

TEST(ZsetValue, ConvertsToSkiplistAtTheLimits) {
  PackLimits limits{3, 4};
  ZsetValue z(ZsetValue::NewObject(1, 1, limits));
  double ns;
  for (int i = 0; i < 3; ++i) z.Add(i, "m" + std::to_string(i), 0, &ns, limits);
  EXPECT_EQ(z.kind(), ZsetValue::kPacked);
  z.Add(9, "m9", 0, &ns, limits);
  EXPECT_EQ(z.kind(), ZsetValue::kSkiplist);
  EXPECT_STREQ(ZsetValue::EncodingName(z.object()), "skiplist");
  ZsetValue y(ZsetValue::NewObject(1, 1, limits));
  y.Add(1, "abcde", 0, &ns, limits);
  EXPECT_EQ(y.kind(), ZsetValue::kSkiplist);
  ZsetValue x(ZsetValue::NewObject(1, 5, limits));
  EXPECT_EQ(x.kind(), ZsetValue::kSkiplist);
  for (void* o : {z.object(), y.object(), x.object()}) ZsetValue::FreeObject(o);
}

TEST(ZsetValue, RandomOperationsMatchAModelInBothEncodings) {
  for (uint64_t max_entries : {1000u, 0u}) {
    std::mt19937_64 rng(max_entries + 3);
    PackLimits limits{max_entries, 64};
    ZsetValue z(ZsetValue::NewObject(1, 1, limits));
    std::map<std::string, double> model;
    for (int i = 0; i < 8000; ++i) {
      std::string m = "m" + std::to_string(rng() % 400);
      int op = static_cast<int>(rng() % 10);
      if (op < 6) {
        double s = static_cast<double>(static_cast<int>(rng() % 50) - 25) / (rng() % 2 ? 1 : 4);
        double ns;
        int r = z.Add(s, m, 0, &ns, limits);
        EXPECT_EQ((r & ZsetValue::kAdded) != 0, model.count(m) == 0);
        model[m] = s;
      } else if (op < 8) {
        EXPECT_EQ(z.Remove(m), model.erase(m) == 1);
      } else if (!model.empty()) {
        auto sorted = Sorted(model);
        uint64_t a = rng() % sorted.size(), b = rng() % sorted.size();
        if (a > b) std::swap(a, b);
        z.DeleteRange(a, b);
        for (uint64_t k = a; k <= b; ++k) model.erase(sorted[k].second);
      }
      if (z.size() == 0) {
        ZsetValue::FreeObject(z.object());
        z = ZsetValue(ZsetValue::NewObject(1, 1, limits));
      }
    }
    auto sorted = Sorted(model);
    ASSERT_EQ(Contents(z), sorted);
    for (size_t r = 0; r < sorted.size(); r += 11) {
      uint64_t rank;
      ASSERT_TRUE(z.Rank(sorted[r].second, &rank));
      EXPECT_EQ(rank, r);
    }
    // Score ranges agree with a linear filter.
    for (int t = 0; t < 200; ++t) {
      ScoreRange range{static_cast<double>(static_cast<int>(rng() % 60) - 30) / 2,
                       static_cast<double>(static_cast<int>(rng() % 60) - 30) / 2, rng() % 2 == 0, rng() % 2 == 0};
      std::vector<size_t> in;
      for (size_t k = 0; k < sorted.size(); ++k) {
        if (range.Contains(sorted[k].first)) in.push_back(k);
      }
      uint64_t first, last;
      bool any = z.ScoreRanks(range, &first, &last);
      ASSERT_EQ(any, !in.empty());
      if (any) {
        EXPECT_EQ(first, in.front());
        EXPECT_EQ(last, in.back());
      }
    }
    // Reverse rank ranges.
    if (sorted.size() > 3) {
      std::vector<std::string> rev;
      z.ForRange(3, 1, true, [&](std::string_view m, double) { rev.emplace_back(m); });
      EXPECT_EQ(rev, (std::vector<std::string>{sorted[3].second, sorted[2].second, sorted[1].second}));
    }
    ZsetValue c(ZsetValue::CloneObject(z.object()));
    EXPECT_EQ(Contents(c), sorted);
    ZsetValue::FreeObject(c.object());
    ZsetValue::FreeObject(z.object());
  }
}

TEST(ZsetValue, BuildSortsAndPicksTheEncoding) {
  PackLimits limits{3, 10};
  std::vector<std::pair<std::string, double>> few = {{"b", 2}, {"a", 2}, {"c", 1}};
  std::vector<std::pair<std::string, double>> many = {{"b", 2}, {"a", 2}, {"c", 1}, {"d", 0}};
  ZsetValue a(ZsetValue::Build(few, limits));
  ZsetValue b(ZsetValue::Build(many, limits));
  EXPECT_EQ(a.kind(), ZsetValue::kPacked);
  EXPECT_EQ(b.kind(), ZsetValue::kSkiplist);
  EXPECT_EQ(Contents(a), (std::vector<Elem>{{1, "c"}, {2, "a"}, {2, "b"}}));
  EXPECT_EQ(Contents(b), (std::vector<Elem>{{0, "d"}, {1, "c"}, {2, "a"}, {2, "b"}}));
  ZsetValue::FreeObject(a.object());
  ZsetValue::FreeObject(b.object());
}

}  // namespace
}  // namespace replikv
