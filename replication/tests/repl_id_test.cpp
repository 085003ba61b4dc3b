#include "replication/repl_id.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace replikv::repl {
namespace {

bool IsLowerHex(const std::string& s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

TEST(ReplId, RandomIdIsFortyLowercaseHexChars) {
  std::string id = RandomHexId();
  EXPECT_EQ(id.size(), kReplIdLen);
  EXPECT_TRUE(IsLowerHex(id)) << id;
}

TEST(ReplId, RandomIdsDiffer) {
  std::set<std::string> ids;
  for (int i = 0; i < 1000; i++) ids.insert(RandomHexId());
  EXPECT_EQ(ids.size(), 1000u);
}

TEST(ReplId, NewIdentityHasNoSecondary) {
  ReplIdentity id;
  EXPECT_EQ(id.replid().size(), kReplIdLen);
  EXPECT_EQ(id.replid2(), std::string(40, '0'));
  EXPECT_EQ(id.second_repl_offset(), -1);
}

TEST(ReplId, ShiftOnPromotionKeepsOldIdAsSecondary) {
  ReplIdentity id;
  std::string old = id.replid();
  id.ShiftOnPromotion(1000);
  EXPECT_EQ(id.replid2(), old);
  EXPECT_EQ(id.second_repl_offset(), 1001);
  EXPECT_NE(id.replid(), old);
  EXPECT_TRUE(IsLowerHex(id.replid()));
}

TEST(ReplId, StartNewHistoryForgetsThePast) {
  ReplIdentity id;
  id.ShiftOnPromotion(5);
  std::string before = id.replid();
  id.StartNewHistory(9);
  EXPECT_NE(id.replid(), before);
  EXPECT_EQ(id.first_offset(), 9);
  EXPECT_EQ(id.replid2(), std::string(40, '0'));
  EXPECT_EQ(id.second_repl_offset(), -1);
  EXPECT_TRUE(id.past().empty());
}

TEST(ReplId, AdoptTakesPrimaryIdAndClearsSecondary) {
  ReplIdentity id;
  id.ShiftOnPromotion(5);
  std::string theirs(40, 'a');
  id.Adopt(theirs, 42);
  EXPECT_EQ(id.replid(), theirs);
  EXPECT_EQ(id.first_offset(), 42);
  EXPECT_EQ(id.second_repl_offset(), -1);
}

TEST(ReplId, ShiftToAdoptsGivenId) {
  ReplIdentity id;
  std::string mine = id.replid();
  std::string theirs(40, 'b');
  id.ShiftTo(theirs, 77);
  EXPECT_EQ(id.replid(), theirs);
  EXPECT_EQ(id.replid2(), mine);
  EXPECT_EQ(id.second_repl_offset(), 78);
}

BacklogWindow Window(int64_t first, int64_t histlen) {
  BacklogWindow w;
  w.exists = true;
  w.first_byte_offset = first;
  w.histlen = histlen;
  return w;
}

TEST(ReplIdContinue, SameIdInsideBacklogContinues) {
  ReplIdentity id;
  // Backlog holds bytes 101..200 (master_repl_offset 200).
  auto w = Window(101, 100);
  EXPECT_TRUE(id.CanContinue(id.replid(), 101, w, 200, "r").can_continue());
  EXPECT_TRUE(id.CanContinue(id.replid(), 150, w, 200, "r").can_continue());
  // A replica that has everything asks for 201: nothing to send, still ok.
  EXPECT_TRUE(id.CanContinue(id.replid(), 201, w, 200, "r").can_continue());
}

TEST(ReplIdContinue, IdComparesIgnoringCase) {
  ReplIdentity id;
  std::string upper = id.replid();
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_TRUE(id.CanContinue(upper, 150, Window(101, 100), 200, "r").can_continue());
}

TEST(ReplIdContinue, OffsetBeforeBacklogNeedsFullSync) {
  ReplIdentity id;
  auto d = id.CanContinue(id.replid(), 100, Window(101, 100), 200, "127.0.0.1:6380");
  EXPECT_EQ(d.kind, PsyncDecision::Kind::kLackOfBacklog);
  EXPECT_EQ(d.log_line,
            "Unable to partial resync with replica 127.0.0.1:6380 for lack of "
            "backlog (Replica request was: 100).");
  EXPECT_TRUE(d.warning_line.empty());
}

TEST(ReplIdContinue, OffsetPastMasterOffsetAlsoWarns) {
  ReplIdentity id;
  auto d = id.CanContinue(id.replid(), 202, Window(101, 100), 200, "127.0.0.1:6380");
  EXPECT_EQ(d.kind, PsyncDecision::Kind::kLackOfBacklog);
  EXPECT_EQ(d.warning_line,
            "Warning: replica 127.0.0.1:6380 tried to PSYNC with an offset that "
            "is greater than the master replication offset.");
}

TEST(ReplIdContinue, NoBacklogNeedsFullSync) {
  ReplIdentity id;
  BacklogWindow none;
  EXPECT_EQ(id.CanContinue(id.replid(), 1, none, 0, "r").kind,
            PsyncDecision::Kind::kLackOfBacklog);
}

TEST(ReplIdContinue, UnknownIdIsMismatch) {
  ReplIdentity id;
  std::string other(40, 'c');
  auto d = id.CanContinue(other, 150, Window(101, 100), 200, "r");
  EXPECT_EQ(d.kind, PsyncDecision::Kind::kReplIdMismatch);
  EXPECT_EQ(d.log_line,
            "Partial resynchronization not accepted: Replication ID mismatch "
            "(Replica asked for '" + other + "', my replication IDs are '" +
                id.replid() + "' and '" + std::string(40, '0') + "')");
}

TEST(ReplIdContinue, QuestionMarkRequestsFullSync) {
  ReplIdentity id;
  auto d = id.CanContinue("?", -1, Window(101, 100), 200, "127.0.0.1:7000");
  EXPECT_EQ(d.kind, PsyncDecision::Kind::kFullResyncRequested);
  EXPECT_EQ(d.log_line, "Full resync requested by replica 127.0.0.1:7000");
}

TEST(ReplIdContinue, SecondIdContinuesUpToForkOffset) {
  ReplIdentity id;
  std::string old = id.replid();
  id.ShiftOnPromotion(150);  // second_repl_offset 151
  auto w = Window(101, 100);
  EXPECT_TRUE(id.CanContinue(old, 151, w, 200, "r").can_continue());
  EXPECT_TRUE(id.CanContinue(old, 120, w, 200, "r").can_continue());
  auto d = id.CanContinue(old, 152, w, 200, "r");
  EXPECT_EQ(d.kind, PsyncDecision::Kind::kSecondIdTooFar);
  EXPECT_EQ(d.log_line,
            "Partial resynchronization not accepted: Requested offset for "
            "second ID was 152, but I can reply up to 151");
}

TEST(ReplIdContinue, SecondIdStillNeedsBacklog) {
  ReplIdentity id;
  std::string old = id.replid();
  id.ShiftOnPromotion(150);
  EXPECT_EQ(id.CanContinue(old, 50, Window(101, 100), 200, "r").kind,
            PsyncDecision::Kind::kLackOfBacklog);
}

TEST(ReplIdContinue, ZeroSecondIdNeverMatchesAfterClear) {
  ReplIdentity id;
  // replid2 is 40 '0's with offset -1: asking for it is refused.
  auto d = id.CanContinue(std::string(40, '0'), 1, Window(1, 100), 100, "r");
  EXPECT_EQ(d.kind, PsyncDecision::Kind::kSecondIdTooFar);
}

TEST(ReplIdTimeline, EveryPastIdContinuesUpToItsFork) {
  // A primary's id `a`, this node promoted at 150 (id b), then following a
  // node promoted at 300 (id c): replicas still on `a` or `b` continue.
  ReplIdentity id;
  id.Adopt(std::string(40, 'a'), 1);
  id.ShiftOnPromotion(150);
  std::string b = id.replid();
  id.ShiftTo(std::string(40, 'c'), 300);
  ASSERT_EQ(id.past().size(), 2u);
  EXPECT_EQ(id.past()[0], (PastHistory{b, 151, 301}));
  EXPECT_EQ(id.past()[1], (PastHistory{std::string(40, 'a'), 1, 151}));
  EXPECT_EQ(id.replid2(), b);
  EXPECT_EQ(id.second_repl_offset(), 301);
  auto w = Window(1, 400);
  EXPECT_TRUE(id.CanContinue(std::string(40, 'a'), 151, w, 400, "r").can_continue());
  EXPECT_EQ(id.CanContinue(std::string(40, 'a'), 152, w, 400, "r").log_line,
            "Partial resynchronization not accepted: Requested offset for "
            "second ID was 152, but I can reply up to 151");
  EXPECT_TRUE(id.CanContinue(b, 301, w, 400, "r").can_continue());
  EXPECT_TRUE(id.CanContinue(std::string(40, 'c'), 400, w, 400, "r").can_continue());
}

TEST(ReplIdTimeline, KeepsTheMostRecentPastIds) {
  ReplIdentity id;
  std::vector<std::string> ids;
  for (int i = 0; i < 20; ++i) {
    ids.push_back(id.replid());
    id.ShiftOnPromotion(100 * (i + 1));
  }
  ASSERT_EQ(id.past().size(), kMaxPastHistories);
  EXPECT_EQ(id.past().front().replid, ids.back());
  EXPECT_EQ(id.past().back().replid, ids[20 - kMaxPastHistories]);
  EXPECT_EQ(id.CanContinue(ids[0], 50, Window(1, 3000), 3000, "r").kind,
            PsyncDecision::Kind::kReplIdMismatch);
}

TEST(ReplIdTimeline, PsyncNamesThePastIdWhenTheCurrentHasNoBytes) {
  ReplIdentity id;
  id.Adopt(std::string(40, 'a'), 1);
  id.ShiftOnPromotion(150);  // a primary restarted at offset 150
  EXPECT_EQ(id.PsyncReplid(151), std::string(40, 'a'));
  EXPECT_EQ(id.PsyncReplid(152), id.replid());  // it wrote on its own id
}

TEST(ReplIdTimeline, RestoreCutsToTheBound) {
  ReplIdentity id;
  std::vector<PastHistory> past(kMaxPastHistories + 3, PastHistory{std::string(40, 'd'), 1, 5});
  id.Restore(std::string(40, 'e'), 5, past);
  EXPECT_EQ(id.replid(), std::string(40, 'e'));
  EXPECT_EQ(id.first_offset(), 5);
  EXPECT_EQ(id.past().size(), kMaxPastHistories);
}

}  // namespace
}  // namespace replikv::repl
