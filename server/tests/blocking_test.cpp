// Blocking list commands: who is served, in which order, with which reply,
// and what reaches the propagation funnel (the non-blocking form that ran,
// as Redis 7.0 propagates it).
#include <chrono>
#include <string>
#include <thread>

#include "server/commands/blocking.h"
#include "server/tests/clients_fixture.h"

namespace replikv {
namespace {

using BlockingTest = BlockingClientsTest;

TEST_F(BlockingTest, ServedImmediatelyWhenAKeyHasElements) {
  Exec({"RPUSH", "l", "a", "b"});
  Propagated();
  EXPECT_EQ(Exec({"BLPOP", "empty", "l", "0"}), "*2\r\n$1\r\nl\r\n$1\r\na\r\n");
  EXPECT_EQ(Exec({"BRPOP", "l", "0"}), "*2\r\n$1\r\nl\r\n$1\r\nb\r\n");
  EXPECT_EQ(Propagated(), Resp({"LPOP", "l"}) + Resp({"RPOP", "l"}));
  EXPECT_EQ(server_->keyspace().db(0).Find("l"), nullptr);  // emptied list is deleted
  EXPECT_EQ(Blocked(), 0u);
}

TEST_F(BlockingTest, ImmediateMovesPropagateTheClientsWords) {
  Exec({"RPUSH", "l", "a", "b", "c"});
  Propagated();
  EXPECT_EQ(Exec({"BLMOVE", "l", "d", "LEFT", "right", "0"}), "$1\r\na\r\n");
  EXPECT_EQ(Exec({"BRPOPLPUSH", "l", "d", "0"}), "$1\r\nc\r\n");
  EXPECT_EQ(Propagated(), Resp({"LMOVE", "l", "d", "LEFT", "right"}) + Resp({"RPOPLPUSH", "l", "d"}));
  EXPECT_EQ(Exec({"LRANGE", "d", "0", "-1"}), "*2\r\n$1\r\nc\r\n$1\r\na\r\n");
}

TEST_F(BlockingTest, LmpopPropagatesTheCountActuallyPopped) {
  Exec({"RPUSH", "l", "a", "b", "c"});
  Propagated();
  EXPECT_EQ(Exec({"LMPOP", "2", "none", "l", "LEFT"}), "*2\r\n$1\r\nl\r\n*1\r\n$1\r\na\r\n");
  EXPECT_EQ(Exec({"BLMPOP", "0", "1", "l", "RIGHT", "COUNT", "10"}),
            "*2\r\n$1\r\nl\r\n*2\r\n$1\r\nc\r\n$1\r\nb\r\n");
  EXPECT_EQ(Propagated(), Resp({"LPOP", "l", "1"}) + Resp({"RPOP", "l", "2"}));
  EXPECT_EQ(Exec({"LMPOP", "1", "l", "LEFT"}), "*-1\r\n");
}

TEST_F(BlockingTest, WaitersAreServedInArrivalOrderByThePush) {
  Client* a = NewClient();
  Client* b = NewClient();
  Client* c = NewClient();
  EXPECT_EQ(ExecOn(a, {"BLPOP", "l", "0"}), "");
  EXPECT_EQ(ExecOn(b, {"BRPOP", "l", "0"}), "");
  EXPECT_EQ(ExecOn(c, {"BLPOP", "l", "0"}), "");
  EXPECT_EQ(Blocked(), 3u);
  EXPECT_TRUE(a->blocked());
  EXPECT_EQ(Exec({"RPUSH", "l", "1", "2"}), ":2\r\n");
  EXPECT_EQ(DrainOf(a), "*2\r\n$1\r\nl\r\n$1\r\n1\r\n");
  EXPECT_EQ(DrainOf(b), "*2\r\n$1\r\nl\r\n$1\r\n2\r\n");
  EXPECT_EQ(DrainOf(c), "");  // the list ran out
  EXPECT_TRUE(c->blocked());
  EXPECT_FALSE(a->blocked());
  // The push first, then each served pop as its own unit.
  EXPECT_EQ(Propagated(), Resp({"RPUSH", "l", "1", "2"}) + Resp({"LPOP", "l"}) + Resp({"RPOP", "l"}));
}

TEST_F(BlockingTest, ServedMovesPropagateLowercaseEndsAndRpoplpush) {
  Client* a = NewClient();
  Client* b = NewClient();
  ExecOn(a, {"BLMOVE", "l", "d", "LEFT", "RIGHT", "0"});
  ExecOn(b, {"BRPOPLPUSH", "l", "d", "0"});
  Exec({"RPUSH", "l", "x", "y"});
  EXPECT_EQ(DrainOf(a), "$1\r\nx\r\n");
  EXPECT_EQ(DrainOf(b), "$1\r\ny\r\n");
  EXPECT_EQ(Propagated(), Resp({"RPUSH", "l", "x", "y"}) + Resp({"LMOVE", "l", "d", "left", "right"}) +
                              Resp({"RPOPLPUSH", "l", "d"}));
}

TEST_F(BlockingTest, ServedMultiPopRepliesKeyAndElements) {
  Client* a = NewClient();
  ExecOn(a, {"BLMPOP", "0", "2", "l1", "l2", "LEFT", "COUNT", "5"});
  Exec({"RPUSH", "l2", "1", "2"});
  EXPECT_EQ(DrainOf(a), "*2\r\n$2\r\nl2\r\n*2\r\n$1\r\n1\r\n$1\r\n2\r\n");
  EXPECT_EQ(Propagated(), Resp({"RPUSH", "l2", "1", "2"}) + Resp({"LPOP", "l2", "2"}));
}

TEST_F(BlockingTest, PushesInsideExecServeAfterTheBlock) {
  Client* a = NewClient();
  Client* b = NewClient();
  ExecOn(a, {"BLPOP", "l", "0"});
  ExecOn(b, {"BLPOP", "l", "0"});
  Exec({"MULTI"});
  Exec({"RPUSH", "l", "a"});
  Exec({"LPOP", "l"});
  Exec({"RPUSH", "l", "c"});
  EXPECT_EQ(Exec({"EXEC"}), "*3\r\n:1\r\n$1\r\na\r\n:1\r\n");
  EXPECT_EQ(DrainOf(a), "*2\r\n$1\r\nl\r\n$1\r\nc\r\n");
  EXPECT_EQ(DrainOf(b), "");
  EXPECT_EQ(Propagated(), Resp({"MULTI"}) + Resp({"RPUSH", "l", "a"}) + Resp({"LPOP", "l"}) +
                              Resp({"RPUSH", "l", "c"}) + Resp({"EXEC"}) + Resp({"LPOP", "l"}));
}

TEST_F(BlockingTest, FirstKeyToBecomeReadyServes) {
  Client* a = NewClient();
  ExecOn(a, {"BLPOP", "k1", "k2", "0"});
  Exec({"MULTI"});
  Exec({"RPUSH", "k2", "2"});
  Exec({"RPUSH", "k1", "1"});
  Exec({"EXEC"});
  EXPECT_EQ(DrainOf(a), "*2\r\n$2\r\nk2\r\n$1\r\n2\r\n");
}

TEST_F(BlockingTest, MoveIntoAWaitedKeyServesTheNextWaiter) {
  Client* a = NewClient();
  Client* b = NewClient();
  ExecOn(a, {"BLPOP", "chain2", "0"});
  ExecOn(b, {"BLMOVE", "chain1", "chain2", "LEFT", "LEFT", "0"});
  Exec({"RPUSH", "chain1", "z"});
  EXPECT_EQ(DrainOf(b), "$1\r\nz\r\n");
  EXPECT_EQ(DrainOf(a), "*2\r\n$6\r\nchain2\r\n$1\r\nz\r\n");
  EXPECT_EQ(Blocked(), 0u);
}

TEST_F(BlockingTest, WrongTypeDestinationAnswersTheMoverAndLeavesTheElement) {
  Client* a = NewClient();
  Client* b = NewClient();
  Exec({"SET", "s", "x"});
  ExecOn(a, {"BLMOVE", "l", "s", "LEFT", "LEFT", "0"});
  ExecOn(b, {"BLPOP", "l", "0"});
  Exec({"RPUSH", "l", "v"});
  EXPECT_EQ(DrainOf(a), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  EXPECT_EQ(DrainOf(b), "*2\r\n$1\r\nl\r\n$1\r\nv\r\n");
  EXPECT_EQ(Blocked(), 0u);
}

TEST_F(BlockingTest, KeysOfAnotherDbDoNotServe) {
  Client* a = NewClient();
  ExecOn(a, {"BLPOP", "k", "0"});
  Exec({"SELECT", "2"});
  Exec({"RPUSH", "k", "x"});
  EXPECT_EQ(DrainOf(a), "");
  Exec({"SWAPDB", "0", "2"});  // db 0 now holds the list: the waiter is served
  EXPECT_EQ(DrainOf(a), "*2\r\n$1\r\nk\r\n$1\r\nx\r\n");
}

TEST_F(BlockingTest, RenameOntoAWaitedKeyServes) {
  Client* a = NewClient();
  ExecOn(a, {"BLPOP", "dst", "0"});
  Exec({"RPUSH", "src", "q"});
  Exec({"RENAME", "src", "dst"});
  EXPECT_EQ(DrainOf(a), "*2\r\n$3\r\ndst\r\n$1\r\nq\r\n");
}

TEST_F(BlockingTest, TimeoutRepliesNullArrayForEveryCommand) {
  Client* a = NewClient();
  Client* b = NewClient();
  Client* c = NewClient();
  ExecOn(a, {"BLPOP", "l", "0.001"});
  ExecOn(b, {"BLMOVE", "l", "d", "LEFT", "LEFT", "0.001"});
  ExecOn(c, {"BLPOP", "l", "0"});  // forever
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  BeforePoll();
  EXPECT_EQ(DrainOf(a), "*-1\r\n");
  EXPECT_EQ(DrainOf(b), "*-1\r\n");
  EXPECT_EQ(DrainOf(c), "");
  EXPECT_EQ(Blocked(), 1u);
  EXPECT_EQ(Propagated(), "");
}

TEST_F(BlockingTest, InsideExecBlockingCommandsAnswerAtOnce) {
  Exec({"MULTI"});
  Exec({"BLPOP", "e", "0"});
  Exec({"BLMOVE", "e", "d", "LEFT", "LEFT", "0"});
  Exec({"BRPOPLPUSH", "e", "d", "0"});
  Exec({"BLMPOP", "0", "1", "e", "LEFT"});
  EXPECT_EQ(Exec({"EXEC"}), "*4\r\n*-1\r\n$-1\r\n$-1\r\n*-1\r\n");
  EXPECT_EQ(Blocked(), 0u);
  EXPECT_FALSE(client_->deny_blocking);
}

TEST_F(BlockingTest, TimeoutParsingFollowsRedis) {
  EXPECT_EQ(Exec({"BLPOP", "l", "-1"}), "-ERR timeout is negative\r\n");
  EXPECT_EQ(Exec({"BLPOP", "l", "inf"}), "-ERR timeout is negative\r\n");
  EXPECT_EQ(Exec({"BLPOP", "l", "1e1000"}), "-ERR timeout is negative\r\n");  // fits a long double
  EXPECT_EQ(Exec({"BLPOP", "l", "1e5000"}), "-ERR timeout is not a float or out of range\r\n");
  EXPECT_EQ(Exec({"BLPOP", "l", "nan"}), "-ERR timeout is not a float or out of range\r\n");
  EXPECT_EQ(Exec({"BLPOP", "l", " 1"}), "-ERR timeout is not a float or out of range\r\n");
  EXPECT_EQ(Exec({"BLPOP", "l", ""}), "-ERR timeout is not a float or out of range\r\n");
  EXPECT_EQ(Blocked(), 0u);
  Client* a = NewClient();
  ExecOn(a, {"BLPOP", "l", "-0.0001"});  // rounds up to 0: forever
  ASSERT_TRUE(a->blocked());
  EXPECT_EQ(a->block->deadline_ms, 0);
  Client* b = NewClient();
  ExecOn(b, {"BLPOP", "l", "0.0001"});  // rounds up to 1 ms
  ASSERT_TRUE(b->blocked());
  EXPECT_GT(b->block->deadline_ms, 0);
}

TEST_F(BlockingTest, ArgumentErrorsMatchRedis) {
  EXPECT_EQ(Exec({"BLMOVE", "l", "d", "up", "LEFT", "0"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Exec({"BLMPOP", "0", "0", "l", "LEFT"}), "-ERR numkeys should be greater than 0\r\n");
  EXPECT_EQ(Exec({"BLMPOP", "0", "2", "l", "LEFT"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Exec({"BLMPOP", "0", "1", "l", "LEFT", "COUNT", "0"}), "-ERR count should be greater than 0\r\n");
  EXPECT_EQ(Exec({"BLMPOP", "0", "1", "l", "LEFT", "COUNT", "1", "COUNT", "2"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Exec({"LMPOP", "99999999999999999999", "l", "LEFT"}), "-ERR numkeys should be greater than 0\r\n");
  Exec({"SET", "s", "x"});
  EXPECT_EQ(Exec({"BLPOP", "none", "s", "0"}), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  EXPECT_EQ(Blocked(), 0u);
}

TEST_F(BlockingTest, BlockedClientIsListedAndCounted) {
  Client* a = NewClient();
  ExecOn(a, {"BLPOP", "l", "0"});
  std::string list = Exec({"CLIENT", "LIST"});
  EXPECT_NE(list.find("flags=b db=0 "), std::string::npos) << list;
  EXPECT_NE(list.find("cmd=blpop "), std::string::npos) << list;
  EXPECT_NE(Exec({"INFO", "clients"}).find("blocked_clients:1\r\n"), std::string::npos);
  EXPECT_NE(Exec({"INFO", "clients"}).find("clients_in_timeout_table:0\r\n"), std::string::npos);
  Client* b = NewClient();
  ExecOn(b, {"BLPOP", "l", "100"});
  EXPECT_NE(Exec({"INFO", "clients"}).find("clients_in_timeout_table:1\r\n"), std::string::npos);
}

TEST_F(BlockingTest, DisconnectedWaiterIsForgottenAndLosesNothing) {
  Client* a = NewClient();
  Client* b = NewClient();
  ExecOn(a, {"BLPOP", "l", "0.5"});
  ExecOn(b, {"BLPOP", "l", "0"});
  Disconnect(a);
  EXPECT_EQ(Blocked(), 1u);
  Exec({"RPUSH", "l", "x"});
  EXPECT_EQ(DrainOf(b), "*2\r\n$1\r\nl\r\n$1\r\nx\r\n");
  EXPECT_FALSE(server_->keyspace().db(0).has_interest());
  BeforePoll();  // the forgotten deadline is gone too
}

TEST_F(BlockingTest, ServedPopTouchesWatchers) {
  Client* waiter = NewClient();
  Client* watcher = NewClient();
  ExecOn(waiter, {"BLPOP", "l", "0"});
  Exec({"RPUSH", "l", "a", "b"});  // served at once: l keeps "b"
  ExecOn(watcher, {"WATCH", "l"});
  ExecOn(waiter, {"BLPOP", "l", "0"});  // immediate pop, an in-place change
  ExecOn(watcher, {"MULTI"});
  ExecOn(watcher, {"PING"});
  EXPECT_EQ(ExecOn(watcher, {"EXEC"}), "*-1\r\n");
}

TEST_F(BlockingTest, FailAllEndsEveryWaitWithTheErrorAndClosesAfterReply) {
  // A primary turned into a replica (Redis 7.0: -UNBLOCKED ... then close).
  Client* a = NewClient();
  Client* b = NewClient();
  Client* idle = NewClient();
  ExecOn(a, {"BLPOP", "l", "0"});
  ExecOn(b, {"BZPOPMIN", "z", "5"});
  server_->blocked_clients().FailAll("-UNBLOCKED gone");
  EXPECT_EQ(Blocked(), 0u);
  EXPECT_EQ(server_->blocked_clients().timeout_count(), 0u);
  EXPECT_FALSE(server_->keyspace().db(0).has_interest());
  for (Client* c : {a, b}) {
    EXPECT_EQ(DrainOf(c), "-UNBLOCKED gone\r\n");
    EXPECT_TRUE(c->close_after_reply());
  }
  EXPECT_FALSE(idle->close_after_reply());
  Exec({"RPUSH", "l", "x"});  // nobody is served any more
  EXPECT_EQ(Exec({"LLEN", "l"}), ":1\r\n");
}

}  // namespace
}  // namespace replikv
