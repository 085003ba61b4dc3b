// XINFO STREAM [FULL [COUNT n]] / GROUPS / CONSUMERS / HELP, with Redis
// 7.0's fields in its order (RESP2: maps as flat arrays).
#include <algorithm>
#include <string>

#include "server/commands/stream_cmds.h"
#include "server/commands/type_commands.h"
#include "server/net/reply_buffer.h"
#include "server/server.h"

namespace replikv {
namespace {

const char* const kXinfoHelp[] = {
    "XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CONSUMERS <key> <groupname>",
    "    Show consumers of <groupname>.",
    "GROUPS <key>",
    "    Show the stream consumer groups.",
    "STREAM <key> [FULL [COUNT <count>]",
    "    Show information about the stream.",
    "HELP",
    "    Prints this help.",
};

void ReplyLag(ReplyBuffer& r, const Stream& s, const StreamGroup& g) {
  int64_t lag;
  if (s.GroupLag(g, &lag)) {
    r.AddInt(lag);
  } else {
    r.AddNullBulk();
  }
}

void ReplyEntriesRead(ReplyBuffer& r, const StreamGroup& g) {
  if (g.entries_read != kInvalidEntriesRead) {
    r.AddInt(g.entries_read);
  } else {
    r.AddNullBulk();
  }
}

void XinfoStream(CommandContext& ctx, Stream* s) {
  ArgList a = ctx.argv;
  bool full = true;
  int64_t count = 10;
  const size_t optc = a.size() - 3;
  if (optc == 0) {
    full = false;
  } else {
    if (optc != 1 && optc != 3) return ReplySubcommandSyntaxError(ctx);
    if (!EqualsIgnoreCase(a[3], "full")) return ReplySubcommandSyntaxError(ctx);
    if (optc == 3) {
      if (!EqualsIgnoreCase(a[4], "count")) return ReplySubcommandSyntaxError(ctx);
      if (!ParseInt64(a[5], &count)) return ReplyNotInteger(ctx.reply);
      if (count < 0) count = 10;
    }
  }
  ReplyBuffer& r = ctx.reply;
  r.AddMapLen(full ? 9 : 10);
  r.AddBulk("length");
  r.AddInt(static_cast<int64_t>(s->length));
  r.AddBulk("radix-tree-keys");
  r.AddInt(static_cast<int64_t>(s->nodes.size()));
  r.AddBulk("radix-tree-nodes");
  r.AddInt(static_cast<int64_t>(s->RaxNodeCount()));
  r.AddBulk("last-generated-id");
  ReplyStreamID(r, s->last_id);
  r.AddBulk("max-deleted-entry-id");
  ReplyStreamID(r, s->max_deleted_entry_id);
  r.AddBulk("entries-added");
  r.AddInt(static_cast<int64_t>(s->entries_added));
  r.AddBulk("recorded-first-entry-id");
  ReplyStreamID(r, s->first_id);
  const StreamID lo{}, hi = StreamID::Max();
  if (!full) {
    r.AddBulk("groups");
    r.AddInt(static_cast<int64_t>(s->groups.size()));
    r.AddBulk("first-entry");
    if (StreamReplyRange(ctx, s, lo, &hi, 1, false, nullptr, true) == 0) r.AddNullBulk();
    r.AddBulk("last-entry");
    if (StreamReplyRange(ctx, s, lo, &hi, 1, true, nullptr, true) == 0) r.AddNullBulk();
    return;
  }
  const auto limit = static_cast<size_t>(count);
  r.AddBulk("entries");
  StreamReplyRange(ctx, s, lo, nullptr, limit, false, nullptr, false);
  r.AddBulk("groups");
  r.AddArrayLen(s->groups.size());
  for (const auto& [name, g] : s->groups) {
    r.AddMapLen(7);
    r.AddBulk("name");
    r.AddBulk(name);
    r.AddBulk("last-delivered-id");
    ReplyStreamID(r, g->last_id);
    r.AddBulk("entries-read");
    ReplyEntriesRead(r, *g);
    r.AddBulk("lag");
    ReplyLag(r, *s, *g);
    r.AddBulk("pel-count");
    r.AddInt(static_cast<int64_t>(g->pel.size()));
    r.AddBulk("pending");
    size_t n = limit == 0 ? g->pel.size() : std::min(limit, g->pel.size());
    r.AddArrayLen(n);
    size_t i = 0;
    for (auto it = g->pel.begin(); i < n; ++it, ++i) {
      r.AddArrayLen(4);
      ReplyStreamID(r, it->first);
      r.AddBulk(it->second->consumer->name);
      r.AddInt(it->second->delivery_time);
      r.AddInt(static_cast<int64_t>(it->second->delivery_count));
    }
    r.AddBulk("consumers");
    r.AddArrayLen(g->consumers.size());
    for (const auto& [cname, c] : g->consumers) {
      r.AddMapLen(4);
      r.AddBulk("name");
      r.AddBulk(cname);
      r.AddBulk("seen-time");
      r.AddInt(c->seen_time);
      r.AddBulk("pel-count");
      r.AddInt(static_cast<int64_t>(c->pel.size()));
      r.AddBulk("pending");
      size_t cn = limit == 0 ? c->pel.size() : std::min(limit, c->pel.size());
      r.AddArrayLen(cn);
      size_t k = 0;
      for (auto it = c->pel.begin(); k < cn; ++it, ++k) {
        r.AddArrayLen(3);
        ReplyStreamID(r, it->first);
        r.AddInt(it->second->delivery_time);
        r.AddInt(static_cast<int64_t>(it->second->delivery_count));
      }
    }
  }
}

void XinfoCommand(CommandContext& ctx) {
  ArgList a = ctx.argv;
  if (a.size() == 2 && EqualsIgnoreCase(a[1], "help")) return ReplyHelp(ctx.reply, kXinfoHelp);
  if (a.size() < 3) return ReplySubcommandSyntaxError(ctx);
  bool wrongtype;
  Entry* e = LookupTypedRead(ctx, a[2], ObjType::kStream, &wrongtype);
  if (wrongtype) return;
  if (e == nullptr) return ctx.reply.AddError("no such key");
  auto* s = static_cast<Stream*>(e->object());
  ReplyBuffer& r = ctx.reply;
  if (EqualsIgnoreCase(a[1], "consumers") && a.size() == 4) {
    StreamGroup* g = s->FindGroup(a[3]);
    if (g == nullptr) {
      return r.AddError("-NOGROUP No such consumer group '" + CStr(a[3]) + "' for key name '" +
                        CStr(a[2]) + "'");
    }
    const int64_t now = ctx.server.keyspace().now_ms();
    r.AddArrayLen(g->consumers.size());
    for (const auto& [name, c] : g->consumers) {
      r.AddMapLen(3);
      r.AddBulk("name");
      r.AddBulk(name);
      r.AddBulk("pending");
      r.AddInt(static_cast<int64_t>(c->pel.size()));
      r.AddBulk("idle");
      int64_t idle = now - c->seen_time;
      r.AddInt(idle < 0 ? 0 : idle);
    }
    return;
  }
  if (EqualsIgnoreCase(a[1], "groups") && a.size() == 3) {
    r.AddArrayLen(s->groups.size());
    for (const auto& [name, g] : s->groups) {
      r.AddMapLen(6);
      r.AddBulk("name");
      r.AddBulk(name);
      r.AddBulk("consumers");
      r.AddInt(static_cast<int64_t>(g->consumers.size()));
      r.AddBulk("pending");
      r.AddInt(static_cast<int64_t>(g->pel.size()));
      r.AddBulk("last-delivered-id");
      ReplyStreamID(r, g->last_id);
      r.AddBulk("entries-read");
      ReplyEntriesRead(r, *g);
      r.AddBulk("lag");
      ReplyLag(r, *s, *g);
    }
    return;
  }
  if (EqualsIgnoreCase(a[1], "stream")) return XinfoStream(ctx, s);
  ReplySubcommandSyntaxError(ctx);
}

}  // namespace

void RegisterXinfoCommand(CommandTable& t) {
  AddCommands(t, "stream", {{"xinfo", -2, 0, XinfoCommand, 0, 0, 0, "5.0.0"}});
  t.AddSubcommands("xinfo",
                   {{"consumers", 4, kCmdReadonly, 2, 2, 1},
                    {"groups", 3, kCmdReadonly, 2, 2, 1},
                    {"stream", -3, kCmdReadonly, 2, 2, 1},
                    {"help", 2, kCmdLoading | kCmdStale}},
                   XinfoCommand);
}

}  // namespace replikv
