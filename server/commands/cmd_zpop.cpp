// Sorted set pops over several keys and their blocking forms: ZMPOP,
// BZPOPMIN, BZPOPMAX, BZMPOP.
//
// Each takes the first of its keys that holds a sorted set (WRONGTYPE if a
// key before it holds another type) and pops from it at once; with none, the
// blocking forms wait through BlockedClients (server/blocking.h), which
// serves, times out and propagates exactly as for the blocking list
// commands. Replies, errors and their order follow Redis 7.0 (checked
// against redis-server 7.0.15):
//   BZPOPMIN z 0           -> *3 key member score
//   ZMPOP 1 z MIN COUNT 2  -> *2 key *n (*2 member score)...
//   nothing to pop         -> *-1 (ZMPOP, inside MULTI, or on timeout)
// What propagates is the pop that ran (BlockedClients::ZPopFrom), never the
// command as sent.
#include <memory>
#include <string_view>
#include <utility>

#include "server/commands/blocking.h"
#include "server/net/client.h"
#include "server/server.h"

namespace replikv {
namespace {

// Pops from the first sorted set among argv[keys_begin, keys_end) for the
// calling client. Returns false, with nothing replied, when every key is
// absent; true when it replied (the pop or WRONGTYPE).
bool PopFirstReady(CommandContext& ctx, size_t keys_begin, size_t keys_end, bool from_min, int64_t count,
                   bool multi_reply) {
  Keyspace& ks = ctx.server.keyspace();
  for (size_t i = keys_begin; i < keys_end; ++i) {
    Entry* e = ks.LookupWrite(ctx.db_index(), ctx.argv[i]);
    if (e == nullptr) continue;
    if (e->type() != ObjType::kZset) {
      ReplyWrongType(ctx.reply);
    } else {
      ctx.server.blocked_clients().ZPopFrom(ctx.client, e, ctx.argv[i], from_min, count, multi_reply);
    }
    return true;
  }
  return false;
}

// Parks the client on argv[keys_begin, keys_end), or answers *-1 at once
// where Redis would not block (inside EXEC).
void WaitOrAnswerNull(CommandContext& ctx, BlockState::Op op, size_t keys_begin, size_t keys_end, bool from_min,
                      int64_t count, int64_t deadline) {
  // Redis 7.0 answers a null array here for every sorted set form.
  if (ctx.client.deny_blocking) return ctx.reply.AddNullArray();
  auto st = std::make_unique<BlockState>();
  st->op = op;
  st->from_left = from_min;
  st->count = count;
  st->deadline_ms = deadline;
  for (size_t i = keys_begin; i < keys_end; ++i) st->keys.emplace_back(ctx.argv[i]);
  ctx.server.blocked_clients().Block(ctx.client, std::move(st));
}

// BZPOPMIN key [key ...] timeout / BZPOPMAX: the timeout is checked first,
// then the keys in order.
void BlockingZpop(CommandContext& ctx, bool from_min) {
  int64_t deadline;
  if (!ParseBlockTimeout(ctx, ctx.argv.back(), &deadline)) return;
  ctx.propagation_handled = true;  // the pop that runs propagates itself
  const size_t keys_end = ctx.argv.size() - 1;
  if (PopFirstReady(ctx, 1, keys_end, from_min, 1, false)) return;
  WaitOrAnswerNull(ctx, BlockState::Op::kZPop, 1, keys_end, from_min, 1, deadline);
}

void BzpopminCommand(CommandContext& ctx) { BlockingZpop(ctx, true); }
void BzpopmaxCommand(CommandContext& ctx) { BlockingZpop(ctx, false); }

// [B]ZMPOP: argv[first] is numkeys; BZMPOP's timeout is argv[1].
void MultiZpop(CommandContext& ctx, size_t first, bool blocking) {
  MultiPopArgs args;
  if (!ParseMultiPopArgs(ctx, first, "min", "max", &args)) return;
  // Redis 7.0 reads the timeout after the other arguments.
  int64_t deadline = 0;
  if (blocking && !ParseBlockTimeout(ctx, ctx.argv[1], &deadline)) return;
  ctx.propagation_handled = true;
  if (PopFirstReady(ctx, args.keys_begin, args.keys_end, args.first_end, args.count, true)) return;
  if (!blocking) return ctx.reply.AddNullArray();
  WaitOrAnswerNull(ctx, BlockState::Op::kZMultiPop, args.keys_begin, args.keys_end, args.first_end, args.count,
                   deadline);
}

// ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]
void ZmpopCommand(CommandContext& ctx) { MultiZpop(ctx, 1, false); }

// BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]
void BzmpopCommand(CommandContext& ctx) { MultiZpop(ctx, 2, true); }

}  // namespace

void RegisterZpopCommands(CommandTable& t) {
  // Flags and key positions as Redis 7.0's COMMAND INFO (the numkeys forms
  // have movable keys: 0 0 0).
  const uint32_t kBlockingPop = kCmdWrite | kCmdNoscript | kCmdBlocking | kCmdFast;
  AddCommands(t, "sorted_set", {
      {"zmpop", -4, kCmdWrite | kCmdMovableKeys, ZmpopCommand, 0, 0, 0, "7.0.0"},
      {"bzpopmin", -3, kBlockingPop, BzpopminCommand, 1, -2, 1, "5.0.0"},
      {"bzpopmax", -3, kBlockingPop, BzpopmaxCommand, 1, -2, 1, "5.0.0"},
      {"bzmpop", -5, kCmdWrite | kCmdBlocking | kCmdMovableKeys, BzmpopCommand, 0, 0, 0, "7.0.0"},
  });
}

}  // namespace replikv
