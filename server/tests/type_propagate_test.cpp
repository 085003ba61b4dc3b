// What the aggregate types hand the propagation funnel, checked against what
// a real Redis 7.0.15 writes to its AOF for the same commands: SPOP becomes
// SREM (one per member, wrapped in MULTI/EXEC when several) or DEL for the
// whole set, HINCRBYFLOAT becomes HSET, everything else goes as sent and
// no-op writes send nothing. Also DEBUG DIGEST-VALUE against values taken
// from redis-server for the same data.
#include <set>
#include <string>
#include <vector>

#include "server/tests/command_fixture.h"

namespace replikv {
namespace {

class TypePropagateTest : public CommandTest {
 protected:
  void SetUp() override {
    Exec({"SET", "warmup", "x"});  // the first write also SELECTs
    Propagated();
  }
  // The single-member SREMs in `stream`, as the set of members.
  static std::set<std::string> SremMembers(const std::string& stream, const std::string& key) {
    std::set<std::string> out;
    std::string head = Resp({"SREM", key});
    head[1] = '3';  // *3: SREM key member
    for (size_t at = stream.find(head); at != std::string::npos; at = stream.find(head, at + 1)) {
      size_t p = at + head.size();  // "$<len>\r\n<member>\r\n"
      size_t nl = stream.find("\r\n", p);
      size_t len = std::stoul(stream.substr(p + 1, nl - p - 1));
      out.insert(stream.substr(nl + 2, len));
    }
    return out;
  }
};

TEST_F(TypePropagateTest, SpopBecomesSremOfThePoppedMember) {
  Exec({"SADD", "s", "a", "b", "c"});
  Propagated();
  std::string reply = Exec({"SPOP", "s"});
  std::string member = reply.substr(reply.find("\r\n") + 2, 1);
  EXPECT_EQ(Propagated(), Resp({"SREM", "s", member}));
}

TEST_F(TypePropagateTest, SpopWithCountIsOneSremPerMemberInMulti) {
  Exec({"SADD", "s", "a", "b", "c", "d", "e", "f"});
  Propagated();
  Exec({"SPOP", "s", "2"});
  std::string p = Propagated();
  EXPECT_EQ(p.rfind(Resp({"MULTI"}), 0), 0u) << p;
  EXPECT_EQ(p.substr(p.size() - Resp({"EXEC"}).size()), Resp({"EXEC"}));
  std::set<std::string> popped = SremMembers(p, "s");
  EXPECT_EQ(popped.size(), 2u);
  for (const std::string& m : popped) EXPECT_EQ(Exec({"SISMEMBER", "s", m}), ":0\r\n");
  Exec({"SPOP", "s", "1"});
  p = Propagated();
  EXPECT_EQ(SremMembers(p, "s").size(), 1u);
  EXPECT_EQ(p.find(Resp({"MULTI"})), std::string::npos);
}

TEST_F(TypePropagateTest, SpopOfTheWholeSetIsDel) {
  Exec({"SADD", "s", "1", "2", "3"});
  Propagated();
  EXPECT_EQ(Exec({"SPOP", "s", "3"}), "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n");
  EXPECT_EQ(Propagated(), Resp({"DEL", "s"}));
  Exec({"SPOP", "s", "3"});
  Exec({"SPOP", "s"});
  EXPECT_EQ(Propagated(), "");
}

TEST_F(TypePropagateTest, HincrbyfloatBecomesHset) {
  Exec({"HSET", "h", "f", "1"});
  EXPECT_EQ(Propagated(), Resp({"HSET", "h", "f", "1"}));
  Exec({"HINCRBYFLOAT", "h", "f", "1.5"});
  EXPECT_EQ(Propagated(), Resp({"HSET", "h", "f", "2.5"}));
  Exec({"HINCRBY", "h", "g", "2"});
  EXPECT_EQ(Propagated(), Resp({"HINCRBY", "h", "g", "2"}));
}

TEST_F(TypePropagateTest, DeterministicCommandsGoAsSent) {
  const std::vector<std::vector<std::string>> cmds = {
      {"zadd", "z", "1", "a"},          {"zadd", "z", "incr", "2", "a"}, {"zincrby", "z", "1.5", "a"},
      {"zpopmin", "z"},                 {"zadd", "z", "1", "a", "2", "b"}, {"zpopmax", "z", "5"},
      {"rpush", "l", "a", "b", "c"},    {"lpop", "l", "2"},              {"rpoplpush", "l", "l2"},
      {"lmove", "l2", "l", "left", "right"}, {"sadd", "a", "1", "2"},    {"sinterstore", "d", "a", "a"},
      {"sinterstore", "d", "a", "nokey"}, {"smove", "a", "b", "1"},     {"zadd", "src", "1", "x"},
      {"zrangestore", "zd", "src", "0", "-1"}, {"linsert", "l", "before", "c", "x"}, {"lset", "l", "0", "y"},
      {"hdel", "h", "f"},
  };
  Exec({"HSET", "h", "f", "1"});
  Propagated();
  for (const auto& c : cmds) {
    Exec(c);
    EXPECT_EQ(Propagated(), Resp(c)) << c[0];
  }
}

TEST_F(TypePropagateTest, NoOpWritesPropagateNothing) {
  Exec({"HSET", "h", "f", "1"});
  Exec({"RPUSH", "l", "a"});
  Exec({"ZADD", "z", "1", "a"});
  Exec({"SADD", "s", "a"});
  Propagated();
  const std::vector<std::vector<std::string>> cmds = {
      {"ZADD", "z", "NX", "5", "a"}, {"ZADD", "z", "XX", "1", "b"}, {"ZADD", "z", "1", "a"},
      {"HDEL", "h", "nope"},         {"SREM", "s", "x"},            {"LPUSHX", "nolist", "a"},
      {"HSETNX", "h", "f", "2"},     {"LTRIM", "l", "0", "100"},    {"LREM", "l", "0", "zz"},
      {"ZREMRANGEBYSCORE", "z", "5", "10"}, {"SINTERSTORE", "d", "s", "nokey"}, {"LPOP", "nokey"},
      {"SMOVE", "s", "t", "zz"},     {"ZREM", "z", "zz"},           {"LINSERT", "l", "BEFORE", "zz", "q"},
      {"SADD", "s", "a"},            {"ZPOPMIN", "nokey"},          {"RPOPLPUSH", "nokey", "l"},
  };
  for (const auto& c : cmds) {
    Exec(c);
    EXPECT_EQ(Propagated(), "") << c[0];
  }
}

TEST_F(TypePropagateTest, EmptiedKeysAreDeletedAndReadsPropagateNothing) {
  Exec({"RPUSH", "l", "a"});
  Exec({"LPOP", "l"});
  EXPECT_EQ(Exec({"EXISTS", "l"}), ":0\r\n");
  Propagated();
  Exec({"LRANGE", "l", "0", "-1"});
  Exec({"SMEMBERS", "s"});
  Exec({"ZRANGE", "z", "0", "-1"});
  Exec({"HGETALL", "h"});
  EXPECT_EQ(Propagated(), "");
}

// Digests of the same data on redis-server 7.0.15 (DEBUG DIGEST-VALUE).
TEST_F(TypePropagateTest, DigestValuesMatchRedis) {
  Exec({"RPUSH", "l", "a", "b", "c"});
  Exec({"HSET", "h", "a", "1", "b", "2"});
  Exec({"SADD", "s", "1", "2", "3"});
  Exec({"ZADD", "z", "1", "a", "2", "b", "0.1", "c"});
  Exec({"ZADD", "z2", "0.1", "x"});
  Exec({"ZADD", "z4", "0", "a"});
  Exec({"ZADD", "z3", "-0", "a"});
  EXPECT_EQ(Exec({"DEBUG", "DIGEST-VALUE", "l", "h", "s", "z", "z2", "z4", "z3"}),
            "*7\r\n+8bf72d812571eea9b927f3c11beb0c4165a6ff89\r\n"
            "+6c8f22b3bf510fdcfd6122dd0f908a80e88243bf\r\n"
            "+2a462a3f51a1db89738ebbeef0c47ce1bbc85246\r\n"
            "+25871ad0a64f59ef902e4d844e2fa69f95ede820\r\n"
            "+f15b13463fca8c8123ac3525a9b7d49003aed6e3\r\n"
            "+8d8d88c2cfb8d9411b8d9973c96538bd6378d446\r\n"
            "+8d8d88c2cfb8d9411b8d9973c96538bd6378d446\r\n");
}

}  // namespace
}  // namespace replikv
