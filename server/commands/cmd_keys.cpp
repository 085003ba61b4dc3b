// Generic key commands: DEL EXISTS TYPE KEYS SCAN RENAME MOVE COPY SWAPDB
// FLUSHDB FLUSHALL RANDOMKEY DBSIZE OBJECT TOUCH.
#include <charconv>
#include <climits>
#include <random>
#include <string>
#include <vector>

#include "server/net/client.h"
#include "server/ds/glob.h"
#include "server/net/reply_buffer.h"
#include "server/notify.h"
#include "server/server.h"
#include "server/commands/type_commands.h"
#include "server/types/type_objects.h"

namespace replikv {
namespace {

const char* TypeName(ObjType t) {
  switch (t) {
    case ObjType::kString: return "string";
    case ObjType::kList: return "list";
    case ObjType::kSet: return "set";
    case ObjType::kZset: return "zset";
    case ObjType::kHash: return "hash";
    case ObjType::kStream: return "stream";
  }
  return "none";
}

// DEL frees big values off the loop with lazyfree-lazy-user-del, UNLINK
// always (Redis 7.0's delGenericCommand).
void DelGeneric(CommandContext& ctx, bool lazy) {
  int64_t n = 0;
  for (size_t i = 1; i < ctx.argv.size(); ++i) {
    if (ctx.server.keyspace().LookupWrite(ctx.db_index(), ctx.argv[i]) != nullptr &&
        ctx.db().Delete(ctx.argv[i], lazy)) {
      Notify(ctx, kNotifyGeneric, "del", ctx.argv[i]);
      ++n;
    }
  }
  ctx.AddDirty(static_cast<uint64_t>(n));
  ctx.reply.AddInt(n);
}

void DelCommand(CommandContext& ctx) { DelGeneric(ctx, ctx.server.config().lazyfree_lazy_user_del); }
void UnlinkCommand(CommandContext& ctx) { DelGeneric(ctx, true); }

void ExistsCommand(CommandContext& ctx) {
  int64_t n = 0;
  for (size_t i = 1; i < ctx.argv.size(); ++i) {
    if (ctx.server.keyspace().LookupRead(ctx.db_index(), ctx.argv[i]) != nullptr) ++n;
  }
  ctx.reply.AddInt(n);
}

void TouchCommand(CommandContext& ctx) { ExistsCommand(ctx); }

void TypeCommand(CommandContext& ctx) {
  Entry* e = ctx.server.keyspace().LookupNoTouch(ctx.db_index(), ctx.argv[1]);
  // A read lookup for Redis: a missing key fires "keymiss".
  if (e == nullptr) ctx.server.keyspace().FireKeyEvent(kNotifyKeyMiss, "keymiss", ctx.argv[1], ctx.db_index());
  ctx.reply.AddSimple(e == nullptr ? "none" : TypeName(e->type()));
}

void KeysCommand(CommandContext& ctx) {
  std::string_view pattern = ctx.argv[1];
  bool all = pattern == "*";
  Keyspace& ks = ctx.server.keyspace();
  std::vector<Entry*> out;
  ctx.db().keys().ForEach([&](Entry* e) {
    if (ks.IsExpired(e)) return;
    if (all || GlobMatch(pattern, e->key(), false)) out.push_back(e);
  });
  ctx.reply.AddArrayLen(out.size());
  for (Entry* e : out) ctx.reply.AddBulk(e->key());
}

bool ParseType(std::string_view s, ObjType* t) {
  static const std::pair<const char*, ObjType> kTypes[] = {
      {"string", ObjType::kString}, {"list", ObjType::kList}, {"set", ObjType::kSet},
      {"zset", ObjType::kZset}, {"hash", ObjType::kHash}, {"stream", ObjType::kStream}};
  for (auto& [name, type] : kTypes) {
    if (EqualsIgnoreCase(s, name)) {
      *t = type;
      return true;
    }
  }
  return false;
}

void ScanCommand(CommandContext& ctx) {
  ArgList a = ctx.argv;
  uint64_t cursor = 0;
  if (!ParseScanCursor(ctx, a[1], &cursor)) return;
  int64_t count = 10;
  std::string_view pattern;
  bool has_pattern = false, has_type = false;
  ObjType type = ObjType::kString;
  std::string_view type_name;
  for (size_t i = 2; i < a.size(); i += 2) {
    if (i + 1 >= a.size()) return ReplySyntaxError(ctx.reply);
    if (EqualsIgnoreCase(a[i], "count")) {
      if (!ParseInt64(a[i + 1], &count)) return ReplyNotInteger(ctx.reply);
      if (count < 1) return ReplySyntaxError(ctx.reply);
    } else if (EqualsIgnoreCase(a[i], "match")) {
      pattern = a[i + 1];
      has_pattern = !(pattern.size() == 1 && pattern[0] == '*');
    } else if (EqualsIgnoreCase(a[i], "type")) {
      has_type = true;
      type_name = a[i + 1];
    } else {
      return ReplySyntaxError(ctx.reply);
    }
  }
  // An unknown TYPE matches nothing (Redis 7.0 does not reject it).
  bool type_known = has_type && ParseType(type_name, &type);
  std::vector<std::string> keys;
  KeyTable& table = ctx.db().keys();
  // Visit about `count` buckets' worth, at most 10x that many calls, as Redis.
  int64_t max_calls = count * 10;
  do {
    cursor = table.Scan(cursor, [&](Entry* e) { keys.emplace_back(e->key()); });
  } while (cursor != 0 && --max_calls > 0 && static_cast<int64_t>(keys.size()) < count);
  Keyspace& ks = ctx.server.keyspace();
  std::vector<std::string_view> out;
  for (const std::string& k : keys) {
    if (has_pattern && !GlobMatch(pattern, k, false)) continue;
    Entry* e = ks.LookupNoTouch(ctx.db_index(), k);
    if (e == nullptr) {
      // An expired key deleted here leaves as a DEL of its own (Redis 7.0
      // does not wrap SCAN's expirations in MULTI/EXEC as it does MGET's).
      ctx.server.propagator().EndCall();
      continue;
    }
    if (has_type && (!type_known || e->type() != type)) continue;
    out.push_back(k);
  }
  ctx.reply.AddArrayLen(2);
  ctx.reply.AddBulk(std::to_string(cursor));
  ctx.reply.AddArrayLen(out.size());
  for (std::string_view k : out) ctx.reply.AddBulk(k);
}

void RandomkeyCommand(CommandContext& ctx) {
  static std::mt19937_64 rng(std::random_device{}());
  Keyspace& ks = ctx.server.keyspace();
  // Expired keys found are deleted and another draw is made; bounded, as a
  // replica (which cannot delete) may hold only expired keys.
  for (int tries = 0; tries < 100; ++tries) {
    Entry* e = ctx.db().keys().RandomEntry(rng());
    if (e == nullptr) return ctx.reply.AddNullBulk();
    if (!ks.IsExpired(e) || tries == 99) return ctx.reply.AddBulk(e->key());
    std::string key(e->key());
    if (!ks.ExpireIfNeeded(ctx.db(), e)) return ctx.reply.AddBulk(key);
    // Redis 7.0 propagates each key RANDOMKEY expires as a DEL of its own,
    // not as one MULTI/EXEC of them all.
    ctx.server.propagator().EndCall();
  }
  ctx.reply.AddNullBulk();
}

void DbsizeCommand(CommandContext& ctx) { ctx.reply.AddInt(static_cast<int64_t>(ctx.db().size())); }

// FLUSHDB/FLUSHALL [ASYNC|SYNC]: without an argument
// lazyfree-lazy-user-flush decides. ASYNC hands the whole tables to the job
// thread (Redis's emptyDbAsync). False after a syntax error reply.
bool ParseFlushMode(CommandContext& ctx, bool* lazy) {
  *lazy = ctx.server.config().lazyfree_lazy_user_flush;
  if (ctx.argv.size() > 2) {
    ReplySyntaxError(ctx.reply);
    return false;
  }
  if (ctx.argv.size() == 2) {
    if (EqualsIgnoreCase(ctx.argv[1], "async")) {
      *lazy = true;
    } else if (EqualsIgnoreCase(ctx.argv[1], "sync")) {
      *lazy = false;
    } else {
      ReplySyntaxError(ctx.reply);
      return false;
    }
  }
  return true;
}

void FlushdbCommand(CommandContext& ctx) {
  bool lazy;
  if (!ParseFlushMode(ctx, &lazy)) return;
  size_t n = ctx.db().size();
  ctx.db().Clear(lazy);
  ctx.AddDirty(n);
  // Redis propagates FLUSHDB even when the db was empty.
  ctx.Propagate(ctx.argv);
  ctx.reply.AddOk();
}

void FlushallCommand(CommandContext& ctx) {
  bool lazy;
  if (!ParseFlushMode(ctx, &lazy)) return;
  Keyspace& ks = ctx.server.keyspace();
  size_t n = 0;
  for (int i = 0; i < ks.databases(); ++i) {
    n += ks.db(i).size();
    ks.db(i).Clear(lazy);
  }
  ctx.AddDirty(n);
  ctx.Propagate(ctx.argv);
  for (ServerModule* m : ctx.server.modules()) m->OnFlushAll();
  ctx.reply.AddOk();
}

void RenameGeneric(CommandContext& ctx, bool nx) {
  std::string_view src = ctx.argv[1], dst = ctx.argv[2];
  Keyspace& ks = ctx.server.keyspace();
  Entry* e = ks.LookupWrite(ctx.db_index(), src);
  if (e == nullptr) return ctx.reply.AddError("no such key");
  if (src == dst) return nx ? ctx.reply.AddInt(0) : ctx.reply.AddOk();
  Entry* existing = ks.LookupWrite(ctx.db_index(), dst);
  if (existing != nullptr && nx) return ctx.reply.AddInt(0);
  Db& db = ctx.db();
  e = db.Unlink(src);
  Entry* moved = MoveEntryToKey(e, dst);  // O(1) for aggregates
  if (existing != nullptr) db.Delete(dst);
  db.Add(moved);
  ctx.AddDirty();
  Notify(ctx, kNotifyGeneric, "rename_from", src);
  Notify(ctx, kNotifyGeneric, "rename_to", dst);
  nx ? ctx.reply.AddInt(1) : ctx.reply.AddOk();
}

void RenameCommand(CommandContext& ctx) { RenameGeneric(ctx, false); }
void RenamenxCommand(CommandContext& ctx) { RenameGeneric(ctx, true); }

bool ParseDbIndex(CommandContext& ctx, std::string_view arg, int* out) {
  int64_t v;
  if (!ParseInt64(arg, &v) || v < INT_MIN || v > INT_MAX) {
    ctx.reply.AddError("value is not an integer or out of range");
    return false;
  }
  if (v < 0 || v >= ctx.server.keyspace().databases()) {
    ctx.reply.AddError("DB index is out of range");
    return false;
  }
  *out = static_cast<int>(v);
  return true;
}

void MoveCommand(CommandContext& ctx) {
  int dst;
  if (!ParseDbIndex(ctx, ctx.argv[2], &dst)) return;
  if (dst == ctx.db_index()) return ctx.reply.AddError("source and destination objects are the same");
  Keyspace& ks = ctx.server.keyspace();
  Entry* e = ks.LookupWrite(ctx.db_index(), ctx.argv[1]);
  if (e == nullptr) return ctx.reply.AddInt(0);
  if (ks.LookupWrite(dst, ctx.argv[1]) != nullptr) return ctx.reply.AddInt(0);
  e = ctx.db().Unlink(ctx.argv[1]);
  ks.db(dst).Add(e);
  ctx.AddDirty();
  Notify(ctx, kNotifyGeneric, "move_from", ctx.argv[1]);
  NotifyKeyspaceEvent(ctx.server, kNotifyGeneric, "move_to", ctx.argv[1], dst);
  ctx.reply.AddInt(1);
}

void CopyCommand(CommandContext& ctx) {
  ArgList a = ctx.argv;
  int dst_db = ctx.db_index();
  bool replace = false;
  for (size_t i = 3; i < a.size(); ++i) {
    if (EqualsIgnoreCase(a[i], "replace")) {
      replace = true;
    } else if (EqualsIgnoreCase(a[i], "db") && i + 1 < a.size()) {
      if (!ParseDbIndex(ctx, a[++i], &dst_db)) return;
    } else {
      return ReplySyntaxError(ctx.reply);
    }
  }
  if (a[1] == a[2] && dst_db == ctx.db_index()) {
    return ctx.reply.AddError("source and destination objects are the same");
  }
  Keyspace& ks = ctx.server.keyspace();
  Entry* e = ks.LookupRead(ctx.db_index(), a[1]);
  if (e == nullptr) return ctx.reply.AddInt(0);
  Entry* existing = ks.LookupWrite(dst_db, a[2]);
  if (existing != nullptr && !replace) return ctx.reply.AddInt(0);
  Entry* copy = Entry::Clone(e, a[2], e->has_expire());
  Db& db = ks.db(dst_db);
  if (existing != nullptr) {
    db.Overwrite(existing, copy);
    // Redis deletes the old key and adds the copy: "new" either way.
    ks.FireKeyEvent(kNotifyNew, "new", a[2], dst_db);
  } else {
    db.Add(copy);
  }
  ctx.AddDirty();
  NotifyKeyspaceEvent(ctx.server, kNotifyGeneric, "copy_to", a[2], dst_db);
  ctx.reply.AddInt(1);
}

void SwapdbCommand(CommandContext& ctx) {
  Keyspace& ks = ctx.server.keyspace();
  int64_t a, b;
  if (!ParseInt64(ctx.argv[1], &a)) return ctx.reply.AddError("invalid first DB index");
  if (!ParseInt64(ctx.argv[2], &b)) return ctx.reply.AddError("invalid second DB index");
  if (a < 0 || a >= ks.databases() || b < 0 || b >= ks.databases()) {
    return ctx.reply.AddError("DB index is out of range");
  }
  if (a != b) ks.db(static_cast<int>(a)).Swap(ks.db(static_cast<int>(b)));
  ctx.AddDirty();
  ctx.reply.AddOk();
}

void ObjectCommand(CommandContext& ctx) {
  std::string_view sub = ctx.argv[1];
  if (EqualsIgnoreCase(sub, "help")) {
    static const char* kHelp[] = {
        "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "ENCODING <key>",
        "    Return the kind of internal representation used in order to store the value",
        "    associated with a <key>.",
        "FREQ <key>",
        "    Return the access frequency index of the <key>. The returned integer is",
        "    proportional to the logarithm of the recent access frequency of the key.",
        "IDLETIME <key>",
        "    Return the idle time of the <key>, that is the approximated number of",
        "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>",
        "    Return the number of references of the value associated with the specified",
        "    <key>.",
        "HELP",
        "    Prints this help."};
    ReplyHelp(ctx.reply, kHelp);
    return;
  }
  bool known = EqualsIgnoreCase(sub, "encoding") || EqualsIgnoreCase(sub, "freq") ||
               EqualsIgnoreCase(sub, "idletime") || EqualsIgnoreCase(sub, "refcount");
  if (!known || ctx.argv.size() != 3) {
    std::string s(sub);
    return ctx.reply.AddError("unknown subcommand or wrong number of arguments for '" + s + "'. Try OBJECT HELP.");
  }
  Entry* e = ctx.server.keyspace().LookupNoTouch(ctx.db_index(), ctx.argv[2]);
  if (e == nullptr) return ctx.reply.AddNullBulk();
  MaxmemoryPolicy policy = ctx.server.config().maxmemory_policy;
  bool lfu = policy == MaxmemoryPolicy::kAllkeysLfu || policy == MaxmemoryPolicy::kVolatileLfu;
  if (EqualsIgnoreCase(sub, "encoding")) {
    ctx.reply.AddBulk(ObjectEncodingName(e));
  } else if (EqualsIgnoreCase(sub, "refcount")) {
    // Redis shares the integers 0..9999 (refcount INT_MAX) unless an LRU/LFU
    // policy needs per-key access data.
    bool shared = e->is_int() && e->int_value() >= 0 && e->int_value() < 10000 &&
                  policy == MaxmemoryPolicy::kNoEviction;
    ctx.reply.AddInt(shared ? INT_MAX : 1);
  } else if (EqualsIgnoreCase(sub, "idletime")) {
    if (lfu) {
      return ctx.reply.AddError(
          "An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between "
          "policies at runtime LRU and LFU data will take some time to adjust.");
    }
    ctx.reply.AddInt(static_cast<int64_t>(access_clock::IdleSeconds(e)));
  } else {
    if (!lfu) {
      return ctx.reply.AddError(
          "An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching "
          "between policies at runtime LRU and LFU data will take some time to adjust.");
    }
    ctx.reply.AddInt(access_clock::Frequency(e));
  }
}

}  // namespace

void RegisterKeyCommands(CommandTable& t) {
  // Documented in the server group; their ACL categories include @keyspace
  // (cmd_server.cpp adds it by hand).
  AddCommands(t, "server", {
    {"dbsize", 1, kCmdReadonly | kCmdFast, DbsizeCommand, 0, 0, 0},
    {"flushdb", -1, kCmdWrite, FlushdbCommand, 0, 0, 0},
    {"flushall", -1, kCmdWrite, FlushallCommand, 0, 0, 0},
    {"swapdb", 3, kCmdWrite | kCmdFast, SwapdbCommand, 0, 0, 0, "4.0.0"}
  });
  AddCommands(t, "generic", {
    {"del", -2, kCmdWrite, DelCommand, 1, -1, 1},
    {"unlink", -2, kCmdWrite | kCmdFast, UnlinkCommand, 1, -1, 1, "4.0.0"},
    {"exists", -2, kCmdReadonly | kCmdFast, ExistsCommand, 1, -1, 1},
    {"touch", -2, kCmdReadonly | kCmdFast, TouchCommand, 1, -1, 1, "3.2.1"},
    {"type", 2, kCmdReadonly | kCmdFast, TypeCommand, 1, 1, 1},
    {"keys", 2, kCmdReadonly, KeysCommand, 0, 0, 0},
    {"scan", -2, kCmdReadonly, ScanCommand, 0, 0, 0, "2.8.0"},
    {"randomkey", 1, kCmdReadonly, RandomkeyCommand, 0, 0, 0},
    {"rename", 3, kCmdWrite, RenameCommand, 1, 2, 1},
    {"renamenx", 3, kCmdWrite | kCmdFast, RenamenxCommand, 1, 2, 1},
    {"move", 3, kCmdWrite | kCmdFast, MoveCommand, 1, 1, 1},
    {"copy", -3, kCmdWrite | kCmdDenyOom, CopyCommand, 1, 2, 1, "6.2.0"},
    {"object", -2, kCmdReadonly, ObjectCommand, 2, 2, 1, "2.2.3"}
  });
  t.AddSubcommands("object",
                   {{"help", 2, kCmdLoading | kCmdStale},
                    {"encoding", 3, kCmdReadonly, 2, 2, 1},
                    {"freq", 3, kCmdReadonly, 2, 2, 1},
                    {"idletime", 3, kCmdReadonly, 2, 2, 1},
                    {"refcount", 3, kCmdReadonly, 2, 2, 1}},
                   ObjectCommand);
}

}  // namespace replikv
