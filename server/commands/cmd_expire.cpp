// TTL commands: EXPIRE PEXPIRE EXPIREAT PEXPIREAT (NX XX GT LT), TTL PTTL
// EXPIRETIME PEXPIRETIME PERSIST.
//
// Redis 7.0 propagates every EXPIRE form as PEXPIREAT <absolute ms> (flags
// kept), and an expire time already in the past as DEL of the key.
#include <climits>
#include <string>

#include "server/net/client.h"
#include "server/net/reply_buffer.h"
#include "server/notify.h"
#include "server/server.h"

namespace replikv {
namespace {

enum Flag { kNx = 1, kXx = 2, kGt = 4, kLt = 8 };

void ExpireGeneric(CommandContext& ctx, bool relative, bool seconds, const char* name) {
  ArgList a = ctx.argv;
  int flags = 0;
  for (size_t i = 3; i < a.size(); ++i) {
    if (EqualsIgnoreCase(a[i], "nx")) {
      flags |= kNx;
    } else if (EqualsIgnoreCase(a[i], "xx")) {
      flags |= kXx;
    } else if (EqualsIgnoreCase(a[i], "gt")) {
      flags |= kGt;
    } else if (EqualsIgnoreCase(a[i], "lt")) {
      flags |= kLt;
    } else {
      return ctx.reply.AddError("Unsupported option " + std::string(a[i]));
    }
  }
  if ((flags & kNx) && (flags & (kXx | kGt | kLt))) {
    return ctx.reply.AddError("NX and XX, GT or LT options at the same time are not compatible");
  }
  if ((flags & kGt) && (flags & kLt)) {
    return ctx.reply.AddError("GT and LT options at the same time are not compatible");
  }
  int64_t when;
  if (!ParseInt64(a[2], &when)) return ReplyNotInteger(ctx.reply);
  std::string invalid = std::string("invalid expire time in '") + name + "' command";
  if (seconds) {
    if (when > LLONG_MAX / 1000 || when < LLONG_MIN / 1000) return ctx.reply.AddError(invalid);
    when *= 1000;
  }
  Keyspace& ks = ctx.server.keyspace();
  if (relative) {
    int64_t now = ks.now_ms();
    if (when > LLONG_MAX - now) return ctx.reply.AddError(invalid);
    when += now;
  }
  Entry* e = ks.LookupWrite(ctx.db_index(), a[1]);
  if (e == nullptr) return ctx.reply.AddInt(0);
  int64_t current = e->expire_ms();
  if (flags) {
    bool has = current != Entry::kNoExpire;
    if ((flags & kNx) && has) return ctx.reply.AddInt(0);
    if ((flags & kXx) && !has) return ctx.reply.AddInt(0);
    // A key without a TTL counts as an infinite TTL.
    if ((flags & kGt) && (!has || when <= current)) return ctx.reply.AddInt(0);
    if ((flags & kLt) && has && when >= current) return ctx.reply.AddInt(0);
  }
  if (ks.AlreadyExpired(when)) {
    // Already expired: delete now. Not while an AOF replays: the key keeps
    // the past time and expires after loading, as in Redis.
    // Propagated as UNLINK under lazyfree-lazy-expire, as Redis 7.0.
    const bool lazy = ks.lazy_free_policy().expire;
    ctx.db().Delete(a[1], lazy);
    ctx.AddDirty();
    Notify(ctx, kNotifyGeneric, "del", a[1]);
    ctx.Propagate({lazy ? "UNLINK" : "DEL", a[1]});
    return ctx.reply.AddInt(1);
  }
  ctx.db().SetExpire(e, when);
  ctx.AddDirty();
  Notify(ctx, kNotifyGeneric, "expire", a[1]);
  std::string ms = std::to_string(when);
  std::vector<std::string_view> out = {"PEXPIREAT", a[1], ms};
  for (size_t i = 3; i < a.size(); ++i) out.push_back(a[i]);
  ctx.Propagate(ArgList(out));
  ctx.reply.AddInt(1);
}

void ExpireCommand(CommandContext& ctx) { ExpireGeneric(ctx, true, true, "expire"); }
void PexpireCommand(CommandContext& ctx) { ExpireGeneric(ctx, true, false, "pexpire"); }
void ExpireatCommand(CommandContext& ctx) { ExpireGeneric(ctx, false, true, "expireat"); }
void PexpireatCommand(CommandContext& ctx) { ExpireGeneric(ctx, false, false, "pexpireat"); }

// TTL/PTTL (remaining) and EXPIRETIME/PEXPIRETIME (absolute): -2 for a
// missing key, -1 for no TTL.
void TtlGeneric(CommandContext& ctx, bool ms, bool absolute) {
  Keyspace& ks = ctx.server.keyspace();
  Entry* e = ks.LookupNoTouch(ctx.db_index(), ctx.argv[1]);
  if (e == nullptr) {
    // A read lookup for Redis: a missing key fires "keymiss".
    ks.FireKeyEvent(kNotifyKeyMiss, "keymiss", ctx.argv[1], ctx.db_index());
    return ctx.reply.AddInt(-2);
  }
  int64_t when = e->expire_ms();
  if (when == Entry::kNoExpire) return ctx.reply.AddInt(-1);
  // Rounded to the nearest second without overflowing near INT64_MAX.
  if (absolute) return ctx.reply.AddInt(ms ? when : when / 1000 + (when % 1000 >= 500 ? 1 : 0));
  int64_t ttl = when - ks.now_ms();
  if (ttl < 0) ttl = 0;
  ctx.reply.AddInt(ms ? ttl : (ttl + 500) / 1000);
}

void TtlCommand(CommandContext& ctx) { TtlGeneric(ctx, false, false); }
void PttlCommand(CommandContext& ctx) { TtlGeneric(ctx, true, false); }
void ExpiretimeCommand(CommandContext& ctx) { TtlGeneric(ctx, false, true); }
void PexpiretimeCommand(CommandContext& ctx) { TtlGeneric(ctx, true, true); }

void PersistCommand(CommandContext& ctx) {
  Entry* e = ctx.server.keyspace().LookupWrite(ctx.db_index(), ctx.argv[1]);
  if (e == nullptr || !e->has_expire()) return ctx.reply.AddInt(0);
  ctx.db().SetExpire(e, Entry::kNoExpire);
  ctx.AddDirty();
  Notify(ctx, kNotifyGeneric, "persist", ctx.argv[1]);
  ctx.reply.AddInt(1);
}

}  // namespace

void RegisterExpireCommands(CommandTable& t) {
  AddCommands(t, "generic", {
    {"expire", -3, kCmdWrite | kCmdFast, ExpireCommand, 1, 1, 1},
    {"pexpire", -3, kCmdWrite | kCmdFast, PexpireCommand, 1, 1, 1, "2.6.0"},
    {"expireat", -3, kCmdWrite | kCmdFast, ExpireatCommand, 1, 1, 1, "1.2.0"},
    {"pexpireat", -3, kCmdWrite | kCmdFast, PexpireatCommand, 1, 1, 1, "2.6.0"},
    {"ttl", 2, kCmdReadonly | kCmdFast, TtlCommand, 1, 1, 1},
    {"pttl", 2, kCmdReadonly | kCmdFast, PttlCommand, 1, 1, 1, "2.6.0"},
    {"expiretime", 2, kCmdReadonly | kCmdFast, ExpiretimeCommand, 1, 1, 1, "7.0.0"},
    {"pexpiretime", 2, kCmdReadonly | kCmdFast, PexpiretimeCommand, 1, 1, 1, "7.0.0"},
    {"persist", 2, kCmdWrite | kCmdFast, PersistCommand, 1, 1, 1, "2.2.0"}
  });
}

}  // namespace replikv
