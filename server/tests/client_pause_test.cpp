// CLIENT PAUSE / UNPAUSE (who waits, in which order, when they run again,
// the static dataset during a pause) and CLIENT REPLY OFF|SKIP|ON, checked
// against what redis-server 7.0.15 does.
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "server/commands/blocking.h"
#include "server/commands/client_pause.h"
#include "server/evict.h"
#include "server/net/reply_buffer.h"
#include "server/tests/clients_fixture.h"

namespace replikv {
namespace {

class ClientPauseTest : public ClientsTest {
 protected:
  ClientPauseTest() {
    client_->set_kind(ClientKind::kNormal);
    Exec({"SET", "init", "1"});  // the stream's SELECT 0 out of the way
    Exec({"DEL", "init"});
    Propagated();
  }
  // A network-like client: CLIENT PAUSE holds its commands.
  Client* NewPausable() {
    Client* c = NewClient();
    c->set_kind(ClientKind::kNormal);
    return c;
  }
  ClientPause& pause() { return server_->client_pause(); }
  int64_t Now() { return server_->keyspace().now_ms(); }
  // What the loop runs before each poll.
  void BeforePoll(int64_t now_ms) { pause().BeforePoll(now_ms); }
};

TEST_F(ClientPauseTest, WritePauseParksWritesAndLetsReadsRun) {
  Client* w = NewPausable();
  EXPECT_EQ(Exec({"SET", "k", "old"}), "+OK\r\n");
  Propagated();
  EXPECT_EQ(Exec({"CLIENT", "PAUSE", "100000", "WRITE"}), "+OK\r\n");
  EXPECT_EQ(ExecOn(w, {"SET", "k", "new"}), "");
  EXPECT_TRUE(w->paused());
  EXPECT_EQ(pause().parked_count(), 1u);
  EXPECT_EQ(Exec({"GET", "k"}), "$3\r\nold\r\n");
  EXPECT_EQ(Exec({"PUBLISH", "ch", "m"}), "");  // may replicate: waits too
  EXPECT_TRUE(client_->paused());
  EXPECT_EQ(Propagated(), "");
  pause().Unpause(PausePurpose::kClientCommand, Now());
  BeforePoll(Now());
  EXPECT_FALSE(w->paused());
  EXPECT_EQ(DrainOf(w), "+OK\r\n");
  EXPECT_EQ(Drain(), ":0\r\n");
  EXPECT_EQ(Exec({"GET", "k"}), "$3\r\nnew\r\n");
  // PUBLISH reaches replication sinks (the test sink takes every target).
  EXPECT_EQ(Propagated(), Resp({"SET", "k", "new"}) + Resp({"PUBLISH", "ch", "m"}));
}

TEST_F(ClientPauseTest, ParkedClientsRunInArrivalOrder) {
  Client* a = NewPausable();
  Client* b = NewPausable();
  Client* c = NewPausable();
  Exec({"CLIENT", "PAUSE", "100000", "WRITE"});
  ExecOn(b, {"RPUSH", "l", "b"});
  ExecOn(a, {"RPUSH", "l", "a"});
  ExecOn(c, {"RPUSH", "l", "c"});
  Exec({"CLIENT", "UNPAUSE"});
  BeforePoll(Now());
  EXPECT_EQ(DrainOf(b), ":1\r\n");
  EXPECT_EQ(DrainOf(a), ":2\r\n");
  EXPECT_EQ(DrainOf(c), ":3\r\n");
  EXPECT_EQ(Exec({"LRANGE", "l", "0", "-1"}), "*3\r\n$1\r\nb\r\n$1\r\na\r\n$1\r\nc\r\n");
}

TEST_F(ClientPauseTest, AllPauseParksEveryCommandUntilItsEnd) {
  Client* r = NewPausable();
  const int64_t now = Now();
  pause().Pause(PausePurpose::kClientCommand, PauseType::kAll, now + 500, now);
  EXPECT_EQ(ExecOn(r, {"PING"}), "");
  EXPECT_EQ(ExecOn(NewPausable(), {"CLIENT", "UNPAUSE"}), "");  // waits as well
  BeforePoll(now + 500);  // the end itself is still paused, as Redis
  EXPECT_TRUE(r->paused());
  BeforePoll(now + 501);
  EXPECT_EQ(DrainOf(r), "+PONG\r\n");
  EXPECT_FALSE(pause().active());
}

TEST_F(ClientPauseTest, RefusalsAreAnsweredAtOnce) {
  Client* w = NewPausable();
  Exec({"CLIENT", "PAUSE", "100000", "ALL"});
  EXPECT_EQ(ExecOn(w, {"SET", "k"}), "-ERR wrong number of arguments for 'set' command\r\n");
  EXPECT_EQ(ExecOn(w, {"NOPE"}), "-ERR unknown command 'NOPE', with args beginning with: \r\n");
  EXPECT_FALSE(w->paused());
}

TEST_F(ClientPauseTest, InternalClientsAreNeverPaused) {
  Client* loader = NewClient();  // never started: like the AOF loader
  Exec({"CLIENT", "PAUSE", "100000", "ALL"});
  EXPECT_EQ(ExecOn(loader, {"SET", "k", "v"}), "+OK\r\n");
}

TEST_F(ClientPauseTest, StricterTypeAndLaterEndWinWithinOnePurpose) {
  const int64_t now = 1000000;
  pause().Pause(PausePurpose::kClientCommand, PauseType::kAll, now + 300, now);
  pause().Pause(PausePurpose::kClientCommand, PauseType::kWrite, now + 1500, now);
  EXPECT_EQ(pause().type(), PauseType::kAll);
  EXPECT_EQ(pause().end_ms(), now + 1500);
  pause().Unpause(PausePurpose::kClientCommand, now);
  EXPECT_FALSE(pause().active());
  pause().Pause(PausePurpose::kClientCommand, PauseType::kWrite, now + 1500, now);
  pause().Pause(PausePurpose::kClientCommand, PauseType::kAll, 0, now);  // CLIENT PAUSE 0 ALL
  EXPECT_EQ(pause().type(), PauseType::kAll);
  EXPECT_EQ(pause().end_ms(), now + 1500);
  pause().Update(now + 1501);
  EXPECT_FALSE(pause().active());
  // An ended pause lends nothing to the next one.
  pause().Pause(PausePurpose::kClientCommand, PauseType::kWrite, now + 3000, now + 2000);
  EXPECT_EQ(pause().type(), PauseType::kWrite);
  pause().Unpause(PausePurpose::kClientCommand, now);
}

TEST_F(ClientPauseTest, StrictestPurposeWinsAndEndsOnItsOwn) {
  const int64_t now = 1000000;
  pause().Pause(PausePurpose::kFailover, PauseType::kWrite, now + 5000, now);
  pause().Pause(PausePurpose::kClientCommand, PauseType::kAll, now + 100, now);
  EXPECT_EQ(pause().type(), PauseType::kAll);
  EXPECT_EQ(pause().end_ms(), now + 100);
  pause().Update(now + 101);
  EXPECT_EQ(pause().type(), PauseType::kWrite);
  EXPECT_EQ(pause().end_ms(), now + 5000);
  pause().Unpause(PausePurpose::kClientCommand, now + 200);  // CLIENT UNPAUSE leaves FAILOVER's
  EXPECT_EQ(pause().type(), PauseType::kWrite);
  pause().Unpause(PausePurpose::kFailover, now + 200);
  EXPECT_FALSE(pause().active());
}

TEST_F(ClientPauseTest, RelaxingToWriteRunsReadsAndKeepsWritesParked) {
  Client* w = NewPausable();
  Client* r = NewPausable();
  // A failover's WRITE pause outlives the command's ALL.
  const int64_t now = Now();
  pause().Pause(PausePurpose::kFailover, PauseType::kWrite, now + 100000, now);
  pause().Pause(PausePurpose::kClientCommand, PauseType::kAll, now + 10, now);
  ExecOn(w, {"SET", "k", "v"});
  ExecOn(r, {"GET", "k"});
  EXPECT_EQ(pause().parked_count(), 2u);
  BeforePoll(now + 11);
  EXPECT_EQ(pause().type(), PauseType::kWrite);
  EXPECT_EQ(DrainOf(r), "$-1\r\n");
  EXPECT_TRUE(w->paused());
  EXPECT_EQ(pause().parked_count(), 1u);
  pause().Unpause(PausePurpose::kFailover, now + 12);
  BeforePoll(now + 12);
  EXPECT_EQ(DrainOf(w), "+OK\r\n");
}

TEST_F(ClientPauseTest, WritesInsideMultiAndExecOfWritesWait) {
  Client* m = NewPausable();
  Client* q = NewPausable();
  Client* ro = NewPausable();
  EXPECT_EQ(ExecOn(q, {"MULTI"}), "+OK\r\n");
  EXPECT_EQ(ExecOn(q, {"SET", "k", "1"}), "+QUEUED\r\n");
  EXPECT_EQ(ExecOn(ro, {"MULTI"}), "+OK\r\n");
  EXPECT_EQ(ExecOn(ro, {"GET", "k"}), "+QUEUED\r\n");
  Exec({"CLIENT", "PAUSE", "100000", "WRITE"});
  EXPECT_EQ(ExecOn(m, {"MULTI"}), "+OK\r\n");
  EXPECT_EQ(ExecOn(m, {"GET", "k"}), "+QUEUED\r\n");
  EXPECT_EQ(ExecOn(m, {"SET", "k", "2"}), "");  // Redis parks it before queuing
  EXPECT_TRUE(m->paused());
  EXPECT_EQ(ExecOn(q, {"EXEC"}), "");  // the transaction holds a write
  EXPECT_TRUE(q->paused());
  EXPECT_EQ(ExecOn(ro, {"EXEC"}), "*1\r\n$-1\r\n");
  Exec({"CLIENT", "UNPAUSE"});
  BeforePoll(Now());
  EXPECT_EQ(DrainOf(m), "+QUEUED\r\n");
  EXPECT_EQ(DrainOf(q), "*1\r\n+OK\r\n");
}

TEST_F(ClientPauseTest, ExecWithAQueuedPublishWaits) {
  EXPECT_EQ(Exec({"MULTI"}), "+OK\r\n");
  EXPECT_EQ(Exec({"PUBLISH", "ch", "m"}), "+QUEUED\r\n");
  Client* admin = NewClient();
  ExecOn(admin, {"CLIENT", "PAUSE", "100000", "WRITE"});
  EXPECT_EQ(Exec({"EXEC"}), "");
  EXPECT_TRUE(client_->paused());
}

TEST_F(ClientPauseTest, ParkedClientShowsAsBlockedWithItsCommand) {
  Client* w = NewPausable();
  Exec({"CLIENT", "PAUSE", "100000", "WRITE"});
  ExecOn(w, {"SET", "k", "v"});
  EXPECT_EQ(w->ListFlags(), "b");
  std::string list = Exec({"CLIENT", "LIST", "ID", std::to_string(w->id())});
  EXPECT_NE(list.find(" flags=b "), std::string::npos) << list;
  EXPECT_NE(list.find(" argv-mem=5 "), std::string::npos) << list;
  EXPECT_NE(list.find(" cmd=set "), std::string::npos) << list;
  std::string self = Exec({"CLIENT", "INFO"});
  EXPECT_NE(self.find(" argv-mem=10 "), std::string::npos) << self;  // "client" + "info"
}

TEST_F(ClientPauseTest, DisconnectedParkedClientLeavesTheQueue) {
  Client* w = NewPausable();
  Client* v = NewPausable();
  Exec({"CLIENT", "PAUSE", "100000", "WRITE"});
  ExecOn(w, {"SET", "k", "w"});
  ExecOn(v, {"SET", "k", "v"});
  Disconnect(w);
  EXPECT_EQ(pause().parked_count(), 1u);
  Exec({"CLIENT", "UNPAUSE"});
  BeforePoll(Now());
  EXPECT_EQ(DrainOf(v), "+OK\r\n");
  EXPECT_EQ(Exec({"GET", "k"}), "$1\r\nv\r\n");
}

TEST_F(ClientPauseTest, ExpiredKeysReadAbsentButStayUntilThePauseEnds) {
  Keyspace& ks = server_->keyspace();
  Exec({"SET", "e", "v", "PX", "1"});
  Exec({"SET", "r", "v", "PX", "1"});
  Propagated();
  Exec({"CLIENT", "PAUSE", "100000", "WRITE"});
  std::this_thread::sleep_for(std::chrono::milliseconds(5));  // commands read the real clock
  EXPECT_EQ(Exec({"GET", "e"}), "$-1\r\n");
  EXPECT_EQ(Exec({"EXISTS", "e"}), ":0\r\n");
  EXPECT_EQ(Exec({"DBSIZE"}), ":2\r\n");  // still stored
  // Every key is expired: Redis 7.0 would draw forever; the bounded draw
  // ends on an expired key, and deletes nothing.
  EXPECT_NE(Exec({"RANDOMKEY"}), "$-1\r\n");
  EXPECT_EQ(Exec({"DBSIZE"}), ":2\r\n");
  EXPECT_EQ(ks.ActiveExpireCycle(100000), 0u);
  EXPECT_EQ(ks.stats().expired_keys, 0u);
  EXPECT_EQ(Propagated(), "");
  Exec({"CLIENT", "UNPAUSE"});
  EXPECT_EQ(Exec({"GET", "e"}), "$-1\r\n");
  EXPECT_EQ(Propagated(), Resp({"DEL", "e"}));
  EXPECT_EQ(ks.ActiveExpireCycle(100000), 1u);
  EXPECT_EQ(Propagated(), Resp({"DEL", "r"}));
}

TEST_F(ClientPauseTest, AWriteDuringAPauseReplacesAnExpiredKey) {
  // Only an EXEC that ran CLIENT PAUSE writes during a pause; Redis 7.0
  // stores the new value.
  Exec({"SET", "e", "old", "PX", "1"});
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  Exec({"MULTI"});
  Exec({"CLIENT", "PAUSE", "100000", "WRITE"});
  Exec({"SET", "e", "new"});
  Exec({"GET", "e"});
  EXPECT_EQ(Exec({"EXEC"}), "*3\r\n+OK\r\n+OK\r\n$3\r\nnew\r\n");
  EXPECT_TRUE(server_->client_pause().active());
  Exec({"CLIENT", "UNPAUSE"});
}

TEST_F(ClientPauseTest, EvictionDoesNothingDuringAPause) {
  Exec({"CONFIG", "SET", "maxmemory-policy", "noeviction"});
  Exec({"CONFIG", "SET", "maxmemory", "1"});
  EXPECT_EQ(server_->evictor().PerformEvictions(), Evictor::Result::kFail);
  Exec({"CLIENT", "PAUSE", "100000", "WRITE"});
  EXPECT_EQ(server_->evictor().PerformEvictions(), Evictor::Result::kOk);
  Exec({"CLIENT", "UNPAUSE"});
  Exec({"CONFIG", "SET", "maxmemory", "0"});
}

// ---------------------------------------------------------------- CLIENT REPLY

TEST_F(ClientPauseTest, ReplyOffSuppressesEverythingUntilOn) {
  const uint64_t errors = server_->error_stats().total;
  EXPECT_EQ(Exec({"CLIENT", "REPLY", "OFF"}), "");
  EXPECT_EQ(Exec({"SET", "a", "1"}), "");
  EXPECT_EQ(Exec({"NOPE"}), "");
  EXPECT_EQ(Exec({"GET"}), "");
  EXPECT_EQ(Exec({"CLIENT", "REPLY", "BAR"}), "");
  EXPECT_EQ(server_->error_stats().total, errors + 3);  // still counted, as Redis
  EXPECT_EQ(Exec({"CLIENT", "REPLY", "ON"}), "+OK\r\n");
  EXPECT_EQ(Exec({"GET", "a"}), "$1\r\n1\r\n");
}

TEST_F(ClientPauseTest, ReplySkipSuppressesTheNextCommandOnly) {
  EXPECT_EQ(Exec({"CLIENT", "REPLY", "SKIP"}), "");
  EXPECT_EQ(Exec({"PING"}), "");
  EXPECT_EQ(Exec({"PING"}), "+PONG\r\n");
  // SKIP twice: the second one is the skipped command and skips again.
  Exec({"CLIENT", "REPLY", "SKIP"});
  EXPECT_EQ(Exec({"CLIENT", "REPLY", "SKIP"}), "");
  EXPECT_EQ(Exec({"PING"}), "");
  EXPECT_EQ(Exec({"PING"}), "+PONG\r\n");
  // ON while skipped still answers.
  Exec({"CLIENT", "REPLY", "SKIP"});
  EXPECT_EQ(Exec({"CLIENT", "REPLY", "ON"}), "+OK\r\n");
  // SKIP under OFF is ignored.
  Exec({"CLIENT", "REPLY", "OFF"});
  Exec({"CLIENT", "REPLY", "SKIP"});
  EXPECT_EQ(Exec({"CLIENT", "REPLY", "ON"}), "+OK\r\n");
  EXPECT_EQ(Exec({"PING"}), "+PONG\r\n");
}

TEST_F(ClientPauseTest, ReplyOffInsideExecCutsTheRestOfItsReply) {
  // Redis 7.0: +OK +QUEUED +QUEUED *2 and nothing more.
  EXPECT_EQ(Exec({"MULTI"}), "+OK\r\n");
  EXPECT_EQ(Exec({"CLIENT", "REPLY", "OFF"}), "+QUEUED\r\n");
  EXPECT_EQ(Exec({"PING"}), "+QUEUED\r\n");
  EXPECT_EQ(Exec({"EXEC"}), "*2\r\n");
  EXPECT_EQ(Exec({"PING"}), "");
  EXPECT_EQ(Exec({"CLIENT", "REPLY", "ON"}), "+OK\r\n");
}

TEST_F(ClientPauseTest, ResetEndsOffButNotItsOwnSkip) {
  Exec({"CLIENT", "REPLY", "OFF"});
  EXPECT_EQ(Exec({"RESET"}), "+RESET\r\n");
  Exec({"CLIENT", "REPLY", "SKIP"});
  EXPECT_EQ(Exec({"RESET"}), "");
  EXPECT_EQ(Exec({"PING"}), "+PONG\r\n");
}

TEST_F(ClientPauseTest, SkipHoldsForABlockedCommandsLaterReply) {
  Client* pusher = NewClient();
  Exec({"CLIENT", "REPLY", "SKIP"});
  EXPECT_EQ(Exec({"BLPOP", "l", "0"}), "");
  EXPECT_TRUE(client_->blocked());
  ExecOn(pusher, {"RPUSH", "l", "x"});
  server_->blocked_clients().BeforeSleep();  // serves, then runs the rest
  EXPECT_FALSE(client_->blocked());
  EXPECT_EQ(Drain(), "");
  EXPECT_EQ(Exec({"PING"}), "+PONG\r\n");
}

TEST_F(ClientPauseTest, SkipHoldsForAParkedCommand) {
  Exec({"CLIENT", "REPLY", "SKIP"});
  ExecOn(NewClient(), {"CLIENT", "PAUSE", "100000", "WRITE"});
  EXPECT_EQ(Exec({"SET", "k", "v"}), "");
  ExecOn(NewClient(), {"CLIENT", "UNPAUSE"});
  BeforePoll(Now());
  EXPECT_EQ(Drain(), "");
  EXPECT_EQ(Exec({"GET", "k"}), "$1\r\nv\r\n");
}

TEST_F(ClientPauseTest, PushesReachAClientWithRepliesOff) {
  Exec({"CLIENT", "REPLY", "OFF"});
  client_->MarkCommandStart();
  client_->reply().AddSimple("suppressed");
  client_->BeginPush();
  client_->reply().AddSimple("push");
  client_->EndPush();
  client_->reply().AddSimple("suppressed too");
  client_->EndCommandReplies();
  EXPECT_EQ(Drain(), "+push\r\n");
}

// ---------------------------------------------------------------- ReplyBuffer::DropAfter

std::string Pending(const ReplyBuffer& r) {
  std::string_view pieces[64];
  size_t n = r.Pieces(pieces, 64);
  std::string out;
  for (size_t i = 0; i < n; ++i) out += pieces[i];
  return out;
}

TEST(ReplyBufferDropAfter, DropsAcrossBlocksAndKeepsAppending) {
  ReplyBuffer r;
  r.Append("keep");
  const uint64_t mark = r.appended();
  r.Append(std::string(ReplyBuffer::kFirstBlock, 'a'));  // spills into a block
  r.AddBulk(std::string(3 * ReplyBuffer::kBlock, 'b'));    // and more blocks
  r.DropAfter(mark);
  EXPECT_EQ(r.size(), 4u);
  EXPECT_EQ(r.appended(), mark);
  r.Append("+more");
  EXPECT_EQ(Pending(r), "keep+more");
}

TEST(ReplyBufferDropAfter, NeverDropsBytesAlreadyConsumed) {
  ReplyBuffer r;
  r.Append(std::string(ReplyBuffer::kFirstBlock + 100, 'x'));  // first_ plus a block
  const uint64_t mark = r.appended() - 50;
  r.Consume(ReplyBuffer::kFirstBlock + 60);  // into the block, past the mark
  EXPECT_EQ(r.size(), 40u);
  r.DropAfter(mark);
  EXPECT_EQ(r.size(), 0u);
  EXPECT_TRUE(r.empty());
  r.Append("ok");
  EXPECT_EQ(Pending(r), "ok");
  EXPECT_EQ(r.appended(), ReplyBuffer::kFirstBlock + 62);  // the 40 dropped bytes no longer count
}

TEST(ReplyBufferDropAfter, CutsInsidePartlySentFirstBlock) {
  ReplyBuffer r;
  r.Append("abcdef");
  r.Consume(2);
  const uint64_t mark = r.appended() - 3;
  r.DropAfter(mark);
  EXPECT_EQ(Pending(r), "c");
  r.DropAfter(r.appended() + 10);  // a mark ahead drops nothing
  EXPECT_EQ(Pending(r), "c");
}

}  // namespace
}  // namespace replikv
