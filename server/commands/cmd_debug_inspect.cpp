// DEBUG subcommands that look inside values and tables: HTSTATS,
// HTSTATS-KEY, LISTPACK, QUICKLIST, QUICKLIST-PACKED-THRESHOLD, and the
// test switches of Redis 7.0 that replikv accepts (PROTOCOL, ERROR, LOG,
// PAUSE-CRON, REPLYBUFFER, SET-DISABLE-DENY-SCRIPTS, STRINGMATCH-TEST).
//
// Where Redis prints a structure on its stdout (LISTPACK, QUICKLIST) so
// does replikv, with its own description of its own structures; the reply
// is Redis's.
#include <spdlog/spdlog.h>

#include <cstdio>
#include <random>
#include <string>

#include "server/commands/debug_inspect.h"
#include "server/commands/list_keys.h"
#include "server/config/config_table.h"
#include "server/ds/glob.h"
#include "server/net/client.h"
#include "server/net/reply_buffer.h"
#include "server/server.h"
#include "server/types/type_hash.h"
#include "server/types/type_list.h"
#include "server/types/type_set.h"
#include "server/types/type_zset.h"

namespace replikv {
namespace {

// DEBUG HTSTATS <db>: the key table, then the table of keys with a TTL, in
// Redis's shape ("[Dictionary HT]" / "[Expires HT]" then the table stats).
void HtStats(CommandContext& ctx) {
  int64_t dbid;
  if (!ParseInt64(ctx.argv[2], &dbid)) return ReplyNotInteger(ctx.reply);
  Keyspace& ks = ctx.server.keyspace();
  if (dbid < 0 || dbid >= ks.databases()) return ctx.reply.AddError("Out of range database");
  Db& db = ks.db(static_cast<int>(dbid));
  std::string out = "[Dictionary HT]\n";
  db.keys().AppendStats(&out);
  out += "[Expires HT]\n";
  db.expires().AppendStats(&out);
  ctx.reply.AddBulk(out);
}

// DEBUG HTSTATS-KEY <key>: a set, hash or sorted set stored as a hash table.
void HtStatsKey(CommandContext& ctx) {
  Entry* e = ctx.db().Find(ctx.argv[2]);
  if (e == nullptr) return ctx.reply.AddError("no such key");
  std::string out;
  if (e->type() == ObjType::kSet && SetValue(e).table() != nullptr) {
    SetValue(e).table()->AppendStats(&out);
  } else if (e->type() == ObjType::kHash && HashValue(e).table() != nullptr) {
    HashValue(e).table()->AppendStats(&out);
  } else if (e->type() == ObjType::kZset && ZsetValue(e).skiplist() != nullptr) {
    ZsetValue(e).skiplist()->index.AppendStats(&out);
  } else {
    return ctx.reply.AddError("The value stored at the specified key is not represented using an hash table");
  }
  ctx.reply.AddBulk(out);
}

void DebugQuicklist(CommandContext& ctx) {
  Entry* e = ctx.db().Find(ctx.argv[2]);
  if (e == nullptr) return ctx.reply.AddError("no such key");
  if (e->type() != ObjType::kList) return ctx.reply.AddError("Not a quicklist encoded object.");
  int64_t full = 0;
  if (ctx.argv.size() == 4) ParseInt64(ctx.argv[3], &full);  // Redis: atoi, anything goes
  std::string text = ListOf(e)->Describe(full != 0);
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
  ctx.reply.AddSimple("Quicklist structure printed on stdout");
}

void DebugListpack(CommandContext& ctx) {
  Entry* e = ctx.db().Find(ctx.argv[2]);
  if (e == nullptr) return ctx.reply.AddError("no such key");
  if (std::string_view(ObjectEncodingName(e)) != "listpack") {
    return ctx.reply.AddError("Not a listpack encoded object.");
  }
  size_t n = e->type() == ObjType::kHash  ? HashValue(e).size()
             : e->type() == ObjType::kZset ? ZsetValue(e).size()
                                           : SetValue(e).size();
  std::printf("{listpack}\n{key : %.*s}\n{entries : %zu}\n", static_cast<int>(e->key().size()), e->key().data(),
              e->type() == ObjType::kSet ? n : 2 * n);
  std::fflush(stdout);
  ctx.reply.AddSimple("Listpack structure printed on stdout");
}

// Redis 7.0 allows 1 .. 4 GiB - 1 MiB; 0 restores the 1 GiB default.
void QuicklistPackedThreshold(CommandContext& ctx) {
  uint64_t bytes;
  constexpr uint64_t kMax = (uint64_t{1} << 32) - (uint64_t{1} << 20);
  if (config_internal::ParseMemory(ctx.argv[2], &bytes) != config_internal::MemoryParse::kOk || bytes > kMax) {
    return ctx.reply.AddError("argument must be a memory value bigger than 1 and smaller than 4gb");
  }
  List::SetPackedThreshold(bytes == 0 ? (size_t{1} << 30) : bytes);
  ctx.reply.AddOk();
}

// DEBUG PROTOCOL <type>: a test value of each type, in the client's
// protocol (RESP2 gets Redis 7.0's fallbacks: a map is a flat array, a
// boolean an integer, a verbatim string a bulk).
void DebugProtocol(CommandContext& ctx) {
  std::string_view t = ctx.argv[2];
  ReplyBuffer& r = ctx.reply;
  if (EqualsIgnoreCase(t, "string")) return r.AddBulk("Hello World");
  if (EqualsIgnoreCase(t, "integer")) return r.AddInt(12345);
  if (EqualsIgnoreCase(t, "double")) return r.AddDoubleText("3.141");
  if (EqualsIgnoreCase(t, "bignum")) return r.AddBigNumber("1234567999999999999999999999999999999");
  if (EqualsIgnoreCase(t, "null")) return r.AddNullBulk();
  if (EqualsIgnoreCase(t, "array") || EqualsIgnoreCase(t, "set")) {
    if (EqualsIgnoreCase(t, "set")) {
      r.AddSetLen(3);
    } else {
      r.AddArrayLen(3);
    }
    for (int i = 0; i < 3; ++i) r.AddInt(i);
    return;
  }
  if (EqualsIgnoreCase(t, "map")) {
    r.AddMapLen(3);
    for (int i = 0; i < 3; ++i) {
      r.AddInt(i);
      r.AddBool(i == 1);  // the map is {0: false, 1: true, 2: false}
    }
    return;
  }
  if (EqualsIgnoreCase(t, "attrib")) {
    // |1 key-popularity [key:123, 90], then the reply it describes; RESP2
    // has no attributes and gets the reply alone.
    if (r.resp3()) {
      r.Append("|1\r\n");
      r.AddBulk("key-popularity");
      r.AddArrayLen(2);
      r.AddBulk("key:123");
      r.AddInt(90);
    }
    return r.AddBulk("Some real reply following the attribute");
  }
  if (EqualsIgnoreCase(t, "push")) {
    if (!r.resp3()) return r.AddError("RESP2 is not supported by this command");
    r.AddPushLen(2);
    r.AddBulk("server-cpu-usage");
    r.AddInt(42);
    return r.AddBulk("Some real reply following the push reply");
  }
  if (EqualsIgnoreCase(t, "verbatim")) return r.AddVerbatim("This is a verbatim\nstring");
  if (EqualsIgnoreCase(t, "true")) return r.AddBool(true);
  if (EqualsIgnoreCase(t, "false")) return r.AddBool(false);
  r.AddError(
      "Wrong protocol type name. Please use one of the following: "
      "string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false");
}

// DEBUG STRINGMATCH-TEST: the glob matcher against random patterns and
// subjects; it passes by not crashing (nor running away: the matcher is
// bounded).
void StringmatchTest(CommandContext& ctx) {
  std::mt19937 rng(12345);
  static const char kAlphabet[] = "*?[]^-\\ab";
  std::string pattern, subject;
  for (int i = 0; i < 100000; ++i) {
    pattern.assign(rng() % 16, ' ');
    subject.assign(rng() % 16, ' ');
    for (char& c : pattern) c = kAlphabet[rng() % (sizeof(kAlphabet) - 1)];
    for (char& c : subject) c = kAlphabet[rng() % (sizeof(kAlphabet) - 1)];
    (void)GlobMatch(pattern, subject, (rng() & 1) != 0);
  }
  ctx.reply.AddSimple("Apparently Redis did not crash: test passed");
}

}  // namespace

bool RunDebugInspect(CommandContext& ctx) {
  ArgList a = ctx.argv;
  std::string_view sub = a[1];
  const size_t argc = a.size();
  if (EqualsIgnoreCase(sub, "htstats") && argc == 3) return HtStats(ctx), true;
  if (EqualsIgnoreCase(sub, "htstats-key") && argc == 3) return HtStatsKey(ctx), true;
  if (EqualsIgnoreCase(sub, "quicklist") && (argc == 3 || argc == 4)) return DebugQuicklist(ctx), true;
  if (EqualsIgnoreCase(sub, "listpack") && argc == 3) return DebugListpack(ctx), true;
  if (EqualsIgnoreCase(sub, "quicklist-packed-threshold") && argc == 3) return QuicklistPackedThreshold(ctx), true;
  if (EqualsIgnoreCase(sub, "protocol") && argc == 3) return DebugProtocol(ctx), true;
  if (EqualsIgnoreCase(sub, "stringmatch-test") && argc == 2) return StringmatchTest(ctx), true;
  if (EqualsIgnoreCase(sub, "error") && argc == 3) {
    // The text is the whole error line, code included: "-" + text.
    ctx.reply.AddError("-" + std::string(a[2]));
    return true;
  }
  if (EqualsIgnoreCase(sub, "log") && argc == 3) {
    spdlog::warn("DEBUG LOG: {}", a[2]);
    ctx.reply.AddOk();
    return true;
  }
  if (EqualsIgnoreCase(sub, "pause-cron") && argc == 3) {
    int64_t v = 0;
    ParseInt64(a[2], &v);  // Redis: atoi, so anything not a number is 0
    ctx.server.cron_paused = v != 0;
    ctx.reply.AddOk();
    return true;
  }
  if (EqualsIgnoreCase(sub, "replybuffer") && argc == 4) {
    // replikv's reply buffers have no peak-reset or resize cron to tune:
    // the switches are accepted with Redis's validation and replies.
    if (EqualsIgnoreCase(a[2], "peak-reset-time")) {
      int64_t ms;
      if (!EqualsIgnoreCase(a[3], "never") && !EqualsIgnoreCase(a[3], "reset") && !ParseInt64(a[3], &ms)) {
        ReplyNotInteger(ctx.reply);
        return true;
      }
      ctx.reply.AddOk();
      return true;
    }
    if (EqualsIgnoreCase(a[2], "resizing")) {
      ctx.reply.AddOk();
      return true;
    }
    return false;
  }
  if (EqualsIgnoreCase(sub, "set-disable-deny-scripts") && argc == 3) {
    // Without scripting there is nothing a script could be denied.
    ctx.reply.AddOk();
    return true;
  }
  return false;
}

}  // namespace replikv
