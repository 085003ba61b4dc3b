// CLIENT TRACKING inside the server: what reaches whom, and the
// bookkeeping a cluster test cannot see (db interest, disconnects).
#include <string>

#include "server/tests/clients_fixture.h"
#include "server/tracking.h"

namespace replikv {
namespace {

std::string Inv(const std::string& key) {
  return ">2\r\n$10\r\ninvalidate\r\n*1\r\n$" + std::to_string(key.size()) + "\r\n" + key + "\r\n";
}

class TrackingTest : public ClientsTest {
 protected:
  Client* Tracker(const std::vector<std::string>& options = {}) {
    Client* c = NewClient();
    c->set_resp(3);
    std::vector<std::string> args{"CLIENT", "TRACKING", "on"};
    args.insert(args.end(), options.begin(), options.end());
    EXPECT_EQ(ExecOn(c, args), "+OK\r\n");
    return c;
  }
  ClientTracking& tracking() { return server_->tracking(); }
  bool Interested() { return server_->keyspace().db(0).has_interest(); }
};

TEST_F(TrackingTest, ReaderIsToldOnceAndTheKeyLeavesTheTable) {
  Client* a = Tracker();
  Client* b = NewClient();
  EXPECT_EQ(ExecOn(a, {"GET", "k"}), "_\r\n");
  EXPECT_EQ(tracking().table().keys(), 1u);
  EXPECT_EQ(ExecOn(b, {"SET", "k", "1"}), "+OK\r\n");
  EXPECT_EQ(DrainOf(a), Inv("k"));
  EXPECT_EQ(tracking().table().keys(), 0u);
  ExecOn(b, {"SET", "k", "2"});
  EXPECT_EQ(DrainOf(a), "");
}

TEST_F(TrackingTest, InPlaceChangeIsToldOnlyWhenTheWriteChangedSomething) {
  Client* a = Tracker();
  Client* b = NewClient();
  ExecOn(b, {"RPUSH", "l", "x"});
  ExecOn(a, {"LLEN", "l"});
  EXPECT_EQ(ExecOn(b, {"LREM", "l", "0", "nothing"}), ":0\r\n");
  EXPECT_EQ(DrainOf(a), "");
  EXPECT_EQ(ExecOn(b, {"LPUSH", "l", "y"}), ":2\r\n");
  EXPECT_EQ(DrainOf(a), Inv("l"));
}

TEST_F(TrackingTest, OwnWriteIsToldAfterItsReply) {
  Client* a = Tracker();
  ExecOn(a, {"GET", "k"});
  EXPECT_EQ(ExecOn(a, {"SET", "k", "1"}), "+OK\r\n" + Inv("k"));
}

TEST_F(TrackingTest, DbsHaveInterestOnlyWhileTrackingIsInUse) {
  EXPECT_FALSE(Interested());
  Client* a = Tracker();
  EXPECT_TRUE(Interested());
  ExecOn(a, {"GET", "k"});
  ExecOn(a, {"CLIENT", "TRACKING", "off"});
  // The key a read is still in the table: writes must still reach it.
  EXPECT_TRUE(Interested());
  Client* b = NewClient();
  ExecOn(b, {"SET", "k", "1"});
  EXPECT_EQ(DrainOf(a), "");  // off: not told, but forgotten
  EXPECT_EQ(tracking().table().keys(), 0u);
  EXPECT_FALSE(Interested());
}

TEST_F(TrackingTest, DisconnectTurnsTrackingOffAndLeavesPrefixes) {
  Client* a = Tracker({"bcast", "prefix", "p"});
  Client* c = Tracker();
  EXPECT_EQ(tracking().client_count(), 2u);
  EXPECT_EQ(tracking().prefix_count(), 1u);
  ExecOn(c, {"GET", "k"});
  Disconnect(a);
  Disconnect(c);
  EXPECT_EQ(tracking().client_count(), 0u);
  EXPECT_EQ(tracking().prefix_count(), 0u);
  // A write to a key whose reader is gone finds nobody and cleans up.
  Client* b = NewClient();
  ExecOn(b, {"SET", "k", "1"});
  EXPECT_EQ(tracking().table().keys(), 0u);
  EXPECT_FALSE(Interested());
}

TEST_F(TrackingTest, BcastWaitsForTheLoopIteration) {
  Client* a = Tracker({"bcast", "prefix", "u:"});
  Client* b = NewClient();
  ExecOn(b, {"SET", "u:2", "1"});
  ExecOn(b, {"SET", "u:1", "1"});
  ExecOn(b, {"SET", "v", "1"});
  EXPECT_EQ(DrainOf(a), "");
  tracking().BroadcastPending();
  EXPECT_EQ(DrainOf(a), ">2\r\n$10\r\ninvalidate\r\n*2\r\n$3\r\nu:1\r\n$3\r\nu:2\r\n");
  tracking().BroadcastPending();
  EXPECT_EQ(DrainOf(a), "");
}

TEST_F(TrackingTest, FlushallSendsOneNullForEveryDb) {
  Client* a = Tracker();
  Client* b = NewClient();
  ExecOn(b, {"FLUSHALL"});
  EXPECT_EQ(DrainOf(a), ">2\r\n$10\r\ninvalidate\r\n_\r\n");
  ExecOn(b, {"FLUSHDB"});
  EXPECT_EQ(DrainOf(a), ">2\r\n$10\r\ninvalidate\r\n_\r\n");
}

TEST_F(TrackingTest, CachingYesLastsForOneCommandOrTransaction) {
  Client* a = Tracker({"optin"});
  ExecOn(a, {"CLIENT", "CACHING", "yes"});
  ExecOn(a, {"MULTI"});
  ExecOn(a, {"GET", "x"});
  ExecOn(a, {"GET", "y"});
  ExecOn(a, {"EXEC"});
  ExecOn(a, {"GET", "z"});
  EXPECT_EQ(tracking().table().keys(), 2u);
  EXPECT_EQ(tracking().table().items(), 2u);
}

TEST_F(TrackingTest, TableLimitInvalidatesBeforeTheNextCommand) {
  Exec({"CONFIG", "SET", "tracking-table-max-keys", "1"});
  Client* a = Tracker();
  ExecOn(a, {"MGET", "a", "b", "c"});
  EXPECT_EQ(tracking().table().keys(), 3u);
  const std::string got = ExecOn(a, {"PING"});
  EXPECT_EQ(tracking().table().keys(), 1u);
  // Two invalidations, then the PONG.
  EXPECT_EQ(got.size(), 2 * Inv("a").size() + 7);
  EXPECT_TRUE(got.ends_with("+PONG\r\n"));
}

}  // namespace
}  // namespace replikv
