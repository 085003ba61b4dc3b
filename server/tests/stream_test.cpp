// The stream type: listpack bytes, id order and arithmetic, node splitting
// at the node limits, deletion and trimming against a model, iteration both
// ways, and the PEL bookkeeping of groups and consumers.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "server/ds/listpack.h"
#include "server/types/type_stream.h"

namespace replikv {
namespace {

using Model = std::map<StreamID, std::string>;

StreamID Add(Stream& s, uint64_t ms, uint64_t seq, const std::string& v, int64_t max_bytes = 4096,
             int64_t max_entries = 100) {
  std::string_view fv[] = {"f", v};
  StreamID id{ms, seq}, out;
  EXPECT_EQ(s.Append(fv, &id, true, 0, max_bytes, max_entries, &out), Stream::AppendResult::kOk);
  return out;
}

Model Contents(Stream& s, bool rev = false) {
  Model m;
  StreamIterator it(&s, nullptr, nullptr, rev);
  StreamID id, prev;
  int64_t n;
  bool first = true;
  while (it.GetID(&id, &n)) {
    if (!first) EXPECT_TRUE(rev ? id < prev : prev < id);
    first = false;
    prev = id;
    EXPECT_EQ(n, 1);
    std::string_view f, v;
    it.GetField(&f, &v);
    m[id] = std::string(v);
  }
  return m;
}

TEST(Listpack, IntegersAndStringsUseRedisEncodings) {
  uint8_t* lp = lp::New();
  lp = lp::Append(lp, "127");
  lp = lp::Append(lp, "-4096");
  lp = lp::Append(lp, "012");
  lp = lp::AppendInt(lp, INT64_MIN);
  EXPECT_EQ(lp::Length(lp), 4u);
  // 6 header + (1+1) + (2+1) + (4+1) + (9+1) + end
  EXPECT_EQ(lp::Bytes(lp), 6u + 2 + 3 + 5 + 10 + 1);
  uint8_t* p = lp::First(lp);
  EXPECT_EQ(lp::GetInt(p), 127);
  p = lp::Next(lp, p);
  EXPECT_EQ(lp::GetInt(p), -4096);
  p = lp::Next(lp, p);
  EXPECT_EQ(lp::Get(p).sval, "012");
  p = lp::Last(lp);
  EXPECT_EQ(lp::GetInt(p), INT64_MIN);
  EXPECT_EQ(lp::GetInt(lp::Prev(lp, p), nullptr), 0);  // "012" is not an integer
  p = lp::First(lp);
  lp = lp::ReplaceInt(lp, &p, 100000);  // grows the element
  EXPECT_EQ(lp::GetInt(p), 100000);
  EXPECT_TRUE(lp::Equals(lp::Next(lp, p), "-4096"));
  lp::Free(lp);
}

TEST(StreamID, OrderAndArithmeticWrap) {
  StreamID a{1, UINT64_MAX};
  EXPECT_TRUE(a.Incr());
  EXPECT_EQ(a, (StreamID{2, 0}));
  EXPECT_TRUE(a.Decr());
  EXPECT_EQ(a, (StreamID{1, UINT64_MAX}));
  StreamID max = StreamID::Max();
  EXPECT_FALSE(max.Incr());
  EXPECT_TRUE(max.IsZero());
  StreamID zero;
  EXPECT_FALSE(zero.Decr());
  EXPECT_EQ(zero, StreamID::Max());
  EXPECT_LT((StreamID{1, 5}), (StreamID{2, 0}));
  EXPECT_EQ((StreamID{18446744073709551615ull, 7}).ToString(), "18446744073709551615-7");
}

TEST(Stream, AppendRefusesIdsNotAboveTheLast) {
  Stream s;
  Add(s, 5, 5, "x");
  std::string_view fv[] = {"f", "v"};
  StreamID same{5, 5}, out;
  EXPECT_EQ(s.Append(fv, &same, true, 0, 4096, 100, &out), Stream::AppendResult::kIdTooSmall);
  StreamID ms_only{5, 0};
  EXPECT_EQ(s.Append(fv, &ms_only, false, 0, 4096, 100, &out), Stream::AppendResult::kOk);
  EXPECT_EQ(out, (StreamID{5, 6}));
  EXPECT_EQ(s.Append(fv, nullptr, true, 3, 4096, 100, &out), Stream::AppendResult::kOk);
  EXPECT_EQ(out, (StreamID{5, 7}));  // the clock went back: same ms, next seq
  EXPECT_EQ(s.Append(fv, nullptr, true, 9, 4096, 100, &out), Stream::AppendResult::kOk);
  EXPECT_EQ(out, (StreamID{9, 0}));
  EXPECT_EQ(s.length, 4u);
  EXPECT_EQ(s.entries_added, 4u);
  EXPECT_EQ(s.first_id, (StreamID{5, 5}));
}

TEST(Stream, NodesSplitAtTheEntryAndByteLimits) {
  Stream by_count;
  for (uint64_t i = 1; i <= 25; ++i) Add(by_count, i, 0, "v", 0, 10);
  EXPECT_EQ(by_count.nodes.size(), 3u);  // 10 + 10 + 5
  Stream by_bytes;
  for (uint64_t i = 1; i <= 20; ++i) Add(by_bytes, i, 0, std::string(40, 'x'), 200, 0);
  for (const auto& [id, lp] : by_bytes.nodes) EXPECT_LT(lp::Bytes(lp), 200u + 60);
  EXPECT_GT(by_bytes.nodes.size(), 4u);
  EXPECT_EQ(Contents(by_bytes).size(), 20u);
}

TEST(Stream, DeleteAndTrimMatchAModel) {
  std::mt19937_64 rng(7);
  Stream s;
  Model m;
  for (uint64_t i = 1; i <= 1000; ++i) {
    std::string v = std::to_string(rng() % 1000);
    Add(s, i, i % 3, v, 4096, 16);
    m[{i, i % 3}] = v;
  }
  for (int k = 0; k < 300; ++k) {
    uint64_t i = 1 + rng() % 1000;
    StreamID id{i, i % 3};
    EXPECT_EQ(s.Delete(id), m.erase(id) == 1);
  }
  EXPECT_EQ(s.length, m.size());
  EXPECT_EQ(Contents(s), m);
  EXPECT_EQ(Contents(s, true), m);
  s.UpdateFirstId();
  EXPECT_EQ(s.first_id, m.begin()->first);

  Stream::TrimArgs t;
  t.strategy = Stream::TrimArgs::kMaxlen;
  t.maxlen = 400;
  const size_t before = m.size();
  int64_t removed = s.Trim(t);
  while (m.size() > 400) m.erase(m.begin());
  EXPECT_EQ(static_cast<size_t>(removed), before - 400);
  EXPECT_EQ(Contents(s), m);
  EXPECT_EQ(s.first_id, m.begin()->first);

  t.strategy = Stream::TrimArgs::kMinid;
  t.minid = {800, 0};
  s.Trim(t);
  m.erase(m.begin(), m.lower_bound(StreamID{800, 0}));
  EXPECT_EQ(Contents(s), m);

  // Approximate: only whole nodes go, so at least maxlen entries stay.
  t.strategy = Stream::TrimArgs::kMaxlen;
  t.approx = true;
  t.maxlen = 10;
  s.Trim(t);
  EXPECT_GE(s.length, 10u);
  EXPECT_LE(s.length, m.size());
}

TEST(Stream, RangeIterationHonoursBoundsBothWays) {
  Stream s;
  for (uint64_t i = 1; i <= 300; ++i) Add(s, i, 0, "v", 4096, 7);
  StreamID lo{50, 0}, hi{60, 0};
  StreamIterator fwd(&s, &lo, &hi, false), rev(&s, &lo, &hi, true);
  StreamID id;
  int64_t n;
  std::vector<uint64_t> a, b;
  while (fwd.GetID(&id, &n)) {
    a.push_back(id.ms);
    std::string_view f, v;
    fwd.GetField(&f, &v);
  }
  while (rev.GetID(&id, &n)) {
    b.push_back(id.ms);
    std::string_view f, v;
    rev.GetField(&f, &v);
  }
  EXPECT_EQ(a.size(), 11u);
  EXPECT_EQ(a.front(), 50u);
  EXPECT_EQ(b.front(), 60u);
  EXPECT_EQ(b.back(), 50u);
}

TEST(Stream, GroupsConsumersAndPelStayConsistent) {
  Stream s;
  for (uint64_t i = 1; i <= 5; ++i) Add(s, i, 0, "v");
  StreamGroup* g = s.CreateGroup("g", {}, 0);
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(s.CreateGroup("g", {}, 0), nullptr);
  StreamConsumer* a = Stream::CreateConsumer(g, "a", 100);
  EXPECT_EQ(Stream::CreateConsumer(g, "a", 100), nullptr);
  for (uint64_t i = 1; i <= 3; ++i) {
    auto* n = new StreamNack{100, 1, a};
    g->pel.emplace(StreamID{i, 0}, n);
    a->pel.emplace(StreamID{i, 0}, n);
  }
  Stream* copy = s.Clone();
  EXPECT_EQ(Stream::DeleteConsumer(g, "a"), 3u);
  EXPECT_TRUE(g->pel.empty());
  StreamGroup* cg = copy->FindGroup("g");
  ASSERT_NE(cg, nullptr);
  EXPECT_EQ(cg->pel.size(), 3u);
  EXPECT_EQ(cg->pel.begin()->second->consumer, Stream::FindConsumer(cg, "a"));
  delete copy;
  int64_t lag;
  EXPECT_TRUE(s.GroupLag(*g, &lag));
  EXPECT_EQ(lag, 5);
  s.Delete({3, 0});
  s.max_deleted_entry_id = {3, 0};
  EXPECT_FALSE(s.GroupLag(*g, &lag));  // a tombstone after the group's position
  EXPECT_TRUE(s.DestroyGroup("g"));
  EXPECT_FALSE(s.DestroyGroup("g"));
}

TEST(Stream, RaxNodeCountFollowsTheKeyShape) {
  Stream s;
  EXPECT_EQ(s.RaxNodeCount(), 1u);
  Add(s, 1, 0, "v", 4096, 1);
  EXPECT_EQ(s.RaxNodeCount(), 2u);  // one compressed node and the key
  Add(s, 2, 0, "v", 4096, 1);
  // a 7-byte prefix, the branch, and per key its 8-byte rest and the key
  EXPECT_EQ(s.RaxNodeCount(), 1u + 1u + 2u * 2u);
}

}  // namespace
}  // namespace replikv
