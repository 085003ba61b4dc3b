// List commands: LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LRANGE LINDEX
// LSET LREM LTRIM LINSERT LPOS LMOVE RPOPLPUSH, and the key-level list
// operations of list_keys.h.
//
// Replies, errors and their order follow Redis 7.0 (t_list.c's behaviour,
// checked against redis-server). Everything propagates as sent: list
// commands are deterministic.
#include <climits>
#include <string>
#include <string_view>
#include <vector>

#include "server/net/client.h"
#include "server/commands/list_keys.h"
#include "server/net/reply_buffer.h"
#include "server/notify.h"
#include "server/server.h"
#include "server/commands/type_commands.h"

namespace replikv {

size_t ListPushKey(CommandContext& ctx, Entry* e, std::string_view key, List::End where, std::string_view value) {
  if (e == nullptr) {
    e = AddObjectKey(ctx, key, ObjType::kList, new List(ctx.server.config().list_max_listpack_size));
  }
  List* l = ListOf(e);
  l->Push(where, value);
  ctx.AddDirty();
  Notify(ctx, kNotifyList, where == List::kHead ? "lpush" : "rpush", key);
  return l->size();
}

void ListPopKey(CommandContext& ctx, Entry* e, std::string_view key, List::End where, std::string* out) {
  List* l = ListOf(e);
  l->Pop(where, out);
  Notify(ctx, kNotifyList, where == List::kHead ? "lpop" : "rpop", key);
  if (l->empty()) DeleteKey(ctx, key);
  ctx.AddDirty();
}

std::string ListMoveKeys(CommandContext& ctx, Entry* src, std::string_view src_key, std::string_view dst_key,
                         List::End from, List::End to) {
  std::string value;
  List* l = ListOf(src);
  l->Pop(from, &value);
  // Push before the source may be deleted: with src == dst the element
  // goes back into the same list, which is then not empty.
  Entry* dst = src_key == dst_key ? src : ctx.db().Find(dst_key);
  if (dst == nullptr) {
    dst = AddObjectKey(ctx, dst_key, ObjType::kList, new List(ctx.server.config().list_max_listpack_size));
  }
  ListOf(dst)->Push(to, value);
  // Redis 7.0 announces the push before the pop.
  Notify(ctx, kNotifyList, to == List::kHead ? "lpush" : "rpush", dst_key);
  Notify(ctx, kNotifyList, from == List::kHead ? "lpop" : "rpop", src_key);
  if (l->empty()) DeleteKey(ctx, src_key);
  ctx.AddDirty();
  return value;
}

namespace {

void PushGeneric(CommandContext& ctx, List::End where, bool only_existing) {
  bool wrongtype;
  Entry* e = LookupTypedWrite(ctx, ctx.argv[1], ObjType::kList, &wrongtype);
  if (wrongtype) return;
  if (e == nullptr && only_existing) return ctx.reply.AddInt(0);
  if (e == nullptr) {
    e = AddObjectKey(ctx, ctx.argv[1], ObjType::kList, new List(ctx.server.config().list_max_listpack_size));
  }
  List* l = ListOf(e);
  for (size_t i = 2; i < ctx.argv.size(); ++i) l->Push(where, ctx.argv[i]);
  ctx.AddDirty(ctx.argv.size() - 2);
  Notify(ctx, kNotifyList, where == List::kHead ? "lpush" : "rpush", ctx.argv[1]);
  ctx.reply.AddInt(static_cast<int64_t>(l->size()));
}

void LpushCommand(CommandContext& ctx) { PushGeneric(ctx, List::kHead, false); }
void RpushCommand(CommandContext& ctx) { PushGeneric(ctx, List::kTail, false); }
void LpushxCommand(CommandContext& ctx) { PushGeneric(ctx, List::kHead, true); }
void RpushxCommand(CommandContext& ctx) { PushGeneric(ctx, List::kTail, true); }

void PopGeneric(CommandContext& ctx, List::End where) {
  const bool has_count = ctx.argv.size() == 3;
  if (ctx.argv.size() > 3) return ReplyWrongArity(ctx.reply, ctx.argv[0]);
  int64_t count = 0;
  if (has_count && (!ParseInt64(ctx.argv[2], &count) || count < 0)) {
    return ctx.reply.AddError("value is out of range, must be positive");
  }
  bool wrongtype;
  Entry* e = LookupTypedWrite(ctx, ctx.argv[1], ObjType::kList, &wrongtype);
  if (wrongtype) return;
  if (e == nullptr) return has_count ? ctx.reply.AddNullArray() : ctx.reply.AddNullBulk();
  if (has_count && count == 0) return ctx.reply.AddArrayLen(0);
  List* l = ListOf(e);
  std::string value;
  if (!has_count) {
    ListPopKey(ctx, e, ctx.argv[1], where, &value);
    return ctx.reply.AddBulk(value);
  }
  size_t n = static_cast<uint64_t>(count) < l->size() ? static_cast<size_t>(count) : l->size();
  ctx.reply.AddArrayLen(n);
  for (size_t i = 0; i < n; ++i) {
    l->Pop(where, &value);
    ctx.reply.AddBulk(value);
  }
  Notify(ctx, kNotifyList, where == List::kHead ? "lpop" : "rpop", ctx.argv[1]);
  if (l->empty()) DeleteKey(ctx, ctx.argv[1]);
  ctx.AddDirty(n);
}

void LpopCommand(CommandContext& ctx) { PopGeneric(ctx, List::kHead); }
void RpopCommand(CommandContext& ctx) { PopGeneric(ctx, List::kTail); }

void LlenCommand(CommandContext& ctx) {
  bool wrongtype;
  Entry* e = LookupTypedRead(ctx, ctx.argv[1], ObjType::kList, &wrongtype);
  if (wrongtype) return;
  ctx.reply.AddInt(e == nullptr ? 0 : static_cast<int64_t>(ListOf(e)->size()));
}

void LrangeCommand(CommandContext& ctx) {
  int64_t start, end;
  if (!ParseInt64(ctx.argv[2], &start) || !ParseInt64(ctx.argv[3], &end)) return ReplyNotInteger(ctx.reply);
  bool wrongtype;
  Entry* e = LookupTypedRead(ctx, ctx.argv[1], ObjType::kList, &wrongtype);
  if (wrongtype) return;
  if (e == nullptr) return ctx.reply.AddArrayLen(0);
  List* l = ListOf(e);
  if (!NormalizeRange(static_cast<int64_t>(l->size()), &start, &end)) return ctx.reply.AddArrayLen(0);
  auto n = static_cast<size_t>(end - start + 1);
  ctx.reply.AddArrayLen(n);
  List::Iterator it = l->At(static_cast<size_t>(start));
  // In batches: the list walks each node in one tight loop and the reply
  // buffer writes a batch through one cursor (LRANGE 0 99 of short values
  // is ~900 bytes of reply; per-element overhead is most of the work).
  constexpr size_t kBatch = 64;
  std::string_view batch[kBatch];
  while (n > 0) {  // each round takes at least one element: n <= elements left
    size_t got = l->Read(&it, batch, n < kBatch ? n : kBatch);
    if (got == 0) break;
    ctx.reply.AddBulks(batch, got);
    n -= got;
  }
}

// A list index (negative from the tail) as a position; false if out of range.
bool ResolveIndex(const List* l, int64_t index, size_t* pos) {
  auto len = static_cast<int64_t>(l->size());
  if (index < 0) index += len;
  if (index < 0 || index >= len) return false;
  *pos = static_cast<size_t>(index);
  return true;
}

void LindexCommand(CommandContext& ctx) {
  bool wrongtype;
  Entry* e = LookupTypedRead(ctx, ctx.argv[1], ObjType::kList, &wrongtype);
  if (wrongtype) return;
  if (e == nullptr) return ctx.reply.AddNullBulk();
  int64_t index;
  if (!ParseInt64(ctx.argv[2], &index)) return ReplyNotInteger(ctx.reply);
  List* l = ListOf(e);
  size_t pos;
  if (!ResolveIndex(l, index, &pos)) return ctx.reply.AddNullBulk();
  ctx.reply.AddBulk(l->At(pos).value());
}

void LsetCommand(CommandContext& ctx) {
  bool wrongtype;
  Entry* e = LookupTypedWrite(ctx, ctx.argv[1], ObjType::kList, &wrongtype);
  if (wrongtype) return;
  if (e == nullptr) return ctx.reply.AddError("no such key");
  int64_t index;
  if (!ParseInt64(ctx.argv[2], &index)) return ReplyNotInteger(ctx.reply);
  List* l = ListOf(e);
  size_t pos;
  if (!ResolveIndex(l, index, &pos)) return ctx.reply.AddError("index out of range");
  l->Replace(l->At(pos), ctx.argv[3]);
  ctx.AddDirty();
  Notify(ctx, kNotifyList, "lset", ctx.argv[1]);
  ctx.reply.AddOk();
}

void LremCommand(CommandContext& ctx) {
  int64_t to_remove;
  if (!ParseInt64(ctx.argv[2], &to_remove)) return ReplyNotInteger(ctx.reply);
  bool wrongtype;
  Entry* e = LookupTypedWrite(ctx, ctx.argv[1], ObjType::kList, &wrongtype);
  if (wrongtype) return;
  if (e == nullptr) return ctx.reply.AddInt(0);
  List* l = ListOf(e);
  bool forward = to_remove >= 0;
  uint64_t limit = forward ? static_cast<uint64_t>(to_remove) : 0 - static_cast<uint64_t>(to_remove);
  uint64_t removed = 0;
  std::string_view target = ctx.argv[3];
  List::Iterator it = forward ? l->Head() : l->Tail();
  while (it.valid()) {  // each step removes or passes one element
    if (it.value() == target) {
      l->Erase(&it, forward);
      if (++removed == limit) break;
    } else if (forward) {
      it.Next();
    } else {
      it.Prev();
    }
  }
  if (removed != 0) Notify(ctx, kNotifyList, "lrem", ctx.argv[1]);
  if (l->empty()) DeleteKey(ctx, ctx.argv[1]);
  ctx.AddDirty(removed);
  ctx.reply.AddInt(static_cast<int64_t>(removed));
}

void LtrimCommand(CommandContext& ctx) {
  int64_t start, end;
  if (!ParseInt64(ctx.argv[2], &start) || !ParseInt64(ctx.argv[3], &end)) return ReplyNotInteger(ctx.reply);
  bool wrongtype;
  Entry* e = LookupTypedWrite(ctx, ctx.argv[1], ObjType::kList, &wrongtype);
  if (wrongtype) return;
  if (e == nullptr) return ctx.reply.AddOk();
  List* l = ListOf(e);
  auto len = static_cast<int64_t>(l->size());
  int64_t ltrim, rtrim;
  if (NormalizeRange(len, &start, &end)) {
    ltrim = start;
    rtrim = len - end - 1;
  } else {
    ltrim = 0;
    rtrim = len;
  }
  l->Trim(List::kHead, static_cast<size_t>(ltrim));
  l->Trim(List::kTail, static_cast<size_t>(rtrim));
  Notify(ctx, kNotifyList, "ltrim", ctx.argv[1]);
  if (l->empty()) {
    DeleteKey(ctx, ctx.argv[1]);
  } else if (ltrim + rtrim == 0) {
    // Redis 7.0 signals the key even when nothing was trimmed (a WATCH on
    // it fails), though it counts no change.
    ctx.db().SignalModified(ctx.argv[1]);
  }
  ctx.AddDirty(static_cast<uint64_t>(ltrim + rtrim));
  ctx.reply.AddOk();
}

void LinsertCommand(CommandContext& ctx) {
  bool after;
  if (EqualsIgnoreCase(ctx.argv[2], "after")) {
    after = true;
  } else if (EqualsIgnoreCase(ctx.argv[2], "before")) {
    after = false;
  } else {
    return ReplySyntaxError(ctx.reply);
  }
  bool wrongtype;
  Entry* e = LookupTypedWrite(ctx, ctx.argv[1], ObjType::kList, &wrongtype);
  if (wrongtype) return;
  if (e == nullptr) return ctx.reply.AddInt(0);
  List* l = ListOf(e);
  for (List::Iterator it = l->Head(); it.valid(); it.Next()) {
    if (it.value() == ctx.argv[3]) {
      l->InsertAt(it, after, ctx.argv[4]);
      ctx.AddDirty();
      Notify(ctx, kNotifyList, "linsert", ctx.argv[1]);
      return ctx.reply.AddInt(static_cast<int64_t>(l->size()));
    }
  }
  ctx.reply.AddInt(-1);
}

void LposCommand(CommandContext& ctx) {
  ArgList a = ctx.argv;
  int64_t rank = 1, count = -1, maxlen = 0;  // count -1: no COUNT option
  for (size_t j = 3; j < a.size(); ++j) {
    bool more = j + 1 < a.size();
    if (EqualsIgnoreCase(a[j], "rank") && more) {
      if (!ParseInt64(a[++j], &rank)) return ReplyNotInteger(ctx.reply);
      if (rank == 0) {
        return ctx.reply.AddError(
            "RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to "
            "start from the end of the list");
      }
    } else if (EqualsIgnoreCase(a[j], "count") && more) {
      if (!ParseInt64(a[++j], &count) || count < 0) return ctx.reply.AddError("COUNT can't be negative");
    } else if (EqualsIgnoreCase(a[j], "maxlen") && more) {
      if (!ParseInt64(a[++j], &maxlen) || maxlen < 0) return ctx.reply.AddError("MAXLEN can't be negative");
    } else {
      return ReplySyntaxError(ctx.reply);
    }
  }
  bool forward = rank > 0;
  uint64_t want_rank = forward ? static_cast<uint64_t>(rank) : 0 - static_cast<uint64_t>(rank);
  // Redis 7.0 negates RANK in a signed long: LLONG_MIN stays negative, so
  // every match qualifies and COUNT never stops the walk.
  bool rank_overflow = rank == LLONG_MIN;
  if (rank_overflow) want_rank = 1;
  bool wrongtype;
  Entry* e = LookupTypedRead(ctx, a[1], ObjType::kList, &wrongtype);
  if (wrongtype) return;
  if (e == nullptr) return count != -1 ? ctx.reply.AddArrayLen(0) : ctx.reply.AddNullBulk();
  List* l = ListOf(e);
  const auto len = static_cast<int64_t>(l->size());
  std::vector<int64_t> found;
  uint64_t matches = 0;
  int64_t index = 0;
  for (List::Iterator it = forward ? l->Head() : l->Tail(); it.valid() && (maxlen == 0 || index < maxlen);
       forward ? it.Next() : it.Prev(), ++index) {
    if (it.value() != a[2]) continue;
    ++matches;
    if (matches < want_rank) continue;
    found.push_back(forward ? index : len - index - 1);
    if (count == -1) break;
    if (count != 0 && !rank_overflow && matches - want_rank + 1 >= static_cast<uint64_t>(count)) break;
  }
  if (count == -1) return found.empty() ? ctx.reply.AddNullBulk() : ctx.reply.AddInt(found[0]);
  ctx.reply.AddArrayLen(found.size());
  for (int64_t i : found) ctx.reply.AddInt(i);
}

bool ParseWhere(CommandContext& ctx, std::string_view s, List::End* where) {
  if (EqualsIgnoreCase(s, "right")) {
    *where = List::kTail;
  } else if (EqualsIgnoreCase(s, "left")) {
    *where = List::kHead;
  } else {
    ReplySyntaxError(ctx.reply);
    return false;
  }
  return true;
}

void MoveGeneric(CommandContext& ctx, List::End from, List::End to) {
  bool wrongtype;
  Entry* src = LookupTypedWrite(ctx, ctx.argv[1], ObjType::kList, &wrongtype);
  if (wrongtype) return;
  if (src == nullptr) return ctx.reply.AddNullBulk();
  LookupTypedWrite(ctx, ctx.argv[2], ObjType::kList, &wrongtype);
  if (wrongtype) return;
  // The destination lookup may have deleted an expired key; `src` is still
  // valid as it is a different, live key (or the same one).
  ctx.reply.AddBulk(ListMoveKeys(ctx, src, ctx.argv[1], ctx.argv[2], from, to));
}

void LmoveCommand(CommandContext& ctx) {
  List::End from, to;
  if (!ParseWhere(ctx, ctx.argv[3], &from) || !ParseWhere(ctx, ctx.argv[4], &to)) return;
  MoveGeneric(ctx, from, to);
}

void RpoplpushCommand(CommandContext& ctx) { MoveGeneric(ctx, List::kTail, List::kHead); }

}  // namespace

void RegisterListCommands(CommandTable& t) {
  const uint32_t kWF = kCmdWrite | kCmdDenyOom | kCmdFast;
  AddCommands(t, "list", {
      {"lpush", -3, kWF, LpushCommand, 1, 1, 1, "1.0.0"},
      {"rpush", -3, kWF, RpushCommand, 1, 1, 1, "1.0.0"},
      {"lpushx", -3, kWF, LpushxCommand, 1, 1, 1, "2.2.0"},
      {"rpushx", -3, kWF, RpushxCommand, 1, 1, 1, "2.2.0"},
      {"lpop", -2, kCmdWrite | kCmdFast, LpopCommand, 1, 1, 1, "1.0.0"},
      {"rpop", -2, kCmdWrite | kCmdFast, RpopCommand, 1, 1, 1, "1.0.0"},
      {"llen", 2, kCmdReadonly | kCmdFast, LlenCommand, 1, 1, 1, "1.0.0"},
      {"lrange", 4, kCmdReadonly, LrangeCommand, 1, 1, 1, "1.0.0"},
      {"lindex", 3, kCmdReadonly, LindexCommand, 1, 1, 1, "1.0.0"},
      {"lset", 4, kCmdWrite | kCmdDenyOom, LsetCommand, 1, 1, 1, "1.0.0"},
      {"lrem", 4, kCmdWrite, LremCommand, 1, 1, 1, "1.0.0"},
      {"ltrim", 4, kCmdWrite, LtrimCommand, 1, 1, 1, "1.0.0"},
      {"linsert", 5, kCmdWrite | kCmdDenyOom, LinsertCommand, 1, 1, 1, "2.2.0"},
      {"lpos", -3, kCmdReadonly, LposCommand, 1, 1, 1, "6.0.6"},
      {"lmove", 5, kCmdWrite | kCmdDenyOom, LmoveCommand, 1, 2, 1, "6.2.0"},
      {"rpoplpush", 3, kCmdWrite | kCmdDenyOom, RpoplpushCommand, 1, 2, 1, "1.2.0"},
  });
}

}  // namespace replikv
