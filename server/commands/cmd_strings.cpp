// String commands: GET SET and friends, counters, ranges.
//
// Propagated forms follow Redis 7.0: SET with EX/PX/EXAT and SETEX/PSETEX go
// out as SET key value PXAT <ms>; GETSET as SET; GETDEL as DEL; GETEX as
// PEXPIREAT/PERSIST/DEL; INCRBYFLOAT as SET key value KEEPTTL.
#include <charconv>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>

#include "server/net/client.h"
#include "server/net/reply_buffer.h"
#include "server/notify.h"
#include "server/server.h"

namespace replikv {
namespace {

constexpr size_t kMaxStringSize = 512ull * 1024 * 1024;

std::string ToString(int64_t v) { return std::to_string(v); }

// The string at `key` for reading; nullptr if absent. *wrongtype when the
// key holds another type (the caller replies WRONGTYPE).
Entry* LookupStringRead(CommandContext& ctx, std::string_view key, bool* wrongtype) {
  Entry* e = ctx.server.keyspace().LookupRead(ctx.db_index(), key);
  *wrongtype = e != nullptr && e->type() != ObjType::kString;
  return *wrongtype ? nullptr : e;
}

Entry* LookupStringWrite(CommandContext& ctx, std::string_view key, bool* wrongtype) {
  Entry* e = ctx.server.keyspace().LookupWrite(ctx.db_index(), key);
  *wrongtype = e != nullptr && e->type() != ObjType::kString;
  return *wrongtype ? nullptr : e;
}

// Stores `value` at `key` (replacing any value); keeps the TTL only when
// `keep_ttl`. Returns the stored entry.
// `e` takes the place of `old` (nullptr: the key is new), with old's TTL
// when `ttl` (e was created with room for one).
Entry* Install(Db& db, Entry* old, Entry* e, bool ttl) {
  if (ttl) e->set_expire_ms(old->expire_ms());
  if (old != nullptr) {
    db.Overwrite(old, e);
  } else {
    db.Add(e);
  }
  return e;
}

Entry* StoreString(CommandContext& ctx, std::string_view key, std::string_view value, bool keep_ttl,
                   bool allow_int = true) {
  Entry* old = ctx.db().Find(key);
  bool ttl = keep_ttl && old != nullptr && old->has_expire();
  return Install(ctx.db(), old, Entry::NewString(key, value, ttl, allow_int), ttl);
}

Entry* StoreInt(CommandContext& ctx, std::string_view key, int64_t value, Entry* old) {
  bool ttl = old != nullptr && old->has_expire();
  return Install(ctx.db(), old, Entry::NewInt(key, value, ttl), ttl);
}

void ReplyValue(ReplyBuffer& r, const Entry* e) {
  if (e->is_int()) {
    r.AddBulkInt(e->int_value());
    return;
  }
  char scratch[24];
  r.AddBulk(e->StringValue(scratch));
}

// SET's and GETEX's expire options.
enum class ExpireUnit { kNone, kEx, kPx, kExAt, kPxAt };

ExpireUnit ParseExpireUnit(std::string_view opt) {
  if (EqualsIgnoreCase(opt, "ex")) return ExpireUnit::kEx;
  if (EqualsIgnoreCase(opt, "px")) return ExpireUnit::kPx;
  if (EqualsIgnoreCase(opt, "exat")) return ExpireUnit::kExAt;
  if (EqualsIgnoreCase(opt, "pxat")) return ExpireUnit::kPxAt;
  return ExpireUnit::kNone;
}

// Converts an expire option to an absolute ms time. False (and the Redis
// error reply) when invalid: not an integer, <= 0, or overflowing.
bool AbsoluteExpire(CommandContext& ctx, ExpireUnit unit, std::string_view arg, const char* cmd, int64_t* when) {
  int64_t v;
  if (!ParseInt64(arg, &v)) {
    ReplyNotInteger(ctx.reply);
    return false;
  }
  std::string invalid = std::string("invalid expire time in '") + cmd + "' command";
  if (v <= 0) {
    ctx.reply.AddError(invalid);
    return false;
  }
  int64_t ms = v;
  if (unit == ExpireUnit::kEx || unit == ExpireUnit::kExAt) {
    if (v > LLONG_MAX / 1000) {
      ctx.reply.AddError(invalid);
      return false;
    }
    ms = v * 1000;
  }
  if (unit == ExpireUnit::kEx || unit == ExpireUnit::kPx) {
    int64_t now = ctx.server.keyspace().now_ms();
    if (ms > LLONG_MAX - now) {
      ctx.reply.AddError(invalid);
      return false;
    }
    ms += now;
  }
  *when = ms;
  return true;
}

void SetCommand(CommandContext& ctx) {
  enum { kNx = 1, kXx = 2, kGet = 4, kKeepTtl = 8 };
  int flags = 0;
  ExpireUnit unit = ExpireUnit::kNone;
  std::string_view expire_arg;
  ArgList a = ctx.argv;
  for (size_t i = 3; i < a.size(); ++i) {
    std::string_view opt = a[i];
    bool has_next = i + 1 < a.size();
    if (EqualsIgnoreCase(opt, "nx") && !(flags & kXx)) {
      flags |= kNx;
    } else if (EqualsIgnoreCase(opt, "xx") && !(flags & kNx)) {
      flags |= kXx;
    } else if (EqualsIgnoreCase(opt, "get")) {
      flags |= kGet;
    } else if (EqualsIgnoreCase(opt, "keepttl") && unit == ExpireUnit::kNone) {
      flags |= kKeepTtl;
    } else if (ExpireUnit u = ParseExpireUnit(opt);
               u != ExpireUnit::kNone && has_next && !(flags & kKeepTtl) && (unit == ExpireUnit::kNone || unit == u)) {
      // Redis accepts the same option twice (the last value wins), but not
      // two different expire options.
      unit = u;
      expire_arg = a[++i];
    } else {
      ReplySyntaxError(ctx.reply);
      return;
    }
  }
  int64_t when = Entry::kNoExpire;
  if (unit != ExpireUnit::kNone && !AbsoluteExpire(ctx, unit, expire_arg, "set", &when)) return;

  std::string_view key = a[1];
  bool wrongtype;
  Entry* old = LookupStringWrite(ctx, key, &wrongtype);
  if ((flags & kGet) && wrongtype) {
    ReplyWrongType(ctx.reply);
    return;
  }
  Entry* existing = wrongtype ? ctx.db().Find(key) : old;
  if (((flags & kNx) && existing != nullptr) || ((flags & kXx) && existing == nullptr)) {
    if (flags & kGet) {
      old ? ReplyValue(ctx.reply, old) : ctx.reply.AddNullBulk();
    } else {
      ctx.reply.AddNullBulk();
    }
    return;
  }
  if (flags & kGet) {
    old ? ReplyValue(ctx.reply, old) : ctx.reply.AddNullBulk();
  }
  Entry* e = StoreString(ctx, key, a[2], flags & kKeepTtl);
  if (when != Entry::kNoExpire) ctx.db().SetExpire(e, when);
  ctx.AddDirty();
  Notify(ctx, kNotifyString, "set", key);
  if (when != Entry::kNoExpire) Notify(ctx, kNotifyGeneric, "expire", key);
  if (!(flags & kGet)) ctx.reply.AddOk();
  if (unit == ExpireUnit::kEx || unit == ExpireUnit::kPx || unit == ExpireUnit::kExAt) {
    std::string ms = ToString(when);
    ctx.Propagate({"SET", key, a[2], "PXAT", ms});
  } else if ((flags & kGet) && unit == ExpireUnit::kNone) {
    // Redis 7.0 propagates SET without its GET argument.
    std::vector<std::string_view> args;
    for (size_t i = 0; i < a.size(); ++i) {
      if (i < 3 || !EqualsIgnoreCase(a[i], "get")) args.push_back(a[i]);
    }
    ctx.Propagate(ArgList(args));
  }
}

void SetnxCommand(CommandContext& ctx) {
  if (ctx.server.keyspace().LookupWrite(ctx.db_index(), ctx.argv[1]) != nullptr) {
    ctx.reply.AddInt(0);
    return;
  }
  StoreString(ctx, ctx.argv[1], ctx.argv[2], false);
  ctx.AddDirty();
  Notify(ctx, kNotifyString, "set", ctx.argv[1]);
  ctx.reply.AddInt(1);
}

void SetexGeneric(CommandContext& ctx, ExpireUnit unit, const char* name) {
  int64_t when;
  if (!AbsoluteExpire(ctx, unit, ctx.argv[2], name, &when)) return;
  ctx.server.keyspace().LookupWrite(ctx.db_index(), ctx.argv[1]);
  Entry* e = StoreString(ctx, ctx.argv[1], ctx.argv[3], false);
  ctx.db().SetExpire(e, when);
  ctx.AddDirty();
  Notify(ctx, kNotifyString, "set", ctx.argv[1]);
  Notify(ctx, kNotifyGeneric, "expire", ctx.argv[1]);
  ctx.reply.AddOk();
  std::string ms = ToString(when);
  ctx.Propagate({"SET", ctx.argv[1], ctx.argv[3], "PXAT", ms});
}

void SetexCommand(CommandContext& ctx) { SetexGeneric(ctx, ExpireUnit::kEx, "setex"); }
void PsetexCommand(CommandContext& ctx) { SetexGeneric(ctx, ExpireUnit::kPx, "psetex"); }

void GetCommand(CommandContext& ctx) {
  bool wrongtype;
  Entry* e = LookupStringRead(ctx, ctx.argv[1], &wrongtype);
  if (wrongtype) return ReplyWrongType(ctx.reply);
  if (e == nullptr) return ctx.reply.AddNullBulk();
  ReplyValue(ctx.reply, e);
}

void GetsetCommand(CommandContext& ctx) {
  bool wrongtype;
  Entry* e = LookupStringWrite(ctx, ctx.argv[1], &wrongtype);
  if (wrongtype) return ReplyWrongType(ctx.reply);
  e ? ReplyValue(ctx.reply, e) : ctx.reply.AddNullBulk();
  StoreString(ctx, ctx.argv[1], ctx.argv[2], false);
  ctx.AddDirty();
  Notify(ctx, kNotifyString, "set", ctx.argv[1]);
  ctx.Propagate({"SET", ctx.argv[1], ctx.argv[2]});
}

void GetdelCommand(CommandContext& ctx) {
  bool wrongtype;
  Entry* e = LookupStringWrite(ctx, ctx.argv[1], &wrongtype);
  if (wrongtype) return ReplyWrongType(ctx.reply);
  if (e == nullptr) {
    // Redis looks GETDEL's key up for reading: a miss fires "keymiss".
    ctx.server.keyspace().FireKeyEvent(kNotifyKeyMiss, "keymiss", ctx.argv[1], ctx.db_index());
    return ctx.reply.AddNullBulk();
  }
  ReplyValue(ctx.reply, e);
  ctx.db().Delete(ctx.argv[1]);
  ctx.AddDirty();
  Notify(ctx, kNotifyGeneric, "del", ctx.argv[1]);
  ctx.Propagate({"DEL", ctx.argv[1]});
}

void GetexCommand(CommandContext& ctx) {
  ArgList a = ctx.argv;
  ExpireUnit unit = ExpireUnit::kNone;
  bool persist = false;
  std::string_view expire_arg;
  for (size_t i = 2; i < a.size(); ++i) {
    std::string_view opt = a[i];
    bool has_next = i + 1 < a.size();
    if (EqualsIgnoreCase(opt, "persist") && unit == ExpireUnit::kNone && !persist) {
      persist = true;
    } else if (ExpireUnit u = ParseExpireUnit(opt);
               u != ExpireUnit::kNone && has_next && !persist && (unit == ExpireUnit::kNone || unit == u)) {
      unit = u;
      expire_arg = a[++i];
    } else {
      return ReplySyntaxError(ctx.reply);
    }
  }
  // Redis looks the key up before it validates the expire value.
  bool wrongtype;
  Entry* e = LookupStringRead(ctx, a[1], &wrongtype);
  if (wrongtype) return ReplyWrongType(ctx.reply);
  if (e == nullptr) return ctx.reply.AddNullBulk();
  int64_t when = Entry::kNoExpire;
  if (unit != ExpireUnit::kNone && !AbsoluteExpire(ctx, unit, expire_arg, "getex", &when)) return;
  ReplyValue(ctx.reply, e);
  if (unit != ExpireUnit::kNone) {
    if (ctx.server.keyspace().AlreadyExpired(when)) {
      const bool lazy = ctx.server.keyspace().lazy_free_policy().expire;
      ctx.db().Delete(a[1], lazy);
      ctx.AddDirty();
      Notify(ctx, kNotifyGeneric, "del", a[1]);
      ctx.Propagate({lazy ? "UNLINK" : "DEL", a[1]});
      return;
    }
    ctx.db().SetExpire(e, when);
    ctx.AddDirty();
    Notify(ctx, kNotifyGeneric, "expire", a[1]);
    std::string ms = ToString(when);
    ctx.Propagate({"PEXPIREAT", a[1], ms});
  } else if (persist && e->has_expire()) {
    ctx.db().SetExpire(e, Entry::kNoExpire);
    ctx.AddDirty();
    Notify(ctx, kNotifyGeneric, "persist", a[1]);
    ctx.Propagate({"PERSIST", a[1]});
  }
}

void MgetCommand(CommandContext& ctx) {
  ctx.reply.AddArrayLen(ctx.argv.size() - 1);
  for (size_t i = 1; i < ctx.argv.size(); ++i) {
    Entry* e = ctx.server.keyspace().LookupRead(ctx.db_index(), ctx.argv[i]);
    if (e == nullptr || e->type() != ObjType::kString) {
      ctx.reply.AddNullBulk();
    } else {
      ReplyValue(ctx.reply, e);
    }
  }
}

void MsetGeneric(CommandContext& ctx, bool nx) {
  if (ctx.argv.size() % 2 == 0) return ReplyWrongArity(ctx.reply, nx ? "msetnx" : "mset");
  if (nx) {
    for (size_t i = 1; i < ctx.argv.size(); i += 2) {
      if (ctx.server.keyspace().LookupWrite(ctx.db_index(), ctx.argv[i]) != nullptr) {
        return ctx.reply.AddInt(0);
      }
    }
  }
  for (size_t i = 1; i < ctx.argv.size(); i += 2) {
    ctx.server.keyspace().LookupWrite(ctx.db_index(), ctx.argv[i]);
    StoreString(ctx, ctx.argv[i], ctx.argv[i + 1], false);
    Notify(ctx, kNotifyString, "set", ctx.argv[i]);
  }
  ctx.AddDirty((ctx.argv.size() - 1) / 2);
  nx ? ctx.reply.AddInt(1) : ctx.reply.AddOk();
}

void MsetCommand(CommandContext& ctx) { MsetGeneric(ctx, false); }
void MsetnxCommand(CommandContext& ctx) { MsetGeneric(ctx, true); }

void IncrDecr(CommandContext& ctx, int64_t by) {
  bool wrongtype;
  Entry* e = LookupStringWrite(ctx, ctx.argv[1], &wrongtype);
  if (wrongtype) return ReplyWrongType(ctx.reply);
  int64_t value = 0;
  if (e != nullptr) {
    if (e->is_int()) {
      value = e->int_value();
    } else {
      char scratch[24];
      if (!ParseInt64(e->StringValue(scratch), &value)) return ReplyNotInteger(ctx.reply);
    }
  }
  if ((by < 0 && value < 0 && by < LLONG_MIN - value) || (by > 0 && value > 0 && by > LLONG_MAX - value)) {
    return ctx.reply.AddError("increment or decrement would overflow");
  }
  value += by;
  if (e != nullptr && e->is_int()) {
    e->set_int_value(value);  // in place: no allocation on the hot path
  } else {
    StoreInt(ctx, ctx.argv[1], value, e);
  }
  ctx.AddDirty();
  Notify(ctx, kNotifyString, "incrby", ctx.argv[1]);
  ctx.reply.AddInt(value);
}

void IncrCommand(CommandContext& ctx) { IncrDecr(ctx, 1); }
void DecrCommand(CommandContext& ctx) { IncrDecr(ctx, -1); }

void IncrbyCommand(CommandContext& ctx) {
  int64_t by;
  if (!ParseInt64(ctx.argv[2], &by)) return ReplyNotInteger(ctx.reply);
  IncrDecr(ctx, by);
}

void DecrbyCommand(CommandContext& ctx) {
  int64_t by;
  if (!ParseInt64(ctx.argv[2], &by)) return ReplyNotInteger(ctx.reply);
  if (by == LLONG_MIN) return ctx.reply.AddError("decrement would overflow");
  IncrDecr(ctx, -by);
}

void IncrbyfloatCommand(CommandContext& ctx) {
  bool wrongtype;
  Entry* e = LookupStringWrite(ctx, ctx.argv[1], &wrongtype);
  if (wrongtype) return ReplyWrongType(ctx.reply);
  long double value = 0, by;
  if (e != nullptr) {
    char scratch[24];
    if (!ParseLongDouble(e->StringValue(scratch), &value)) return ctx.reply.AddError("value is not a valid float");
  }
  if (!ParseLongDouble(ctx.argv[2], &by)) return ctx.reply.AddError("value is not a valid float");
  value += by;
  if (std::isnan(value) || std::isinf(value)) return ctx.reply.AddError("increment would produce NaN or Infinity");
  std::string text = FormatLongDouble(value);
  StoreString(ctx, ctx.argv[1], text, true, /*allow_int=*/false);
  ctx.AddDirty();
  Notify(ctx, kNotifyString, "incrbyfloat", ctx.argv[1]);
  ctx.reply.AddBulk(text);
  ctx.Propagate({"SET", ctx.argv[1], text, "KEEPTTL"});
}

void AppendCommand(CommandContext& ctx) {
  bool wrongtype;
  Entry* e = LookupStringWrite(ctx, ctx.argv[1], &wrongtype);
  if (wrongtype) return ReplyWrongType(ctx.reply);
  std::string_view add = ctx.argv[2];
  if (e == nullptr) {
    e = StoreString(ctx, ctx.argv[1], add, false);
    ctx.AddDirty();
    Notify(ctx, kNotifyString, "append", ctx.argv[1]);
    char scratch[24];
    return ctx.reply.AddInt(static_cast<int64_t>(e->StringValue(scratch).size()));
  }
  char scratch[24];
  size_t len = e->StringValue(scratch).size();
  if (len + add.size() > kMaxStringSize) {
    return ctx.reply.AddError("string exceeds maximum allowed size (proto-max-bulk-len)");
  }
  HeapString* h = e->MutableString(len + add.size());
  std::memcpy(h->data + h->len, add.data(), add.size());
  h->len += add.size();
  ctx.AddDirty();
  Notify(ctx, kNotifyString, "append", ctx.argv[1]);
  ctx.reply.AddInt(static_cast<int64_t>(h->len));
}

void StrlenCommand(CommandContext& ctx) {
  bool wrongtype;
  Entry* e = LookupStringRead(ctx, ctx.argv[1], &wrongtype);
  if (wrongtype) return ReplyWrongType(ctx.reply);
  char scratch[24];
  ctx.reply.AddInt(e == nullptr ? 0 : static_cast<int64_t>(e->StringValue(scratch).size()));
}

void GetrangeCommand(CommandContext& ctx) {
  int64_t start, end;
  if (!ParseInt64(ctx.argv[2], &start) || !ParseInt64(ctx.argv[3], &end)) return ReplyNotInteger(ctx.reply);
  bool wrongtype;
  Entry* e = LookupStringRead(ctx, ctx.argv[1], &wrongtype);
  if (wrongtype) return ReplyWrongType(ctx.reply);
  if (e == nullptr) return ctx.reply.AddBulk("");
  char scratch[24];
  std::string_view s = e->StringValue(scratch);
  int64_t len = static_cast<int64_t>(s.size());
  // Redis 7.0: both negative and start > end is empty before any clamping.
  if (start < 0 && end < 0 && start > end) return ctx.reply.AddBulk("");
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (len == 0 || start > end) return ctx.reply.AddBulk("");
  ctx.reply.AddBulk(s.substr(static_cast<size_t>(start), static_cast<size_t>(end - start + 1)));
}

void SetrangeCommand(CommandContext& ctx) {
  int64_t offset;
  if (!ParseInt64(ctx.argv[2], &offset)) return ReplyNotInteger(ctx.reply);
  if (offset < 0) return ctx.reply.AddError("offset is out of range");
  std::string_view value = ctx.argv[3];
  bool wrongtype;
  Entry* e = LookupStringWrite(ctx, ctx.argv[1], &wrongtype);
  if (wrongtype) return ReplyWrongType(ctx.reply);
  char scratch[24];
  size_t cur = e == nullptr ? 0 : e->StringValue(scratch).size();
  if (value.empty()) return ctx.reply.AddInt(static_cast<int64_t>(cur));
  if (static_cast<uint64_t>(offset) + value.size() > kMaxStringSize) {
    return ctx.reply.AddError("string exceeds maximum allowed size (proto-max-bulk-len)");
  }
  if (e == nullptr) e = StoreString(ctx, ctx.argv[1], "", false);
  size_t need = static_cast<size_t>(offset) + value.size();
  HeapString* h = e->MutableString(need > cur ? need : cur);
  if (need > h->len) {
    std::memset(h->data + h->len, 0, need - h->len);
    h->len = need;
  }
  std::memcpy(h->data + offset, value.data(), value.size());
  ctx.AddDirty();
  Notify(ctx, kNotifyString, "setrange", ctx.argv[1]);
  ctx.reply.AddInt(static_cast<int64_t>(h->len));
}

}  // namespace

void RegisterStringCommands(CommandTable& t) {
  const uint32_t kW = kCmdWrite | kCmdDenyOom;
  const uint32_t kWF = kW | kCmdFast;
  const uint32_t kRF = kCmdReadonly | kCmdFast;
  AddCommands(t, "string", {
    {"get", 2, kRF, GetCommand, 1, 1, 1},
    {"set", -3, kW, SetCommand, 1, 1, 1},
    {"setnx", 3, kWF, SetnxCommand, 1, 1, 1},
    {"setex", 4, kW, SetexCommand, 1, 1, 1, "2.0.0"},
    {"psetex", 4, kW, PsetexCommand, 1, 1, 1, "2.6.0"},
    {"getset", 3, kWF, GetsetCommand, 1, 1, 1},
    {"getdel", 2, kCmdWrite | kCmdFast, GetdelCommand, 1, 1, 1, "6.2.0"},
    {"getex", -2, kCmdWrite | kCmdFast, GetexCommand, 1, 1, 1, "6.2.0"},
    {"mget", -2, kRF, MgetCommand, 1, -1, 1},
    {"mset", -3, kW, MsetCommand, 1, -1, 2, "1.0.1"},
    {"msetnx", -3, kW, MsetnxCommand, 1, -1, 2, "1.0.1"},
    {"incr", 2, kWF, IncrCommand, 1, 1, 1},
    {"decr", 2, kWF, DecrCommand, 1, 1, 1},
    {"incrby", 3, kWF, IncrbyCommand, 1, 1, 1},
    {"decrby", 3, kWF, DecrbyCommand, 1, 1, 1},
    {"incrbyfloat", 3, kWF, IncrbyfloatCommand, 1, 1, 1, "2.6.0"},
    {"append", 3, kWF, AppendCommand, 1, 1, 1, "2.0.0"},
    {"strlen", 2, kRF, StrlenCommand, 1, 1, 1, "2.2.0"},
    {"getrange", 4, kCmdReadonly, GetrangeCommand, 1, 1, 1, "2.4.0"},
    {"substr", 4, kCmdReadonly, GetrangeCommand, 1, 1, 1},
    {"setrange", 4, kW, SetrangeCommand, 1, 1, 1, "2.2.0"}
  });
}

}  // namespace replikv
