#include "server/commands/type_commands.h"

#include <cctype>
#include <climits>
#include <random>

#include "server/net/client.h"
#include "server/ds/glob.h"
#include "server/net/reply_buffer.h"
#include "server/notify.h"
#include "server/server.h"

namespace replikv {

Entry* LookupTypedWriteIn(CommandContext& ctx, int db, std::string_view key, ObjType type, bool* wrongtype) {
  Entry* e = ctx.server.keyspace().LookupWrite(db, key);
  *wrongtype = e != nullptr && e->type() != type;
  if (*wrongtype) {
    ReplyWrongType(ctx.reply);
    return nullptr;
  }
  return e;
}

Entry* LookupTypedRead(CommandContext& ctx, std::string_view key, ObjType type, bool* wrongtype) {
  Entry* e = ctx.server.keyspace().LookupRead(ctx.db_index(), key);
  *wrongtype = e != nullptr && e->type() != type;
  if (*wrongtype) {
    ReplyWrongType(ctx.reply);
    return nullptr;
  }
  return e;
}

Entry* LookupTypedWrite(CommandContext& ctx, std::string_view key, ObjType type, bool* wrongtype) {
  return LookupTypedWriteIn(ctx, ctx.db_index(), key, type, wrongtype);
}

Entry* AddObjectKey(CommandContext& ctx, std::string_view key, ObjType type, void* object) {
  Entry* e = Entry::NewObject(key, type, object, false);
  ctx.db().Add(e);
  return e;
}

void StoreObjectKey(CommandContext& ctx, std::string_view key, ObjType type, void* object) {
  Db& db = ctx.db();
  Entry* e = Entry::NewObject(key, type, object, false);
  Entry* old = db.Find(key);
  if (old != nullptr) {
    db.Overwrite(old, e);
  } else {
    db.Add(e);
  }
}

void DeleteKey(CommandContext& ctx, std::string_view key) {
  if (ctx.db().Delete(key)) Notify(ctx, kNotifyGeneric, "del", key);
}

PackLimits HashLimits(const ServerConfig& c) {
  return {static_cast<uint64_t>(c.hash_max_listpack_entries), static_cast<uint64_t>(c.hash_max_listpack_value)};
}

PackLimits ZsetLimits(const ServerConfig& c) {
  return {static_cast<uint64_t>(c.zset_max_listpack_entries), static_cast<uint64_t>(c.zset_max_listpack_value)};
}

bool ParseScanCursor(CommandContext& ctx, std::string_view s, uint64_t* cursor) {
  // strtoul stops at a NUL byte (Redis hands it the sds as a C string).
  size_t nul = s.find('\0');
  if (nul != std::string_view::npos) s = s.substr(0, nul);
  bool ok = s.empty() || !std::isspace(static_cast<unsigned char>(s[0]));
  size_t i = 0;
  bool negative = false;
  if (ok && !s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    i = 1;
    ok = s.size() > 1;  // a lone sign: strtoul parses nothing
  }
  uint64_t v = 0;
  for (; ok && i < s.size(); ++i) {  // bounded by the argument's length
    char ch = s[i];
    if (ch < '0' || ch > '9') {
      ok = false;
      break;
    }
    uint64_t d = static_cast<uint64_t>(ch - '0');
    if (v > (UINT64_MAX - d) / 10) {
      ok = false;  // ERANGE
      break;
    }
    v = v * 10 + d;
  }
  if (!ok) {
    ctx.reply.AddError("invalid cursor");
    return false;
  }
  *cursor = negative ? 0 - v : v;
  return true;
}

bool ParseScanOptions(CommandContext& ctx, size_t first, ScanOptions* opts) {
  ArgList a = ctx.argv;
  for (size_t i = first; i < a.size();) {
    size_t left = a.size() - i;
    if (EqualsIgnoreCase(a[i], "count") && left >= 2) {
      if (!ParseInt64(a[i + 1], &opts->count)) {
        ReplyNotInteger(ctx.reply);
        return false;
      }
      if (opts->count < 1) {
        ReplySyntaxError(ctx.reply);
        return false;
      }
      i += 2;
    } else if (EqualsIgnoreCase(a[i], "match") && left >= 2) {
      opts->pattern = a[i + 1];
      opts->has_pattern = !(opts->pattern.size() == 1 && opts->pattern[0] == '*');
      i += 2;
    } else {
      ReplySyntaxError(ctx.reply);
      return false;
    }
  }
  return true;
}

bool ScanMatches(const ScanOptions& opts, std::string_view element) {
  return !opts.has_pattern || GlobMatch(opts.pattern, element, false);
}

void ReplyScan(ReplyBuffer& r, uint64_t cursor, const std::vector<std::string>& elements) {
  r.AddArrayLen(2);
  r.AddBulk(std::to_string(cursor));
  r.AddArrayLen(elements.size());
  for (const std::string& s : elements) r.AddBulk(s);
}

void ReplyEmptyScan(ReplyBuffer& r) { r.Append("*2\r\n$1\r\n0\r\n*0\r\n"); }

uint64_t RandomBits() {
  static std::mt19937_64 rng(std::random_device{}());
  return rng();
}

bool ParseRangeCount(CommandContext& ctx, std::string_view s, int64_t* out) {
  if (!ParseInt64(s, out)) {
    ReplyNotInteger(ctx.reply);
    return false;
  }
  if (*out == LLONG_MIN) {
    ctx.reply.AddError("value is out of range, value must between -9223372036854775807 and 9223372036854775807");
    return false;
  }
  return true;
}

bool NormalizeRange(int64_t len, int64_t* start, int64_t* end) {
  if (*start < 0) *start += len;
  if (*end < 0) *end += len;
  if (*start < 0) *start = 0;
  if (*start > *end || *start >= len) return false;
  if (*end >= len) *end = len - 1;
  return true;
}

}  // namespace replikv
