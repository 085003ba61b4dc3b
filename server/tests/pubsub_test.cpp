// Pub/Sub: reply and message shapes as Redis 7.0 sends them, subscriber
// mode, PUBSUB introspection, and the pubsub output-buffer class.
#include <string>

#include "server/commands/pubsub.h"
#include "server/tests/clients_fixture.h"

namespace replikv {
namespace {

std::string Ack(const std::string& verb, const std::string& name, int count) {
  return "*3\r\n$" + std::to_string(verb.size()) + "\r\n" + verb + "\r\n$" + std::to_string(name.size()) + "\r\n" +
         name + "\r\n:" + std::to_string(count) + "\r\n";
}

std::string Message(const std::string& channel, const std::string& payload) {
  return "*3\r\n$7\r\nmessage\r\n$" + std::to_string(channel.size()) + "\r\n" + channel + "\r\n$" +
         std::to_string(payload.size()) + "\r\n" + payload + "\r\n";
}

std::string Pmessage(const std::string& pattern, const std::string& channel, const std::string& payload) {
  return "*4\r\n$8\r\npmessage\r\n$" + std::to_string(pattern.size()) + "\r\n" + pattern + "\r\n$" +
         std::to_string(channel.size()) + "\r\n" + channel + "\r\n$" + std::to_string(payload.size()) + "\r\n" +
         payload + "\r\n";
}

const char kContextError[] =
    "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n";

using PubSubTest = ClientsTest;

TEST_F(PubSubTest, SubscribeAcksCountChannelsAndPatternsTogether) {
  EXPECT_EQ(Exec({"SUBSCRIBE", "a", "b", "a"}), Ack("subscribe", "a", 1) + Ack("subscribe", "b", 2) +
                                                     Ack("subscribe", "a", 2));
  EXPECT_EQ(Exec({"PSUBSCRIBE", "h?llo"}), Ack("psubscribe", "h?llo", 3));
  EXPECT_EQ(Exec({"UNSUBSCRIBE", "zz"}), Ack("unsubscribe", "zz", 3));
  EXPECT_EQ(Exec({"PUNSUBSCRIBE", "h?llo"}), Ack("punsubscribe", "h?llo", 2));
  // Shard channels are counted on their own.
  EXPECT_EQ(Exec({"SSUBSCRIBE", "s"}), Ack("ssubscribe", "s", 1));
}

TEST_F(PubSubTest, PublishDeliversMessageThenPmessageAndCountsEach) {
  Client* sub = NewClient();
  ExecOn(sub, {"SUBSCRIBE", "news"});
  ExecOn(sub, {"PSUBSCRIBE", "n*"});
  EXPECT_EQ(Exec({"PUBLISH", "news", "hi"}), ":2\r\n");
  EXPECT_EQ(DrainOf(sub), Message("news", "hi") + Pmessage("n*", "news", "hi"));
  EXPECT_EQ(Exec({"PUBLISH", "nope", "x"}), ":1\r\n");
  EXPECT_EQ(Exec({"PUBLISH", "other", "x"}), ":0\r\n");
  EXPECT_EQ(DrainOf(sub), Pmessage("n*", "nope", "x"));
}

TEST_F(PubSubTest, MessagesKeepBinaryPayloads) {
  Client* sub = NewClient();
  ExecOn(sub, {"SUBSCRIBE", std::string("c\0h", 3)});
  std::string payload("a\r\n\0b", 5);
  EXPECT_EQ(Exec({"PUBLISH", std::string("c\0h", 3), payload}), ":1\r\n");
  EXPECT_EQ(DrainOf(sub), Message(std::string("c\0h", 3), payload));
}

TEST_F(PubSubTest, SubscriberModeAcceptsOnlyTheSubscribeFamilyPingQuitReset) {
  Exec({"SUBSCRIBE", "c"});
  EXPECT_EQ(Exec({"GET", "x"}), std::string("-ERR Can't execute 'get") + kContextError);
  EXPECT_EQ(Exec({"CLIENT", "LIST"}), std::string("-ERR Can't execute 'client|list") + kContextError);
  EXPECT_EQ(Exec({"MULTI"}), std::string("-ERR Can't execute 'multi") + kContextError);
  EXPECT_EQ(Exec({"EXEC"}), std::string("-EXECABORT Transaction discarded because of: Can't execute 'exec") +
                                kContextError);
  EXPECT_EQ(Exec({"PING"}), "*2\r\n$4\r\npong\r\n$0\r\n\r\n");
  EXPECT_EQ(Exec({"PING", "x"}), "*2\r\n$4\r\npong\r\n$1\r\nx\r\n");
  EXPECT_EQ(Exec({"RESET"}), "+RESET\r\n");
  EXPECT_EQ(Exec({"GET", "x"}), "$-1\r\n");
  EXPECT_EQ(Exec({"PUBLISH", "c", "m"}), ":0\r\n");
}

TEST_F(PubSubTest, LeavingTheLastSubscriptionEndsSubscriberMode) {
  Exec({"SUBSCRIBE", "c"});
  Exec({"PSUBSCRIBE", "p*"});
  EXPECT_TRUE(client_->in_pubsub_mode());
  EXPECT_EQ(client_->output_class, ClientClass::kPubSub);
  std::string out = Exec({"UNSUBSCRIBE"});
  EXPECT_EQ(out, Ack("unsubscribe", "c", 1));
  EXPECT_TRUE(client_->in_pubsub_mode());
  EXPECT_EQ(Exec({"PUNSUBSCRIBE"}), Ack("punsubscribe", "p*", 0));
  EXPECT_FALSE(client_->in_pubsub_mode());
  EXPECT_EQ(client_->output_class, ClientClass::kNormal);
  EXPECT_EQ(Exec({"PING"}), "+PONG\r\n");
}

TEST_F(PubSubTest, UnsubscribeAllWithNothingRepliesANullName) {
  EXPECT_EQ(Exec({"UNSUBSCRIBE"}), "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n");
  EXPECT_EQ(Exec({"PUNSUBSCRIBE"}), "*3\r\n$12\r\npunsubscribe\r\n$-1\r\n:0\r\n");
  EXPECT_EQ(Exec({"SUNSUBSCRIBE"}), "*3\r\n$12\r\nsunsubscribe\r\n$-1\r\n:0\r\n");
}

TEST_F(PubSubTest, PubsubIntrospection) {
  Client* a = NewClient();
  Client* b = NewClient();
  ExecOn(a, {"SUBSCRIBE", "news", "sport"});
  ExecOn(b, {"SUBSCRIBE", "news"});
  ExecOn(a, {"PSUBSCRIBE", "n*", "s*"});
  ExecOn(b, {"PSUBSCRIBE", "n*"});
  EXPECT_EQ(Exec({"PUBSUB", "NUMSUB", "news", "sport", "none"}),
            "*6\r\n$4\r\nnews\r\n:2\r\n$5\r\nsport\r\n:1\r\n$4\r\nnone\r\n:0\r\n");
  EXPECT_EQ(Exec({"PUBSUB", "NUMSUB"}), "*0\r\n");
  // Redis 7.0 counts distinct patterns, not subscriptions.
  EXPECT_EQ(Exec({"PUBSUB", "NUMPAT"}), ":2\r\n");
  EXPECT_EQ(Exec({"PUBSUB", "CHANNELS", "s*"}), "*1\r\n$5\r\nsport\r\n");
  std::string all = Exec({"PUBSUB", "CHANNELS"});
  EXPECT_TRUE(all == "*2\r\n$4\r\nnews\r\n$5\r\nsport\r\n" || all == "*2\r\n$5\r\nsport\r\n$4\r\nnews\r\n") << all;
  EXPECT_EQ(Exec({"PUBSUB", "CHANNELS", "a", "b"}),
            "-ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB HELP.\r\n");
  EXPECT_EQ(Exec({"PUBSUB", "NUMPAT", "x"}), "-ERR wrong number of arguments for 'pubsub|numpat' command\r\n");
  EXPECT_EQ(Exec({"PUBSUB", "FOO"}), "-ERR unknown subcommand 'FOO'. Try PUBSUB HELP.\r\n");
  EXPECT_EQ(Exec({"PUBSUB", "SHARDCHANNELS"}), "*0\r\n");
  EXPECT_EQ(Exec({"PUBSUB", "SHARDNUMSUB", "news"}), "*2\r\n$4\r\nnews\r\n:0\r\n");
}

TEST_F(PubSubTest, ShardChannelsAreASeparateNamespace) {
  Client* sub = NewClient();
  ExecOn(sub, {"SSUBSCRIBE", "c"});
  EXPECT_EQ(Exec({"PUBLISH", "c", "m"}), ":0\r\n");
  EXPECT_EQ(Exec({"SPUBLISH", "c", "m"}), ":1\r\n");
  EXPECT_EQ(DrainOf(sub), "*3\r\n$8\r\nsmessage\r\n$1\r\nc\r\n$1\r\nm\r\n");
  EXPECT_EQ(Exec({"PUBSUB", "SHARDCHANNELS"}), "*1\r\n$1\r\nc\r\n");
  EXPECT_TRUE(sub->in_pubsub_mode());
}

TEST_F(PubSubTest, SubscribeRunsInsideExecButSsubscribeDoesNot) {
  Exec({"MULTI"});
  Exec({"SSUBSCRIBE", "s"});
  EXPECT_EQ(Exec({"EXEC"}), "*1\r\n-ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client\r\n");
  Exec({"MULTI"});
  Exec({"SUBSCRIBE", "c"});
  Exec({"PING"});
  EXPECT_EQ(Exec({"EXEC"}), "*2\r\n" + Ack("subscribe", "c", 1) + "*2\r\n$4\r\npong\r\n$0\r\n\r\n");
  EXPECT_TRUE(client_->in_pubsub_mode());
}

TEST_F(PubSubTest, ClientListShowsSubscriptions) {
  Client* sub = NewClient();
  ExecOn(sub, {"SUBSCRIBE", "a", "b"});
  ExecOn(sub, {"PSUBSCRIBE", "p*"});
  std::string list = Exec({"CLIENT", "LIST"});
  EXPECT_NE(list.find("flags=P db=0 sub=2 psub=1 ssub=0 multi=-1 "), std::string::npos) << list;
  EXPECT_NE(list.find("cmd=psubscribe "), std::string::npos) << list;
}

TEST_F(PubSubTest, DisconnectedSubscriberIsForgotten) {
  Client* sub = NewClient();
  ExecOn(sub, {"SUBSCRIBE", "c"});
  ExecOn(sub, {"PSUBSCRIBE", "*"});
  EXPECT_EQ(server_->pubsub().channel_count(), 1u);
  Disconnect(sub);
  EXPECT_EQ(server_->pubsub().channel_count(), 0u);
  EXPECT_EQ(server_->pubsub().pattern_count(), 0u);
  EXPECT_EQ(Exec({"PUBLISH", "c", "m"}), ":0\r\n");
}

TEST_F(PubSubTest, SlowSubscriberPastThePubsubHardLimitIsClosed) {
  registry_.mutable_config()->client_obuf_limits[static_cast<int>(ClientClass::kPubSub)] = {4096, 0, 0};
  Client* slow = NewClient();
  Client* fast = NewClient();
  ExecOn(slow, {"SUBSCRIBE", "c"});
  ExecOn(fast, {"SUBSCRIBE", "c"});
  std::string big(1000, 'x');
  uint64_t before = server_->stats().client_outbuf_limit_disconnections;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Exec({"PUBLISH", "c", big}), ":2\r\n");
    DrainOf(fast);  // this one reads
  }
  EXPECT_FALSE(slow->closing());
  Exec({"PUBLISH", "c", big});  // the fourth message passes 4096 bytes
  EXPECT_TRUE(slow->closing());
  EXPECT_FALSE(fast->closing());
  EXPECT_EQ(server_->stats().client_outbuf_limit_disconnections, before + 1);
  Disconnect(slow);
  EXPECT_EQ(Exec({"PUBLISH", "c", "m"}), ":1\r\n");
}

TEST_F(PubSubTest, NormalLimitDoesNotApplyToSubscribers) {
  // The normal class has a tiny hard limit; a subscriber is judged by the
  // pubsub class only.
  registry_.mutable_config()->client_obuf_limits[static_cast<int>(ClientClass::kNormal)] = {100, 0, 0};
  Client* sub = NewClient();
  ExecOn(sub, {"SUBSCRIBE", "c"});
  Exec({"PUBLISH", "c", std::string(1000, 'x')});
  EXPECT_FALSE(sub->closing());
}

}  // namespace
}  // namespace replikv
