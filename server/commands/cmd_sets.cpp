// Set commands: SADD SREM SMEMBERS SISMEMBER SMISMEMBER SCARD SPOP
// SRANDMEMBER SMOVE SINTER SINTERCARD SINTERSTORE SUNION SUNIONSTORE SDIFF
// SDIFFSTORE SSCAN.
//
// Replies and errors follow Redis 7.0 (t_set.c's behaviour, checked against
// redis-server). Results of SUNION/SDIFF (and the STORE forms) are built the
// way Redis builds them, starting from an intset, so an all-integer result
// comes back sorted and is stored as an intset, as in Redis.
//
// Propagation: SPOP is non-deterministic, so it goes out as what it did:
// SREM key <member> for each popped member, or DEL key when it popped the
// whole set (Redis 7.0 sends DEL even with lazyfree-lazy-server-del).
// Everything else propagates as sent.
#include <algorithm>
#include <climits>
#include <string>
#include <unordered_set>
#include <vector>

#include "server/net/client.h"
#include "server/net/reply_buffer.h"
#include "server/notify.h"
#include "server/server.h"
#include "server/commands/type_commands.h"
#include "server/types/type_set.h"

namespace replikv {
namespace {

uint64_t MaxIntset(CommandContext& ctx) {
  return static_cast<uint64_t>(ctx.server.config().set_max_intset_entries);
}

void SaddCommand(CommandContext& ctx) {
  bool wrongtype;
  Entry* e = LookupTypedWrite(ctx, ctx.argv[1], ObjType::kSet, &wrongtype);
  if (wrongtype) return;
  if (e == nullptr) e = AddObjectKey(ctx, ctx.argv[1], ObjType::kSet, SetValue::NewObjectFor(ctx.argv[2]));
  SetValue s(e);
  uint64_t max_intset = MaxIntset(ctx);
  int64_t added = 0;
  for (size_t i = 2; i < ctx.argv.size(); ++i) {
    if (s.Add(ctx.argv[i], max_intset)) ++added;
  }
  ctx.AddDirty(static_cast<uint64_t>(added));
  if (added != 0) Notify(ctx, kNotifySet, "sadd", ctx.argv[1]);
  ctx.reply.AddInt(added);
}

void SremCommand(CommandContext& ctx) {
  RemoveMembers<SetValue>(ctx, ObjType::kSet, &SetValue::Remove, kNotifySet, "srem");
}

void SismemberCommand(CommandContext& ctx) {
  bool wrongtype;
  Entry* e = LookupTypedRead(ctx, ctx.argv[1], ObjType::kSet, &wrongtype);
  if (wrongtype) return;
  ctx.reply.AddInt(e != nullptr && SetValue(e).Contains(ctx.argv[2]) ? 1 : 0);
}

void SmismemberCommand(CommandContext& ctx) {
  bool wrongtype;
  Entry* e = LookupTypedRead(ctx, ctx.argv[1], ObjType::kSet, &wrongtype);
  if (wrongtype) return;
  ctx.reply.AddArrayLen(ctx.argv.size() - 2);
  for (size_t i = 2; i < ctx.argv.size(); ++i) {
    ctx.reply.AddInt(e != nullptr && SetValue(e).Contains(ctx.argv[i]) ? 1 : 0);
  }
}

void ScardCommand(CommandContext& ctx) {
  bool wrongtype;
  Entry* e = LookupTypedRead(ctx, ctx.argv[1], ObjType::kSet, &wrongtype);
  if (wrongtype) return;
  ctx.reply.AddInt(e == nullptr ? 0 : static_cast<int64_t>(SetValue(e).size()));
}

// SPOP's whole set is a set in RESP3; SRANDMEMBER's stays an array.
void ReplyMembers(ReplyBuffer& r, const SetValue& s, bool as_set) {
  if (as_set) {
    r.AddSetLen(s.size());
  } else {
    r.AddArrayLen(s.size());
  }
  s.ForEach([&](std::string_view m) { r.AddBulk(m); });
}

// Redis 7.0 propagates SPOP with a count as one SREM per popped member
// (the propagator wraps them in MULTI/EXEC when there are several).
void PropagateSrem(CommandContext& ctx, std::string_view key, const std::vector<std::string>& members) {
  for (const std::string& m : members) ctx.Propagate({"SREM", key, m});
}

void SpopWithCount(CommandContext& ctx) {
  int64_t count;
  if (!ParseInt64(ctx.argv[2], &count) || count < 0) {
    return ctx.reply.AddError("value is out of range, must be positive");
  }
  bool wrongtype;
  Entry* e = LookupTypedWrite(ctx, ctx.argv[1], ObjType::kSet, &wrongtype);
  if (wrongtype) return;
  if (e == nullptr || count == 0) return ctx.reply.AddSetLen(0);
  SetValue s(e);
  const size_t size = s.size();
  if (static_cast<uint64_t>(count) >= size) {
    // The whole set: Redis replies its SUNION and propagates a DEL.
    ReplyMembers(ctx.reply, s, true);
    Notify(ctx, kNotifySet, "spop", ctx.argv[1]);
    DeleteKey(ctx, ctx.argv[1]);
    ctx.AddDirty(size);
    ctx.Propagate({"DEL", ctx.argv[1]});
    return;
  }
  std::vector<std::string> popped;
  popped.reserve(static_cast<size_t>(count));  // count < size: bounded by the set
  char buf[SetValue::kIntBuf];
  for (int64_t i = 0; i < count; ++i) {
    popped.emplace_back(s.Random(RandomBits(), buf));
    s.Remove(popped.back());
  }
  ctx.reply.AddSetLen(popped.size());
  for (const std::string& m : popped) ctx.reply.AddBulk(m);
  ctx.AddDirty(popped.size());
  Notify(ctx, kNotifySet, "spop", ctx.argv[1]);
  PropagateSrem(ctx, ctx.argv[1], popped);
}

void SpopCommand(CommandContext& ctx) {
  if (ctx.argv.size() == 3) return SpopWithCount(ctx);
  if (ctx.argv.size() > 3) return ReplySyntaxError(ctx.reply);
  bool wrongtype;
  Entry* e = LookupTypedWrite(ctx, ctx.argv[1], ObjType::kSet, &wrongtype);
  if (wrongtype) return;
  if (e == nullptr) return ctx.reply.AddNullBulk();
  SetValue s(e);
  char buf[SetValue::kIntBuf];
  std::string member(s.Random(RandomBits(), buf));
  s.Remove(member);
  ctx.reply.AddBulk(member);
  Notify(ctx, kNotifySet, "spop", ctx.argv[1]);
  if (s.size() == 0) DeleteKey(ctx, ctx.argv[1]);
  ctx.AddDirty();
  ctx.Propagate({"SREM", ctx.argv[1], member});
}

void SrandmemberWithCount(CommandContext& ctx) {
  int64_t l;
  if (!ParseRangeCount(ctx, ctx.argv[2], &l)) return;
  bool wrongtype;
  Entry* e = LookupTypedRead(ctx, ctx.argv[1], ObjType::kSet, &wrongtype);
  if (wrongtype) return;
  if (e == nullptr || l == 0) return ctx.reply.AddArrayLen(0);
  SetValue s(e);
  const uint64_t size = s.size();
  ReplyBuffer& r = ctx.reply;
  char buf[SetValue::kIntBuf];
  if (l < 0) {
    auto count = static_cast<uint64_t>(-l);
    r.AddArrayLen(count);
    if (s.kind() == SetValue::kTable) {
      for (uint64_t i = 0; i < count; ++i) r.AddBulk(s.Random(RandomBits(), buf));
      return;
    }
    // Small forms: index the members once so each draw is O(1).
    std::vector<std::string> members;
    members.reserve(size);
    s.ForEach([&](std::string_view m) { members.emplace_back(m); });
    for (uint64_t i = 0; i < count; ++i) r.AddBulk(members[RandomBits() % size]);
    return;
  }
  auto count = static_cast<uint64_t>(l);
  if (count >= size) return ReplyMembers(r, s, false);
  r.AddArrayLen(count);
  if (s.kind() != SetValue::kTable) {
    // Selection sampling: `count` distinct members in storage order.
    uint64_t needed = count, remaining = size;
    s.ForEach([&](std::string_view m) {
      if (needed > 0 && RandomBits() % remaining < needed) {
        r.AddBulk(m);
        --needed;
      }
      --remaining;
    });
    return;
  }
  const SetTable* t = s.table();
  if (count * 3 > size) {
    std::vector<const SetItem*> items;
    items.reserve(size);
    t->ForEach([&](const SetItem* i) { items.push_back(i); });
    for (uint64_t i = 0; i < count; ++i) {
      std::swap(items[i], items[i + RandomBits() % (size - i)]);
      r.AddBulk(items[i]->member());
    }
    return;
  }
  // count <= size/3: each draw is new with probability >= 2/3.
  std::unordered_set<const SetItem*> seen;
  while (seen.size() < count) {
    const SetItem* i = t->RandomEntry(RandomBits());
    if (seen.insert(i).second) r.AddBulk(i->member());
  }
}

void SrandmemberCommand(CommandContext& ctx) {
  if (ctx.argv.size() == 3) return SrandmemberWithCount(ctx);
  if (ctx.argv.size() > 3) return ReplySyntaxError(ctx.reply);
  bool wrongtype;
  Entry* e = LookupTypedRead(ctx, ctx.argv[1], ObjType::kSet, &wrongtype);
  if (wrongtype) return;
  if (e == nullptr) return ctx.reply.AddNullBulk();
  char buf[SetValue::kIntBuf];
  ctx.reply.AddBulk(SetValue(e).Random(RandomBits(), buf));
}

void SmoveCommand(CommandContext& ctx) {
  std::string_view src = ctx.argv[1], dst = ctx.argv[2], member = ctx.argv[3];
  Keyspace& ks = ctx.server.keyspace();
  Entry* se = ks.LookupWrite(ctx.db_index(), src);
  // Redis 7.0 signals the destination only when the member was added to
  // it: a WATCH on a destination that already holds it stays clean.
  Entry* de = ks.LookupWriteSource(ctx.db_index(), dst);
  if (se == nullptr) return ctx.reply.AddInt(0);
  if (se->type() != ObjType::kSet || (de != nullptr && de->type() != ObjType::kSet)) {
    return ReplyWrongType(ctx.reply);
  }
  if (src == dst) return ctx.reply.AddInt(SetValue(se).Contains(member) ? 1 : 0);
  SetValue s(se);
  if (!s.Remove(member)) return ctx.reply.AddInt(0);
  Notify(ctx, kNotifySet, "srem", src);
  if (s.size() == 0) DeleteKey(ctx, src);
  if (de == nullptr) de = AddObjectKey(ctx, dst, ObjType::kSet, SetValue::NewObjectFor(member));
  if (SetValue(de).Add(member, MaxIntset(ctx))) {
    ctx.AddDirty();
    ctx.db().SignalModified(dst);
    Notify(ctx, kNotifySet, "sadd", dst);
  }
  ctx.AddDirty();
  ctx.reply.AddInt(1);
}

// The sets named by `keys`, nullptr for a missing key. False after a
// WRONGTYPE reply (every key is checked before anything else, as Redis).
bool LookupSets(CommandContext& ctx, ArgList keys, bool write, std::vector<Entry*>* out) {
  Keyspace& ks = ctx.server.keyspace();
  for (std::string_view k : keys) {
    // A STORE form reads its sources "for writing" (Redis's lookupKeyWrite)
    // without modifying them: WATCH must not see them as changed.
    Entry* e = write ? ks.LookupWriteSource(ctx.db_index(), k) : ks.LookupRead(ctx.db_index(), k);
    if (e != nullptr && e->type() != ObjType::kSet) {
      ReplyWrongType(ctx.reply);
      return false;
    }
    out->push_back(e);
  }
  return true;
}

// Stores `result` (owned) at `dst`, or deletes `dst` when it is empty, and
// replies the size, as SINTERSTORE/SUNIONSTORE/SDIFFSTORE.
void StoreSetResult(CommandContext& ctx, std::string_view dst, void* result, const char* event) {
  SetValue s(result);
  size_t n = s.size();
  if (n > 0) {
    StoreObjectKey(ctx, dst, ObjType::kSet, result);
    ctx.AddDirty();
    Notify(ctx, kNotifySet, event, dst);
  } else {
    SetValue::FreeObject(result);
    if (ctx.server.keyspace().LookupWrite(ctx.db_index(), dst) != nullptr) {
      DeleteKey(ctx, dst);
      ctx.AddDirty();
    }
  }
  ctx.reply.AddInt(static_cast<int64_t>(n));
}

enum class InterMode { kReply, kStore, kCard };

void SinterGeneric(CommandContext& ctx, ArgList keys, std::string_view dst, InterMode mode, uint64_t limit) {
  std::vector<Entry*> entries;
  if (!LookupSets(ctx, keys, mode == InterMode::kStore, &entries)) return;
  bool empty = false;
  std::vector<SetValue> sets;
  for (size_t i = 0; i < entries.size(); ++i) {
    Entry* e = entries[i];
    if (e == nullptr) {
      empty = true;
      continue;
    }
    // A key named twice adds nothing to an intersection, and a lookup in
    // the table being iterated could take a rehash step under the walk.
    bool repeated = false;
    for (size_t j = 0; j < i && !repeated; ++j) repeated = entries[j] == e;
    if (!repeated) sets.emplace_back(e);
  }
  if (empty) {
    if (mode == InterMode::kStore) return StoreSetResult(ctx, dst, SetValue::NewIntsetObject(), "sinterstore");
    return mode == InterMode::kCard ? ctx.reply.AddInt(0) : ctx.reply.AddSetLen(0);
  }
  std::stable_sort(sets.begin(), sets.end(), [](const SetValue& a, const SetValue& b) { return a.size() < b.size(); });
  auto in_all = [&](std::string_view m) {
    for (size_t j = 1; j < sets.size(); ++j) {
      if (!sets[j].Contains(m)) return false;
    }
    return true;
  };
  if (mode == InterMode::kCard) {
    uint64_t n = 0;
    sets[0].ForEach([&](std::string_view m) {
      if ((limit == 0 || n < limit) && in_all(m)) ++n;
    });
    return ctx.reply.AddInt(static_cast<int64_t>(n));
  }
  if (mode == InterMode::kStore) {
    SetValue result(SetValue::NewIntsetObject());
    uint64_t max_intset = MaxIntset(ctx);
    sets[0].ForEach([&](std::string_view m) {
      if (in_all(m)) result.Add(m, max_intset);
    });
    return StoreSetResult(ctx, dst, result.object(), "sinterstore");
  }
  std::vector<std::string> out;
  sets[0].ForEach([&](std::string_view m) {
    if (in_all(m)) out.emplace_back(m);
  });
  ctx.reply.AddSetLen(out.size());
  for (const std::string& m : out) ctx.reply.AddBulk(m);
}

void SinterCommand(CommandContext& ctx) { SinterGeneric(ctx, ctx.argv.subspan(1), {}, InterMode::kReply, 0); }
void SmembersCommand(CommandContext& ctx) { SinterCommand(ctx); }

void SinterstoreCommand(CommandContext& ctx) {
  SinterGeneric(ctx, ctx.argv.subspan(2), ctx.argv[1], InterMode::kStore, 0);
}

void SintercardCommand(CommandContext& ctx) {
  ArgList a = ctx.argv;
  int64_t numkeys;
  // Redis answers a non-number with the same text as a number below 1.
  if (!ParseInt64(a[1], &numkeys) || numkeys < 1) return ctx.reply.AddError("numkeys should be greater than 0");
  if (numkeys > static_cast<int64_t>(a.size()) - 2) {
    return ctx.reply.AddError("Number of keys can't be greater than number of args");
  }
  int64_t limit = 0;
  for (size_t i = 2 + static_cast<size_t>(numkeys); i < a.size(); ++i) {
    if (EqualsIgnoreCase(a[i], "limit") && i + 1 < a.size()) {
      if (!ParseInt64(a[i + 1], &limit) || limit < 0) return ctx.reply.AddError("LIMIT can't be negative");
      ++i;
    } else {
      return ReplySyntaxError(ctx.reply);
    }
  }
  SinterGeneric(ctx, a.subspan(2, static_cast<size_t>(numkeys)), {}, InterMode::kCard, static_cast<uint64_t>(limit));
}

enum class SetOp { kUnion, kDiff };

void SunionDiffGeneric(CommandContext& ctx, ArgList keys, std::string_view dst, bool store, SetOp op) {
  std::vector<Entry*> entries;
  if (!LookupSets(ctx, keys, store, &entries)) return;
  SetValue result(SetValue::NewIntsetObject());
  uint64_t max_intset = MaxIntset(ctx);
  if (op == SetOp::kUnion) {
    for (Entry* e : entries) {
      if (e != nullptr) SetValue(e).ForEach([&](std::string_view m) { result.Add(m, max_intset); });
    }
  } else if (entries[0] != nullptr &&
             std::find(entries.begin() + 1, entries.end(), entries[0]) == entries.end()) {
    // (A set minus itself is empty; Redis checks this too, and walking a
    // table while looking members up in it could rehash under the walk.)
    SetValue(entries[0]).ForEach([&](std::string_view m) {
      for (size_t j = 1; j < entries.size(); ++j) {
        if (entries[j] != nullptr && SetValue(entries[j]).Contains(m)) return;
      }
      result.Add(m, max_intset);
    });
  }
  if (store) return StoreSetResult(ctx, dst, result.object(), op == SetOp::kUnion ? "sunionstore" : "sdiffstore");
  ReplyMembers(ctx.reply, result, true);
  SetValue::FreeObject(result.object());
}

void SunionCommand(CommandContext& ctx) { SunionDiffGeneric(ctx, ctx.argv.subspan(1), {}, false, SetOp::kUnion); }
void SdiffCommand(CommandContext& ctx) { SunionDiffGeneric(ctx, ctx.argv.subspan(1), {}, false, SetOp::kDiff); }
void SunionstoreCommand(CommandContext& ctx) {
  SunionDiffGeneric(ctx, ctx.argv.subspan(2), ctx.argv[1], true, SetOp::kUnion);
}
void SdiffstoreCommand(CommandContext& ctx) {
  SunionDiffGeneric(ctx, ctx.argv.subspan(2), ctx.argv[1], true, SetOp::kDiff);
}

void SscanCommand(CommandContext& ctx) {
  uint64_t cursor;
  if (!ParseScanCursor(ctx, ctx.argv[2], &cursor)) return;
  bool wrongtype;
  Entry* e = LookupTypedRead(ctx, ctx.argv[1], ObjType::kSet, &wrongtype);
  if (wrongtype) return;
  if (e == nullptr) return ReplyEmptyScan(ctx.reply);
  ScanOptions opts;
  if (!ParseScanOptions(ctx, 3, &opts)) return;
  SetValue s(e);
  std::vector<std::string> out;
  if (s.kind() != SetValue::kTable) {
    s.ForEach([&](std::string_view m) {
      if (ScanMatches(opts, m)) out.emplace_back(m);
    });
    return ReplyScan(ctx.reply, 0, out);
  }
  int64_t max_iterations = opts.count * 10;
  size_t visited = 0;
  do {
    cursor = s.table()->Scan(cursor, [&](const SetItem* i) {
      ++visited;
      if (ScanMatches(opts, i->member())) out.emplace_back(i->member());
    });
  } while (cursor != 0 && max_iterations-- > 0 && visited < static_cast<uint64_t>(opts.count));
  ReplyScan(ctx.reply, cursor, out);
}

}  // namespace

void RegisterSetCommands(CommandTable& t) {
  const uint32_t kWF = kCmdWrite | kCmdDenyOom | kCmdFast;
  const uint32_t kRF = kCmdReadonly | kCmdFast;
  AddCommands(t, "set", {
      {"sadd", -3, kWF, SaddCommand, 1, 1, 1, "1.0.0"},
      {"srem", -3, kCmdWrite | kCmdFast, SremCommand, 1, 1, 1, "1.0.0"},
      {"smembers", 2, kCmdReadonly, SmembersCommand, 1, 1, 1, "1.0.0"},
      {"sismember", 3, kRF, SismemberCommand, 1, 1, 1, "1.0.0"},
      {"smismember", -3, kRF, SmismemberCommand, 1, 1, 1, "6.2.0"},
      {"scard", 2, kRF, ScardCommand, 1, 1, 1, "1.0.0"},
      {"spop", -2, kCmdWrite | kCmdFast, SpopCommand, 1, 1, 1, "1.0.0"},
      {"srandmember", -2, kCmdReadonly, SrandmemberCommand, 1, 1, 1, "1.0.0"},
      {"smove", 4, kCmdWrite | kCmdFast, SmoveCommand, 1, 2, 1, "1.0.0"},
      {"sinter", -2, kCmdReadonly, SinterCommand, 1, -1, 1, "1.0.0"},
      {"sintercard", -3, kCmdReadonly | kCmdMovableKeys, SintercardCommand, 0, 0, 0, "7.0.0"},
      {"sinterstore", -3, kCmdWrite | kCmdDenyOom, SinterstoreCommand, 1, -1, 1, "1.0.0"},
      {"sunion", -2, kCmdReadonly, SunionCommand, 1, -1, 1, "1.0.0"},
      {"sunionstore", -3, kCmdWrite | kCmdDenyOom, SunionstoreCommand, 1, -1, 1, "1.0.0"},
      {"sdiff", -2, kCmdReadonly, SdiffCommand, 1, -1, 1, "1.0.0"},
      {"sdiffstore", -3, kCmdWrite | kCmdDenyOom, SdiffstoreCommand, 1, -1, 1, "1.0.0"},
      {"sscan", -3, kCmdReadonly, SscanCommand, 1, 1, 1, "2.8.0"},
  });
}

}  // namespace replikv
