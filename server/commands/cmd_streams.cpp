// Stream commands: XADD XTRIM XDEL XLEN XRANGE XREVRANGE XSETID, and the
// helpers the other stream files share (stream_cmds.h). XREAD and
// XREADGROUP are in cmd_stream_read.cpp, the group commands in
// cmd_stream_groups.cpp, XINFO in cmd_xinfo.cpp.
//
// Replies, errors and propagation follow Redis 7.0's t_stream.c (checked
// against redis-server side by side): XADD propagates the id it chose, and
// an approximate (~) trim is propagated as the exact one it did ("=" and the
// resulting length or first id), so a replica or an AOF reload trims the
// same entries. A stream key stays when its last entry goes.
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "server/commands/blocking.h"
#include "server/commands/stream_cmds.h"
#include "server/commands/type_commands.h"
#include "server/config/config.h"
#include "server/net/client.h"
#include "server/net/reply_buffer.h"
#include "server/notify.h"
#include "server/server.h"

namespace replikv {
namespace {

// Redis's string2ull: a canonical int64 >= 0, else what strtoull accepts
// whole (leading spaces, '+', leading zeros...).
bool StringToULL(const char* s, uint64_t* out) {
  int64_t ll;
  if (ParseInt64(std::string_view(s), &ll)) {
    if (ll < 0) return false;
    *out = static_cast<uint64_t>(ll);
    return true;
  }
  errno = 0;
  char* end = nullptr;
  unsigned long long v = std::strtoull(s, &end, 10);
  if (errno == EINVAL || errno == ERANGE || !(*s != '\0' && *end == '\0')) return false;
  *out = v;
  return true;
}

}  // namespace

bool ParseStreamID(CommandContext* ctx, std::string_view s, StreamID* id, uint64_t missing_seq, bool strict,
                   bool* seq_given) {
  char buf[128];
  auto invalid = [&] {
    if (ctx != nullptr) ctx->reply.AddError("Invalid stream ID specified as stream command argument");
    return false;
  };
  if (s.size() > sizeof(buf) - 1) return invalid();
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  if (strict && (buf[0] == '-' || buf[0] == '+') && buf[1] == '\0') return invalid();
  if (seq_given != nullptr) *seq_given = true;
  if (buf[0] == '-' && buf[1] == '\0') {
    *id = {};
    return true;
  }
  if (buf[0] == '+' && buf[1] == '\0') {
    *id = StreamID::Max();
    return true;
  }
  uint64_t ms, seq;
  char* dot = std::strchr(buf, '-');
  if (dot != nullptr) *dot = '\0';
  if (!StringToULL(buf, &ms)) return invalid();
  if (dot != nullptr) {
    if (seq_given != nullptr && dot[1] == '*' && dot[2] == '\0') {
      seq = 0;
      *seq_given = false;
    } else if (!StringToULL(dot + 1, &seq)) {
      return invalid();
    }
  } else {
    seq = missing_seq;
  }
  *id = {ms, seq};
  return true;
}

bool ParseIntervalID(CommandContext& ctx, std::string_view s, StreamID* id, bool* exclude, uint64_t missing_seq) {
  *exclude = s.size() > 1 && s[0] == '(';
  if (*exclude) return ParseStreamID(&ctx, s.substr(1), id, missing_seq, true);
  return ParseStreamID(&ctx, s, id, missing_seq, false);
}

void ReplyStreamID(ReplyBuffer& r, const StreamID& id) { r.AddBulk(id.ToString()); }

void ReplySubcommandSyntaxError(CommandContext& ctx) {
  std::string cmd(ctx.argv[0]);
  for (char& ch : cmd) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  ctx.reply.AddError("unknown subcommand or wrong number of arguments for '" +
                     std::string(ctx.argv[1].substr(0, 128)) + "'. Try " + cmd + " HELP.");
}

void PropagateXclaim(CommandContext& ctx, std::string_view key, std::string_view group_name, const StreamGroup& g,
                     const StreamID& id, const StreamNack& nack) {
  std::string ids = id.ToString(), time = std::to_string(nack.delivery_time),
              count = std::to_string(nack.delivery_count), last = g.last_id.ToString();
  ctx.server.propagator().Add(ctx.db_index(), {"XCLAIM", key, group_name, nack.consumer->name, "0", ids, "TIME", time,
                                               "RETRYCOUNT", count, "FORCE", "JUSTID", "LASTID", last});
  ctx.propagation_handled = true;
}

void PropagateGroupId(CommandContext& ctx, std::string_view key, std::string_view group_name, const StreamGroup& g) {
  std::string last = g.last_id.ToString(), read = std::to_string(g.entries_read);
  ctx.server.propagator().Add(ctx.db_index(), {"XGROUP", "SETID", key, group_name, last, "ENTRIESREAD", read});
  ctx.propagation_handled = true;
}

size_t StreamReplyRange(CommandContext& ctx, Stream* s, const StreamID& start, const StreamID* end, size_t count,
                        bool rev, StreamGroupRead* gr, bool raw) {
  ReplyBuffer& r = ctx.reply;
  if (gr != nullptr && gr->history) {
    // The consumer's own pending entries from `start` on: each is replied
    // (null fields when the entry is gone) and counts as a delivery.
    std::vector<std::pair<StreamID, StreamNack*>> picked;
    auto& pel = gr->consumer->pel;
    for (auto it = pel.lower_bound(start); it != pel.end() && (count == 0 || picked.size() < count); ++it) {
      if (end != nullptr && it->first > *end) break;
      picked.emplace_back(it->first, it->second);
    }
    r.AddArrayLen(picked.size());
    for (auto& [id, nack] : picked) {
      if (StreamReplyRange(ctx, s, id, &id, 1, false, nullptr, true) == 0) {
        r.AddArrayLen(2);
        ReplyStreamID(r, id);
        r.AddNullArray();
      } else {
        nack->delivery_time = ctx.server.keyspace().now_ms();
        ++nack->delivery_count;
      }
    }
    return picked.size();
  }

  // The reply's length comes first: a counting pass (no side effects), then
  // the pass that replies and, for a group, moves the PEL and last id.
  size_t total = 0;
  {
    StreamIterator counter(s, &start, end, rev);
    StreamID id;
    int64_t numfields;
    std::string_view f, v;
    while ((count == 0 || total < count) && counter.GetID(&id, &numfields)) {
      while (numfields--) counter.GetField(&f, &v);
      ++total;
    }
  }
  if (!raw) r.AddArrayLen(total);
  StreamIterator si(s, &start, end, rev);
  StreamID id;
  int64_t numfields;
  bool propagate_last_id = false;
  const int64_t now = ctx.server.keyspace().now_ms();
  size_t emitted = 0;
  while (emitted < total && si.GetID(&id, &numfields)) {
    StreamGroup* g = gr != nullptr ? gr->group : nullptr;
    if (g != nullptr && id > g->last_id) {
      if (g->entries_read != kInvalidEntriesRead && !s->RangeHasTombstones(id, nullptr)) {
        ++g->entries_read;
      } else if (s->entries_added != 0) {
        g->entries_read = s->EstimateDistanceFromFirstEverEntry(id);
      }
      g->last_id = id;
      if (gr->noack) propagate_last_id = true;
    }
    r.AddArrayLen(2);
    ReplyStreamID(r, id);
    r.AddArrayLen(static_cast<size_t>(numfields) * 2);
    for (int64_t i = 0; i < numfields; ++i) {
      std::string_view f, v;
      si.GetField(&f, &v);
      r.AddBulk(f);
      r.AddBulk(v);
    }
    ++emitted;
    if (g != nullptr && !gr->noack) {
      StreamConsumer* c = gr->consumer;
      auto [git, inserted] = g->pel.try_emplace(id, nullptr);
      StreamNack* nack;
      if (inserted) {
        nack = new StreamNack{now, 1, c};
        git->second = nack;
        c->pel.emplace(id, nack);
      } else {
        // Delivered before (XGROUP SETID moved the group back): the entry
        // now belongs to this consumer, as a first delivery.
        nack = git->second;
        nack->consumer->pel.erase(id);
        nack->consumer = c;
        nack->delivery_time = now;
        nack->delivery_count = 1;
        c->pel.emplace(id, nack);
      }
      PropagateXclaim(ctx, gr->key, gr->group_name, *g, id, *nack);
    }
  }
  if (gr != nullptr && propagate_last_id) {
    if (gr->consumer_created) {
      ctx.server.propagator().Add(ctx.db_index(),
                                  {"XGROUP", "CREATECONSUMER", gr->key, gr->group_name, gr->consumer->name});
    }
    PropagateGroupId(ctx, gr->key, gr->group_name, *gr->group);
  }
  return emitted;
}

namespace {

Stream* StreamOf(Entry* e) { return static_cast<Stream*>(e->object()); }

// Whether the client must apply what it is sent without Redis's own trim
// limits (the primary's stream, the AOF loader): mustObeyClient().
bool MustObey(CommandContext& ctx) {
  return ctx.client.kind() == ClientKind::kPrimary || ctx.client.kind() == ClientKind::kInternal;
}

struct AddTrimArgs {
  Stream::TrimArgs trim;
  size_t trim_arg_idx = 0;  // argv index of the MAXLEN/MINID threshold
  bool no_mkstream = false;
  bool id_given = false;
  bool seq_given = true;
  StreamID id;
};

// Redis's streamParseAddOrTrimArgsOrReply: returns the index where parsing
// stopped (XADD: the id), or -1 with the error replied.
int64_t ParseAddTrimArgs(CommandContext& ctx, AddTrimArgs* args, bool xadd) {
  ArgList a = ctx.argv;
  bool limit_given = false;
  size_t i = 2;
  for (; i < a.size(); ++i) {
    const size_t moreargs = a.size() - 1 - i;
    std::string_view opt = a[i];
    if (xadd && opt == "*") break;
    if ((EqualsIgnoreCase(opt, "maxlen") || EqualsIgnoreCase(opt, "minid")) && moreargs != 0) {
      const bool maxlen = EqualsIgnoreCase(opt, "maxlen");
      if (args->trim.strategy != Stream::TrimArgs::kNone) {
        ctx.reply.AddError("syntax error, MAXLEN and MINID options at the same time are not compatible");
        return -1;
      }
      args->trim.approx = false;
      std::string_view next = a[i + 1];
      if (moreargs >= 2 && next == "~") {
        args->trim.approx = true;
        ++i;
      } else if (moreargs >= 2 && next == "=") {
        ++i;
      }
      if (maxlen) {
        if (!ParseInt64(a[i + 1], &args->trim.maxlen)) {
          ReplyNotInteger(ctx.reply);
          return -1;
        }
        if (args->trim.maxlen < 0) {
          ctx.reply.AddError("The MAXLEN argument must be >= 0.");
          return -1;
        }
      } else if (!ParseStreamID(&ctx, a[i + 1], &args->trim.minid, 0, true)) {
        return -1;
      }
      ++i;
      args->trim.strategy = maxlen ? Stream::TrimArgs::kMaxlen : Stream::TrimArgs::kMinid;
      args->trim_arg_idx = i;
    } else if (EqualsIgnoreCase(opt, "limit") && moreargs != 0) {
      if (!ParseInt64(a[i + 1], &args->trim.limit)) {
        ReplyNotInteger(ctx.reply);
        return -1;
      }
      if (args->trim.limit < 0) {
        ctx.reply.AddError("The LIMIT argument must be >= 0.");
        return -1;
      }
      limit_given = true;
      ++i;
    } else if (xadd && EqualsIgnoreCase(opt, "nomkstream")) {
      args->no_mkstream = true;
    } else if (xadd) {
      // A syntax error or the id.
      if (!ParseStreamID(&ctx, a[i], &args->id, 0, true, &args->seq_given)) return -1;
      args->id_given = true;
      break;
    } else {
      ReplySyntaxError(ctx.reply);
      return -1;
    }
  }
  if (args->trim.limit != 0 && args->trim.strategy == Stream::TrimArgs::kNone) {
    ctx.reply.AddError("syntax error, LIMIT cannot be used without specifying a trimming strategy");
    return -1;
  }
  if (!xadd && args->trim.strategy == Stream::TrimArgs::kNone) {
    ctx.reply.AddError("syntax error, XTRIM must be called with a trimming strategy");
    return -1;
  }
  if (MustObey(ctx)) {
    // The threshold was rewritten to what the primary did: no limit here.
    args->trim.limit = 0;
  } else if (limit_given) {
    if (!args->trim.approx) {
      ctx.reply.AddError("syntax error, LIMIT cannot be used without the special ~ option");
      return -1;
    }
  } else {
    args->trim.limit = args->trim.approx ? 100 * ctx.server.config().stream_node_max_entries : 0;
  }
  return static_cast<int64_t>(i);
}

// The argv as propagated after an approximate trim: "=" for "~" and the
// threshold the trim reached (the length, or the first id).
void RewriteApproxTrim(std::vector<std::string>& out, const AddTrimArgs& args, const Stream* s) {
  out[args.trim_arg_idx - 1] = "=";
  out[args.trim_arg_idx] = args.trim.strategy == Stream::TrimArgs::kMaxlen ? std::to_string(s->length)
                                                                            : s->first_id.ToString();
}

void ProposeRewritten(CommandContext& ctx, const std::vector<std::string>& out) {
  std::vector<std::string_view> v(out.begin(), out.end());
  ctx.Propagate(ArgList(v));
}

// XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value [field value ...]
void XaddCommand(CommandContext& ctx) {
  AddTrimArgs args;
  int64_t idpos = ParseAddTrimArgs(ctx, &args, true);
  if (idpos < 0) return;
  const size_t field_pos = static_cast<size_t>(idpos) + 1;
  const size_t nargs = ctx.argv.size() > field_pos ? ctx.argv.size() - field_pos : 0;
  if (ctx.argv.size() < field_pos || nargs < 2 || nargs % 2 == 1) return ReplyWrongArity(ctx.reply, "xadd");
  if (args.id_given && args.seq_given && args.id.IsZero()) {
    return ctx.reply.AddError("The ID specified in XADD must be greater than 0-0");
  }
  bool wrongtype;
  Entry* e = LookupTypedWrite(ctx, ctx.argv[1], ObjType::kStream, &wrongtype);
  if (wrongtype) return;
  if (e == nullptr) {
    if (args.no_mkstream) return ctx.reply.AddNullBulk();
    e = AddObjectKey(ctx, ctx.argv[1], ObjType::kStream, new Stream());
  }
  Stream* s = StreamOf(e);
  if (s->last_id == StreamID::Max()) {
    return ctx.reply.AddError("The stream has exhausted the last possible ID, unable to add more items");
  }
  const ServerConfig& cfg = ctx.server.config();
  StreamID id;
  Stream::AppendResult res =
      s->Append(ctx.argv.subspan(field_pos), args.id_given ? &args.id : nullptr, args.seq_given,
                ctx.server.keyspace().now_ms(), cfg.stream_node_max_bytes, cfg.stream_node_max_entries, &id);
  if (res != Stream::AppendResult::kOk) {
    // Redis leaves a stream it just created in place here too.
    if (res == Stream::AppendResult::kIdTooSmall) {
      return ctx.reply.AddError("The ID specified in XADD is equal or smaller than the target stream top item");
    }
    return ctx.reply.AddError("Elements are too large to be stored");
  }
  std::string idstr = id.ToString();
  ctx.reply.AddBulk(idstr);
  ctx.AddDirty();
  Notify(ctx, kNotifyStream, "xadd", ctx.argv[1]);
  // Propagated as run: the id chosen, and an approximate trim as the exact
  // one it turned out to be.
  std::string threshold;
  bool approx_trimmed = false;
  if (args.trim.strategy != Stream::TrimArgs::kNone) {
    if (s->Trim(args.trim) != 0) Notify(ctx, kNotifyStream, "xtrim", ctx.argv[1]);
    if (args.trim.approx) {
      threshold = args.trim.strategy == Stream::TrimArgs::kMaxlen ? std::to_string(s->length)
                                                                   : s->first_id.ToString();
      approx_trimmed = true;
    }
  }
  const bool new_id = !args.id_given || !args.seq_given;
  if (approx_trimmed || new_id) {
    std::vector<std::string_view> out(ctx.argv.begin(), ctx.argv.end());
    if (approx_trimmed) {
      out[args.trim_arg_idx - 1] = "=";
      out[args.trim_arg_idx] = threshold;
    }
    if (new_id) out[static_cast<size_t>(idpos)] = idstr;
    ctx.Propagate(ArgList(out));
  }
  ctx.server.blocked_clients().SignalStreamReady(ctx.db_index(), ctx.argv[1]);
}

// XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]
void XtrimCommand(CommandContext& ctx) {
  AddTrimArgs args;
  if (ParseAddTrimArgs(ctx, &args, false) < 0) return;
  bool wrongtype;
  Entry* e = LookupTypedWrite(ctx, ctx.argv[1], ObjType::kStream, &wrongtype);
  if (wrongtype) return;
  if (e == nullptr) return ctx.reply.AddInt(0);
  Stream* s = StreamOf(e);
  int64_t deleted = s->Trim(args.trim);
  if (deleted != 0) {
    ctx.AddDirty(static_cast<uint64_t>(deleted));
    Notify(ctx, kNotifyStream, "xtrim", ctx.argv[1]);
    if (args.trim.approx) {
      std::vector<std::string> out(ctx.argv.begin(), ctx.argv.end());
      RewriteApproxTrim(out, args, s);
      ProposeRewritten(ctx, out);
    }
  }
  ctx.reply.AddInt(deleted);
}

// XDEL key id [id ...]
void XdelCommand(CommandContext& ctx) {
  bool wrongtype;
  Entry* e = LookupTypedWrite(ctx, ctx.argv[1], ObjType::kStream, &wrongtype);
  if (wrongtype) return;
  if (e == nullptr) return ctx.reply.AddInt(0);
  std::vector<StreamID> ids(ctx.argv.size() - 2);
  for (size_t j = 2; j < ctx.argv.size(); ++j) {
    if (!ParseStreamID(&ctx, ctx.argv[j], &ids[j - 2], 0, true)) return;
  }
  Stream* s = StreamOf(e);
  int64_t deleted = 0;
  bool first_entry = false;
  for (const StreamID& id : ids) {
    if (!s->Delete(id)) continue;
    if (id == s->first_id) first_entry = true;
    if (id > s->max_deleted_entry_id) s->max_deleted_entry_id = id;
    ++deleted;
  }
  if (deleted != 0) {
    if (s->length == 0) {
      s->first_id = {};
    } else if (first_entry) {
      s->UpdateFirstId();
    }
    ctx.AddDirty(static_cast<uint64_t>(deleted));
    Notify(ctx, kNotifyStream, "xdel", ctx.argv[1]);
  }
  ctx.reply.AddInt(deleted);
}

void XlenCommand(CommandContext& ctx) {
  bool wrongtype;
  Entry* e = LookupTypedRead(ctx, ctx.argv[1], ObjType::kStream, &wrongtype);
  if (wrongtype) return;
  ctx.reply.AddInt(e == nullptr ? 0 : static_cast<int64_t>(StreamOf(e)->length));
}

void XrangeGeneric(CommandContext& ctx, bool rev) {
  ArgList a = ctx.argv;
  std::string_view startarg = rev ? a[3] : a[2], endarg = rev ? a[2] : a[3];
  StreamID start, end;
  bool startex, endex;
  if (!ParseIntervalID(ctx, startarg, &start, &startex, 0)) return;
  if (startex && !start.Incr()) return ctx.reply.AddError("invalid start ID for the interval");
  if (!ParseIntervalID(ctx, endarg, &end, &endex, UINT64_MAX)) return;
  if (endex && !end.Decr()) return ctx.reply.AddError("invalid end ID for the interval");
  int64_t count = -1;
  for (size_t j = 4; j < a.size(); ++j) {
    if (EqualsIgnoreCase(a[j], "count") && j + 1 < a.size()) {
      if (!ParseInt64(a[j + 1], &count)) return ReplyNotInteger(ctx.reply);
      if (count < 0) count = 0;
      ++j;
    } else {
      return ReplySyntaxError(ctx.reply);
    }
  }
  bool wrongtype;
  Entry* e = LookupTypedRead(ctx, a[1], ObjType::kStream, &wrongtype);
  if (wrongtype) return;
  if (e == nullptr) return ctx.reply.AddArrayLen(0);
  if (count == 0) return ctx.reply.AddNullArray();
  StreamReplyRange(ctx, StreamOf(e), start, &end, count == -1 ? 0 : static_cast<size_t>(count), rev, nullptr, false);
}

void XrangeCommand(CommandContext& ctx) { XrangeGeneric(ctx, false); }
void XrevrangeCommand(CommandContext& ctx) { XrangeGeneric(ctx, true); }

// XSETID key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]
void XsetidCommand(CommandContext& ctx) {
  ArgList a = ctx.argv;
  StreamID id, max_xdel;
  int64_t entries_added = -1;
  if (!ParseStreamID(&ctx, a[2], &id, 0, true)) return;
  for (size_t i = 3; i < a.size();) {
    const size_t moreargs = a.size() - 1 - i;
    if (EqualsIgnoreCase(a[i], "entriesadded") && moreargs != 0) {
      if (!ParseInt64(a[i + 1], &entries_added)) return ReplyNotInteger(ctx.reply);
      if (entries_added < 0) return ctx.reply.AddError("entries_added must be positive");
      i += 2;
    } else if (EqualsIgnoreCase(a[i], "maxdeletedid") && moreargs != 0) {
      if (!ParseStreamID(&ctx, a[i + 1], &max_xdel, 0, true)) return;
      if (id < max_xdel) {
        return ctx.reply.AddError("The ID specified in XSETID is smaller than the provided max_deleted_entry_id");
      }
      i += 2;
    } else {
      return ReplySyntaxError(ctx.reply);
    }
  }
  bool wrongtype;
  Entry* e = LookupTypedWrite(ctx, a[1], ObjType::kStream, &wrongtype);
  if (wrongtype) return;
  if (e == nullptr) return ctx.reply.AddError("no such key");
  Stream* s = StreamOf(e);
  if (s->length > 0) {
    StreamID maxid = s->EdgeID(false, true);
    if (id < maxid) return ctx.reply.AddError("The ID specified in XSETID is smaller than the target stream top item");
    if (entries_added != -1 && s->length > static_cast<uint64_t>(entries_added)) {
      return ctx.reply.AddError("The entries_added specified in XSETID is smaller than the target stream length");
    }
  }
  if (id < s->max_deleted_entry_id) {
    return ctx.reply.AddError("The ID specified in XSETID is smaller than current max_deleted_entry_id");
  }
  s->last_id = id;
  if (entries_added != -1) s->entries_added = static_cast<uint64_t>(entries_added);
  if (!max_xdel.IsZero()) s->max_deleted_entry_id = max_xdel;
  ctx.AddDirty();
  Notify(ctx, kNotifyStream, "xsetid", ctx.argv[1]);
  ctx.reply.AddOk();
}

}  // namespace

void RegisterStreamCommands(CommandTable& t) {
  AddCommands(t, "stream", {
      {"xadd", -5, kCmdWrite | kCmdDenyOom | kCmdFast, XaddCommand, 1, 1, 1, "5.0.0"},
      {"xtrim", -4, kCmdWrite, XtrimCommand, 1, 1, 1, "5.0.0"},
      {"xdel", -3, kCmdWrite | kCmdFast, XdelCommand, 1, 1, 1, "5.0.0"},
      {"xlen", 2, kCmdReadonly | kCmdFast, XlenCommand, 1, 1, 1, "5.0.0"},
      {"xrange", -4, kCmdReadonly, XrangeCommand, 1, 1, 1, "5.0.0"},
      {"xrevrange", -4, kCmdReadonly, XrevrangeCommand, 1, 1, 1, "5.0.0"},
      {"xsetid", -3, kCmdWrite | kCmdDenyOom | kCmdFast, XsetidCommand, 1, 1, 1, "5.0.0"},
  });
  RegisterStreamReadCommands(t);
  RegisterStreamGroupCommands(t);
  RegisterXinfoCommand(t);
}

}  // namespace replikv
