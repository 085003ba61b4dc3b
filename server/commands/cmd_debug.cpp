// DEBUG subcommands used by tests, benchmarks and operators: DIGEST,
// DIGEST-VALUE, POPULATE, SLEEP, SET-ACTIVE-EXPIRE, OBJECT, HELP here; the
// inspection ones and Redis 7.0's test switches in cmd_debug_inspect.cpp;
// RELOAD, LOADAOF and AOF-FLUSH-SLEEP from persistence (debug_subcommands).
// Gated by enable-debug-command (Redis 7.0's default: no).
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "server/net/client.h"
#include "server/commands/debug_inspect.h"
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
  // Redis 7.0's text for the subcommands replikv has (CHANGE-REPL-ID comes
  // with replication, through Server::debug_subcommands).
  static const char* kHelp[] = {
      "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "AOF-FLUSH-SLEEP <microsec>",
      "    Server will sleep before flushing the AOF, this is used for testing.",
      "CHANGE-REPL-ID",
      "    Change the replication IDs of the instance.",
      "    Dangerous: should be used only for testing the replication subsystem.",
      "DIGEST",
      "    Output a hex signature representing the current DB content.",
      "DIGEST-VALUE <key> [<key> ...]",
      "    Output a hex signature of the values of all the specified keys.",
      "ERROR <string>",
      "    Return a Redis protocol error with <string> as message. Useful for clients",
      "    unit tests to simulate Redis errors.",
      "LOG <message>",
      "    Write <message> to the server log.",
      "HTSTATS <dbid>",
      "    Return hash table statistics of the specified Redis database.",
      "HTSTATS-KEY <key>",
      "    Like HTSTATS but for the hash table stored at <key>'s value.",
      "LOADAOF",
      "    Flush the AOF buffers on disk and reload the AOF in memory.",
      "OBJECT <key>",
      "    Show low level info about `key` and associated value.",
      "POPULATE <count> [<prefix>] [<size>]",
      "    Create <count> string keys named key:<num>. If <prefix> is specified then",
      "    it is used instead of the 'key' prefix. These are not propagated to",
      "    replicas. Cluster slots are not respected so keys not belonging to the",
      "    current node can be created in cluster mode.",
      "PROTOCOL <type>",
      "    Reply with a test value of the specified type. <type> can be: string,",
      "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
      "    true, false.",
      "RELOAD [option ...]",
      "    Save the RDB on disk and reload it back to memory. Valid <option> values:",
      "    * MERGE: conflicting keys will be loaded from RDB.",
      "    * NOFLUSH: the existing database will not be removed before load, but",
      "      conflicting keys will generate an exception and kill the server.",
      "    * NOSAVE: the database will be loaded from an existing RDB file.",
      "    Examples:",
      "    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
      "      the database.",
      "    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
      "      existing RDB file.",
      "    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
      "      file to the database.",
      "SET-ACTIVE-EXPIRE <0|1>",
      "    Setting it to 0 disables expiring keys in background when they are not",
      "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
      "    default.",
      "QUICKLIST-PACKED-THRESHOLD <size>",
      "    Sets the threshold for elements to be inserted as plain vs packed nodes",
      "    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.",
      "SLEEP <seconds>",
      "    Stop the server for <seconds>. Decimals allowed.",
      "STRINGMATCH-TEST",
      "    Run a fuzz tester against the stringmatchlen() function.",
      "LISTPACK <key>",
      "    Show low level info about the listpack encoding of <key>.",
      "QUICKLIST <key> [<0|1>]",
      "    Show low level info about the quicklist encoding of <key>.",
      "    The optional argument (0 by default) sets the level of detail",
      "PAUSE-CRON <0|1>",
      "    Stop periodic cron job processing.",
      "REPLYBUFFER PEAK-RESET-TIME <NEVER||RESET|time>",
      "    Sets the time (in milliseconds) to wait between client reply buffer peak resets.",
      "    In case NEVER is provided the last observed peak will never be reset",
      "    In case RESET is provided the peak reset time will be restored to the default value",
      "REPLYBUFFER RESIZING <0|1>",
      "    Enable or disable the reply buffer resize cron job",
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
  if (RunDebugInspect(ctx)) return;
  for (auto& [name, handler] : ctx.server.debug_subcommands) {
    if (EqualsIgnoreCase(sub, name)) return handler(ctx);
  }
  ctx.reply.AddError("unknown subcommand or wrong number of arguments for '" + std::string(sub.substr(0, 128)) +
                     "'. Try DEBUG HELP.");
}

}  // namespace replikv
