// Pub/Sub: SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE SSUBSCRIBE
// SUNSUBSCRIBE PUBLISH SPUBLISH PUBSUB.
//
// PubSub holds the server-wide maps: channel -> subscribers, pattern ->
// subscribers, shard channel -> subscribers (each list in subscription
// order), and each client's own sets in Client::pubsub. A client with at
// least one subscription is in pub/sub mode: in RESP2, dispatch accepts only
// the subscribe family, PING, QUIT and RESET from it, and its output buffer
// is limited by the `client-output-buffer-limit pubsub` class.
//
// Message shapes (RESP2), as Redis 7.0 sends them:
//   *3 $7 message  $<channel> $<payload>
//   *4 $8 pmessage $<pattern> $<channel> $<payload>
//   *3 $8 smessage $<shardchannel> $<payload>
//   *3 $9 subscribe $<channel> :<subscriptions after>   (and the other acks)
// The count in (un)subscribe acks is channels + patterns; in the shard acks
// it is shard channels only. Patterns match with server/glob.h.
//
// Without cluster mode shard channels behave as a second, separate channel
// namespace, as in Redis 7.0. Loop thread only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "server/command_table.h"

namespace replikv {

class Client;
class Server;

// One client's subscriptions (Client::pubsub).
struct PubSubState {
  std::unordered_set<std::string> channels;
  std::unordered_set<std::string> patterns;
  std::unordered_set<std::string> shard_channels;
};

class PubSub {
 public:
  explicit PubSub(Server& server) : server_(server) {}
  PubSub(const PubSub&) = delete;
  PubSub& operator=(const PubSub&) = delete;

  // Which namespace a (un)subscription is about.
  enum class Kind { kChannel, kPattern, kShard };

  // Adds the subscription (no-op if present) and replies its ack to `c`.
  void Subscribe(Client& c, Kind kind, std::string_view name);
  // Removes the subscription if present and replies its ack (sent even when
  // `c` was not subscribed, with the unchanged count).
  void Unsubscribe(Client& c, Kind kind, std::string_view name);
  // UNSUBSCRIBE/PUNSUBSCRIBE/SUNSUBSCRIBE without arguments: one ack per
  // subscription of `kind`, or a single ack with a null name when none.
  void UnsubscribeAllOfKind(Client& c, Kind kind);
  // Drops every subscription of `c` without replying (RESET, disconnect).
  void UnsubscribeAll(Client& c);

  // Sends `message` to the subscribers of `channel` and then to those of
  // each matching pattern; returns how many deliveries were made (a client
  // matching twice counts twice, as in Redis). Receivers past their output
  // buffer limit are closed after the delivery loop; `publisher` is left to
  // the caller's own check.
  int64_t Publish(std::string_view channel, std::string_view message, const Client* publisher);
  // SPUBLISH: the shard channel's subscribers only.
  int64_t PublishShard(std::string_view channel, std::string_view message, const Client* publisher);

  size_t channel_count() const { return channels_.size(); }
  size_t pattern_count() const { return patterns_.size(); }
  size_t shard_channel_count() const { return shard_channels_.size(); }
  // Subscribers of one channel (PUBSUB NUMSUB / SHARDNUMSUB).
  size_t Subscribers(Kind kind, std::string_view channel) const;
  // Names of channels with subscribers that match `pattern` (empty: all).
  std::vector<std::string> Channels(Kind kind, std::string_view pattern) const;

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  using Map = std::unordered_map<std::string, std::vector<Client*>, Hash, std::equal_to<>>;

  Map& MapFor(Kind kind);
  const Map& MapFor(Kind kind) const;
  // Delivers `bytes` to `c` (unless it is closing) and remembers it for the
  // output limit check.
  void Deliver(Client* c, std::string_view bytes);
  void CheckReceivers(const Client* publisher);
  void AfterCountChange(Client& c);

  Server& server_;
  Map channels_;
  Map patterns_;
  Map shard_channels_;
  std::vector<Client*> receivers_;  // scratch: this PUBLISH's receivers
  std::string scratch_;             // scratch: one encoded message
};

// Number of channels + patterns `c` is subscribed to (CLIENT LIST sub/psub
// are the two parts); 0 for a client that never subscribed.
size_t ClientChannelCount(const Client& c);
size_t ClientPatternCount(const Client& c);
size_t ClientShardChannelCount(const Client& c);

// PING's reply in RESP2 pub/sub mode: *2 $4 pong $<arg or empty>.
void ReplySubscribedPing(CommandContext& ctx);

void RegisterPubSubCommands(CommandTable& t);

}  // namespace replikv
