// The propagation funnel: what AOF and replicas will receive for each write,
// in Redis 7.0's absolute forms.
#include <string>

#include "server/tests/command_fixture.h"

namespace replikv {
namespace {

class PropagateTest : public CommandTest {
 protected:
  int64_t Now() { return server_->keyspace().now_ms(); }
};

TEST_F(PropagateTest, FirstWriteSelectsDbThenCommandAsIs) {
  EXPECT_EQ(Exec({"SET", "k", "v"}), "+OK\r\n");
  EXPECT_EQ(Propagated(), Resp({"SELECT", "0"}) + Resp({"SET", "k", "v"}));
  Exec({"SET", "k2", "v"});
  EXPECT_EQ(Propagated(), Resp({"SET", "k2", "v"}));
}

TEST_F(PropagateTest, SelectEmittedOnlyWhenDbChanges) {
  Exec({"SET", "a", "1"});
  Exec({"SELECT", "3"});
  Exec({"SET", "b", "2"});
  Exec({"SET", "c", "3"});
  EXPECT_EQ(Propagated(), Resp({"SELECT", "0"}) + Resp({"SET", "a", "1"}) + Resp({"SELECT", "3"}) +
                              Resp({"SET", "b", "2"}) + Resp({"SET", "c", "3"}));
}

TEST_F(PropagateTest, ReadsAndNoOpWritesPropagateNothing) {
  Exec({"GET", "missing"});
  Exec({"DEL", "missing"});
  Exec({"SETNX", "x", "1"});
  Propagated();
  Exec({"SETNX", "x", "2"});  // not set: nothing changed
  Exec({"EXPIRE", "missing", "10"});
  EXPECT_EQ(Propagated(), "");
}

TEST_F(PropagateTest, RelativeExpiresBecomeAbsolute) {
  Exec({"SET", "k", "v"});
  Propagated();
  Exec({"EXPIRE", "k", "100"});
  std::string p = Propagated();
  int64_t when = server_->keyspace().db(0).Find("k")->expire_ms();
  EXPECT_NEAR(static_cast<double>(when), static_cast<double>(Now() + 100000), 2000);
  EXPECT_EQ(p, Resp({"PEXPIREAT", "k", std::to_string(when)}));
  Exec({"PEXPIRE", "k", "5000", "LT"});
  when = server_->keyspace().db(0).Find("k")->expire_ms();
  EXPECT_EQ(Propagated(), Resp({"PEXPIREAT", "k", std::to_string(when), "LT"}));
}

TEST_F(PropagateTest, SetWithExpireBecomesSetPxat) {
  Exec({"SET", "k", "v", "EX", "10"});
  int64_t when = server_->keyspace().db(0).Find("k")->expire_ms();
  EXPECT_EQ(Propagated(), Resp({"SELECT", "0"}) + Resp({"SET", "k", "v", "PXAT", std::to_string(when)}));
  Exec({"SETEX", "k2", "10", "v2"});
  when = server_->keyspace().db(0).Find("k2")->expire_ms();
  EXPECT_EQ(Propagated(), Resp({"SET", "k2", "v2", "PXAT", std::to_string(when)}));
  Exec({"PSETEX", "k3", "1500", "v3"});
  when = server_->keyspace().db(0).Find("k3")->expire_ms();
  EXPECT_EQ(Propagated(), Resp({"SET", "k3", "v3", "PXAT", std::to_string(when)}));
}

TEST_F(PropagateTest, SetGetDropsTheGetArgument) {
  Exec({"SET", "k", "v"});
  Propagated();
  EXPECT_EQ(Exec({"SET", "k", "w", "GET"}), "$1\r\nv\r\n");
  EXPECT_EQ(Propagated(), Resp({"SET", "k", "w"}));
}

TEST_F(PropagateTest, GetsetGetdelGetexRewritten) {
  Exec({"SET", "k", "v"});
  Propagated();
  Exec({"GETSET", "k", "w"});
  EXPECT_EQ(Propagated(), Resp({"SET", "k", "w"}));
  Exec({"GETEX", "k", "EX", "100"});
  int64_t when = server_->keyspace().db(0).Find("k")->expire_ms();
  EXPECT_EQ(Propagated(), Resp({"PEXPIREAT", "k", std::to_string(when)}));
  Exec({"GETEX", "k", "PERSIST"});
  EXPECT_EQ(Propagated(), Resp({"PERSIST", "k"}));
  Exec({"GETDEL", "k"});
  EXPECT_EQ(Propagated(), Resp({"DEL", "k"}));
}

TEST_F(PropagateTest, IncrbyfloatBecomesSetKeepttl) {
  EXPECT_EQ(Exec({"INCRBYFLOAT", "f", "10.5"}), "$4\r\n10.5\r\n");
  EXPECT_EQ(Propagated(), Resp({"SELECT", "0"}) + Resp({"SET", "f", "10.5", "KEEPTTL"}));
}

TEST_F(PropagateTest, ExpireInThePastDeletesAndPropagatesDel) {
  Exec({"SET", "k", "v"});
  Propagated();
  EXPECT_EQ(Exec({"EXPIRE", "k", "-1"}), ":1\r\n");
  EXPECT_EQ(Propagated(), Resp({"DEL", "k"}));
  EXPECT_EQ(Exec({"EXISTS", "k"}), ":0\r\n");
}

TEST_F(PropagateTest, LazilyExpiredKeyPropagatesDel) {
  Exec({"SET", "k", "v", "PX", "50"});
  Propagated();
  // ExecuteCommand refreshes the clock, so move the key's deadline instead.
  Entry* e = server_->keyspace().db(0).Find("k");
  server_->keyspace().db(0).SetExpire(e, 1);
  EXPECT_EQ(Exec({"GET", "k"}), "$-1\r\n");
  EXPECT_EQ(Propagated(), Resp({"DEL", "k"}));
}

TEST_F(PropagateTest, ExpiredKeyDelAndWriteInOneCallAreWrappedInMulti) {
  Exec({"SET", "k", "v"});
  Entry* e = server_->keyspace().db(0).Find("k");
  server_->keyspace().db(0).SetExpire(e, 1);
  Propagated();
  Exec({"SET", "k", "new"});
  EXPECT_EQ(Propagated(), Resp({"MULTI"}) + Resp({"DEL", "k"}) + Resp({"SET", "k", "new"}) + Resp({"EXEC"}));
}

TEST_F(PropagateTest, ActiveExpiryPropagatesEachDelOnItsOwn) {
  Exec({"SET", "a", "1"});
  Exec({"SET", "b", "2"});
  Db& db = server_->keyspace().db(0);
  db.SetExpire(db.Find("a"), 1);
  db.SetExpire(db.Find("b"), 1);
  Propagated();
  EXPECT_EQ(server_->keyspace().ActiveExpireCycle(100000), 2u);
  std::string p = Propagated();
  EXPECT_TRUE(p == Resp({"DEL", "a"}) + Resp({"DEL", "b"}) || p == Resp({"DEL", "b"}) + Resp({"DEL", "a"})) << p;
  EXPECT_EQ(db.size(), 0u);
}

TEST_F(PropagateTest, NoSinkMeansNothingIsEncoded) {
  server_->propagator().RemoveSink(&sink_);
  Exec({"SET", "k", "v"});
  server_->propagator().AddSink(&sink_);
  EXPECT_EQ(Propagated(), "");
}

// Targets: an AOF sink and a replication sink beside the fixture's own.
class PropagateTargetsTest : public PropagateTest {
 protected:
  void SetUp() override {
    PropagateTest::SetUp();
    server_->propagator().AddSink(&aof_, kPropagateAof);
    server_->propagator().AddSink(&repl_, kPropagateRepl);
  }
  void TearDown() override {
    server_->propagator().RemoveSink(&aof_);
    server_->propagator().RemoveSink(&repl_);
    PropagateTest::TearDown();
  }
  RecordingSink aof_, repl_;
};

TEST_F(PropagateTargetsTest, PublishReachesReplicasButNotTheAof) {
  Exec({"PUBLISH", "ch", "hello"});
  EXPECT_EQ(aof_.bytes, "");
  EXPECT_EQ(repl_.bytes, Resp({"SELECT", "0"}) + Resp({"PUBLISH", "ch", "hello"}));
}

TEST_F(PropagateTargetsTest, WrapCountsOnlyTheOpsASinkTakes) {
  // One call with a write (both targets) and a replication-only op: the AOF
  // gets the write alone, unwrapped; the replicas get both inside MULTI.
  server_->propagator().Add(0, {"SET", "k", "v"});
  server_->propagator().Add(0, {"PUBLISH", "ch", "m"}, kPropagateRepl);
  server_->propagator().EndCall();
  EXPECT_EQ(aof_.bytes, Resp({"SELECT", "0"}) + Resp({"SET", "k", "v"}));
  EXPECT_EQ(repl_.bytes, Resp({"SELECT", "0"}) + Resp({"MULTI"}) + Resp({"SET", "k", "v"}) +
                             Resp({"PUBLISH", "ch", "m"}) + Resp({"EXEC"}));
}

TEST_F(PropagateTargetsTest, VerbatimBytesReachOnlyReplicationSinks) {
  // A replica applying its primary's stream: the bytes go on unchanged to
  // its replicas; the AOF gets the executed commands re-encoded.
  const std::string from_primary = "*1\r\n$4\r\nPING\r\n" + Resp({"SET", "k", "v"});
  server_->propagator().set_replicating_from_primary(true);
  server_->propagator().FeedVerbatim(from_primary);
  Exec({"SET", "k", "v"});
  server_->propagator().set_replicating_from_primary(false);
  EXPECT_EQ(repl_.bytes, from_primary);
  EXPECT_EQ(aof_.bytes, Resp({"SELECT", "0"}) + Resp({"SET", "k", "v"}));
}

TEST_F(PropagateTargetsTest, OnAReplicaLocalOpsNeverReachTheReplicationStream) {
  // Sentinel PUBLISHes its hello on replicas: Redis 7.0 keeps that (and any
  // write on a writable replica) out of the replica's stream, whose offset
  // must stay its primary's. The AOF still gets the local writes.
  server_->set_role(Role::kReplica);
  Exec({"PUBLISH", "__sentinel__:hello", "x"});
  Exec({"CONFIG", "SET", "replica-read-only", "no"});
  Exec({"SET", "k", "v"});
  server_->set_role(Role::kPrimary);
  EXPECT_EQ(repl_.bytes, "");
  EXPECT_EQ(aof_.bytes, Resp({"SELECT", "0"}) + Resp({"SET", "k", "v"}));
  Exec({"PUBLISH", "ch", "m"});
  EXPECT_EQ(repl_.bytes, Resp({"SELECT", "0"}) + Resp({"PUBLISH", "ch", "m"}));
}

}  // namespace
}  // namespace replikv
