#include "server/client_eviction.h"

#include <gtest/gtest.h>

#include <string>

#include "server/tests/clients_fixture.h"

namespace replikv {
namespace {

class ClientEvictionTest : public ClientsTest {
 protected:
  ClientEviction& eviction() { return server_->client_eviction(); }
  // A connection of kind kNormal (a socket-less one is the server's own).
  Client* NormalClient() {
    Client* c = NewClient();
    c->set_kind(ClientKind::kNormal);
    return c;
  }
};

TEST_F(ClientEvictionTest, LimitIsBytesOrAPercentageOfMaxmemory) {
  EXPECT_EQ(eviction().Limit(), 0u);
  registry_.mutable_config()->maxmemory_clients = 10 * 1024 * 1024;
  EXPECT_EQ(eviction().Limit(), 10u * 1024 * 1024);
  // N% is stored as -N; without maxmemory it is off.
  registry_.mutable_config()->maxmemory_clients = -10;
  EXPECT_EQ(eviction().Limit(), 0u);
  registry_.mutable_config()->maxmemory = 100 * 1024 * 1024;
  EXPECT_EQ(eviction().Limit(), 10u * 1024 * 1024);
  registry_.mutable_config()->maxmemory_clients = 0;
  EXPECT_EQ(eviction().Limit(), 0u);
}

TEST_F(ClientEvictionTest, SmallLimitsCountAs128KiB) {
  registry_.mutable_config()->maxmemory_clients = 1000;
  EXPECT_EQ(eviction().Limit(), 128u * 1024);
  registry_.mutable_config()->maxmemory = 1024 * 1024;
  registry_.mutable_config()->maxmemory_clients = -1;  // 1% of 1 MiB
  EXPECT_EQ(eviction().Limit(), 128u * 1024);
}

TEST_F(ClientEvictionTest, ServerOwnClientsAreNotCounted) {
  const size_t before = eviction().normal_bytes();
  Client* own = NewClient();  // kInternal until started
  eviction().Update(*own);
  EXPECT_EQ(eviction().normal_bytes(), before);
  EXPECT_EQ(eviction().evictable_clients(), 0u);
}

TEST_F(ClientEvictionTest, NormalClientsCountAndSitInTheBuckets) {
  Client* c = NormalClient();
  eviction().Update(*c);
  EXPECT_EQ(eviction().normal_bytes(), c->memory_counted);
  EXPECT_EQ(eviction().evictable_kinds_bytes(), c->memory_counted);
  EXPECT_GE(c->memory_counted, sizeof(Client) + ReplyBuffer::kFirstBlock);
  EXPECT_EQ(eviction().evictable_clients(), 1u);
  c->no_evict = true;
  eviction().Update(*c);
  // Still counted toward the limit, as Redis 7.0, but never chosen.
  EXPECT_EQ(eviction().evictable_kinds_bytes(), c->memory_counted);
  EXPECT_EQ(eviction().evictable_clients(), 0u);
  eviction().Forget(*c);
  EXPECT_EQ(eviction().normal_bytes(), 0u);
  eviction().Forget(*c);  // twice is harmless
  EXPECT_EQ(eviction().normal_bytes(), 0u);
}

TEST_F(ClientEvictionTest, ClosingForgetsTheClient) {
  Client* c = NormalClient();
  eviction().Update(*c);
  EXPECT_GT(eviction().normal_bytes(), 0u);
  Disconnect(c);
  EXPECT_EQ(eviction().normal_bytes(), 0u);
  EXPECT_EQ(eviction().evictable_clients(), 0u);
}

TEST_F(ClientEvictionTest, PrimaryLinkCountsAsNormalMemoryButIsNeverEvictable) {
  Client* link = NewClient();
  link->set_kind(ClientKind::kPrimary);
  eviction().Update(*link);
  EXPECT_EQ(eviction().normal_bytes(), link->memory_counted);
  EXPECT_EQ(eviction().evictable_kinds_bytes(), 0u);
  EXPECT_EQ(eviction().evictable_clients(), 0u);
}

TEST_F(ClientEvictionTest, ReplicasCountApart) {
  Client* replica = NewClient();
  replica->set_kind(ClientKind::kReplica);
  eviction().Update(*replica);
  EXPECT_EQ(eviction().normal_bytes(), 0u);
  EXPECT_EQ(eviction().replica_bytes(), replica->memory_counted);
  EXPECT_EQ(eviction().evictable_clients(), 0u);
}

TEST_F(ClientEvictionTest, UsageCountsTheMultiQueueAndUnreadReplies) {
  Client* c = NormalClient();
  const size_t idle = ClientMemoryUsage(*c);
  ExecOn(c, {"MULTI"});
  ExecOn(c, {"SET", "k", std::string(100000, 'v')});
  EXPECT_GE(ClientMultiMemory(*c), 100000u);
  EXPECT_GE(ClientMemoryUsage(*c), idle + 100000);
  ExecOn(c, {"DISCARD"});
  // Replies nobody has read yet.
  ExecOn(c, {"SET", "big", std::string(500000, 'x')});
  std::vector<std::string_view> get = {"GET", "big"};
  for (int i = 0; i < 4; ++i) server_->ExecuteCommand(*c, get);
  EXPECT_GE(ClientMemoryUsage(*c), idle + 4 * 500000);
  DrainOf(c);
  EXPECT_LT(ClientMemoryUsage(*c), idle + 100000);
}

TEST_F(ClientEvictionTest, UsageCountsSubscriptions) {
  Client* c = NormalClient();
  const size_t idle = ClientMemoryUsage(*c);
  std::vector<std::string> args = {"SUBSCRIBE"};
  for (int i = 0; i < 1000; ++i) args.push_back("channel:" + std::to_string(i));
  ExecOn(c, args);
  EXPECT_GE(ClientMemoryUsage(*c), idle + 1000 * sizeof(std::string));
}

// Update's shortcut for an unchanged connection never keeps a stale figure.
TEST_F(ClientEvictionTest, CountMatchesAFullCountAfterEveryChange) {
  Client* c = NormalClient();
  auto check = [&](const char* step) {
    eviction().Update(*c);
    EXPECT_EQ(c->memory_counted, ClientMemoryUsage(*c)) << step;
    EXPECT_EQ(eviction().evictable_kinds_bytes(), c->memory_counted) << step;
    EXPECT_EQ(eviction().evictable_clients(), c->no_evict ? 0u : 1u) << step;
  };
  check("new");
  check("again");
  ExecOn(c, {"SET", "big", std::string(300000, 'x')});
  check("set");
  std::vector<std::string_view> get = {"GET", "big"};
  server_->ExecuteCommand(*c, get);
  check("unread reply");
  DrainOf(c);
  check("reply read");
  c->no_evict = true;
  check("no-evict on");
  c->no_evict = false;
  check("no-evict off");
  ExecOn(c, {"WATCH", "big"});
  check("watch");
  ExecOn(c, {"UNWATCH"});
  check("unwatch");
  c->set_kind(ClientKind::kReplica);
  eviction().Update(*c);
  EXPECT_EQ(eviction().evictable_kinds_bytes(), 0u);
  EXPECT_EQ(eviction().replica_bytes(), c->memory_counted);
  EXPECT_EQ(eviction().evictable_clients(), 0u);
}

}  // namespace
}  // namespace replikv
