// StreamNodeIndex (a stream's node index): appends, front trims that drop
// whole chunks, erases in the middle (with chunk merges), seeks, iteration
// both ways, and a random run against a std::map. The listpack pointers are
// tags, never dereferenced.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <map>
#include <random>
#include <vector>

#include "server/types/stream_node_index.h"

namespace replikv {
namespace {

using Index = StreamNodeIndex;
constexpr uint32_t K = Index::kChunkEntries;

uint8_t* Tag(uint64_t v) { return reinterpret_cast<uint8_t*>(static_cast<uintptr_t>(v + 1)); }
StreamID Id(uint64_t ms) { return {ms, 7}; }

void Fill(Index& idx, uint64_t from, uint64_t to, uint64_t step = 1) {
  for (uint64_t ms = from; ms < to; ms += step) idx.push_back(Id(ms), Tag(ms));
}

std::vector<uint64_t> Forward(const Index& idx) {
  std::vector<uint64_t> v;
  for (const auto& [id, lp] : idx) {
    EXPECT_EQ(lp, Tag(id.ms));
    v.push_back(id.ms);
  }
  return v;
}

std::vector<uint64_t> Backward(const Index& idx) {
  std::vector<uint64_t> v;
  for (auto it = idx.end(); it != idx.begin();) v.push_back((--it)->id.ms);
  return v;
}

std::vector<uint64_t> Range(uint64_t from, uint64_t to) {
  std::vector<uint64_t> v;
  for (uint64_t i = from; i < to; ++i) v.push_back(i);
  return v;
}

TEST(StreamNodeIndex, EmptyIndexHasNothingToFind) {
  Index idx;
  EXPECT_TRUE(idx.empty());
  EXPECT_EQ(idx.size(), 0u);
  EXPECT_TRUE(idx.begin() == idx.end());
  EXPECT_TRUE(idx.lower_bound(Id(5)) == idx.end());
  EXPECT_TRUE(idx.upper_bound(StreamID{}) == idx.end());
  EXPECT_EQ(idx.AllocatedBytes(), 0u);
}

TEST(StreamNodeIndex, AppendsKeepOrderAcrossChunks) {
  Index idx;
  Fill(idx, 0, 5 * K + 3);
  EXPECT_EQ(idx.size(), 5 * K + 3);
  EXPECT_EQ(Forward(idx), Range(0, 5 * K + 3));
  EXPECT_EQ(idx.back().id, Id(5 * K + 2));
  idx.back().lp = Tag(999999);  // XADD swaps in the reallocated listpack
  EXPECT_EQ(std::prev(idx.end())->lp, Tag(999999));
}

TEST(StreamNodeIndex, SmallIndexStaysSmall) {
  Index idx;
  idx.push_back(Id(1), Tag(1));
  EXPECT_LE(idx.AllocatedBytes(), 64u + sizeof(void*));
  Fill(idx, 2, 12);
  EXPECT_LE(idx.AllocatedBytes(), 512u);
}

TEST(StreamNodeIndex, ReverseIterationMirrorsForward) {
  Index idx;
  Fill(idx, 10, 10 + 3 * K);
  std::vector<uint64_t> fwd = Forward(idx);
  std::vector<uint64_t> bwd = Backward(idx);
  std::reverse(bwd.begin(), bwd.end());
  EXPECT_EQ(fwd, bwd);
}

TEST(StreamNodeIndex, SeekFindsBoundsInsideAndBetweenChunks) {
  Index idx;
  Fill(idx, 0, 4 * K * 2, 2);  // even ms only
  for (uint64_t ms = 0; ms < 4 * K * 2 + 3; ++ms) {
    auto lo = idx.lower_bound(Id(ms));
    auto hi = idx.upper_bound(Id(ms));
    uint64_t want_lo = (ms + 1) / 2 * 2;
    uint64_t want_hi = ms / 2 * 2 + 2;
    if (want_lo >= 4 * K * 2) {
      EXPECT_TRUE(lo == idx.end()) << ms;
    } else {
      EXPECT_EQ(lo->id, Id(want_lo)) << ms;
    }
    if (want_hi >= 4 * K * 2) {
      EXPECT_TRUE(hi == idx.end()) << ms;
    } else {
      EXPECT_EQ(hi->id, Id(want_hi)) << ms;
    }
  }
  // The seq part counts too: 4-7 is above 4-0 and below 4-8.
  EXPECT_EQ(idx.lower_bound(StreamID{4, 0})->id, Id(4));
  EXPECT_EQ(idx.lower_bound(StreamID{4, 8})->id, Id(6));
  EXPECT_EQ(idx.upper_bound(StreamID{4, 6})->id, Id(4));
}

TEST(StreamNodeIndex, FrontTrimDropsChunksAndCompacts) {
  Index idx;
  Fill(idx, 0, 20 * K);
  const size_t full = idx.AllocatedBytes();
  auto it = idx.begin();
  for (uint64_t ms = 0; ms < 15 * K; ++ms) {
    ASSERT_EQ(it->id, Id(ms));
    it = idx.erase(it);
    ASSERT_TRUE(it == idx.begin());
  }
  EXPECT_EQ(idx.size(), 5 * K);
  EXPECT_EQ(Forward(idx), Range(15 * K, 20 * K));
  EXPECT_EQ(Backward(idx).back(), 15 * K);
  EXPECT_LT(idx.AllocatedBytes(), full / 3);
  // Trimming and appending in turn (MAXLEN on every XADD).
  for (uint64_t ms = 20 * K; ms < 40 * K; ++ms) {
    idx.push_back(Id(ms), Tag(ms));
    idx.erase(idx.begin());
  }
  EXPECT_EQ(Forward(idx), Range(35 * K, 40 * K));
  EXPECT_LT(idx.AllocatedBytes(), full / 3);
}

TEST(StreamNodeIndex, EraseToEmptyThenAppendAgain) {
  Index idx;
  Fill(idx, 0, 2 * K);
  for (auto it = idx.begin(); it != idx.end();) it = idx.erase(it);
  EXPECT_TRUE(idx.empty());
  EXPECT_TRUE(idx.begin() == idx.end());
  EXPECT_EQ(idx.AllocatedBytes(), 0u);
  Fill(idx, 5000, 5003);
  EXPECT_EQ(Forward(idx), Range(5000, 5003));
}

TEST(StreamNodeIndex, MiddleEraseReturnsTheNextNode) {
  Index idx;
  Fill(idx, 0, 3 * K);
  // The middle of a chunk, its first, its last, then the very last node.
  for (uint64_t ms : {uint64_t{K + 5}, uint64_t{K / 2}, uint64_t{2 * K - 1}, uint64_t{2 * K}}) {
    auto it = idx.lower_bound(Id(ms));
    ASSERT_EQ(it->id, Id(ms));
    auto next = idx.erase(it);
    EXPECT_EQ(next->id, Id(ms + 1)) << ms;
  }
  EXPECT_TRUE(idx.erase(std::prev(idx.end())) == idx.end());
  std::vector<uint64_t> want;
  for (uint64_t ms = 0; ms < 3 * K - 1; ++ms) {
    if (ms != K + 5 && ms != K / 2 && ms != 2 * K && ms != 2 * K - 1) want.push_back(ms);
  }
  EXPECT_EQ(Forward(idx), want);
  std::vector<uint64_t> bwd = Backward(idx);
  std::reverse(bwd.begin(), bwd.end());
  EXPECT_EQ(bwd, want);
}

TEST(StreamNodeIndex, EmptyingAMiddleChunkLinksItsNeighbours) {
  Index idx;
  Fill(idx, 0, 3 * K);
  auto it = idx.lower_bound(Id(K));
  for (uint64_t ms = K; ms < 2 * K; ++ms) {
    ASSERT_EQ(it->id, Id(ms));
    it = idx.erase(it);
  }
  EXPECT_EQ(it->id, Id(2 * K));
  EXPECT_EQ(std::prev(it)->id, Id(K - 1));
  std::vector<uint64_t> want = Range(0, K);
  for (uint64_t ms = 2 * K; ms < 3 * K; ++ms) want.push_back(ms);
  EXPECT_EQ(Forward(idx), want);
}

TEST(StreamNodeIndex, ScatteredErasesMergeChunks) {
  Index idx;
  Fill(idx, 0, 100 * K);
  const size_t full = idx.AllocatedBytes();
  // Keep one node in 16: the chunks fall under a quarter and merge.
  for (auto it = idx.begin(); it != idx.end();) it = it->id.ms % 16 != 0 ? idx.erase(it) : std::next(it);
  std::vector<uint64_t> want;
  for (uint64_t ms = 0; ms < 100 * K; ms += 16) want.push_back(ms);
  EXPECT_EQ(Forward(idx), want);
  EXPECT_LT(idx.AllocatedBytes(), full / 4);
}

// A random mix of appends, front trims, erases at random places and seeks,
// checked against a std::map after each step.
TEST(StreamNodeIndex, RandomOperationsMatchAnOrderedMap) {
  std::mt19937_64 rng(20);
  Index idx;
  std::map<StreamID, uint8_t*> model;
  uint64_t next_ms = 1;
  for (int step = 0; step < 200000; ++step) {
    int op = static_cast<int>(rng() % 100);
    if (op < 45 || model.empty()) {
      next_ms += 1 + rng() % 3;
      idx.push_back(Id(next_ms), Tag(next_ms));
      model.emplace(Id(next_ms), Tag(next_ms));
    } else if (op < 60) {
      auto it = idx.erase(idx.begin());
      model.erase(model.begin());
      ASSERT_EQ(it == idx.end(), model.empty());
      if (!model.empty()) {
        ASSERT_EQ(it->id, model.begin()->first);
      }
    } else if (op < 80) {
      StreamID probe = Id(rng() % (next_ms + 2));
      auto it = idx.lower_bound(probe);
      auto mit = model.lower_bound(probe);
      ASSERT_EQ(it == idx.end(), mit == model.end());
      if (mit == model.end()) continue;
      it = idx.erase(it);
      mit = model.erase(mit);
      ASSERT_EQ(it == idx.end(), mit == model.end());
      if (mit != model.end()) {
        ASSERT_EQ(it->id, mit->first);
      }
    } else {
      StreamID probe = Id(rng() % (next_ms + 2));
      auto it = idx.upper_bound(probe);
      auto mit = model.upper_bound(probe);
      ASSERT_EQ(it == idx.end(), mit == model.end());
      if (mit != model.end()) {
        ASSERT_EQ(it->id, mit->first);
      }
      if (mit != model.begin()) {
        ASSERT_EQ(std::prev(it)->id, std::prev(mit)->first);
      }
    }
    ASSERT_EQ(idx.size(), model.size());
    if (step % 5000 == 0) {
      std::vector<uint64_t> want;
      for (const auto& [id, lp] : model) want.push_back(id.ms);
      ASSERT_EQ(Forward(idx), want);
      std::vector<uint64_t> bwd = Backward(idx);
      std::reverse(bwd.begin(), bwd.end());
      ASSERT_EQ(bwd, want);
    }
  }
}

}  // namespace
}  // namespace replikv
