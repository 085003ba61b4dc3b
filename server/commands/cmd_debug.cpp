// DEBUG subcommands used by tests, benchmarks and operators: DIGEST,
// DIGEST-VALUE, POPULATE, SLEEP, SET-ACTIVE-EXPIRE, OBJECT, HELP.
// Gated by enable-debug-command (Redis 7.0's default: no).
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "server/net/client.h"
#include "server/commands/digest.h"
#include "server/net/reply_buffer.h"
#include "server/server.h"

namespace replikv {
namespace {

bool IsLocal(const Client& c) { return IsLoopbackAddress(c.addr); }

void Populate(CommandContext& ctx) {
  ArgList a = ctx.argv;
  int64_t count, size = 0;
  // Redis 7.0 answers both a non-number and a negative with this text.
  if (!ParseInt64(a[2], &count) || count < 0) return ctx.reply.AddError("value is out of range, must be positive");
  std::string prefix = a.size() >= 4 ? std::string(a[3]) : "key";
  if (a.size() >= 5) {
    if (!ParseInt64(a[4], &size) || size < 0) return ctx.reply.AddError("value is out of range, must be positive");
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
    db.Add(e);
  }
  ctx.reply.AddOk();
}

// The RDB size of a string value without compression (DEBUG OBJECT's
// serializedlength): small integers take an encoding byte plus 1, 2 or 4
// bytes; other strings a 1/2/5/9-byte length and their bytes.
size_t SerializedStringLength(const Entry* e) {
  if (e->type() != ObjType::kString) return 0;
  char scratch[24];
  std::string_view s = e->StringValue(scratch);
  int64_t v;
  if (s.size() <= 11 && ParseInt64(s, &v)) {
    if (v >= -(1 << 7) && v < (1 << 7)) return 2;
    if (v >= -(1 << 15) && v < (1 << 15)) return 3;
    if (v >= -(1LL << 31) && v < (1LL << 31)) return 5;
  }
  size_t n = s.size();
  size_t prefix = n < (1u << 6) ? 1 : n < (1u << 14) ? 2 : n <= 0xffffffffu ? 5 : 9;
  return prefix + n;
}

void DebugObject(CommandContext& ctx) {
  Entry* e = ctx.db().Find(ctx.argv[2]);
  if (e == nullptr) return ctx.reply.AddError("no such key");
  size_t len = SerializedStringLength(e);
  // Redis prints the LRU clock here whatever the policy.
  const uint64_t idle = access_clock::IdleSeconds(e);
  char buf[256];
  std::snprintf(buf, sizeof(buf),
                "Value at:%p refcount:1 encoding:%s serializedlength:%zu lru:%u lru_seconds_idle:%lld",
                static_cast<void*>(e), ObjectEncodingName(e), len, e->lru() & 0xFFFFFF,
                static_cast<long long>(idle));
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
  ReplyHelp(r, kHelp);
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
  ctx.reply.AddError("unknown subcommand or wrong number of arguments for '" + std::string(sub.substr(0, 128)) +
                     "'. Try DEBUG HELP.");
}

}  // namespace replikv
