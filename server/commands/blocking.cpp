#include "server/commands/blocking.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "server/net/client.h"
#include "server/commands/list_keys.h"
#include "server/commands/multi.h"
#include "server/notify.h"
#include "server/server.h"
#include "server/commands/type_commands.h"
#include "server/types/type_zset.h"

namespace replikv {
namespace {

// Rounds of ServeReadyKeys; each round serves at least one waiter or ends,
// so real runs stop far below this.
constexpr int kMaxServeRounds = 1 << 20;
// Rounds of input resumption per poll; the rest waits for the next one.
constexpr int kMaxResumeRounds = 64;

// Types a wait can be for (BlockState::waits_for()).
bool Awaitable(ObjType t) { return t == ObjType::kList || t == ObjType::kZset || t == ObjType::kStream; }

}  // namespace

bool ParseBlockTimeout(CommandContext& ctx, std::string_view arg, int64_t* deadline_ms) {
  // Redis's string2ld: strtold over the whole text (up to a NUL), no leading
  // space, no overflow, not NaN; "inf" passes.
  constexpr size_t kMaxChars = 5 * 1024;
  long double seconds = 0;
  bool ok = !arg.empty() && arg.size() < kMaxChars && !std::isspace(static_cast<unsigned char>(arg[0]));
  if (ok) {
    std::string buf(arg);
    char* end = nullptr;
    errno = 0;
    seconds = std::strtold(buf.c_str(), &end);
    ok = *end == '\0' && !std::isnan(seconds) && !(errno == ERANGE && (std::isinf(seconds) || seconds == 0));
  }
  if (!ok) {
    ctx.reply.AddError("timeout is not a float or out of range");
    return false;
  }
  // Redis 7.0: (long long)ceill(seconds * 1000). Values a long long cannot
  // hold (inf included) become LLONG_MIN there, hence "negative".
  constexpr long double kTwoPow63 = 9223372036854775808.0L;
  long double ms = std::ceil(seconds * 1000.0L);
  if (!(ms < kTwoPow63) || ms < 0) {
    ctx.reply.AddError("timeout is negative");
    return false;
  }
  int64_t v = static_cast<int64_t>(ms);
  int64_t now = ctx.server.keyspace().now_ms();
  // 0 waits forever; so does a deadline past the clock's range.
  *deadline_ms = (v == 0 || v > INT64_MAX - now) ? 0 : now + v;
  return true;
}

BlockedClients::BlockedClients(Server& server)
    : server_(server), by_db_(static_cast<size_t>(server.keyspace().databases())) {}

void BlockedClients::Block(Client& c, std::unique_ptr<BlockState> st) {
  KeyMap& map = by_db_[static_cast<size_t>(c.db)];
  const bool was_empty = map.empty();
  std::vector<std::string> unique;
  for (std::string& key : st->keys) {
    // BLPOP k k 0 waits once on k, as Redis.
    std::vector<Client*>& waiters = map[key];
    if (!waiters.empty() && waiters.back() == &c) continue;
    waiters.push_back(&c);
    unique.push_back(std::move(key));
  }
  st->keys = std::move(unique);
  if (was_empty && !map.empty()) server_.keyspace().db(c.db).AddInterest();
  if (st->deadline_ms != 0) deadlines_.emplace(st->deadline_ms, c.id());
  c.block = std::move(st);
  ++blocked_count_;
}

std::unique_ptr<BlockState> BlockedClients::Detach(Client& c) {
  std::unique_ptr<BlockState> st = std::move(c.block);
  KeyMap& map = by_db_[static_cast<size_t>(c.db)];
  const bool was_empty = map.empty();
  for (const std::string& key : st->keys) {
    auto it = map.find(key);
    if (it == map.end()) continue;
    std::vector<Client*>& waiters = it->second;
    for (auto w = waiters.begin(); w != waiters.end(); ++w) {
      if (*w == &c) {
        waiters.erase(w);
        break;
      }
    }
    if (waiters.empty()) map.erase(it);
  }
  if (!was_empty && map.empty()) server_.keyspace().db(c.db).RemoveInterest();
  if (st->deadline_ms != 0) deadlines_.erase({st->deadline_ms, c.id()});
  --blocked_count_;
  return st;
}

void BlockedClients::Unblock(Client& c) {
  if (c.blocked()) Detach(c);
}

void BlockedClients::ReplyTimedOut(Client& c, const BlockState& st) {
  if (st.timeout_reply) return st.timeout_reply(c.reply());
  // Redis 7.0 answers every timed-out list or sorted set wait with a null
  // array, BLMOVE included.
  c.reply().AddNullArray();
}

bool BlockedClients::UnblockClient(uint64_t id, bool as_error) {
  Client* c = server_.FindClient(id);
  if (c == nullptr || c->closing() || !c->blocked()) return false;
  std::unique_ptr<BlockState> st = Detach(*c);
  if (as_error) {
    c->reply().AddError("-UNBLOCKED client unblocked via CLIENT UNBLOCK");
  } else {
    ReplyTimedOut(*c, *st);
  }
  // Redis 7.0 counts a wait ended by CLIENT UNBLOCK, either way, as a
  // failed call of the blocking command (INFO commandstats).
  Command* cmd = c->last_command != nullptr ? server_.commands().Find(c->last_command->name) : nullptr;
  if (cmd != nullptr) ++cmd->failed_calls;
  server_.QueuePendingWrite(c);
  Resume(*c);
  return true;
}

bool BlockedClients::Release(uint64_t id) {
  Client* c = server_.FindClient(id);
  if (c == nullptr || c->closing() || !c->blocked()) return false;
  std::unique_ptr<BlockState> st = Detach(*c);
  ReplyTimedOut(*c, *st);
  server_.QueuePendingWrite(c);
  Resume(*c);
  return true;
}

void BlockedClients::FailAll(std::string_view message) {
  std::vector<Client*> waiting;
  for (const auto& [id, c] : server_.clients()) {
    if (!c->closing() && c->blocked()) waiting.push_back(c.get());
  }
  for (Client* c : waiting) {
    Detach(*c);
    c->reply().AddError(message);
    c->CloseAfterReply();
    server_.QueuePendingWrite(c);
  }
}

void BlockedClients::SignalReady(int db, std::string_view key) {
  std::string id = std::to_string(db);
  id += ':';
  id.append(key);
  if (ready_set_.insert(std::move(id)).second) ready_.emplace_back(db, std::string(key));
}

namespace {

bool HasGroupReader(const std::vector<Client*>& waiters) {
  for (const Client* w : waiters) {
    if (w->block->op == BlockState::Op::kXRead && w->block->has_group) return true;
  }
  return false;
}

}  // namespace

void BlockedClients::KeyChanged(Db& db, std::string_view key, const Entry* stored) {
  const KeyMap& map = by_db_[static_cast<size_t>(db.id())];
  auto it = map.find(key);
  if (it == map.end()) return;
  if (stored != nullptr && Awaitable(stored->type())) return SignalReady(db.id(), key);
  // Deleted, or replaced by another type: XREADGROUP waits end (Redis 7.0).
  if (HasGroupReader(it->second)) SignalReady(db.id(), key);
}

void BlockedClients::BeforeClear(Db& db) {
  // FLUSHDB/FLUSHALL delete every key: XREADGROUP waits end after the
  // command, as for a DEL (Redis 7.0).
  for (const auto& [key, waiters] : by_db_[static_cast<size_t>(db.id())]) {
    if (HasGroupReader(waiters)) SignalReady(db.id(), key);
  }
}

void BlockedClients::AfterSwap(Db& a, Db& b) {
  // Waiters stay with their db number; what that number now holds may serve
  // them (Redis's scanDatabaseForReadyKeys).
  for (Db* db : {&a, &b}) {
    for (const auto& [key, waiters] : by_db_[static_cast<size_t>(db->id())]) {
      Entry* e = db->Find(key);
      if ((e != nullptr && Awaitable(e->type())) || HasGroupReader(waiters)) SignalReady(db->id(), key);
    }
  }
}

void BlockedClients::ServeReadyKeys() {
  for (int round = 0; round < kMaxServeRounds && !ready_.empty(); ++round) {
    std::vector<std::pair<int, std::string>> batch;
    batch.swap(ready_);
    ready_set_.clear();
    for (const auto& [db, key] : batch) ServeKey(db, key);
  }
}

void BlockedClients::ServeKey(int db, const std::string& key) {
  Keyspace& ks = server_.keyspace();
  // Bounded: every pass ends one wait or returns.
  for (;;) {
    KeyMap& map = by_db_[static_cast<size_t>(db)];
    auto it = map.find(key);
    if (it == map.end()) return;
    Entry* e = ks.db(db).Find(key);
    if (e != nullptr && ks.IsExpired(e)) e = nullptr;
    if (e == nullptr || e->type() == ObjType::kStream || !Awaitable(e->type())) return ServeStreamKey(db, key, e);
    // The first waiter for this type; waiters for the other type keep
    // their place, as Redis 7.0 skips them.
    Client* next = nullptr;
    for (Client* w : it->second) {
      if (w->block->waits_for() == e->type()) {
        next = w;
        break;
      }
    }
    if (next == nullptr) return;
    Serve(*next, key);
  }
}

void BlockedClients::ServeStreamKey(int db, const std::string& key, Entry* e) {
  KeyMap& map = by_db_[static_cast<size_t>(db)];
  auto it = map.find(key);
  if (it == map.end()) return;
  std::vector<uint64_t> ids;  // serving may unblock (and so unlist) others
  for (Client* w : it->second) {
    if (w->block->op == BlockState::Op::kXRead) ids.push_back(w->id());
  }
  for (uint64_t id : ids) {
    Client* c = server_.FindClient(id);
    if (c == nullptr || !c->blocked() || c->block->op != BlockState::Op::kXRead || c->db != db) continue;
    // Every serve may change the key (XREADGROUP moves the group): look again.
    Entry* cur = server_.keyspace().db(db).Find(key);
    if (cur != nullptr && server_.keyspace().IsExpired(cur)) cur = nullptr;
    const uint64_t dirty_before = server_.dirty;
    if (ServeStreamWaiter(server_, *c, *c->block, key, cur) == StreamServe::kKeep) continue;
    Detach(*c);
    server_.watched_keys().EndCommand(server_.dirty != dirty_before);
    server_.propagator().EndCall();
    server_.QueuePendingWrite(c);
    Resume(*c);
    c->CheckOutputLimits();
  }
  (void)e;
}

void BlockedClients::PopFrom(Client& c, Entry* e, std::string_view key, bool from_left, int64_t count,
                             bool multi_reply) {
  CommandContext ctx{server_, c, ArgList(), c.reply()};
  const List::End end = from_left ? List::kHead : List::kTail;
  std::string_view verb = from_left ? "LPOP" : "RPOP";
  std::string value;
  c.reply().AddArrayLen(2);
  c.reply().AddBulk(key);
  if (!multi_reply) {
    ListPopKey(ctx, e, key, end, &value);
    c.reply().AddBulk(value);
    std::string_view form[] = {verb, key};
    server_.propagator().Add(c.db, form);
  } else {
    // Redis 7.0 propagates the count actually popped.
    List* l = ListOf(e);
    const size_t n = std::min(static_cast<size_t>(count), l->size());
    c.reply().AddArrayLen(n);
    for (size_t i = 0; i < n; ++i) {
      l->Pop(end, &value);
      c.reply().AddBulk(value);
    }
    ctx.AddDirty(n);
    // One event for the whole pop, then "del" if it emptied the list.
    Notify(ctx, kNotifyList, from_left ? "lpop" : "rpop", key);
    if (l->empty()) DeleteKey(ctx, key);
    std::string popped = std::to_string(n);
    std::string_view form[] = {verb, key, popped};
    server_.propagator().Add(c.db, form);
  }
}

void BlockedClients::ZPopFrom(Client& c, Entry* e, std::string_view key, bool from_min, int64_t count,
                              bool multi_reply) {
  CommandContext ctx{server_, c, ArgList(), c.reply()};
  ZsetValue z(e);
  const uint64_t n = multi_reply ? std::min<uint64_t>(static_cast<uint64_t>(count), z.size()) : 1;
  // Ranks [first, last] go, replied from the popped end inwards.
  const uint64_t first = from_min ? 0 : z.size() - n, last = from_min ? n - 1 : z.size() - 1;
  ReplyBuffer& r = c.reply();
  r.AddArrayLen(multi_reply ? 2 : 3);
  r.AddBulk(key);
  if (multi_reply) r.AddArrayLen(n);
  z.ForRange(from_min ? first : last, from_min ? last : first, !from_min, [&](std::string_view m, double s) {
    if (multi_reply) r.AddArrayLen(2);
    r.AddBulk(m);
    r.AddDouble(s);
  });
  z.DeleteRange(first, last);
  Notify(ctx, kNotifyZset, from_min ? "zpopmin" : "zpopmax", key);
  if (z.size() == 0) DeleteKey(ctx, key);
  ctx.AddDirty(n);
  std::string_view verb = from_min ? "ZPOPMIN" : "ZPOPMAX";
  if (multi_reply) {
    // Redis 7.0 propagates the count actually popped.
    std::string popped = std::to_string(n);
    std::string_view form[] = {verb, key, popped};
    server_.propagator().Add(c.db, form);
  } else {
    std::string_view form[] = {verb, key};
    server_.propagator().Add(c.db, form);
  }
}

void BlockedClients::MoveFrom(Client& c, Entry* src, std::string_view key, std::string_view dst, bool from_left,
                              bool to_left, std::string_view from_word, std::string_view to_word, bool rpoplpush) {
  // The destination lookup may delete an expired key; `src` is another,
  // live key (or the same one), so it stays valid.
  Entry* d = server_.keyspace().LookupWrite(c.db, dst);
  if (d != nullptr && d->type() != ObjType::kList) return ReplyWrongType(c.reply());
  CommandContext ctx{server_, c, ArgList(), c.reply()};
  c.reply().AddBulk(ListMoveKeys(ctx, src, key, dst, from_left ? List::kHead : List::kTail,
                                 to_left ? List::kHead : List::kTail));
  if (rpoplpush) {
    std::string_view form[] = {"RPOPLPUSH", key, dst};
    server_.propagator().Add(c.db, form);
  } else {
    std::string_view form[] = {"LMOVE", key, dst, from_word, to_word};
    server_.propagator().Add(c.db, form);
  }
}

void BlockedClients::Serve(Client& c, std::string_view key) {
  std::unique_ptr<BlockState> st = Detach(c);
  Entry* e = server_.keyspace().LookupWrite(c.db, key);  // live: ServeKey checked
  const uint64_t dirty_before = server_.dirty;
  switch (st->op) {
    case BlockState::Op::kPop:
      PopFrom(c, e, key, st->from_left, 1, false);
      break;
    case BlockState::Op::kMultiPop:
      PopFrom(c, e, key, st->from_left, st->count, true);
      break;
    case BlockState::Op::kMove:
      // Redis propagates the ends as its shared "left"/"right" strings here.
      MoveFrom(c, e, key, st->target, st->from_left, st->to_left, st->from_left ? "left" : "right",
               st->to_left ? "left" : "right", st->rpoplpush);
      break;
    case BlockState::Op::kZPop:
      ZPopFrom(c, e, key, st->from_left, 1, false);
      break;
    case BlockState::Op::kZMultiPop:
      ZPopFrom(c, e, key, st->from_left, st->count, true);
      break;
    case BlockState::Op::kXRead:  // served by ServeStreamKey
      break;
  }
  server_.watched_keys().EndCommand(server_.dirty != dirty_before);
  // Each served client is its own unit in the replication stream.
  server_.propagator().EndCall();
  server_.QueuePendingWrite(&c);
  Resume(c);
  c.CheckOutputLimits();
}

void BlockedClients::Resume(Client& c) { resume_.push_back(c.id()); }

void BlockedClients::BeforeSleep() {
  ServeReadyKeys();
  if (!deadlines_.empty()) {
    const int64_t now = WallClockMs();
    // Bounded by the number of waits.
    while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
      Client* c = server_.FindClient(deadlines_.begin()->second);
      if (c == nullptr || !c->blocked()) {
        deadlines_.erase(deadlines_.begin());  // not expected: Detach erases
        continue;
      }
      std::unique_ptr<BlockState> st = Detach(*c);
      ReplyTimedOut(*c, *st);
      server_.QueuePendingWrite(c);
      Resume(*c);
    }
  }
  for (int round = 0; round < kMaxResumeRounds && !resume_.empty(); ++round) {
    std::vector<uint64_t> ids;
    ids.swap(resume_);
    for (uint64_t id : ids) {
      Client* c = server_.FindClient(id);
      if (c != nullptr) c->ResumeInput();
    }
  }
}

// ---------------------------------------------------------------- commands

namespace {

bool ParseEnd(CommandContext& ctx, std::string_view word, bool* left) {
  if (EqualsIgnoreCase(word, "left")) {
    *left = true;
  } else if (EqualsIgnoreCase(word, "right")) {
    *left = false;
  } else {
    ReplySyntaxError(ctx.reply);
    return false;
  }
  return true;
}

// BLPOP key [key ...] timeout / BRPOP.
void BlockingPop(CommandContext& ctx, bool left) {
  int64_t deadline;
  if (!ParseBlockTimeout(ctx, ctx.argv.back(), &deadline)) return;
  ctx.propagation_handled = true;  // the pop that runs propagates itself
  Keyspace& ks = ctx.server.keyspace();
  for (size_t i = 1; i + 1 < ctx.argv.size(); ++i) {
    Entry* e = ks.LookupWrite(ctx.db_index(), ctx.argv[i]);
    if (e == nullptr) continue;
    if (e->type() != ObjType::kList) return ReplyWrongType(ctx.reply);
    return ctx.server.blocked_clients().PopFrom(ctx.client, e, ctx.argv[i], left, 1, false);
  }
  if (ctx.client.deny_blocking) return ctx.reply.AddNullArray();
  auto st = std::make_unique<BlockState>();
  st->op = BlockState::Op::kPop;
  st->from_left = left;
  st->deadline_ms = deadline;
  for (size_t i = 1; i + 1 < ctx.argv.size(); ++i) st->keys.emplace_back(ctx.argv[i]);
  ctx.server.blocked_clients().Block(ctx.client, std::move(st));
}

void BlpopCommand(CommandContext& ctx) { BlockingPop(ctx, true); }
void BrpopCommand(CommandContext& ctx) { BlockingPop(ctx, false); }

void BlockingMove(CommandContext& ctx, bool from_left, bool to_left, std::string_view from_word,
                  std::string_view to_word, std::string_view timeout, bool rpoplpush) {
  int64_t deadline;
  if (!ParseBlockTimeout(ctx, timeout, &deadline)) return;
  ctx.propagation_handled = true;
  std::string_view src = ctx.argv[1], dst = ctx.argv[2];
  Entry* e = ctx.server.keyspace().LookupWrite(ctx.db_index(), src);
  if (e != nullptr && e->type() != ObjType::kList) return ReplyWrongType(ctx.reply);
  if (e != nullptr) {
    return ctx.server.blocked_clients().MoveFrom(ctx.client, e, src, dst, from_left, to_left, from_word, to_word,
                                                 rpoplpush);
  }
  // Inside EXEC Redis answers a null bulk here (a null array on timeout).
  if (ctx.client.deny_blocking) return ctx.reply.AddNullBulk();
  auto st = std::make_unique<BlockState>();
  st->op = BlockState::Op::kMove;
  st->from_left = from_left;
  st->to_left = to_left;
  st->rpoplpush = rpoplpush;
  st->deadline_ms = deadline;
  st->keys.emplace_back(src);
  st->target = std::string(dst);
  ctx.server.blocked_clients().Block(ctx.client, std::move(st));
}

// BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout
void BlmoveCommand(CommandContext& ctx) {
  bool from_left, to_left;
  if (!ParseEnd(ctx, ctx.argv[3], &from_left) || !ParseEnd(ctx, ctx.argv[4], &to_left)) return;
  BlockingMove(ctx, from_left, to_left, ctx.argv[3], ctx.argv[4], ctx.argv[5], false);
}

// BRPOPLPUSH source destination timeout
void BrpoplpushCommand(CommandContext& ctx) {
  BlockingMove(ctx, false, true, "RIGHT", "LEFT", ctx.argv[3], true);
}

// [B]LMPOP: argv[first] is numkeys; BLMPOP's timeout is argv[1].
void MultiPopGeneric(CommandContext& ctx, size_t first, bool blocking) {
  MultiPopArgs args;
  if (!ParseMultiPopArgs(ctx, first, "left", "right", &args)) return;
  // Redis 7.0 reads the timeout after the other arguments.
  int64_t deadline = 0;
  if (blocking && !ParseBlockTimeout(ctx, ctx.argv[1], &deadline)) return;
  ctx.propagation_handled = true;
  Keyspace& ks = ctx.server.keyspace();
  ArgList a = ctx.argv;
  for (size_t i = args.keys_begin; i < args.keys_end; ++i) {
    Entry* e = ks.LookupWrite(ctx.db_index(), a[i]);
    if (e == nullptr) continue;
    if (e->type() != ObjType::kList) return ReplyWrongType(ctx.reply);
    return ctx.server.blocked_clients().PopFrom(ctx.client, e, a[i], args.first_end, args.count, true);
  }
  if (!blocking || ctx.client.deny_blocking) return ctx.reply.AddNullArray();
  auto st = std::make_unique<BlockState>();
  st->op = BlockState::Op::kMultiPop;
  st->from_left = args.first_end;
  st->count = args.count;
  st->deadline_ms = deadline;
  for (size_t i = args.keys_begin; i < args.keys_end; ++i) st->keys.emplace_back(a[i]);
  ctx.server.blocked_clients().Block(ctx.client, std::move(st));
}

// BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]
void BlmpopCommand(CommandContext& ctx) { MultiPopGeneric(ctx, 2, true); }

// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]
void LmpopCommand(CommandContext& ctx) {
  MultiPopGeneric(ctx, 1, false);
}

// Redis's getRangeLongFromObjectOrReply(1, LONG_MAX) with its message.
bool ParsePositive(CommandContext& ctx, std::string_view s, const char* message, int64_t* out) {
  if (!ParseInt64(s, out) || *out < 1) {
    ctx.reply.AddError(message);
    return false;
  }
  return true;
}

}  // namespace

bool ParseMultiPopArgs(CommandContext& ctx, size_t first, std::string_view first_word, std::string_view second_word,
                       MultiPopArgs* out) {
  ArgList a = ctx.argv;
  int64_t numkeys;
  if (!ParsePositive(ctx, a[first], "numkeys should be greater than 0", &numkeys)) return false;
  // The end word must follow the keys.
  if (static_cast<uint64_t>(numkeys) >= a.size() - first - 1) {
    ReplySyntaxError(ctx.reply);
    return false;
  }
  out->keys_begin = first + 1;
  out->keys_end = first + 1 + static_cast<size_t>(numkeys);
  const std::string_view end = a[out->keys_end];
  if (EqualsIgnoreCase(end, first_word)) {
    out->first_end = true;
  } else if (EqualsIgnoreCase(end, second_word)) {
    out->first_end = false;
  } else {
    ReplySyntaxError(ctx.reply);
    return false;
  }
  int64_t count = -1;  // no COUNT yet
  for (size_t i = out->keys_end + 1; i < a.size(); ++i) {
    if (count == -1 && EqualsIgnoreCase(a[i], "count") && i + 1 < a.size()) {
      if (!ParsePositive(ctx, a[++i], "count should be greater than 0", &count)) return false;
    } else {
      ReplySyntaxError(ctx.reply);
      return false;
    }
  }
  out->count = count == -1 ? 1 : count;
  return true;
}

void RegisterBlockingCommands(CommandTable& t) {
  auto add = [&](const char* name, int arity, uint32_t flags, CommandHandler h, int first, int last,
                 const char* since) {
    if (t.Find(name) != nullptr) return;  // the list family registered its own
    Command c;
    c.name = name;
    c.arity = arity;
    c.flags = flags;
    c.handler = h;
    c.first_key = first;
    c.last_key = last;
    c.key_step = first != 0 ? 1 : 0;
    c.group = "list";
    c.since = since;
    t.Add(std::move(c));
  };
  add("blpop", -3, kCmdWrite | kCmdNoscript | kCmdBlocking, BlpopCommand, 1, -2, "2.0.0");
  add("brpop", -3, kCmdWrite | kCmdNoscript | kCmdBlocking, BrpopCommand, 1, -2, "2.0.0");
  add("blmove", 6, kCmdWrite | kCmdDenyOom | kCmdNoscript | kCmdBlocking, BlmoveCommand, 1, 2, "6.2.0");
  add("brpoplpush", 4, kCmdWrite | kCmdDenyOom | kCmdNoscript | kCmdBlocking, BrpoplpushCommand, 1, 2, "2.2.0");
  add("blmpop", -5, kCmdWrite | kCmdBlocking | kCmdMovableKeys, BlmpopCommand, 0, 0, "7.0.0");
  add("lmpop", -4, kCmdWrite | kCmdMovableKeys, LmpopCommand, 0, 0, "7.0.0");
}

}  // namespace replikv
