#include "server/commands/pubsub.h"

#include <algorithm>
#include <charconv>

#include "server/net/client.h"
#include "server/ds/glob.h"
#include "server/net/reply_buffer.h"
#include "server/server.h"

namespace replikv {
namespace {

void AppendBulk(std::string* out, std::string_view s) {
  char buf[24];
  buf[0] = '$';
  char* end = std::to_chars(buf + 1, buf + 22, s.size()).ptr;
  *end++ = '\r';
  *end++ = '\n';
  out->append(buf, static_cast<size_t>(end - buf));
  out->append(s);
  out->append("\r\n");
}

const char* SubscribeVerb(PubSub::Kind kind) {
  switch (kind) {
    case PubSub::Kind::kChannel: return "subscribe";
    case PubSub::Kind::kPattern: return "psubscribe";
    case PubSub::Kind::kShard: return "ssubscribe";
  }
  return "";
}

const char* UnsubscribeVerb(PubSub::Kind kind) {
  switch (kind) {
    case PubSub::Kind::kChannel: return "unsubscribe";
    case PubSub::Kind::kPattern: return "punsubscribe";
    case PubSub::Kind::kShard: return "sunsubscribe";
  }
  return "";
}

PubSubState& StateOf(Client& c) {
  if (c.pubsub == nullptr) c.pubsub = std::make_unique<PubSubState>();
  return *c.pubsub;
}

std::unordered_set<std::string>& SetFor(PubSubState& st, PubSub::Kind kind) {
  switch (kind) {
    case PubSub::Kind::kChannel: return st.channels;
    case PubSub::Kind::kPattern: return st.patterns;
    case PubSub::Kind::kShard: return st.shard_channels;
  }
  return st.channels;
}

// The count an ack carries: Redis's clientSubscriptionsCount() (channels and
// patterns) for the classic family, clientShardSubscriptionsCount() for the
// shard one.
int64_t AckCount(const Client& c, PubSub::Kind kind) {
  if (kind == PubSub::Kind::kShard) return static_cast<int64_t>(ClientShardChannelCount(c));
  return static_cast<int64_t>(ClientChannelCount(c) + ClientPatternCount(c));
}

void ReplyAck(Client& c, const char* verb, const std::string_view* name, int64_t count) {
  c.BeginPush();  // acks get through CLIENT REPLY OFF|SKIP, as in Redis 7.0
  ReplyBuffer& r = c.reply();
  r.AddPushLen(3);  // a push message in RESP3
  r.AddBulk(verb);
  if (name != nullptr) {
    r.AddBulk(*name);
  } else {
    r.AddNullBulk();
  }
  r.AddInt(count);
  c.EndPush();
}

// Removes `c` from `list` (subscription order of the rest is kept).
void RemoveClient(std::vector<Client*>& list, const Client* c) {
  auto it = std::find(list.begin(), list.end(), c);
  if (it != list.end()) list.erase(it);
}

}  // namespace

size_t ClientChannelCount(const Client& c) { return c.pubsub ? c.pubsub->channels.size() : 0; }
size_t ClientPatternCount(const Client& c) { return c.pubsub ? c.pubsub->patterns.size() : 0; }
size_t ClientShardChannelCount(const Client& c) { return c.pubsub ? c.pubsub->shard_channels.size() : 0; }

PubSub::Map& PubSub::MapFor(Kind kind) {
  switch (kind) {
    case Kind::kChannel: return channels_;
    case Kind::kPattern: return patterns_;
    case Kind::kShard: return shard_channels_;
  }
  return channels_;
}

const PubSub::Map& PubSub::MapFor(Kind kind) const { return const_cast<PubSub*>(this)->MapFor(kind); }

void PubSub::AfterCountChange(Client& c) {
  bool subscribed = ClientChannelCount(c) + ClientPatternCount(c) + ClientShardChannelCount(c) > 0;
  if (subscribed == c.in_pubsub_mode()) return;
  c.set_in_pubsub_mode(subscribed);
  // The pubsub output-buffer class applies while subscribed; a replica link
  // keeps its own class.
  if (subscribed && c.output_class == ClientClass::kNormal) {
    c.output_class = ClientClass::kPubSub;
    c.obuf_soft_limit_reached_ms = 0;
  } else if (!subscribed && c.output_class == ClientClass::kPubSub) {
    c.output_class = ClientClass::kNormal;
    c.obuf_soft_limit_reached_ms = 0;
  }
}

void PubSub::Subscribe(Client& c, Kind kind, std::string_view name) {
  auto [it, inserted] = SetFor(StateOf(c), kind).emplace(name);
  if (inserted) {
    Map& map = MapFor(kind);
    auto m = map.find(name);
    if (m == map.end()) m = map.emplace(std::string(name), std::vector<Client*>()).first;
    m->second.push_back(&c);
    AfterCountChange(c);
  }
  ReplyAck(c, SubscribeVerb(kind), &name, AckCount(c, kind));
}

void PubSub::Unsubscribe(Client& c, Kind kind, std::string_view name) {
  if (c.pubsub != nullptr) {
    auto& set = SetFor(*c.pubsub, kind);
    auto it = set.find(std::string(name));
    if (it != set.end()) {
      Map& map = MapFor(kind);
      auto m = map.find(name);
      if (m != map.end()) {
        RemoveClient(m->second, &c);
        if (m->second.empty()) map.erase(m);
      }
      set.erase(it);
      AfterCountChange(c);
    }
  }
  ReplyAck(c, UnsubscribeVerb(kind), &name, AckCount(c, kind));
}

void PubSub::UnsubscribeAllOfKind(Client& c, Kind kind) {
  if (c.pubsub == nullptr || SetFor(*c.pubsub, kind).empty()) {
    ReplyAck(c, UnsubscribeVerb(kind), nullptr, AckCount(c, kind));
    return;
  }
  // Copy the names first: Unsubscribe erases from the set.
  std::vector<std::string> names(SetFor(*c.pubsub, kind).begin(), SetFor(*c.pubsub, kind).end());
  for (const std::string& n : names) Unsubscribe(c, kind, n);
}

void PubSub::UnsubscribeAll(Client& c) {
  if (c.pubsub == nullptr) return;
  for (Kind kind : {Kind::kChannel, Kind::kPattern, Kind::kShard}) {
    Map& map = MapFor(kind);
    for (const std::string& n : SetFor(*c.pubsub, kind)) {
      auto m = map.find(n);
      if (m == map.end()) continue;
      RemoveClient(m->second, &c);
      if (m->second.empty()) map.erase(m);
    }
  }
  c.pubsub.reset();
  AfterCountChange(c);
}

void PubSub::Deliver(Client* c, std::string_view bytes) {
  // A client being closed still counts as a receiver (Redis frees such
  // clients asynchronously and counts them too) but gets no bytes.
  if (c->closing()) return;
  c->BeginPush();
  // `bytes` is the RESP2 form ("*3\r\n$7\r\nmessage..."); a RESP3 client
  // gets the same message as a push (">3...").
  if (c->reply().resp3()) {
    c->reply().Append(">");
    c->reply().Append(bytes.substr(1));
  } else {
    c->reply().Append(bytes);
  }
  c->EndPush();
  server_.QueuePendingWrite(c);
  receivers_.push_back(c);
}

void PubSub::CheckReceivers(const Client* publisher) {
  // After the delivery loop: closing a client edits the maps being walked.
  for (Client* c : receivers_) {
    if (c != publisher) c->CheckOutputLimits();
  }
  receivers_.clear();
}

int64_t PubSub::Publish(std::string_view channel, std::string_view message, const Client* publisher) {
  int64_t receivers = 0;
  receivers_.clear();
  auto it = channels_.find(channel);
  if (it != channels_.end()) {
    scratch_.assign("*3\r\n$7\r\nmessage\r\n");
    AppendBulk(&scratch_, channel);
    AppendBulk(&scratch_, message);
    for (Client* c : it->second) {
      Deliver(c, scratch_);
      ++receivers;
    }
  }
  for (auto& [pattern, clients] : patterns_) {
    if (!GlobMatch(pattern, channel)) continue;
    scratch_.assign("*4\r\n$8\r\npmessage\r\n");
    AppendBulk(&scratch_, pattern);
    AppendBulk(&scratch_, channel);
    AppendBulk(&scratch_, message);
    for (Client* c : clients) {
      Deliver(c, scratch_);
      ++receivers;
    }
  }
  CheckReceivers(publisher);
  return receivers;
}

int64_t PubSub::PublishShard(std::string_view channel, std::string_view message, const Client* publisher) {
  int64_t receivers = 0;
  receivers_.clear();
  auto it = shard_channels_.find(channel);
  if (it != shard_channels_.end()) {
    scratch_.assign("*3\r\n$8\r\nsmessage\r\n");
    AppendBulk(&scratch_, channel);
    AppendBulk(&scratch_, message);
    for (Client* c : it->second) {
      Deliver(c, scratch_);
      ++receivers;
    }
  }
  CheckReceivers(publisher);
  return receivers;
}

size_t PubSub::Subscribers(Kind kind, std::string_view channel) const {
  const Map& map = MapFor(kind);
  auto it = map.find(channel);
  return it == map.end() ? 0 : it->second.size();
}

std::vector<std::string> PubSub::Channels(Kind kind, std::string_view pattern) const {
  std::vector<std::string> out;
  for (const auto& [name, clients] : MapFor(kind)) {
    if (pattern.empty() || GlobMatch(pattern, name)) out.push_back(name);
  }
  return out;
}

void ReplySubscribedPing(CommandContext& ctx) {
  ctx.reply.AddArrayLen(2);
  ctx.reply.AddBulk("pong");
  ctx.reply.AddBulk(ctx.argv.size() == 2 ? ctx.argv[1] : std::string_view(""));  // never a null data()
}

// ---------------------------------------------------------------- commands

namespace {

PubSub& Registry(CommandContext& ctx) { return ctx.server.pubsub(); }

void SubscribeGeneric(CommandContext& ctx, PubSub::Kind kind) {
  for (size_t i = 1; i < ctx.argv.size(); ++i) Registry(ctx).Subscribe(ctx.client, kind, ctx.argv[i]);
}

void UnsubscribeGeneric(CommandContext& ctx, PubSub::Kind kind) {
  if (ctx.argv.size() == 1) return Registry(ctx).UnsubscribeAllOfKind(ctx.client, kind);
  for (size_t i = 1; i < ctx.argv.size(); ++i) Registry(ctx).Unsubscribe(ctx.client, kind, ctx.argv[i]);
}

// SUBSCRIBE and PSUBSCRIBE are allowed inside MULTI (EXEC), the one place
// replikv denies blocking, for backward compatibility as in Redis; SSUBSCRIBE
// is not.
void SubscribeCommand(CommandContext& ctx) { SubscribeGeneric(ctx, PubSub::Kind::kChannel); }
void PsubscribeCommand(CommandContext& ctx) { SubscribeGeneric(ctx, PubSub::Kind::kPattern); }
void SsubscribeCommand(CommandContext& ctx) {
  if (ctx.client.deny_blocking) return ctx.reply.AddError("SSUBSCRIBE isn't allowed for a DENY BLOCKING client");
  SubscribeGeneric(ctx, PubSub::Kind::kShard);
}
void UnsubscribeCommand(CommandContext& ctx) { UnsubscribeGeneric(ctx, PubSub::Kind::kChannel); }
void PunsubscribeCommand(CommandContext& ctx) { UnsubscribeGeneric(ctx, PubSub::Kind::kPattern); }
void SunsubscribeCommand(CommandContext& ctx) { UnsubscribeGeneric(ctx, PubSub::Kind::kShard); }

// Redis 7.0 propagates PUBLISH and SPUBLISH to replicas only (not to the
// AOF) so that subscribers of a replica hear the primary's messages.
void PublishCommand(CommandContext& ctx) {
  ctx.Propagate(ctx.argv, kPropagateRepl);
  ctx.reply.AddInt(Registry(ctx).Publish(ctx.argv[1], ctx.argv[2], &ctx.client));
}

void SpublishCommand(CommandContext& ctx) {
  ctx.Propagate(ctx.argv, kPropagateRepl);
  ctx.reply.AddInt(Registry(ctx).PublishShard(ctx.argv[1], ctx.argv[2], &ctx.client));
}

void PubsubHelp(ReplyBuffer& r) {
  static const char* kHelp[] = {
      "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CHANNELS [<pattern>]",
      "    Return the currently active channels matching a <pattern> (default: '*').",
      "NUMPAT",
      "    Return number of subscriptions to patterns.",
      "NUMSUB [<channel> ...]",
      "    Return the number of subscribers for the specified channels, excluding",
      "    pattern subscriptions(default: no channels).",
      "SHARDCHANNELS [<pattern>]",
      "    Return the currently active shard level channels matching a <pattern> (default: '*').",
      "SHARDNUMSUB [<shardchannel> ...]",
      "    Return the number of subscribers for the specified shard level channel(s)",
      "HELP",
      "    Prints this help."};
  ReplyHelp(r, kHelp);
}

void ReplyChannels(CommandContext& ctx, PubSub::Kind kind) {
  // The subcommand's arity (-2) admits "PUBSUB CHANNELS a b"; Redis 7.0's
  // handler refuses it with its generic text.
  if (ctx.argv.size() > 3) {
    return ctx.reply.AddError("unknown subcommand or wrong number of arguments for '" + std::string(ctx.argv[1]) +
                              "'. Try PUBSUB HELP.");
  }
  std::string_view pattern = ctx.argv.size() == 3 ? ctx.argv[2] : std::string_view();
  std::vector<std::string> names = Registry(ctx).Channels(kind, pattern);
  ctx.reply.AddArrayLen(names.size());
  for (const std::string& n : names) ctx.reply.AddBulk(n);
}

void ReplyNumsub(CommandContext& ctx, PubSub::Kind kind) {
  ctx.reply.AddArrayLen((ctx.argv.size() - 2) * 2);
  for (size_t i = 2; i < ctx.argv.size(); ++i) {
    ctx.reply.AddBulk(ctx.argv[i]);
    ctx.reply.AddInt(static_cast<int64_t>(Registry(ctx).Subscribers(kind, ctx.argv[i])));
  }
}

void PubsubCommand(CommandContext& ctx) {
  std::string_view sub = ctx.argv[1];
  if (EqualsIgnoreCase(sub, "help")) return PubsubHelp(ctx.reply);
  if (EqualsIgnoreCase(sub, "channels")) return ReplyChannels(ctx, PubSub::Kind::kChannel);
  if (EqualsIgnoreCase(sub, "shardchannels")) return ReplyChannels(ctx, PubSub::Kind::kShard);
  if (EqualsIgnoreCase(sub, "numsub")) return ReplyNumsub(ctx, PubSub::Kind::kChannel);
  if (EqualsIgnoreCase(sub, "shardnumsub")) return ReplyNumsub(ctx, PubSub::Kind::kShard);
  if (EqualsIgnoreCase(sub, "numpat")) {
    // Redis 7.0 counts distinct patterns, not subscriptions.
    return ctx.reply.AddInt(static_cast<int64_t>(Registry(ctx).pattern_count()));
  }
  ctx.reply.AddError("unknown subcommand '" + std::string(sub.substr(0, 128)) + "'. Try PUBSUB HELP.");
}

}  // namespace

void RegisterPubSubCommands(CommandTable& t) {
  const uint32_t kSub = kCmdPubsub | kCmdNoscript | kCmdLoading | kCmdStale | kCmdPubSubContext;
  const uint32_t kPub = kCmdPubsub | kCmdLoading | kCmdStale | kCmdFast;
  AddCommands(t, "pubsub", {
    {"subscribe", -2, kSub, SubscribeCommand, 0, 0, 0, "2.0.0"},
    {"unsubscribe", -1, kSub, UnsubscribeCommand, 0, 0, 0, "2.0.0"},
    {"psubscribe", -2, kSub, PsubscribeCommand, 0, 0, 0, "2.0.0"},
    {"punsubscribe", -1, kSub, PunsubscribeCommand, 0, 0, 0, "2.0.0"},
    {"ssubscribe", -2, kSub, SsubscribeCommand, 1, -1, 1, "7.0.0"},
    {"sunsubscribe", -1, kSub, SunsubscribeCommand, 1, -1, 1, "7.0.0"},
    {"publish", 3, kPub, PublishCommand, 0, 0, 0, "2.0.0"},
    {"spublish", 3, kPub, SpublishCommand, 1, 1, 1, "7.0.0"},
    {"pubsub", -2, 0, PubsubCommand, 0, 0, 0, "2.8.0"}
  });
  const uint32_t kQ = kCmdPubsub | kCmdLoading | kCmdStale;
  t.AddSubcommands("pubsub",
                   {{"channels", -2, kQ},
                    {"numsub", -2, kQ},
                    {"numpat", 2, kQ},
                    {"shardchannels", -2, kQ},
                    {"shardnumsub", -2, kQ},
                    {"help", 2, kCmdLoading | kCmdStale}},
                   PubsubCommand);
  // PING, QUIT and RESET are the other commands a RESP2 subscriber may send.
  for (const char* name : {"ping", "quit", "reset"}) {
    if (Command* c = t.Find(name)) c->flags |= kCmdPubSubContext;
  }
}

}  // namespace replikv
