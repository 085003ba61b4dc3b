// LazyFreer: which values go to the job thread, the counters, and that a
// flushed table's entries are all freed there.
#include "server/lazy_free.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "server/keyspace.h"
#include "server/types/type_list.h"
#include "server/types/type_set.h"

namespace replikv {
namespace {

Entry* SetEntry(std::string_view key, int members) {
  std::vector<std::string> m;
  for (int i = 0; i < members; ++i) m.push_back("member:" + std::to_string(i));
  return Entry::NewObject(key, ObjType::kSet, SetValue::Build(m, 512), false);
}

TEST(LazyFreer, SmallValuesAreFreedAtOnceAndNotCounted) {
  LazyFreer freer;
  EXPECT_FALSE(freer.Free(Entry::NewString("k", "v", false)));
  EXPECT_FALSE(freer.Free(SetEntry("s", static_cast<int>(LazyFreer::kThreshold))));
  auto* list = new List(-2);
  for (int i = 0; i < 1000; ++i) list->Push(List::kTail, "x");  // one node
  EXPECT_FALSE(freer.Free(Entry::NewObject("l", ObjType::kList, list, false)));
  freer.Drain();
  EXPECT_EQ(freer.freed(), 0u);
  EXPECT_EQ(freer.pending(), 0u);
}

TEST(LazyFreer, ValuesOverTheThresholdGoToTheJobThread) {
  LazyFreer freer;
  // 65 members: packed here, a hash table in Redis 7.0, which decides.
  EXPECT_TRUE(freer.Free(SetEntry("b", static_cast<int>(LazyFreer::kThreshold) + 1)));
  EXPECT_TRUE(freer.Free(SetEntry("c", 1000)));
  freer.Drain();
  EXPECT_EQ(freer.freed(), 2u);
  EXPECT_EQ(freer.pending(), 0u);
  freer.ResetStats();
  EXPECT_EQ(freer.freed(), 0u);
}

TEST(LazyFreer, AFlushedDbIsEmptyAtOnceAndCountsOneObjectPerKey) {
  Keyspace ks(2, nullptr);
  Db& db = ks.db(0);
  for (int i = 0; i < 100; ++i) db.Add(Entry::NewString("k" + std::to_string(i), "v", false));
  db.Add(SetEntry("big", 1000));
  Entry* ttl = Entry::NewString("t", "v", true);
  ttl->set_expire_ms(Entry::kNoExpire);
  db.Add(ttl);
  db.SetExpire(db.Find("t"), 1);
  db.Clear(/*lazy=*/true);
  EXPECT_EQ(db.size(), 0u);
  EXPECT_EQ(db.expires_size(), 0u);
  db.Add(Entry::NewString("after", "v", false));  // the emptied tables work
  EXPECT_NE(db.Find("after"), nullptr);
  ks.lazy_freer().Drain();
  EXPECT_EQ(ks.lazy_freer().freed(), 102u);
}

}  // namespace
}  // namespace replikv
