// Hash commands: HSET HSETNX HMSET HGET HMGET HDEL HLEN HSTRLEN HEXISTS
// HGETALL HKEYS HVALS HINCRBY HINCRBYFLOAT HRANDFIELD HSCAN.
//
// Replies, errors and encoding conversions follow Redis 7.0 (t_hash.c's
// behaviour, checked against redis-server). Everything propagates as sent
// except HINCRBYFLOAT, which Redis 7.0 propagates as HSET key field <result>
// so that a replica does not redo the float arithmetic.
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdio>
#include <string>
#include <unordered_set>
#include <vector>

#include "server/net/client.h"
#include "server/net/reply_buffer.h"
#include "server/notify.h"
#include "server/server.h"
#include "server/commands/type_commands.h"
#include "server/types/type_hash.h"

namespace replikv {
namespace {

// The hash at `key` for writing, created (empty, not yet stored) when absent.
// nullptr after a WRONGTYPE reply. *created tells the caller to add the key.
Entry* HashForWrite(CommandContext& ctx, std::string_view key) {
  bool wrongtype;
  Entry* e = LookupTypedWrite(ctx, key, ObjType::kHash, &wrongtype);
  if (wrongtype) return nullptr;
  if (e == nullptr) e = AddObjectKey(ctx, key, ObjType::kHash, HashValue::NewObject());
  return e;
}

void HsetGeneric(CommandContext& ctx, bool hmset) {
  if (ctx.argv.size() % 2 != 0) return ReplyWrongArity(ctx.reply, hmset ? "hmset" : "hset");
  Entry* e = HashForWrite(ctx, ctx.argv[1]);
  if (e == nullptr) return;
  HashValue h(e);
  PackLimits limits = HashLimits(ctx.server.config());
  // Redis checks every argument's length before it sets anything; setting
  // pair by pair converts at the same point for the final state.
  for (size_t i = 2; i < ctx.argv.size(); ++i) {
    if (ctx.argv[i].size() > limits.max_value) {
      h.ConvertToTable();
      break;
    }
  }
  int64_t created = 0;
  for (size_t i = 2; i < ctx.argv.size(); i += 2) {
    if (h.Set(ctx.argv[i], ctx.argv[i + 1], limits)) ++created;
  }
  ctx.AddDirty((ctx.argv.size() - 2) / 2);
  Notify(ctx, kNotifyHash, "hset", ctx.argv[1]);
  hmset ? ctx.reply.AddOk() : ctx.reply.AddInt(created);
}

void HsetCommand(CommandContext& ctx) { HsetGeneric(ctx, false); }
void HmsetCommand(CommandContext& ctx) { HsetGeneric(ctx, true); }

void HsetnxCommand(CommandContext& ctx) {
  Entry* e = HashForWrite(ctx, ctx.argv[1]);
  if (e == nullptr) return;
  HashValue h(e);
  if (h.Exists(ctx.argv[2])) return ctx.reply.AddInt(0);
  h.Set(ctx.argv[2], ctx.argv[3], HashLimits(ctx.server.config()));
  ctx.AddDirty();
  Notify(ctx, kNotifyHash, "hset", ctx.argv[1]);
  ctx.reply.AddInt(1);
}

void HgetCommand(CommandContext& ctx) {
  bool wrongtype;
  Entry* e = LookupTypedRead(ctx, ctx.argv[1], ObjType::kHash, &wrongtype);
  if (wrongtype) return;
  std::string_view v;
  if (e == nullptr || !HashValue(e).Get(ctx.argv[2], &v)) return ctx.reply.AddNullBulk();
  ctx.reply.AddBulk(v);
}

void HmgetCommand(CommandContext& ctx) {
  bool wrongtype;
  Entry* e = LookupTypedRead(ctx, ctx.argv[1], ObjType::kHash, &wrongtype);
  if (wrongtype) return;
  ctx.reply.AddArrayLen(ctx.argv.size() - 2);
  for (size_t i = 2; i < ctx.argv.size(); ++i) {
    std::string_view v;
    if (e != nullptr && HashValue(e).Get(ctx.argv[i], &v)) {
      ctx.reply.AddBulk(v);
    } else {
      ctx.reply.AddNullBulk();
    }
  }
}

void HdelCommand(CommandContext& ctx) {
  RemoveMembers<HashValue>(ctx, ObjType::kHash, &HashValue::Delete, kNotifyHash, "hdel");
}

void HlenCommand(CommandContext& ctx) {
  bool wrongtype;
  Entry* e = LookupTypedRead(ctx, ctx.argv[1], ObjType::kHash, &wrongtype);
  if (wrongtype) return;
  ctx.reply.AddInt(e == nullptr ? 0 : static_cast<int64_t>(HashValue(e).size()));
}

void HstrlenCommand(CommandContext& ctx) {
  bool wrongtype;
  Entry* e = LookupTypedRead(ctx, ctx.argv[1], ObjType::kHash, &wrongtype);
  if (wrongtype) return;
  std::string_view v;
  bool found = e != nullptr && HashValue(e).Get(ctx.argv[2], &v);
  ctx.reply.AddInt(found ? static_cast<int64_t>(v.size()) : 0);
}

void HexistsCommand(CommandContext& ctx) {
  bool wrongtype;
  Entry* e = LookupTypedRead(ctx, ctx.argv[1], ObjType::kHash, &wrongtype);
  if (wrongtype) return;
  ctx.reply.AddInt(e != nullptr && HashValue(e).Exists(ctx.argv[2]) ? 1 : 0);
}

enum GetAllParts { kFields = 1, kValues = 2 };

void GetAllGeneric(CommandContext& ctx, int parts) {
  bool wrongtype;
  Entry* e = LookupTypedRead(ctx, ctx.argv[1], ObjType::kHash, &wrongtype);
  if (wrongtype) return;
  const bool pairs = parts == (kFields | kValues);
  // HGETALL is a map in RESP3 (an empty one for a missing key).
  if (e == nullptr) return pairs ? ctx.reply.AddMapLen(0) : ctx.reply.AddArrayLen(0);
  HashValue h(e);
  if (pairs) {
    ctx.reply.AddMapLen(h.size());
  } else {
    ctx.reply.AddArrayLen(h.size());
  }
  h.ForEach([&](std::string_view f, std::string_view v) {
    if (parts & kFields) ctx.reply.AddBulk(f);
    if (parts & kValues) ctx.reply.AddBulk(v);
  });
}

void HgetallCommand(CommandContext& ctx) { GetAllGeneric(ctx, kFields | kValues); }
void HkeysCommand(CommandContext& ctx) { GetAllGeneric(ctx, kFields); }
void HvalsCommand(CommandContext& ctx) { GetAllGeneric(ctx, kValues); }

void HincrbyCommand(CommandContext& ctx) {
  int64_t by;
  if (!ParseInt64(ctx.argv[3], &by)) return ReplyNotInteger(ctx.reply);
  Entry* e = HashForWrite(ctx, ctx.argv[1]);
  if (e == nullptr) return;
  HashValue h(e);
  int64_t value = 0;
  std::string_view cur;
  if (h.Get(ctx.argv[2], &cur) && !ParseInt64(cur, &value)) {
    return ctx.reply.AddError("hash value is not an integer");
  }
  if ((by < 0 && value < 0 && by < LLONG_MIN - value) || (by > 0 && value > 0 && by > LLONG_MAX - value)) {
    return ctx.reply.AddError("increment or decrement would overflow");
  }
  value += by;
  h.Set(ctx.argv[2], std::to_string(value), HashLimits(ctx.server.config()));
  ctx.AddDirty();
  Notify(ctx, kNotifyHash, "hincrby", ctx.argv[1]);
  ctx.reply.AddInt(value);
}

void HincrbyfloatCommand(CommandContext& ctx) {
  long double by;
  if (!ParseLongDouble(ctx.argv[3], &by)) return ctx.reply.AddError("value is not a valid float");
  if (std::isinf(by)) return ctx.reply.AddError("value is NaN or Infinity");
  Entry* e = HashForWrite(ctx, ctx.argv[1]);
  if (e == nullptr) return;
  HashValue h(e);
  long double value = 0;
  std::string_view cur;
  if (h.Get(ctx.argv[2], &cur) && !ParseLongDouble(cur, &value)) {
    return ctx.reply.AddError("hash value is not a float");
  }
  value += by;
  if (std::isnan(value) || std::isinf(value)) return ctx.reply.AddError("increment would produce NaN or Infinity");
  std::string text = FormatLongDouble(value);
  h.Set(ctx.argv[2], text, HashLimits(ctx.server.config()));
  ctx.AddDirty();
  Notify(ctx, kNotifyHash, "hincrbyfloat", ctx.argv[1]);
  ctx.reply.AddBulk(text);
  ctx.Propagate({"HSET", ctx.argv[1], ctx.argv[2], text});
}

// WITHVALUES: field and value, a two-element array in RESP3.
void ReplyPair(ReplyBuffer& r, std::string_view f, std::string_view v, bool withvalues) {
  if (withvalues) r.AddPairHeader();
  r.AddBulk(f);
  if (withvalues) r.AddBulk(v);
}

void AddFieldsLen(ReplyBuffer& r, uint64_t n, bool withvalues) {
  if (withvalues) return r.AddPairArrayLen(n);
  r.AddArrayLen(n);
}

void HrandfieldWithCount(CommandContext& ctx, int64_t l, bool withvalues) {
  bool wrongtype;
  Entry* e = LookupTypedRead(ctx, ctx.argv[1], ObjType::kHash, &wrongtype);
  if (wrongtype) return;
  if (e == nullptr || l == 0) return ctx.reply.AddArrayLen(0);
  HashValue h(e);
  const uint64_t size = h.size();
  ReplyBuffer& r = ctx.reply;
  if (l < 0) {
    // Repetitions allowed: `count` independent draws.
    auto count = static_cast<uint64_t>(-l);
    AddFieldsLen(r, count, withvalues);
    if (h.kind() == HashValue::kPacked) {
      // Index the pairs once so each draw is O(1).
      std::vector<std::pair<std::string_view, std::string_view>> pairs;
      pairs.reserve(size);
      h.ForEach([&](std::string_view f, std::string_view v) { pairs.emplace_back(f, v); });
      for (uint64_t i = 0; i < count; ++i) {
        auto& [f, v] = pairs[RandomBits() % size];
        ReplyPair(r, f, v, withvalues);
      }
    } else {
      for (uint64_t i = 0; i < count; ++i) {
        std::string_view f, v;
        h.Random(RandomBits(), &f, &v);
        ReplyPair(r, f, v, withvalues);
      }
    }
    return;
  }
  auto count = static_cast<uint64_t>(l);
  if (count >= size) {
    AddFieldsLen(r, size, withvalues);
    h.ForEach([&](std::string_view f, std::string_view v) { ReplyPair(r, f, v, withvalues); });
    return;
  }
  AddFieldsLen(r, count, withvalues);
  if (h.kind() == HashValue::kPacked) {
    // Selection sampling: each pair is taken with probability
    // needed/remaining, which picks `count` distinct pairs in storage order.
    uint64_t needed = count, remaining = size;
    h.ForEach([&](std::string_view f, std::string_view v) {
      if (needed > 0 && RandomBits() % remaining < needed) {
        ReplyPair(r, f, v, withvalues);
        --needed;
      }
      --remaining;
    });
    return;
  }
  const HashItemTable* t = h.table();
  if (count * 3 > size) {
    // Many of them: shuffle the first `count` of all items into place.
    std::vector<const HashItem*> items;
    items.reserve(size);
    t->ForEach([&](const HashItem* i) { items.push_back(i); });
    for (uint64_t i = 0; i < count; ++i) {
      uint64_t j = i + RandomBits() % (size - i);
      std::swap(items[i], items[j]);
      ReplyPair(r, items[i]->field(), items[i]->value(), withvalues);
    }
    return;
  }
  // Few of them (count <= size/3): draw until enough distinct ones; each
  // draw is new with probability >= 2/3.
  std::unordered_set<const HashItem*> seen;
  while (seen.size() < count) {
    const HashItem* i = t->RandomEntry(RandomBits());
    if (seen.insert(i).second) ReplyPair(r, i->field(), i->value(), withvalues);
  }
}

void HrandfieldCommand(CommandContext& ctx) {
  ArgList a = ctx.argv;
  if (a.size() >= 3) {
    int64_t l;
    if (!ParseRangeCount(ctx, a[2], &l)) return;
    bool withvalues = false;
    if (a.size() > 4 || (a.size() == 4 && !EqualsIgnoreCase(a[3], "withvalues"))) {
      return ReplySyntaxError(ctx.reply);
    }
    if (a.size() == 4) {
      withvalues = true;
      if (l < -LLONG_MAX / 2 || l > LLONG_MAX / 2) return ctx.reply.AddError("value is out of range");
    }
    return HrandfieldWithCount(ctx, l, withvalues);
  }
  bool wrongtype;
  Entry* e = LookupTypedRead(ctx, a[1], ObjType::kHash, &wrongtype);
  if (wrongtype) return;
  if (e == nullptr) return ctx.reply.AddNullBulk();
  std::string_view f, v;
  HashValue(e).Random(RandomBits(), &f, &v);
  ctx.reply.AddBulk(f);
}

void HscanCommand(CommandContext& ctx) {
  uint64_t cursor;
  if (!ParseScanCursor(ctx, ctx.argv[2], &cursor)) return;
  bool wrongtype;
  Entry* e = LookupTypedRead(ctx, ctx.argv[1], ObjType::kHash, &wrongtype);
  if (wrongtype) return;
  if (e == nullptr) return ReplyEmptyScan(ctx.reply);
  ScanOptions opts;
  if (!ParseScanOptions(ctx, 3, &opts)) return;
  HashValue h(e);
  std::vector<std::string> out;
  auto add = [&](std::string_view f, std::string_view v) {
    if (!ScanMatches(opts, f)) return;
    out.emplace_back(f);
    out.emplace_back(v);
  };
  if (h.kind() == HashValue::kPacked) {
    h.ForEach(add);
    return ReplyScan(ctx.reply, 0, out);
  }
  // As Redis: about `count` elements (a field and its value count as two),
  // at most 10 x count bucket visits.
  int64_t max_iterations = opts.count * 10;
  size_t visited = 0;
  const HashItemTable* t = h.table();
  do {
    cursor = t->Scan(cursor, [&](const HashItem* i) {
      visited += 2;
      add(i->field(), i->value());
    });
  } while (cursor != 0 && max_iterations-- > 0 && visited < static_cast<uint64_t>(opts.count));
  ReplyScan(ctx.reply, cursor, out);
}

}  // namespace

void RegisterHashCommands(CommandTable& t) {
  const uint32_t kWF = kCmdWrite | kCmdDenyOom | kCmdFast;
  const uint32_t kRF = kCmdReadonly | kCmdFast;
  AddCommands(t, "hash", {
      {"hset", -4, kWF, HsetCommand, 1, 1, 1, "2.0.0"},
      {"hmset", -4, kWF, HmsetCommand, 1, 1, 1, "2.0.0"},
      {"hsetnx", 4, kWF, HsetnxCommand, 1, 1, 1, "2.0.0"},
      {"hget", 3, kRF, HgetCommand, 1, 1, 1, "2.0.0"},
      {"hmget", -3, kRF, HmgetCommand, 1, 1, 1, "2.0.0"},
      {"hdel", -3, kCmdWrite | kCmdFast, HdelCommand, 1, 1, 1, "2.0.0"},
      {"hlen", 2, kRF, HlenCommand, 1, 1, 1, "2.0.0"},
      {"hstrlen", 3, kRF, HstrlenCommand, 1, 1, 1, "3.2.0"},
      {"hexists", 3, kRF, HexistsCommand, 1, 1, 1, "2.0.0"},
      {"hgetall", 2, kCmdReadonly, HgetallCommand, 1, 1, 1, "2.0.0"},
      {"hkeys", 2, kCmdReadonly, HkeysCommand, 1, 1, 1, "2.0.0"},
      {"hvals", 2, kCmdReadonly, HvalsCommand, 1, 1, 1, "2.0.0"},
      {"hincrby", 4, kWF, HincrbyCommand, 1, 1, 1, "2.0.0"},
      {"hincrbyfloat", 4, kWF, HincrbyfloatCommand, 1, 1, 1, "2.6.0"},
      {"hrandfield", -2, kCmdReadonly, HrandfieldCommand, 1, 1, 1, "6.2.0"},
      {"hscan", -3, kCmdReadonly, HscanCommand, 1, 1, 1, "2.8.0"},
  });
}

}  // namespace replikv
