// MULTI/EXEC/DISCARD/WATCH: replies and error texts as Redis 7.0 gives them,
// the WATCH rules (who and what marks a watched key), and what an EXEC
// propagates.
#include <string>

#include "server/commands/multi.h"
#include "server/tests/clients_fixture.h"

namespace replikv {
namespace {

const char kExecAbort[] = "-EXECABORT Transaction discarded because of previous errors.\r\n";

class MultiTest : public ClientsTest {
 protected:
  // Makes `key` logically expired without waiting (ExecuteCommand refreshes
  // the clock, so move the deadline instead).
  void ExpireNow(int db, const std::string& key) {
    Db& d = server_->keyspace().db(db);
    d.SetExpire(d.Find(key), 1);
  }
  // MULTI, SET r 1, EXEC as the fixture's client; returns EXEC's reply.
  std::string MultiSetExec() {
    EXPECT_EQ(Exec({"MULTI"}), "+OK\r\n");
    EXPECT_EQ(Exec({"SET", "r", "1"}), "+QUEUED\r\n");
    return Exec({"EXEC"});
  }
};

TEST_F(MultiTest, QueuedCommandsRunOnExecWithPerCommandReplies) {
  EXPECT_EQ(Exec({"MULTI"}), "+OK\r\n");
  EXPECT_EQ(Exec({"SET", "a", "x"}), "+QUEUED\r\n");
  EXPECT_EQ(Exec({"INCR", "a"}), "+QUEUED\r\n");
  EXPECT_EQ(Exec({"GET", "a"}), "+QUEUED\r\n");
  EXPECT_EQ(server_->keyspace().db(0).Find("a"), nullptr);  // nothing ran yet
  EXPECT_EQ(Exec({"EXEC"}), "*3\r\n+OK\r\n-ERR value is not an integer or out of range\r\n$1\r\nx\r\n");
  EXPECT_EQ(Exec({"EXEC"}), "-ERR EXEC without MULTI\r\n");
}

TEST_F(MultiTest, QueuingErrorsMakeExecAbort) {
  Exec({"MULTI"});
  EXPECT_EQ(Exec({"NOSUCH", "x"}), "-ERR unknown command 'NOSUCH', with args beginning with: 'x' \r\n");
  EXPECT_EQ(Exec({"SET", "a", "1"}), "+QUEUED\r\n");
  EXPECT_EQ(Exec({"GET"}), "-ERR wrong number of arguments for 'get' command\r\n");
  EXPECT_EQ(Exec({"EXEC"}), kExecAbort);
  EXPECT_EQ(server_->keyspace().db(0).Find("a"), nullptr);
  EXPECT_EQ(Exec({"EXEC"}), "-ERR EXEC without MULTI\r\n");
}

TEST_F(MultiTest, RefusedExecItselfAbortsWithTheReason) {
  Exec({"MULTI"});
  Exec({"SET", "a", "1"});
  EXPECT_EQ(Exec({"EXEC", "extra"}),
            "-EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command\r\n");
  EXPECT_EQ(Exec({"EXEC"}), "-ERR EXEC without MULTI\r\n");
  EXPECT_EQ(server_->keyspace().db(0).Find("a"), nullptr);
}

TEST_F(MultiTest, NestedMultiAndWatchInsideMultiDoNotFailTheTransaction) {
  Exec({"MULTI"});
  EXPECT_EQ(Exec({"MULTI"}), "-ERR MULTI calls can not be nested\r\n");
  EXPECT_EQ(Exec({"WATCH", "a"}), "-ERR WATCH inside MULTI is not allowed\r\n");
  Exec({"SET", "a", "1"});
  EXPECT_EQ(Exec({"EXEC"}), "*1\r\n+OK\r\n");
}

TEST_F(MultiTest, ExecAndDiscardWithoutMulti) {
  EXPECT_EQ(Exec({"EXEC"}), "-ERR EXEC without MULTI\r\n");
  EXPECT_EQ(Exec({"DISCARD"}), "-ERR DISCARD without MULTI\r\n");
  Exec({"MULTI"});
  Exec({"SET", "a", "1"});
  EXPECT_EQ(Exec({"DISCARD"}), "+OK\r\n");
  EXPECT_EQ(Exec({"DISCARD"}), "-ERR DISCARD without MULTI\r\n");
  EXPECT_EQ(server_->keyspace().db(0).Find("a"), nullptr);
}

TEST_F(MultiTest, NoMultiCommandIsRefusedAndFailsTheTransaction) {
  Exec({"MULTI"});
  EXPECT_EQ(Exec({"SHUTDOWN"}), "-ERR Command not allowed inside a transaction\r\n");
  Exec({"SET", "a", "1"});
  EXPECT_EQ(Exec({"EXEC"}), kExecAbort);
}

TEST_F(MultiTest, QuitAndResetActAtOnceInsideMulti) {
  Exec({"MULTI"});
  Exec({"SET", "a", "1"});
  EXPECT_EQ(Exec({"RESET"}), "+RESET\r\n");
  EXPECT_EQ(Exec({"EXEC"}), "-ERR EXEC without MULTI\r\n");
  Exec({"MULTI"});
  EXPECT_EQ(Exec({"QUIT"}), "+OK\r\n");
  EXPECT_TRUE(client_->close_after_reply());
}

TEST_F(MultiTest, ClientListShowsTheTransaction) {
  Exec({"MULTI"});
  Exec({"SET", "a", "1"});
  Exec({"GET", "a"});
  Client* other = NewClient();
  std::string list = ExecOn(other, {"CLIENT", "LIST"});
  EXPECT_NE(list.find("flags=x db=0 sub=0 psub=0 ssub=0 multi=2 "), std::string::npos) << list;
  EXPECT_NE(list.find("cmd=get "), std::string::npos) << list;
}

TEST_F(MultiTest, ExecPropagatesItsWritesAsOneMultiExecBlock) {
  Exec({"MULTI"});
  Exec({"SET", "a", "1"});
  Exec({"GET", "a"});
  Exec({"SET", "b", "2"});
  Exec({"EXEC"});
  EXPECT_EQ(Propagated(), Resp({"SELECT", "0"}) + Resp({"MULTI"}) + Resp({"SET", "a", "1"}) +
                              Resp({"SET", "b", "2"}) + Resp({"EXEC"}));
}

TEST_F(MultiTest, ExecWithOneWritePropagatesItAlone) {
  Exec({"MULTI"});
  Exec({"SET", "a", "1"});
  Exec({"GET", "a"});
  Exec({"EXEC"});
  EXPECT_EQ(Propagated(), Resp({"SELECT", "0"}) + Resp({"SET", "a", "1"}));
}

TEST_F(MultiTest, ExecWithoutWritesPropagatesNothing) {
  Exec({"MULTI"});
  Exec({"GET", "a"});
  Exec({"SETNX", "missing-not", "1"});
  Exec({"DEL", "nothing"});
  Exec({"EXEC"});
  Propagated();
  Exec({"MULTI"});
  Exec({"GET", "a"});
  Exec({"DEL", "nothing"});
  Exec({"EXEC"});
  EXPECT_EQ(Propagated(), "");
}

TEST_F(MultiTest, ExecBlockCarriesRewrittenFormsAndSelects) {
  Exec({"SET", "x", "0"});
  Propagated();
  Exec({"MULTI"});
  Exec({"SET", "k", "v", "EX", "100"});
  Exec({"SELECT", "2"});
  Exec({"INCR", "n"});
  Exec({"EXEC"});
  int64_t when = server_->keyspace().db(0).Find("k")->expire_ms();
  EXPECT_EQ(Propagated(), Resp({"MULTI"}) + Resp({"SET", "k", "v", "PXAT", std::to_string(when)}) +
                              Resp({"SELECT", "2"}) + Resp({"INCR", "n"}) + Resp({"EXEC"}));
  EXPECT_EQ(client_->db, 2);
}

TEST_F(MultiTest, FailedExecPropagatesNothing) {
  Exec({"MULTI"});
  Exec({"SET", "a", "1"});
  Exec({"NOSUCH"});
  Exec({"EXEC"});
  EXPECT_EQ(Propagated(), "");
}

TEST_F(MultiTest, ExecCountsEachQueuedCommandAsProcessed) {
  uint64_t before = server_->stats().total_commands_processed;
  Exec({"MULTI"});
  Exec({"SET", "a", "1"});
  Exec({"SET", "b", "1"});
  Exec({"EXEC"});
  // MULTI, EXEC and the two SETs; queuing itself counts nothing (Redis 7.0).
  EXPECT_EQ(server_->stats().total_commands_processed - before, 4u);
}

TEST_F(MultiTest, WatchedKeyChangedByAnotherClientFailsExec) {
  Client* other = NewClient();
  EXPECT_EQ(Exec({"WATCH", "k"}), "+OK\r\n");
  ExecOn(other, {"SET", "k", "v"});
  EXPECT_EQ(MultiSetExec(), "*-1\r\n");
  EXPECT_EQ(server_->keyspace().db(0).Find("r"), nullptr);
}

TEST_F(MultiTest, WatchedKeyChangedByTheWatcherFailsExec) {
  Exec({"WATCH", "k"});
  Exec({"SET", "k", "v"});
  EXPECT_EQ(MultiSetExec(), "*-1\r\n");
}

TEST_F(MultiTest, UntouchedWatchLetsExecRun) {
  Client* other = NewClient();
  Exec({"SET", "k", "v"});
  Exec({"WATCH", "k"});
  ExecOn(other, {"GET", "k"});
  ExecOn(other, {"SET", "unrelated", "1"});
  EXPECT_EQ(MultiSetExec(), "*1\r\n+OK\r\n");
}

TEST_F(MultiTest, FailedOrNoOpWritesDoNotTouch) {
  Client* other = NewClient();
  Exec({"SET", "k", "v"});
  Exec({"WATCH", "k", "missing"});
  ExecOn(other, {"SETNX", "k", "w"});            // exists: no change
  ExecOn(other, {"INCR", "k"});                  // error: no change
  ExecOn(other, {"PERSIST", "k"});               // no TTL: no change
  ExecOn(other, {"DEL", "missing"});             // absent: no change
  ExecOn(other, {"SET", "missing", "1", "XX"});  // absent: not set
  ExecOn(other, {"RENAME", "missing", "z"});     // error
  EXPECT_EQ(MultiSetExec(), "*1\r\n+OK\r\n");
}

TEST_F(MultiTest, InPlaceChangesTouch) {
  Client* other = NewClient();
  for (const char* cmd : {"INCR", "APPEND", "SETRANGE"}) {
    Exec({"SET", "k", "1"});
    Exec({"WATCH", "k"});
    if (std::string(cmd) == "INCR") ExecOn(other, {"INCR", "k"});
    if (std::string(cmd) == "APPEND") ExecOn(other, {"APPEND", "k", "x"});
    if (std::string(cmd) == "SETRANGE") ExecOn(other, {"SETRANGE", "k", "0", "9"});
    EXPECT_EQ(MultiSetExec(), "*-1\r\n") << cmd;
  }
}

TEST_F(MultiTest, KeyCommandsTouchBothEnds) {
  Client* other = NewClient();
  Exec({"SET", "src", "1"});
  Exec({"WATCH", "dst"});
  ExecOn(other, {"RENAME", "src", "dst"});
  EXPECT_EQ(MultiSetExec(), "*-1\r\n");
  Exec({"WATCH", "dst"});
  ExecOn(other, {"MOVE", "dst", "1"});
  EXPECT_EQ(MultiSetExec(), "*-1\r\n");
  Exec({"WATCH", "k"});
  ExecOn(other, {"SET", "k2", "v"});
  ExecOn(other, {"COPY", "k2", "k"});
  EXPECT_EQ(MultiSetExec(), "*-1\r\n");
  Exec({"WATCH", "k"});
  ExecOn(other, {"EXPIRE", "k", "100"});
  EXPECT_EQ(MultiSetExec(), "*-1\r\n");
}

TEST_F(MultiTest, SameKeyInAnotherDbIsAnotherKey) {
  Client* other = NewClient();
  Exec({"WATCH", "k"});
  ExecOn(other, {"SELECT", "3"});
  ExecOn(other, {"SET", "k", "v"});
  EXPECT_EQ(MultiSetExec(), "*1\r\n+OK\r\n");
}

TEST_F(MultiTest, KeyExpiringAfterWatchFailsExecEvenUntouched) {
  Exec({"SET", "k", "v", "PX", "100000"});
  Exec({"WATCH", "k"});
  ExpireNow(0, "k");
  EXPECT_EQ(MultiSetExec(), "*-1\r\n");
}

TEST_F(MultiTest, KeyExpiredBeforeWatchIsAbsentForWatch) {
  Client* other = NewClient();
  Exec({"SET", "k", "v", "PX", "100000"});
  ExpireNow(0, "k");
  Exec({"WATCH", "k"});
  EXPECT_EQ(ExecOn(other, {"GET", "k"}), "$-1\r\n");  // lazily deleted: no change
  EXPECT_EQ(MultiSetExec(), "*1\r\n+OK\r\n");

  Exec({"SET", "k", "v", "PX", "100000"});
  ExpireNow(0, "k");
  Exec({"WATCH", "k"});
  ExecOn(other, {"SET", "k", "new"});  // a real value appears: a change
  EXPECT_EQ(MultiSetExec(), "*-1\r\n");
}

TEST_F(MultiTest, ActiveExpiryOfAWatchedKeyTouchesIt) {
  Exec({"SET", "k", "v", "PX", "100000"});
  Exec({"WATCH", "k"});
  ExpireNow(0, "k");
  server_->keyspace().ActiveExpireCycle(100000);
  EXPECT_EQ(server_->keyspace().db(0).Find("k"), nullptr);
  EXPECT_EQ(MultiSetExec(), "*-1\r\n");
}

TEST_F(MultiTest, FlushTouchesOnlyWatchedKeysThatExist) {
  Client* other = NewClient();
  Exec({"WATCH", "absent"});
  ExecOn(other, {"FLUSHALL"});
  EXPECT_EQ(MultiSetExec(), "*1\r\n+OK\r\n");
  Exec({"SET", "k", "v"});
  Exec({"WATCH", "k"});
  ExecOn(other, {"FLUSHDB"});
  EXPECT_EQ(MultiSetExec(), "*-1\r\n");
  Exec({"SET", "k", "v"});
  Exec({"WATCH", "k"});
  ExecOn(other, {"SELECT", "1"});
  ExecOn(other, {"FLUSHDB"});  // another db
  EXPECT_EQ(MultiSetExec(), "*1\r\n+OK\r\n");
}

TEST_F(MultiTest, SwapdbTouchesKeysPresentOnEitherSide) {
  Client* other = NewClient();
  ExecOn(other, {"SELECT", "1"});
  ExecOn(other, {"SET", "k", "v"});
  Exec({"WATCH", "k"});
  ExecOn(other, {"SWAPDB", "0", "1"});
  EXPECT_EQ(MultiSetExec(), "*-1\r\n");
  Exec({"WATCH", "nowhere"});
  ExecOn(other, {"SWAPDB", "0", "1"});
  EXPECT_EQ(MultiSetExec(), "*1\r\n+OK\r\n");
}

TEST_F(MultiTest, SwappingInAnExpiredKeyIsNoChange) {
  Client* other = NewClient();
  ExecOn(other, {"SELECT", "1"});
  ExecOn(other, {"SET", "k", "v", "PX", "100000"});
  ExpireNow(1, "k");
  Exec({"WATCH", "k"});
  ExecOn(other, {"SWAPDB", "0", "1"});
  EXPECT_EQ(MultiSetExec(), "*1\r\n+OK\r\n");
}

TEST_F(MultiTest, UnwatchAndDiscardForgetTheWatch) {
  Client* other = NewClient();
  Exec({"WATCH", "k"});
  ExecOn(other, {"SET", "k", "1"});
  EXPECT_EQ(Exec({"UNWATCH"}), "+OK\r\n");  // clears the mark too
  EXPECT_EQ(MultiSetExec(), "*1\r\n+OK\r\n");
  Exec({"WATCH", "k"});
  Exec({"MULTI"});
  Exec({"DISCARD"});
  ExecOn(other, {"SET", "k", "2"});
  EXPECT_EQ(MultiSetExec(), "*1\r\n+OK\r\n");
  EXPECT_EQ(server_->watched_keys().watched_key_count(), 0u);
}

TEST_F(MultiTest, ExecUnwatchesEvenWhenItRuns) {
  Client* other = NewClient();
  Exec({"WATCH", "k"});
  EXPECT_EQ(MultiSetExec(), "*1\r\n+OK\r\n");
  ExecOn(other, {"SET", "k", "1"});
  EXPECT_EQ(MultiSetExec(), "*1\r\n+OK\r\n");
}

TEST_F(MultiTest, WritesInsideExecTouchOtherWatchers) {
  Client* other = NewClient();
  ExecOn(other, {"WATCH", "k"});
  Exec({"MULTI"});
  Exec({"SET", "k", "1"});
  Exec({"EXEC"});
  ExecOn(other, {"MULTI"});
  ExecOn(other, {"PING"});
  EXPECT_EQ(ExecOn(other, {"EXEC"}), "*-1\r\n");
}

TEST_F(MultiTest, DisconnectingWatcherLeavesNoWatch) {
  Client* other = NewClient();
  ExecOn(other, {"WATCH", "a", "b", "c"});
  ExecOn(other, {"MULTI"});
  ExecOn(other, {"SET", "a", "1"});
  EXPECT_EQ(server_->watched_keys().watched_key_count(), 3u);
  EXPECT_TRUE(server_->keyspace().db(0).has_interest());
  Disconnect(other);
  EXPECT_EQ(server_->watched_keys().watched_key_count(), 0u);
  EXPECT_FALSE(server_->keyspace().db(0).has_interest());
  Exec({"SET", "a", "2"});  // no watcher left to mark
  EXPECT_EQ(Exec({"GET", "a"}), "$1\r\n2\r\n");
}

}  // namespace
}  // namespace replikv
