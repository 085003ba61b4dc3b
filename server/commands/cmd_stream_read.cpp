// XREAD and XREADGROUP, at once and blocked (BLOCK ms, 0 = forever).
//
// A read that finds nothing new blocks on its keys (blocking.h) with the id
// each must pass ("$" resolved to the stream's last id now; ">" stands for
// the group's last delivered id, read again when served). A wait is served
// when one of its streams gets an entry past that id (XADD, or a stream
// created at the key); XREADGROUP waits also end with
//   -NOGROUP the consumer group this client was blocked on no longer exists
// after XGROUP DESTROY, and with
//   -UNBLOCKED the stream key no longer exists
// when the key is deleted or replaced by another type, as Redis 7.0.
// XREADGROUP propagates what it changed: XCLAIM ... per delivered entry, or
// with NOACK XGROUP SETID (after XGROUP CREATECONSUMER for a consumer it
// made); the command itself never propagates.
#include <memory>
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

// Redis's XREAD_BLOCKED_DEFAULT_COUNT: a served wait without COUNT gets at
// most this many entries per stream.
constexpr int64_t kBlockedDefaultCount = 1000;

Stream* StreamOf(Entry* e) { return static_cast<Stream*>(e->object()); }

StreamConsumer* LookupOrCreateConsumer(CommandContext& ctx, std::string_view key, StreamGroup* g, std::string_view name,
                                       bool* created) {
  const int64_t now = ctx.server.keyspace().now_ms();
  StreamConsumer* c = Stream::FindConsumer(g, name);
  *created = false;
  if (c == nullptr) {
    c = Stream::CreateConsumer(g, name, now);
    *created = true;
    ctx.AddDirty();
    Notify(ctx, kNotifyStream, "xgroup-createconsumer", key);
  }
  c->seen_time = now;
  return c;
}

void XreadGeneric(CommandContext& ctx, bool xreadgroup) {
  ArgList a = ctx.argv;
  int64_t timeout = -1;
  int64_t count = 0;
  size_t streams_arg = 0, streams_count = 0;
  bool noack = false;
  std::string_view group_name, consumer_name;
  bool has_group = false;
  for (size_t i = 1; i < a.size(); ++i) {
    const size_t moreargs = a.size() - i - 1;
    std::string_view o = a[i];
    if (EqualsIgnoreCase(o, "block") && moreargs != 0) {
      ++i;
      if (!ParseInt64(a[i], &timeout)) return ctx.reply.AddError("timeout is not an integer or out of range");
      if (timeout < 0) return ctx.reply.AddError("timeout is negative");
      if (timeout > 0) {
        const int64_t now = ctx.server.keyspace().now_ms();
        if (timeout > INT64_MAX - now) return ctx.reply.AddError("timeout is out of range");
        timeout += now;
      }
    } else if (EqualsIgnoreCase(o, "count") && moreargs != 0) {
      ++i;
      if (!ParseInt64(a[i], &count)) return ReplyNotInteger(ctx.reply);
      if (count < 0) count = 0;
    } else if (EqualsIgnoreCase(o, "streams") && moreargs != 0) {
      streams_arg = i + 1;
      streams_count = a.size() - streams_arg;
      if (streams_count % 2 != 0) {
        // Redis 7.0's text, the same for XREADGROUP.
        return ctx.reply.AddError(
            "Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.");
      }
      streams_count /= 2;
      break;
    } else if (EqualsIgnoreCase(o, "group") && moreargs >= 2) {
      if (!xreadgroup) return ctx.reply.AddError("The GROUP option is only supported by XREADGROUP. You called XREAD instead.");
      group_name = a[i + 1];
      consumer_name = a[i + 2];
      has_group = true;
      i += 2;
    } else if (EqualsIgnoreCase(o, "noack")) {
      if (!xreadgroup) return ctx.reply.AddError("The NOACK option is only supported by XREADGROUP. You called XREAD instead.");
      noack = true;
    } else {
      return ReplySyntaxError(ctx.reply);
    }
  }
  ctx.propagation_handled = true;  // the group changes propagate themselves
  if (streams_arg == 0) return ReplySyntaxError(ctx.reply);
  if (xreadgroup && !has_group) return ctx.reply.AddError("Missing GROUP option for XREADGROUP");

  Keyspace& ks = ctx.server.keyspace();
  std::vector<StreamID> ids(streams_count);
  std::vector<StreamGroup*> groups(streams_count, nullptr);
  for (size_t i = streams_arg + streams_count; i < a.size(); ++i) {
    const size_t idx = i - streams_arg - streams_count;
    std::string_view key = a[i - streams_count];
    bool wrongtype;
    Entry* e = LookupTypedRead(ctx, key, ObjType::kStream, &wrongtype);
    if (wrongtype) return;
    if (has_group) {
      StreamGroup* g = e == nullptr ? nullptr : StreamOf(e)->FindGroup(group_name);
      if (g == nullptr) {
        return ctx.reply.AddError("-NOGROUP No such key '" + CStr(key) + "' or consumer group '" +
                                  CStr(group_name) + "' in XREADGROUP with GROUP option");
      }
      groups[idx] = g;
    }
    if (a[i] == "$") {
      if (xreadgroup) {
        return ctx.reply.AddError(
            "The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer "
            "by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty "
            "result set.");
      }
      ids[idx] = e != nullptr ? StreamOf(e)->last_id : StreamID{};
      continue;
    }
    if (a[i] == ">") {
      if (!xreadgroup) {
        return ctx.reply.AddError(
            "The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.");
      }
      ids[idx] = StreamID::Max();
      continue;
    }
    if (!ParseStreamID(&ctx, a[i], &ids[idx], 0, true)) return;
  }

  // Serve at once what can be served. The reply's length is known at the
  // end: each served stream's reply goes to a scratch buffer first.
  size_t served = 0;
  ReplyBuffer parts;
  parts.set_resp(ctx.reply.resp());  // the pieces go into the client's reply
  for (size_t i = 0; i < streams_count; ++i) {
    std::string_view key = a[streams_arg + i];
    Entry* e = ks.LookupRead(ctx.db_index(), key);
    if (e == nullptr) continue;
    Stream* s = StreamOf(e);
    StreamID gt = ids[i];
    bool serve = false, history = false;
    StreamGroupRead gr;
    if (has_group) {
      if (!(gt == StreamID::Max())) {
        serve = history = true;
      } else if (s->length != 0) {
        StreamID maxid = s->EdgeID(false, true);
        if (maxid > groups[i]->last_id) {
          serve = true;
          gt = groups[i]->last_id;
        }
      }
      gr.group = groups[i];
      gr.noack = noack;
      gr.history = history;
      gr.key = key;
      gr.group_name = group_name;
    } else if (s->length != 0) {
      StreamID maxid = s->EdgeID(false, true);
      if (maxid > gt) serve = true;
    }
    if (!serve) continue;
    // Redis 7.0 makes the consumer only when it is served something.
    if (has_group) gr.consumer = LookupOrCreateConsumer(ctx, key, groups[i], consumer_name, &gr.consumer_created);
    ++served;
    StreamID start = gt;
    start.Incr();
    CommandContext sub{ctx.server, ctx.client, ctx.argv, parts, ctx.owner};
    if (!parts.resp3()) parts.AddArrayLen(2);  // RESP3: a map of key -> entries
    parts.AddBulk(key);
    StreamReplyRange(sub, s, start, nullptr, static_cast<size_t>(count), false, has_group ? &gr : nullptr, false);
    if (has_group) ctx.AddDirty();
  }
  if (served != 0) {
    // RESP2: an array of [key, entries]; RESP3: a map key -> entries.
    if (ctx.reply.resp3()) {
      ctx.reply.AddMapLen(served);
    } else {
      ctx.reply.AddArrayLen(served);
    }
    std::string_view pieces[64];
    for (;;) {
      size_t n = parts.Pieces(pieces, 64);
      if (n == 0) break;
      size_t bytes = 0;
      for (size_t k = 0; k < n; ++k) {
        ctx.reply.Append(pieces[k]);
        bytes += pieces[k].size();
      }
      parts.Consume(bytes);
    }
    return;
  }
  if (timeout != -1) {
    if (ctx.client.deny_blocking) return ctx.reply.AddNullArray();
    auto st = std::make_unique<BlockState>();
    st->op = BlockState::Op::kXRead;
    st->deadline_ms = timeout;
    st->count = count != 0 ? count : kBlockedDefaultCount;
    st->group = std::string(group_name);
    st->consumer = std::string(consumer_name);
    st->has_group = has_group;
    st->noack = noack;
    for (size_t i = 0; i < streams_count; ++i) {
      st->keys.emplace_back(a[streams_arg + i]);
      st->stream_ids.emplace_back(std::string(a[streams_arg + i]), ids[i]);
    }
    return ctx.server.blocked_clients().Block(ctx.client, std::move(st));
  }
  ctx.reply.AddNullArray();
}

void XreadCommand(CommandContext& ctx) { XreadGeneric(ctx, false); }
void XreadgroupCommand(CommandContext& ctx) { XreadGeneric(ctx, true); }

}  // namespace

BlockedClients::StreamServe ServeStreamWaiter(Server& server, Client& c, BlockState& st, std::string_view key,
                                              Entry* e) {
  CommandContext ctx{server, c, ArgList(), c.reply()};
  if (e == nullptr || e->type() != ObjType::kStream) {
    if (!st.has_group) return BlockedClients::StreamServe::kKeep;
    c.reply().AddError("-UNBLOCKED the stream key no longer exists");
    return BlockedClients::StreamServe::kDone;
  }
  Stream* s = StreamOf(e);
  StreamID gt{};
  for (const auto& [k, id] : st.stream_ids) {
    if (k == key) {
      gt = id;
      break;
    }
  }
  StreamGroup* g = nullptr;
  if (st.has_group) {
    g = s->FindGroup(st.group);
    if (g == nullptr) {
      c.reply().AddError("-NOGROUP the consumer group this client was blocked on no longer exists");
      return BlockedClients::StreamServe::kDone;
    }
    gt = g->last_id;
  }
  if (!(s->last_id > gt)) return BlockedClients::StreamServe::kKeep;
  StreamID start = gt;
  start.Incr();
  StreamGroupRead gr;
  if (g != nullptr) {
    gr.group = g;
    gr.consumer = LookupOrCreateConsumer(ctx, key, g, st.consumer, &gr.consumer_created);
    gr.noack = st.noack;
    gr.key = key;
    gr.group_name = st.group;
  }
  if (c.reply().resp3()) {
    c.reply().AddMapLen(1);
  } else {
    c.reply().AddArrayLen(1);
    c.reply().AddArrayLen(2);
  }
  c.reply().AddBulk(key);
  StreamReplyRange(ctx, s, start, nullptr, static_cast<size_t>(st.count), false, g != nullptr ? &gr : nullptr, false);
  return BlockedClients::StreamServe::kDone;
}

void RegisterStreamReadCommands(CommandTable& t) {
  AddCommands(t, "stream", {
      {"xread", -4, kCmdReadonly | kCmdBlocking | kCmdMovableKeys, XreadCommand, 0, 0, 0, "5.0.0"},
      {"xreadgroup", -7, kCmdWrite | kCmdBlocking | kCmdMovableKeys, XreadgroupCommand, 0, 0, 0, "5.0.0"},
  });
}

}  // namespace replikv
