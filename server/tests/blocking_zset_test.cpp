// Sorted set pops over several keys and their blocking forms (ZMPOP,
// BZPOPMIN, BZPOPMAX, BZMPOP) and CLIENT UNBLOCK: who is served, in which
// order, with which reply, and what reaches the propagation funnel (the pop
// that ran, as Redis 7.0 propagates it). Replies were taken from
// redis-server 7.0.15.
#include <chrono>
#include <string>
#include <thread>

#include "server/commands/blocking.h"
#include "server/tests/clients_fixture.h"

namespace replikv {
namespace {

constexpr const char* kWrongType = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

class BlockingZsetTest : public BlockingClientsTest {
 protected:
  std::string Unblock(Client* c, const char* reason = nullptr) {
    std::vector<std::string> args = {"CLIENT", "UNBLOCK", std::to_string(c->id())};
    if (reason != nullptr) args.emplace_back(reason);
    return Exec(args);
  }
};

TEST_F(BlockingZsetTest, ImmediatePopsReplyAndPropagateAsRedis) {
  Exec({"ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "6", "f"});
  Propagated();
  EXPECT_EQ(Exec({"BZPOPMIN", "none", "z", "0"}), "*3\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\n1\r\n");
  EXPECT_EQ(Exec({"BZPOPMAX", "z", "1.5"}), "*3\r\n$1\r\nz\r\n$1\r\nf\r\n$1\r\n6\r\n");
  EXPECT_EQ(Exec({"ZMPOP", "2", "none", "z", "MIN"}), "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n");
  EXPECT_EQ(Exec({"ZMPOP", "1", "z", "max", "COUNT", "2"}),
            "*2\r\n$1\r\nz\r\n*2\r\n*2\r\n$1\r\ne\r\n$1\r\n5\r\n*2\r\n$1\r\nd\r\n$1\r\n4\r\n");
  EXPECT_EQ(Exec({"BZMPOP", "0", "1", "z", "MIN", "COUNT", "10"}),
            "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n");
  // The count propagated is the count popped, in Redis's upper-case words.
  EXPECT_EQ(Propagated(), Resp({"ZPOPMIN", "z"}) + Resp({"ZPOPMAX", "z"}) + Resp({"ZPOPMIN", "z", "1"}) +
                              Resp({"ZPOPMAX", "z", "2"}) + Resp({"ZPOPMIN", "z", "1"}));
  EXPECT_EQ(server_->keyspace().db(0).Find("z"), nullptr);  // emptied zset is deleted
  EXPECT_EQ(Exec({"ZMPOP", "1", "z", "MIN"}), "*-1\r\n");
  EXPECT_EQ(Propagated(), "");
  EXPECT_EQ(Blocked(), 0u);
}

TEST_F(BlockingZsetTest, SkiplistEncodedZsetPopsFromBothEnds) {
  std::vector<std::string> zadd = {"ZADD", "big"};
  for (int i = 0; i < 200; ++i) {
    zadd.push_back(std::to_string(i));
    zadd.push_back("m" + std::to_string(i));
  }
  Exec(zadd);
  ASSERT_EQ(Exec({"OBJECT", "ENCODING", "big"}), "$8\r\nskiplist\r\n");
  EXPECT_EQ(Exec({"ZMPOP", "1", "big", "MAX", "COUNT", "2"}),
            "*2\r\n$3\r\nbig\r\n*2\r\n*2\r\n$4\r\nm199\r\n$3\r\n199\r\n*2\r\n$4\r\nm198\r\n$3\r\n198\r\n");
  EXPECT_EQ(Exec({"BZPOPMIN", "big", "0"}), "*3\r\n$3\r\nbig\r\n$2\r\nm0\r\n$1\r\n0\r\n");
  EXPECT_EQ(Exec({"ZCARD", "big"}), ":197\r\n");
}

TEST_F(BlockingZsetTest, WaitersAreServedInArrivalOrderByTheZadd) {
  Client* a = NewClient();
  Client* b = NewClient();
  Client* c = NewClient();
  Client* d = NewClient();
  EXPECT_EQ(ExecOn(a, {"BZPOPMIN", "z", "0"}), "");
  EXPECT_EQ(ExecOn(b, {"BZPOPMAX", "z", "other", "0"}), "");
  EXPECT_EQ(ExecOn(c, {"BZMPOP", "0", "1", "z", "MAX", "COUNT", "5"}), "");
  EXPECT_EQ(ExecOn(d, {"BZPOPMIN", "z", "0"}), "");
  EXPECT_EQ(Blocked(), 4u);
  EXPECT_EQ(Exec({"ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"}), ":4\r\n");
  EXPECT_EQ(DrainOf(a), "*3\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\n1\r\n");
  EXPECT_EQ(DrainOf(b), "*3\r\n$1\r\nz\r\n$1\r\nd\r\n$1\r\n4\r\n");
  EXPECT_EQ(DrainOf(c), "*2\r\n$1\r\nz\r\n*2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n");
  EXPECT_EQ(DrainOf(d), "");  // the zset ran out
  EXPECT_TRUE(d->blocked());
  EXPECT_EQ(Blocked(), 1u);
  // The ZADD first, then each served pop as its own unit.
  EXPECT_EQ(Propagated(), Resp({"ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"}) + Resp({"ZPOPMIN", "z"}) +
                              Resp({"ZPOPMAX", "z"}) + Resp({"ZPOPMAX", "z", "2"}));
}

TEST_F(BlockingZsetTest, ListAndZsetWaitersOnOneKeyAreServedByTheirType) {
  Client* a = NewClient();
  Client* b = NewClient();
  Client* c = NewClient();
  ExecOn(a, {"BLPOP", "k", "0"});
  ExecOn(b, {"BZPOPMIN", "k", "0"});
  ExecOn(c, {"BZPOPMAX", "k", "0"});
  Exec({"ZADD", "k", "1", "x", "2", "y", "3", "z"});
  EXPECT_EQ(DrainOf(a), "");  // skipped: it waits for a list
  EXPECT_EQ(DrainOf(b), "*3\r\n$1\r\nk\r\n$1\r\nx\r\n$1\r\n1\r\n");
  EXPECT_EQ(DrainOf(c), "*3\r\n$1\r\nk\r\n$1\r\nz\r\n$1\r\n3\r\n");
  EXPECT_TRUE(a->blocked());
  Exec({"DEL", "k"});
  Exec({"RPUSH", "k", "v"});
  EXPECT_EQ(DrainOf(a), "*2\r\n$1\r\nk\r\n$1\r\nv\r\n");
  EXPECT_EQ(Blocked(), 0u);
}

TEST_F(BlockingZsetTest, AListAtTheKeyLeavesZsetWaitersBlocked) {
  Client* a = NewClient();
  ExecOn(a, {"BZPOPMIN", "k", "0"});
  Exec({"RPUSH", "k", "v"});
  EXPECT_EQ(DrainOf(a), "");
  EXPECT_TRUE(a->blocked());
  EXPECT_EQ(Exec({"LRANGE", "k", "0", "-1"}), "*1\r\n$1\r\nv\r\n");
}

TEST_F(BlockingZsetTest, EveryWayOfMakingAZsetServes) {
  Exec({"ZADD", "src", "1", "s"});
  struct Case {
    std::vector<std::string> wait;
    std::vector<std::string> make;
    std::string reply;
  };
  const Case cases[] = {
      {{"BZPOPMIN", "w1", "0"}, {"ZINCRBY", "w1", "2", "i"}, "*3\r\n$2\r\nw1\r\n$1\r\ni\r\n$1\r\n2\r\n"},
      {{"BZPOPMIN", "w2", "0"}, {"ZUNIONSTORE", "w2", "1", "src"}, "*3\r\n$2\r\nw2\r\n$1\r\ns\r\n$1\r\n1\r\n"},
      {{"BZPOPMAX", "w3", "0"}, {"ZRANGESTORE", "w3", "src", "0", "-1"}, "*3\r\n$2\r\nw3\r\n$1\r\ns\r\n$1\r\n1\r\n"},
      {{"BZMPOP", "0", "1", "w4", "MIN"}, {"COPY", "src", "w4"}, "*2\r\n$2\r\nw4\r\n*1\r\n*2\r\n$1\r\ns\r\n$1\r\n1\r\n"},
      {{"BZPOPMIN", "w5", "0"}, {"RENAME", "src", "w5"}, "*3\r\n$2\r\nw5\r\n$1\r\ns\r\n$1\r\n1\r\n"},
  };
  for (const Case& t : cases) {
    Client* c = NewClient();
    ExecOn(c, t.wait);
    ASSERT_TRUE(c->blocked()) << t.wait[1];
    Exec(t.make);
    EXPECT_EQ(DrainOf(c), t.reply) << t.make[0];
  }
  EXPECT_EQ(Blocked(), 0u);
}

TEST_F(BlockingZsetTest, MoveAndSwapdbServeWaitersOfTheTargetDb) {
  Client* a = NewClient();
  Client* b = NewClient();
  ExecOn(a, {"BZPOPMIN", "m", "0"});
  ExecOn(b, {"BZPOPMAX", "sw", "0"});
  Exec({"SELECT", "3"});
  Exec({"ZADD", "m", "1", "x"});
  Exec({"ZADD", "sw", "5", "y"});
  EXPECT_EQ(DrainOf(a), "");  // another db
  Exec({"MOVE", "m", "0"});
  EXPECT_EQ(DrainOf(a), "*3\r\n$1\r\nm\r\n$1\r\nx\r\n$1\r\n1\r\n");
  Exec({"SWAPDB", "0", "3"});  // db 0 now holds sw
  EXPECT_EQ(DrainOf(b), "*3\r\n$2\r\nsw\r\n$1\r\ny\r\n$1\r\n5\r\n");
}

TEST_F(BlockingZsetTest, ZaddsInsideExecServeAfterTheBlock) {
  Client* a = NewClient();
  Client* b = NewClient();
  ExecOn(a, {"BZPOPMIN", "z", "0"});
  ExecOn(b, {"BZPOPMIN", "z", "0"});
  Exec({"MULTI"});
  Exec({"ZADD", "z", "1", "a"});
  Exec({"ZPOPMIN", "z"});
  Exec({"ZADD", "z", "2", "c"});
  EXPECT_EQ(Exec({"EXEC"}), "*3\r\n:1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n:1\r\n");
  EXPECT_EQ(DrainOf(a), "*3\r\n$1\r\nz\r\n$1\r\nc\r\n$1\r\n2\r\n");
  EXPECT_EQ(DrainOf(b), "");
  EXPECT_EQ(Propagated(), Resp({"MULTI"}) + Resp({"ZADD", "z", "1", "a"}) + Resp({"ZPOPMIN", "z"}) +
                              Resp({"ZADD", "z", "2", "c"}) + Resp({"EXEC"}) + Resp({"ZPOPMIN", "z"}));
}

TEST_F(BlockingZsetTest, InsideExecTheyAnswerNullAtOnce) {
  Exec({"MULTI"});
  Exec({"BZPOPMIN", "e", "0"});
  Exec({"BZPOPMAX", "e", "0"});
  Exec({"BZMPOP", "0", "1", "e", "MIN"});
  Exec({"ZMPOP", "1", "e", "MAX"});
  EXPECT_EQ(Exec({"EXEC"}), "*4\r\n*-1\r\n*-1\r\n*-1\r\n*-1\r\n");
  EXPECT_EQ(Blocked(), 0u);
  EXPECT_EQ(Propagated(), "");
}

TEST_F(BlockingZsetTest, TimeoutRepliesNullArray) {
  Client* a = NewClient();
  Client* b = NewClient();
  Client* c = NewClient();
  ExecOn(a, {"BZPOPMIN", "z", "0.001"});
  ExecOn(b, {"BZMPOP", "0.001", "1", "z", "MAX", "COUNT", "3"});
  ExecOn(c, {"BZPOPMAX", "z", "0"});  // forever
  EXPECT_EQ(server_->blocked_clients().timeout_count(), 2u);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  BeforePoll();
  EXPECT_EQ(DrainOf(a), "*-1\r\n");
  EXPECT_EQ(DrainOf(b), "*-1\r\n");
  EXPECT_EQ(DrainOf(c), "");
  EXPECT_EQ(Blocked(), 1u);
  EXPECT_EQ(Propagated(), "");
}

TEST_F(BlockingZsetTest, ArgumentErrorsMatchRedis) {
  EXPECT_EQ(Exec({"BZPOPMIN", "z", "-1"}), "-ERR timeout is negative\r\n");
  EXPECT_EQ(Exec({"BZPOPMAX", "z", "x"}), "-ERR timeout is not a float or out of range\r\n");
  EXPECT_EQ(Exec({"ZMPOP", "0", "z", "MIN"}), "-ERR numkeys should be greater than 0\r\n");
  EXPECT_EQ(Exec({"ZMPOP", "2", "z", "MIN"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Exec({"ZMPOP", "1", "z", "LEFT"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Exec({"ZMPOP", "1", "z", "foo", "COUNT", "0"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Exec({"ZMPOP", "1", "z", "MIN", "COUNT", "0"}), "-ERR count should be greater than 0\r\n");
  EXPECT_EQ(Exec({"ZMPOP", "1", "z", "MIN", "COUNT", "1", "COUNT", "2"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Exec({"ZMPOP", "1", "z", "MIN", "COUNT"}), "-ERR syntax error\r\n");
  // BZMPOP reads its timeout after the other arguments, as BLMPOP does.
  EXPECT_EQ(Exec({"BZMPOP", "x", "0", "z", "MIN"}), "-ERR numkeys should be greater than 0\r\n");
  EXPECT_EQ(Exec({"BZMPOP", "x", "1", "z", "MIN", "COUNT", "0"}), "-ERR count should be greater than 0\r\n");
  EXPECT_EQ(Exec({"BZMPOP", "x", "1", "z", "MIN"}), "-ERR timeout is not a float or out of range\r\n");
  EXPECT_EQ(Exec({"BLMPOP", "x", "0", "l", "LEFT"}), "-ERR numkeys should be greater than 0\r\n");
  EXPECT_EQ(Exec({"BLMPOP", "x", "1", "l", "up"}), "-ERR syntax error\r\n");
  Exec({"SET", "s", "v"});
  EXPECT_EQ(Exec({"ZMPOP", "2", "none", "s", "MIN"}), kWrongType);
  EXPECT_EQ(Exec({"BZPOPMIN", "none", "s", "0"}), kWrongType);
  EXPECT_EQ(Exec({"BZMPOP", "0", "2", "none", "s", "MAX"}), kWrongType);
  EXPECT_EQ(Exec({"ZMPOP", "1", "s", "MIN", "COUNT", "0"}), "-ERR count should be greater than 0\r\n");
  Exec({"ZADD", "z", "1", "a"});
  EXPECT_EQ(Exec({"ZMPOP", "2", "s", "z", "MIN"}), kWrongType);  // the first existing key decides
  EXPECT_EQ(Exec({"ZMPOP", "2", "z", "s", "MIN"}), "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n");
  EXPECT_EQ(Blocked(), 0u);
}

TEST_F(BlockingZsetTest, ClientUnblockGivesTheTimeoutReplyOrAnError) {
  Client* a = NewClient();
  Client* b = NewClient();
  Client* c = NewClient();
  ExecOn(a, {"BZPOPMIN", "z", "0"});
  ExecOn(b, {"BLMOVE", "l", "d", "LEFT", "LEFT", "100"});
  ExecOn(c, {"BZMPOP", "0", "1", "z", "MIN"});
  EXPECT_EQ(Unblock(a), ":1\r\n");  // TIMEOUT is the default
  EXPECT_EQ(DrainOf(a), "*-1\r\n");
  EXPECT_EQ(Unblock(b, "timeout"), ":1\r\n");
  EXPECT_EQ(DrainOf(b), "*-1\r\n");  // BLMOVE's timeout reply too
  EXPECT_EQ(server_->blocked_clients().timeout_count(), 0u);
  EXPECT_EQ(Unblock(c, "ERROR"), ":1\r\n");
  EXPECT_EQ(DrainOf(c), "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n");
  EXPECT_EQ(Unblock(c, "ERROR"), ":0\r\n");  // no longer blocked
  EXPECT_EQ(Blocked(), 0u);
  EXPECT_FALSE(server_->keyspace().db(0).has_interest());
  Exec({"ZADD", "z", "1", "a"});  // nobody is served any more
  EXPECT_EQ(DrainOf(a) + DrainOf(c), "");
  EXPECT_EQ(Propagated(), Resp({"ZADD", "z", "1", "a"}));
  BeforePoll();
}

TEST_F(BlockingZsetTest, ClientUnblockArgumentsMatchRedis) {
  EXPECT_EQ(Exec({"CLIENT", "UNBLOCK", std::to_string(client_->id())}), ":0\r\n");  // itself: not blocked
  EXPECT_EQ(Exec({"CLIENT", "UNBLOCK", "99999"}), ":0\r\n");
  EXPECT_EQ(Exec({"CLIENT", "UNBLOCK", "0"}), ":0\r\n");
  EXPECT_EQ(Exec({"CLIENT", "UNBLOCK", "-5", "error"}), ":0\r\n");
  EXPECT_EQ(Exec({"CLIENT", "UNBLOCK", "1.5"}), "-ERR value is not an integer or out of range\r\n");
  // The reason is checked before the id.
  EXPECT_EQ(Exec({"CLIENT", "UNBLOCK", "x", "foo"}), "-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR\r\n");
  EXPECT_EQ(Exec({"CLIENT", "UNBLOCK"}), "-ERR wrong number of arguments for 'client|unblock' command\r\n");
  EXPECT_EQ(Exec({"CLIENT", "unBLOCK", "1", "2", "3"}),
            "-ERR unknown subcommand or wrong number of arguments for 'unBLOCK'. Try CLIENT HELP.\r\n");
  std::string help = Exec({"CLIENT", "HELP"});
  EXPECT_NE(help.find("+UNBLOCK <clientid> [TIMEOUT|ERROR]\r\n+    Unblock the specified blocked client.\r\n"),
            std::string::npos)
      << help;
}

TEST_F(BlockingZsetTest, ClientUnblockCountsAFailedCallOfTheBlockedCommand) {
  Client* a = NewClient();
  ExecOn(a, {"BZPOPMAX", "z", "0"});
  Unblock(a, "TIMEOUT");
  const Command* cmd = server_->commands().Find("bzpopmax");
  ASSERT_NE(cmd, nullptr);
  EXPECT_EQ(cmd->calls, 1u);
  EXPECT_EQ(cmd->failed_calls, 1u);  // Redis 7.0 counts it so, TIMEOUT too
}

TEST_F(BlockingZsetTest, DisconnectedWaiterIsForgottenAndLosesNothing) {
  Client* a = NewClient();
  Client* b = NewClient();
  ExecOn(a, {"BZPOPMIN", "z", "0.5"});
  ExecOn(b, {"BZMPOP", "0", "1", "z", "MIN", "COUNT", "9"});
  Disconnect(a);
  EXPECT_EQ(Blocked(), 1u);
  Exec({"ZADD", "z", "1", "x"});
  EXPECT_EQ(DrainOf(b), "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\nx\r\n$1\r\n1\r\n");
  EXPECT_FALSE(server_->keyspace().db(0).has_interest());
  BeforePoll();  // the forgotten deadline is gone too
}

TEST_F(BlockingZsetTest, CommandMetadataMatchesRedis) {
  struct Want {
    const char* name;
    int arity;
    uint32_t flags;
    int first, last, step;
  };
  const uint32_t kBlockingPop = kCmdWrite | kCmdNoscript | kCmdBlocking | kCmdFast;
  const Want wants[] = {
      {"zmpop", -4, kCmdWrite | kCmdMovableKeys, 0, 0, 0},
      {"bzpopmin", -3, kBlockingPop, 1, -2, 1},
      {"bzpopmax", -3, kBlockingPop, 1, -2, 1},
      {"bzmpop", -5, kCmdWrite | kCmdBlocking | kCmdMovableKeys, 0, 0, 0},
  };
  for (const Want& w : wants) {
    const Command* c = server_->commands().Find(w.name);
    ASSERT_NE(c, nullptr) << w.name;
    EXPECT_EQ(c->arity, w.arity) << w.name;
    EXPECT_EQ(c->flags, w.flags) << w.name;
    EXPECT_EQ(c->first_key, w.first) << w.name;
    EXPECT_EQ(c->last_key, w.last) << w.name;
    EXPECT_EQ(c->key_step, w.step) << w.name;
    EXPECT_STREQ(c->group, "sorted_set") << w.name;
  }
  const Command* unblock = server_->commands().Find("client")->FindSubcommand("unblock");
  ASSERT_NE(unblock, nullptr);
  EXPECT_EQ(unblock->arity, -3);
  EXPECT_EQ(unblock->flags, kCmdAdmin | kCmdNoscript | kCmdLoading | kCmdStale);
}

}  // namespace
}  // namespace replikv
