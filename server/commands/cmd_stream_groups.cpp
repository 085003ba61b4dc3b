// Consumer group commands: XGROUP (CREATE SETID DESTROY CREATECONSUMER
// DELCONSUMER HELP), XACK, XPENDING, XCLAIM, XAUTOCLAIM.
//
// As Redis 7.0: a consumer is created by the first command that gives it an
// entry; XCLAIM and XAUTOCLAIM propagate each change as the idempotent
// XCLAIM ... FORCE JUSTID LASTID form (an entry that is gone from the
// stream leaves the PEL, propagated the same way with its old owner), and
// XCLAIM's LASTID alone as XGROUP SETID. XGROUP DESTROY wakes the group's
// blocked readers with -NOGROUP.
#include <string>
#include <vector>

#include "server/commands/blocking.h"
#include "server/commands/stream_cmds.h"
#include "server/commands/type_commands.h"
#include "server/net/client.h"
#include "server/net/reply_buffer.h"
#include "server/notify.h"
#include "server/server.h"

namespace replikv {
namespace {

Stream* StreamOf(Entry* e) { return static_cast<Stream*>(e->object()); }

// The group `group` of the stream at `key` (*entry its key), or nullptr
// after replying -WRONGTYPE, or -NOGROUP when the key or the group is
// missing (XPENDING, XCLAIM, XAUTOCLAIM).
StreamGroup* LookupGroupOrReply(CommandContext& ctx, std::string_view key, std::string_view group, Entry** entry) {
  bool wrongtype;
  Entry* e = LookupTypedRead(ctx, key, ObjType::kStream, &wrongtype);
  if (wrongtype) return nullptr;
  StreamGroup* g = e == nullptr ? nullptr : StreamOf(e)->FindGroup(group);
  if (g == nullptr) {
    ctx.reply.AddError("-NOGROUP No such key '" + CStr(key) + "' or consumer group '" + CStr(group) + "'");
    return nullptr;
  }
  *entry = e;
  return g;
}

const char* const kXgroupHelp[] = {
    "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CREATE <key> <groupname> <id|$> [option]",
    "    Create a new consumer group. Options are:",
    "    * MKSTREAM",
    "      Create the empty stream if it does not exist.",
    "    * ENTRIESREAD entries_read",
    "      Set the group's entries_read counter (internal use).",
    "CREATECONSUMER <key> <groupname> <consumer>",
    "    Create a new consumer in the specified group.",
    "DELCONSUMER <key> <groupname> <consumer>",
    "    Remove the specified consumer.",
    "DESTROY <key> <groupname>",
    "    Remove the specified group.",
    "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
    "    Set the current group ID and entries_read counter.",
    "HELP",
    "    Prints this help.",
};

void XgroupCommand(CommandContext& ctx) {
  ArgList a = ctx.argv;
  std::string_view opt = a[1];
  const size_t argc = a.size();
  Stream* s = nullptr;
  StreamGroup* cg = nullptr;
  bool mkstream = false;
  int64_t entries_read = kInvalidEntriesRead;
  std::string_view grpname;
  if (argc >= 4) {
    if (EqualsIgnoreCase(opt, "setid") && argc != 5 && argc != 7) return ReplySubcommandSyntaxError(ctx);
    if (EqualsIgnoreCase(opt, "create")) {
      for (size_t i = 5; i < argc;) {
        if (EqualsIgnoreCase(a[i], "mkstream")) {
          mkstream = true;
          ++i;
        } else if (EqualsIgnoreCase(a[i], "entriesread") && i + 1 < argc) {
          if (!ParseInt64(a[i + 1], &entries_read)) return ReplyNotInteger(ctx.reply);
          if (entries_read < 0 && entries_read != kInvalidEntriesRead) {
            return ctx.reply.AddError("value for ENTRIESREAD must be positive or -1");
          }
          i += 2;
        } else {
          return ReplySubcommandSyntaxError(ctx);
        }
      }
    }
    bool wrongtype;
    Entry* e = LookupTypedWrite(ctx, a[2], ObjType::kStream, &wrongtype);
    if (wrongtype) return;
    if (e != nullptr) s = StreamOf(e);
    grpname = a[3];
    if (!mkstream && s == nullptr) {
      return ctx.reply.AddError(
          "The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM "
          "option to create an empty stream automatically.");
    }
    if (s != nullptr) cg = s->FindGroup(grpname);
    if (cg == nullptr && (EqualsIgnoreCase(opt, "setid") || EqualsIgnoreCase(opt, "createconsumer") ||
                          EqualsIgnoreCase(opt, "delconsumer"))) {
      return ctx.reply.AddError("-NOGROUP No such consumer group '" + CStr(grpname) + "' for key name '" +
                                CStr(a[2]) + "'");
    }
  }

  if (argc == 2 && EqualsIgnoreCase(opt, "help")) return ReplyHelp(ctx.reply, kXgroupHelp);
  if (EqualsIgnoreCase(opt, "create") && argc >= 5 && argc <= 8) {
    StreamID id;
    if (a[4] == "$") {
      id = s != nullptr ? s->last_id : StreamID{};
    } else if (!ParseStreamID(&ctx, a[4], &id, 0, true)) {
      return;
    }
    if (s == nullptr) {
      Entry* e = AddObjectKey(ctx, a[2], ObjType::kStream, new Stream());
      s = StreamOf(e);
    }
    if (s->CreateGroup(grpname, id, entries_read) == nullptr) {
      return ctx.reply.AddError("-BUSYGROUP Consumer Group name already exists");
    }
    ctx.AddDirty();
    Notify(ctx, kNotifyStream, "xgroup-create", a[2]);
    return ctx.reply.AddOk();
  }
  if (EqualsIgnoreCase(opt, "setid") && (argc == 5 || argc == 7)) {
    StreamID id;
    if (a[4] == "$") {
      id = s->last_id;
    } else if (!ParseStreamID(&ctx, a[4], &id, 0, false)) {
      return;
    }
    if (argc == 7) {
      if (!EqualsIgnoreCase(a[5], "entriesread")) return ReplySubcommandSyntaxError(ctx);
      if (!ParseInt64(a[6], &entries_read)) return ReplyNotInteger(ctx.reply);
      if (entries_read < 0 && entries_read != kInvalidEntriesRead) {
        return ctx.reply.AddError("value for ENTRIESREAD must be positive or -1");
      }
    }
    cg->last_id = id;
    cg->entries_read = entries_read;
    ctx.AddDirty();
    Notify(ctx, kNotifyStream, "xgroup-setid", a[2]);
    return ctx.reply.AddOk();
  }
  if (EqualsIgnoreCase(opt, "destroy") && argc == 4) {
    if (cg == nullptr) return ctx.reply.AddInt(0);
    s->DestroyGroup(grpname);
    ctx.AddDirty();
    Notify(ctx, kNotifyStream, "xgroup-destroy", a[2]);
    ctx.reply.AddInt(1);
    // Readers blocked on the group end with -NOGROUP.
    ctx.server.blocked_clients().SignalStreamReady(ctx.db_index(), a[2]);
    return;
  }
  if (EqualsIgnoreCase(opt, "createconsumer") && argc == 5) {
    bool created = Stream::CreateConsumer(cg, a[4], ctx.server.keyspace().now_ms()) != nullptr;
    if (created) {
      ctx.AddDirty();
      Notify(ctx, kNotifyStream, "xgroup-createconsumer", a[2]);
    }
    return ctx.reply.AddInt(created ? 1 : 0);
  }
  if (EqualsIgnoreCase(opt, "delconsumer") && argc == 5) {
    int64_t pending = 0;
    if (Stream::FindConsumer(cg, a[4]) != nullptr) {
      pending = static_cast<int64_t>(Stream::DeleteConsumer(cg, a[4]));
      ctx.AddDirty();
      Notify(ctx, kNotifyStream, "xgroup-delconsumer", a[2]);
    }
    return ctx.reply.AddInt(pending);
  }
  ReplySubcommandSyntaxError(ctx);
}

// XACK key group id [id ...]
void XackCommand(CommandContext& ctx) {
  ArgList a = ctx.argv;
  bool wrongtype;
  Entry* e = LookupTypedRead(ctx, a[1], ObjType::kStream, &wrongtype);
  if (wrongtype) return;
  StreamGroup* g = e == nullptr ? nullptr : StreamOf(e)->FindGroup(a[2]);
  if (g == nullptr) return ctx.reply.AddInt(0);
  std::vector<StreamID> ids(a.size() - 3);
  for (size_t j = 3; j < a.size(); ++j) {
    if (!ParseStreamID(&ctx, a[j], &ids[j - 3], 0, true)) return;
  }
  int64_t acked = 0;
  for (const StreamID& id : ids) {
    auto it = g->pel.find(id);
    if (it == g->pel.end()) continue;
    StreamNack* nack = it->second;
    nack->consumer->pel.erase(id);
    g->pel.erase(it);
    delete nack;
    ++acked;
    ctx.AddDirty();
  }
  ctx.reply.AddInt(acked);
}

// XPENDING key group [[IDLE min-idle-time] start end count [consumer]]
void XpendingCommand(CommandContext& ctx) {
  ArgList a = ctx.argv;
  const size_t argc = a.size();
  const bool justinfo = argc == 3;
  StreamID start, end;
  int64_t count = 0, minidle = 0;
  std::string_view consumer_name;
  bool has_consumer = false;
  if (argc != 3 && (argc < 6 || argc > 9)) return ReplySyntaxError(ctx.reply);
  if (argc >= 6) {
    size_t startidx = 3;
    if (EqualsIgnoreCase(a[3], "idle")) {
      if (!ParseInt64(a[4], &minidle)) return ReplyNotInteger(ctx.reply);
      if (argc < 8) return ReplySyntaxError(ctx.reply);
      startidx += 2;
    }
    if (!ParseInt64(a[startidx + 2], &count)) return ReplyNotInteger(ctx.reply);
    if (count < 0) count = 0;
    bool startex, endex;
    if (!ParseIntervalID(ctx, a[startidx], &start, &startex, 0)) return;
    if (startex && !start.Incr()) return ctx.reply.AddError("invalid start ID for the interval");
    if (!ParseIntervalID(ctx, a[startidx + 1], &end, &endex, UINT64_MAX)) return;
    if (endex && !end.Decr()) return ctx.reply.AddError("invalid end ID for the interval");
    if (startidx + 3 < argc) {
      consumer_name = a[startidx + 3];
      has_consumer = true;
    }
  }
  Entry* e = nullptr;
  StreamGroup* g = LookupGroupOrReply(ctx, a[1], a[2], &e);
  if (g == nullptr) return;
  ReplyBuffer& r = ctx.reply;
  if (justinfo) {
    r.AddArrayLen(4);
    r.AddInt(static_cast<int64_t>(g->pel.size()));
    if (g->pel.empty()) {
      r.AddNullBulk();
      r.AddNullBulk();
      r.AddNullArray();
      return;
    }
    ReplyStreamID(r, g->pel.begin()->first);
    ReplyStreamID(r, std::prev(g->pel.end())->first);
    size_t n = 0;
    for (const auto& [name, c] : g->consumers) n += c->pel.empty() ? 0 : 1;
    r.AddArrayLen(n);
    for (const auto& [name, c] : g->consumers) {
      if (c->pel.empty()) continue;
      r.AddArrayLen(2);
      r.AddBulk(name);
      r.AddBulkInt(static_cast<int64_t>(c->pel.size()));
    }
    return;
  }
  const std::map<StreamID, StreamNack*>* pel = &g->pel;
  if (has_consumer) {
    StreamConsumer* c = Stream::FindConsumer(g, consumer_name);
    if (c == nullptr) return r.AddArrayLen(0);
    pel = &c->pel;
  }
  const int64_t now = ctx.server.keyspace().now_ms();
  std::vector<std::pair<StreamID, const StreamNack*>> out;
  for (auto it = pel->lower_bound(start); count != 0 && it != pel->end() && it->first <= end; ++it) {
    if (minidle != 0 && now - it->second->delivery_time < minidle) continue;
    out.emplace_back(it->first, it->second);
    --count;
  }
  r.AddArrayLen(out.size());
  for (const auto& [id, nack] : out) {
    r.AddArrayLen(4);
    ReplyStreamID(r, id);
    r.AddBulk(nack->consumer->name);
    int64_t elapsed = now - nack->delivery_time;
    r.AddInt(elapsed < 0 ? 0 : elapsed);
    r.AddInt(static_cast<int64_t>(nack->delivery_count));
  }
}

// Drops a NACK from its group and owner.
void ReleaseNack(StreamGroup* g, const StreamID& id, StreamNack* nack) {
  g->pel.erase(id);
  if (nack->consumer != nullptr) nack->consumer->pel.erase(id);
  delete nack;
}

StreamConsumer* ClaimingConsumer(CommandContext& ctx, StreamGroup* g, std::string_view name) {
  const int64_t now = ctx.server.keyspace().now_ms();
  StreamConsumer* c = Stream::FindConsumer(g, name);
  if (c == nullptr) {
    c = Stream::CreateConsumer(g, name, now);
    ctx.AddDirty();
    Notify(ctx, kNotifyStream, "xgroup-createconsumer", ctx.argv[1]);
  }
  c->seen_time = now;
  return c;
}

// Gives `nack` (entry `id`) to `consumer`.
void MoveNack(StreamNack* nack, const StreamID& id, StreamConsumer* consumer) {
  if (nack->consumer == consumer) return;
  if (nack->consumer != nullptr) nack->consumer->pel.erase(id);
  consumer->pel.emplace(id, nack);
  nack->consumer = consumer;
}

// XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME unix-time-ms]
//        [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID lastid]
void XclaimCommand(CommandContext& ctx) {
  ArgList a = ctx.argv;
  ctx.propagation_handled = true;
  Entry* e = nullptr;
  StreamGroup* g = LookupGroupOrReply(ctx, a[1], a[2], &e);
  if (g == nullptr) return;
  Stream* s = StreamOf(e);
  int64_t minidle;
  if (!ParseInt64(a[4], &minidle)) return ctx.reply.AddError("Invalid min-idle-time argument for XCLAIM");
  if (minidle < 0) minidle = 0;
  size_t j = 5;
  std::vector<StreamID> ids;
  for (; j < a.size(); ++j) {
    StreamID id;
    if (!ParseStreamID(nullptr, a[j], &id, 0, true)) break;
    ids.push_back(id);
  }
  const int64_t now = ctx.server.keyspace().now_ms();
  int64_t deliverytime = -1, retrycount = -1;
  bool force = false, justid = false, propagate_last_id = false;
  StreamID last_id;
  for (; j < a.size(); ++j) {
    const size_t moreargs = a.size() - 1 - j;
    std::string_view opt = a[j];
    if (EqualsIgnoreCase(opt, "force")) {
      force = true;
    } else if (EqualsIgnoreCase(opt, "justid")) {
      justid = true;
    } else if (EqualsIgnoreCase(opt, "idle") && moreargs != 0) {
      if (!ParseInt64(a[++j], &deliverytime)) return ctx.reply.AddError("Invalid IDLE option argument for XCLAIM");
      deliverytime = now - deliverytime;
    } else if (EqualsIgnoreCase(opt, "time") && moreargs != 0) {
      if (!ParseInt64(a[++j], &deliverytime)) return ctx.reply.AddError("Invalid TIME option argument for XCLAIM");
    } else if (EqualsIgnoreCase(opt, "retrycount") && moreargs != 0) {
      if (!ParseInt64(a[++j], &retrycount)) {
        return ctx.reply.AddError("Invalid RETRYCOUNT option argument for XCLAIM");
      }
    } else if (EqualsIgnoreCase(opt, "lastid") && moreargs != 0) {
      if (!ParseStreamID(&ctx, a[++j], &last_id, 0, true)) return;
    } else {
      return ctx.reply.AddError("Unrecognized XCLAIM option '" + CStr(opt) + "'");
    }
  }
  if (last_id > g->last_id) {
    g->last_id = last_id;
    propagate_last_id = true;
  }
  if (deliverytime != -1) {
    if (deliverytime < 0 || deliverytime > now) deliverytime = now;
  } else {
    deliverytime = now;
  }
  StreamConsumer* consumer = nullptr;
  ReplyBuffer parts;
  parts.set_resp(ctx.reply.resp());  // the pieces go into the client's reply
  CommandContext sub{ctx.server, ctx.client, ctx.argv, parts, ctx.owner};
  size_t n = 0;
  for (const StreamID& id : ids) {
    auto it = g->pel.find(id);
    StreamNack* nack = it == g->pel.end() ? nullptr : it->second;
    if (!s->EntryExists(id)) {
      if (nack != nullptr) {
        PropagateXclaim(ctx, a[1], a[2], *g, id, *nack);
        propagate_last_id = false;
        ctx.AddDirty();
        ReleaseNack(g, id, nack);
      }
      continue;
    }
    if (force && nack == nullptr) {
      nack = new StreamNack{now, 0, nullptr};
      g->pel.emplace(id, nack);
    }
    if (nack == nullptr) continue;
    if (nack->consumer != nullptr && minidle != 0 && now - nack->delivery_time < minidle) continue;
    if (consumer == nullptr) consumer = ClaimingConsumer(ctx, g, a[3]);
    nack->delivery_time = deliverytime;
    if (retrycount >= 0) {
      nack->delivery_count = static_cast<uint64_t>(retrycount);
    } else if (!justid) {
      ++nack->delivery_count;
    }
    MoveNack(nack, id, consumer);
    if (justid) {
      ReplyStreamID(parts, id);
    } else if (StreamReplyRange(sub, s, id, &id, 1, false, nullptr, true) == 0) {
      parts.AddNullBulk();
    }
    ++n;
    PropagateXclaim(ctx, a[1], a[2], *g, id, *nack);
    propagate_last_id = false;
    ctx.AddDirty();
  }
  if (propagate_last_id) {
    PropagateGroupId(ctx, a[1], a[2], *g);
    ctx.AddDirty();
  }
  ctx.reply.AddArrayLen(n);
  std::string_view pieces[64];
  for (size_t got; (got = parts.Pieces(pieces, 64)) != 0;) {
    size_t bytes = 0;
    for (size_t k = 0; k < got; ++k) {
      ctx.reply.Append(pieces[k]);
      bytes += pieces[k].size();
    }
    parts.Consume(bytes);
  }
}

// XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]
void XautoclaimCommand(CommandContext& ctx) {
  ArgList a = ctx.argv;
  ctx.propagation_handled = true;
  constexpr int64_t kAttemptsFactor = 10;
  int64_t minidle, count = 100;
  if (!ParseInt64(a[4], &minidle)) return ctx.reply.AddError("Invalid min-idle-time argument for XAUTOCLAIM");
  if (minidle < 0) minidle = 0;
  StreamID start;
  bool startex;
  if (!ParseIntervalID(ctx, a[5], &start, &startex, 0)) return;
  if (startex && !start.Incr()) return ctx.reply.AddError("invalid start ID for the interval");
  bool justid = false;
  for (size_t j = 6; j < a.size(); ++j) {
    const size_t moreargs = a.size() - 1 - j;
    if (EqualsIgnoreCase(a[j], "count") && moreargs != 0) {
      constexpr int64_t kMaxCount = INT64_MAX / 16;  // LONG_MAX / max(sizeof(streamID), 10)
      if (!ParseInt64(a[j + 1], &count) || count < 1 || count > kMaxCount) {
        return ctx.reply.AddError("COUNT must be > 0");
      }
      ++j;
    } else if (EqualsIgnoreCase(a[j], "justid")) {
      justid = true;
    } else {
      return ReplySyntaxError(ctx.reply);
    }
  }
  Entry* e = nullptr;
  StreamGroup* g = LookupGroupOrReply(ctx, a[1], a[2], &e);
  if (g == nullptr) return;
  Stream* s = StreamOf(e);
  const int64_t now = ctx.server.keyspace().now_ms();
  int64_t attempts = count * kAttemptsFactor;
  std::vector<StreamID> deleted;
  StreamConsumer* consumer = nullptr;
  ReplyBuffer parts;
  parts.set_resp(ctx.reply.resp());  // the pieces go into the client's reply
  CommandContext sub{ctx.server, ctx.client, ctx.argv, parts, ctx.owner};
  size_t n = 0;
  // `it` is the element raxNext would give next.
  auto it = g->pel.lower_bound(start);
  bool at_end = false;
  while (attempts-- != 0 && count != 0) {
    if (it == g->pel.end()) {
      at_end = true;
      break;
    }
    const StreamID id = it->first;
    StreamNack* nack = it->second;
    ++it;
    if (!s->EntryExists(id)) {
      PropagateXclaim(ctx, a[1], a[2], *g, id, *nack);
      ctx.AddDirty();
      ReleaseNack(g, id, nack);
      deleted.push_back(id);
      --count;
      continue;
    }
    if (minidle != 0 && now - nack->delivery_time < minidle) continue;
    if (consumer == nullptr) consumer = ClaimingConsumer(ctx, g, a[3]);
    nack->delivery_time = now;
    if (!justid) ++nack->delivery_count;
    MoveNack(nack, id, consumer);
    if (justid) {
      ReplyStreamID(parts, id);
    } else if (StreamReplyRange(sub, s, id, &id, 1, false, nullptr, true) == 0) {
      parts.AddNullBulk();
    }
    ++n;
    --count;
    PropagateXclaim(ctx, a[1], a[2], *g, id, *nack);
    ctx.AddDirty();
  }
  // The cursor: the entry after the last one looked at, or 0-0 at the end.
  StreamID next{};
  if (!at_end && it != g->pel.end()) next = it->first;
  ReplyBuffer& r = ctx.reply;
  r.AddArrayLen(3);
  ReplyStreamID(r, next);
  r.AddArrayLen(n);
  std::string_view pieces[64];
  for (size_t got; (got = parts.Pieces(pieces, 64)) != 0;) {
    size_t bytes = 0;
    for (size_t k = 0; k < got; ++k) {
      r.Append(pieces[k]);
      bytes += pieces[k].size();
    }
    parts.Consume(bytes);
  }
  r.AddArrayLen(deleted.size());
  for (const StreamID& id : deleted) ReplyStreamID(r, id);
}

}  // namespace

void RegisterStreamGroupCommands(CommandTable& t) {
  AddCommands(t, "stream", {
      {"xgroup", -2, 0, XgroupCommand, 0, 0, 0, "5.0.0"},
      {"xack", -4, kCmdWrite | kCmdFast, XackCommand, 1, 1, 1, "5.0.0"},
      {"xpending", -3, kCmdReadonly, XpendingCommand, 1, 1, 1, "5.0.0"},
      {"xclaim", -6, kCmdWrite | kCmdFast, XclaimCommand, 1, 1, 1, "5.0.0"},
      {"xautoclaim", -6, kCmdWrite | kCmdFast, XautoclaimCommand, 1, 1, 1, "6.2.0"},
  });
  t.AddSubcommands("xgroup",
                   {{"create", -5, kCmdWrite | kCmdDenyOom, 2, 2, 1},
                    {"setid", -5, kCmdWrite, 2, 2, 1},
                    {"destroy", 4, kCmdWrite, 2, 2, 1},
                    {"createconsumer", 5, kCmdWrite | kCmdDenyOom, 2, 2, 1},
                    {"delconsumer", 5, kCmdWrite, 2, 2, 1},
                    {"help", 2, kCmdLoading | kCmdStale}},
                   XgroupCommand);
}

}  // namespace replikv
