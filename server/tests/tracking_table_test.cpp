// The tracking table (default mode) and the BCAST prefix table, alone.
#include "server/tracking_table.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace replikv {
namespace {

TEST(TrackingTable, RememberCountsEachPairOnce) {
  TrackingTable t;
  EXPECT_TRUE(t.Remember("k", 7));
  EXPECT_FALSE(t.Remember("k", 7));
  EXPECT_TRUE(t.Remember("k", 3));
  EXPECT_TRUE(t.Remember("j", 7));
  EXPECT_EQ(t.keys(), 2u);
  EXPECT_EQ(t.items(), 3u);
}

TEST(TrackingTable, TakeReturnsEveryReaderAndForgetsTheKey) {
  TrackingTable t;
  t.Remember("k", 9);
  t.Remember("k", 2);
  t.Remember("k", 5);
  t.Remember("other", 2);
  EXPECT_EQ(t.Take("k"), (std::vector<uint64_t>{2, 5, 9}));
  EXPECT_EQ(t.keys(), 1u);
  EXPECT_EQ(t.items(), 1u);
  // Told once: a second change finds nobody until the key is read again.
  EXPECT_TRUE(t.Take("k").empty());
  t.Remember("k", 5);
  EXPECT_EQ(t.Take("k"), (std::vector<uint64_t>{5}));
}

TEST(TrackingTable, TakeOfUnknownKeyIsEmpty) {
  TrackingTable t;
  EXPECT_TRUE(t.Take("nokey").empty());
  EXPECT_TRUE(t.empty());
}

TEST(TrackingTable, KeysAreBinarySafe) {
  TrackingTable t;
  const std::string a("a\0b", 3), b("a\0c", 3);
  t.Remember(a, 1);
  t.Remember(b, 2);
  EXPECT_EQ(t.Take(a), (std::vector<uint64_t>{1}));
  EXPECT_EQ(t.Take(b), (std::vector<uint64_t>{2}));
}

TEST(TrackingTable, ClearForgetsEverything) {
  TrackingTable t;
  for (int i = 0; i < 100; ++i) t.Remember("k" + std::to_string(i), static_cast<uint64_t>(i % 3 + 1));
  t.Clear();
  EXPECT_EQ(t.keys(), 0u);
  EXPECT_EQ(t.items(), 0u);
  EXPECT_TRUE(t.Take("k1").empty());
}

TEST(TrackingTable, RandomKeyReachesEveryKeyAndDrainsTheTable) {
  TrackingTable t;
  for (int i = 0; i < 200; ++i) t.Remember("k" + std::to_string(i), 1);
  std::set<std::string> seen;
  for (int i = 0; i < 4000; ++i) seen.insert(t.RandomKey());
  // Random, not always the same few keys.
  EXPECT_GT(seen.size(), 150u);
  // After many removals (sparse buckets) it still finds the keys left.
  size_t removed = 0;
  while (!t.empty()) {
    const std::string k = t.RandomKey();
    ASSERT_EQ(t.Take(k).size(), 1u) << k;
    ++removed;
  }
  EXPECT_EQ(removed, 200u);
}

using Sent = std::vector<std::pair<std::vector<std::string>, std::vector<uint64_t>>>;

Sent DrainAll(BcastPrefixes& p) {
  Sent out;
  p.Drain([&](const BcastPrefixes::PendingKeys& keys, const std::vector<uint64_t>& receivers) {
    std::vector<std::string> names;
    for (const auto& [k, writer] : keys) names.push_back(k);
    out.emplace_back(names, receivers);
  });
  return out;
}

TEST(BcastPrefixes, KeysAreSortedOnceEachPerPrefixInPrefixOrder) {
  BcastPrefixes p;
  p.AddClient("u:", 1);
  p.AddClient("o:", 1);
  p.AddClient("o:", 2);
  p.NoteKey("u:2", 0);
  p.NoteKey("u:1", 0);
  p.NoteKey("x", 0);
  p.NoteKey("u:2", 0);
  p.NoteKey("o:1", 0);
  EXPECT_TRUE(p.has_pending());
  const Sent sent = DrainAll(p);
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].first, (std::vector<std::string>{"o:1"}));
  EXPECT_EQ(sent[0].second, (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(sent[1].first, (std::vector<std::string>{"u:1", "u:2"}));
  EXPECT_EQ(sent[1].second, (std::vector<uint64_t>{1}));
  EXPECT_FALSE(p.has_pending());
  EXPECT_TRUE(DrainAll(p).empty());
}

TEST(BcastPrefixes, EmptyPrefixMatchesEveryKey) {
  BcastPrefixes p;
  p.AddClient("", 4);
  p.NoteKey("anything", 0);
  p.NoteKey("", 0);
  const Sent sent = DrainAll(p);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].first, (std::vector<std::string>{"", "anything"}));
}

TEST(BcastPrefixes, LastReceiverLeavingDropsPrefixAndItsPendingKeys) {
  BcastPrefixes p;
  p.AddClient("a", 1);
  p.AddClient("a", 2);
  p.AddClient("a", 2);  // no-op
  p.NoteKey("ab", 0);
  p.RemoveClient("a", 1);
  EXPECT_EQ(p.prefix_count(), 1u);
  p.RemoveClient("a", 2);
  EXPECT_EQ(p.prefix_count(), 0u);
  EXPECT_FALSE(p.has_pending());
  p.RemoveClient("a", 2);  // unknown prefix: no-op
  EXPECT_TRUE(DrainAll(p).empty());
}

TEST(BcastPrefixes, FirstWriterOfAKeyIsKeptForNoloop) {
  BcastPrefixes p;
  p.AddClient("k", 1);
  p.NoteKey("k1", 1);
  p.NoteKey("k1", 2);
  p.NoteKey("k2", 2);
  p.NoteKey("k3", 0);
  std::string own, other, common;
  p.Drain([&](const BcastPrefixes::PendingKeys& keys, const std::vector<uint64_t>&) {
    EXPECT_TRUE(EncodePendingKeys(keys, 1, &own));
    EXPECT_TRUE(EncodePendingKeys(keys, 2, &other));
    EXPECT_TRUE(EncodePendingKeys(keys, 0, &common));
  });
  EXPECT_EQ(own, "*2\r\n$2\r\nk2\r\n$2\r\nk3\r\n");
  EXPECT_EQ(other, "*2\r\n$2\r\nk1\r\n$2\r\nk3\r\n");
  EXPECT_EQ(common, "*3\r\n$2\r\nk1\r\n$2\r\nk2\r\n$2\r\nk3\r\n");
}

TEST(BcastPrefixes, EncodeLeavesNothingWhenEveryKeyIsTheReceiversOwn) {
  BcastPrefixes::PendingKeys keys{{"a", 5}, {"b", 5}};
  std::string out = "x";
  EXPECT_FALSE(EncodePendingKeys(keys, 5, &out));
  EXPECT_EQ(out, "x");
}

TEST(PrefixesOverlap, OneStartingWithTheOtherOverlaps) {
  EXPECT_TRUE(PrefixesOverlap("a", "ab"));
  EXPECT_TRUE(PrefixesOverlap("ab", "a"));
  EXPECT_TRUE(PrefixesOverlap("a", "a"));
  EXPECT_TRUE(PrefixesOverlap("", "x"));
  EXPECT_FALSE(PrefixesOverlap("a", "b"));
  EXPECT_FALSE(PrefixesOverlap("ab", "ac"));
}

}  // namespace
}  // namespace replikv
