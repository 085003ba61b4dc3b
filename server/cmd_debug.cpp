// DEBUG subcommands used by tests, benchmarks and operators: DIGEST,
// DIGEST-VALUE, POPULATE, SLEEP, SET-ACTIVE-EXPIRE, OBJECT, HELP.
// Gated by enable-debug-command (Redis 7.0's default: no).
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "server/client.h"
#include "server/digest.h"
#include "server/reply_buffer.h"
#include "server/server.h"

namespace replikv {
namespace {

bool IsLocal(const Client& c) {
  return c.addr.rfind("127.", 0) == 0 || c.addr.rfind("::1", 0) == 0 || c.addr.rfind("[::1]", 0) == 0;
}

void Populate(CommandContext& ctx) {
  ArgList a = ctx.argv;
  int64_t count, size = 0;
  if (!ParseInt64(a[2], &count)) return ReplyNotInteger(ctx.reply);
  if (count < 0) return ctx.reply.AddError("count must be greater than or equal to 0");  // Redis text may differ
  std::string prefix = a.size() >= 4 ? std::string(a[3]) : "key";
  if (a.size() >= 5) {
    if (!ParseInt64(a[4], &size)) return ReplyNotInteger(ctx.reply);
    if (size < 0) return ctx.reply.AddError("value size must be greater than or equal to 0");
  }
  if (a.size() > 5) return ReplySyntaxError(ctx.reply);
  Db& db = ctx.db();
  Keyspace& ks = ctx.server.keyspace();
  std::string key, value;
  for (int64_t j = 0; j < count; ++j) {
    key = prefix + ":" + std::to_string(j);
    if (ks.LookupWrite(ctx.db_index(), key) != nullptr) continue;
    value = "value:" + std::to_string(j);
    // With a size, Redis zero-fills a value of exactly that many bytes and
    // copies "value:N" into its start (truncated if longer).
    if (size > 0) value.resize(static_cast<size_t>(size), '\0');
    Entry* e = Entry::NewString(key, value, false);
    e->set_lru(ks.LruClock());
    db.Add(e);
  }
  ctx.reply.AddOk();
}

void DebugObject(CommandContext& ctx) {
  Entry* e = ctx.db().Find(ctx.argv[2]);
  if (e == nullptr) return ctx.reply.AddError("no such key");
  char scratch[24];
  size_t len = e->type() == ObjType::kString ? e->StringValue(scratch).size() : 0;
  int64_t idle = static_cast<int64_t>(ctx.server.keyspace().LruClock()) - static_cast<int64_t>(e->lru());
  char buf[256];
  std::snprintf(buf, sizeof(buf),
                "Value at:%p refcount:1 encoding:%s serializedlength:%zu lru:%u lru_seconds_idle:%lld",
                static_cast<void*>(e), ObjectEncodingName(e), len + 1, e->lru() & 0xFFFFFF,
                static_cast<long long>(idle < 0 ? 0 : idle));
  ctx.reply.AddSimple(buf);
}

void DebugHelp(ReplyBuffer& r) {
  static const char* kHelp[] = {
      "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "DIGEST",
      "    Output a hex signature representing the current DB content.",
      "DIGEST-VALUE <key> [<key> ...]",
      "    Output a hex signature of the values of all the specified keys.",
      "OBJECT <key>",
      "    Show low level info about `key` and associated value.",
      "POPULATE <count> [<prefix>] [<size>]",
      "    Create <count> string keys named key:<num>. If <prefix> is specified then",
      "    it is used instead of the 'key' prefix. These are not propagated to",
      "    replicas. Cluster slots are not respected so keys not belonging to the",
      "    current node can be created in cluster mode.",
      "SET-ACTIVE-EXPIRE <0|1>",
      "    Setting it to 0 disables expiring keys in background when they are not",
      "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
      "    default.",
      "SLEEP <seconds>",
      "    Stop the server for <seconds>. Decimals allowed.",
      "HELP",
      "    Prints this help."};
  r.AddArrayLen(std::size(kHelp));
  for (const char* line : kHelp) r.AddSimple(line);
}

}  // namespace

void DebugCommand(CommandContext& ctx) {
  EnableFlag mode = ctx.server.config().enable_debug_command;
  if (mode == EnableFlag::kNo || (mode == EnableFlag::kLocal && !IsLocal(ctx.client))) {
    return ctx.reply.AddError(
        "DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a "
        "local connection, otherwise you need to set this option in the configuration file, and then restart the "
        "server.");
  }
  ArgList a = ctx.argv;
  std::string_view sub = a[1];
  if (EqualsIgnoreCase(sub, "help")) return DebugHelp(ctx.reply);
  if (EqualsIgnoreCase(sub, "digest") && a.size() == 2) {
    return ctx.reply.AddSimple(DigestHex(DatasetDigest(ctx.server.keyspace())));
  }
  if (EqualsIgnoreCase(sub, "digest-value") && a.size() >= 2) {
    ctx.reply.AddArrayLen(a.size() - 2);
    for (size_t i = 2; i < a.size(); ++i) {
      // Like Redis: no lookup side effects, logically expired keys included.
      Entry* e = ctx.db().Find(a[i]);
      ctx.reply.AddSimple(DigestHex(e ? ValueDigest(e) : Digest20{}));
    }
    return;
  }
  if (EqualsIgnoreCase(sub, "populate") && a.size() >= 3) return Populate(ctx);
  if (EqualsIgnoreCase(sub, "object") && a.size() == 3) return DebugObject(ctx);
  if (EqualsIgnoreCase(sub, "sleep") && a.size() == 3) {
    double secs;
    if (!ParseDouble(a[2], &secs)) return ctx.reply.AddError("value is not a valid float");
    // Redis blocks the whole server here on purpose (tests use it).
    if (secs > 0) usleep(static_cast<useconds_t>(std::llround(secs * 1e6)));
    return ctx.reply.AddOk();
  }
  if (EqualsIgnoreCase(sub, "set-active-expire") && a.size() == 3) {
    int64_t v;
    if (!ParseInt64(a[2], &v)) return ReplyNotInteger(ctx.reply);
    ctx.server.keyspace().active_expire_enabled = v != 0;
    return ctx.reply.AddOk();
  }
  for (auto& [name, handler] : ctx.server.debug_subcommands) {
    if (EqualsIgnoreCase(sub, name)) return handler(ctx);
  }
  ctx.reply.AddError("unknown subcommand '" + std::string(sub.substr(0, 128)) + "'. Try DEBUG HELP.");
}

}  // namespace replikv
