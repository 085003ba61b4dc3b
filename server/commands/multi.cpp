#include "server/acl.h"
#include "server/commands/multi.h"

#include <algorithm>

#include "server/net/client.h"
#include "server/net/reply_buffer.h"
#include "server/server.h"

namespace replikv {
namespace {

MultiState& StateOf(Client& c) {
  if (c.multi == nullptr) c.multi = std::make_unique<MultiState>();
  return *c.multi;
}

}  // namespace

WatchedKeys::WatchedKeys(Keyspace& keyspace)
    : keyspace_(keyspace), by_db_(static_cast<size_t>(keyspace.databases())) {}

void WatchedKeys::Watch(Client& c, int db, std::string_view key) {
  MultiState& m = StateOf(c);
  KeyMap& map = by_db_[static_cast<size_t>(db)];
  auto it = map.find(key);
  if (it != map.end()) {
    for (const Watcher& w : it->second) {
      if (w.client == &c) return;
    }
  } else {
    if (map.empty()) keyspace_.db(db).AddInterest();
    it = map.emplace(std::string(key), std::vector<Watcher>()).first;
    ++key_count_;
  }
  // Redis 7.0: a key already logically expired counts as absent, so its
  // later deletion by expiry is not a change.
  Entry* e = keyspace_.db(db).Find(key);
  it->second.push_back(Watcher{&c, e != nullptr && keyspace_.IsExpired(e)});
  m.watched.emplace_back(db, std::string(key));
}

void WatchedKeys::UnwatchAll(Client& c) {
  if (c.multi == nullptr) return;
  for (const auto& [db, key] : c.multi->watched) {
    KeyMap& map = by_db_[static_cast<size_t>(db)];
    auto it = map.find(key);
    if (it == map.end()) continue;
    std::vector<Watcher>& ws = it->second;
    ws.erase(std::remove_if(ws.begin(), ws.end(), [&](const Watcher& w) { return w.client == &c; }), ws.end());
    if (ws.empty()) {
      map.erase(it);
      --key_count_;
      if (map.empty()) keyspace_.db(db).RemoveInterest();
    }
  }
  c.multi->watched.clear();
}

bool WatchedKeys::ShouldAbort(Client& c) {
  if (c.multi == nullptr) return false;
  if (c.multi->dirty_cas) return true;
  // A key that expired after WATCH fails the EXEC even if nothing deleted
  // it yet (Redis 7.0's isWatchedKeyExpired).
  for (const auto& [db, key] : c.multi->watched) {
    KeyMap& map = by_db_[static_cast<size_t>(db)];
    auto it = map.find(key);
    if (it == map.end()) continue;
    for (const Watcher& w : it->second) {
      if (w.client != &c || w.expired_at_watch) continue;
      Entry* e = keyspace_.db(db).Find(key);
      if (e != nullptr && keyspace_.IsExpired(e)) return true;
    }
  }
  return false;
}

void WatchedKeys::Touch(Db& db, std::string_view key) {
  KeyMap& map = by_db_[static_cast<size_t>(db.id())];
  auto it = map.find(key);
  if (it == map.end()) return;
  for (Watcher& w : it->second) {
    if (w.expired_at_watch && db.Find(key) == nullptr) {
      // The already-expired key is gone now: logically nothing changed,
      // and from here on the key is plainly absent.
      w.expired_at_watch = false;
      continue;
    }
    w.client->multi->dirty_cas = true;
  }
}

void WatchedKeys::KeyChanged(Db& db, std::string_view key, const Entry*) { Touch(db, key); }

void WatchedKeys::KeyFoundForWrite(Db& db, std::string_view key) {
  const KeyMap& map = by_db_[static_cast<size_t>(db.id())];
  if (map.find(key) != map.end()) pending_.emplace_back(db.id(), std::string(key));
}

void WatchedKeys::FlushPending(bool dataset_changed) {
  if (dataset_changed) {
    for (const auto& [db, key] : pending_) Touch(keyspace_.db(db), key);
  }
  pending_.clear();
}

void WatchedKeys::BeforeClear(Db& db) { TouchAllInDb(db, nullptr); }

void WatchedKeys::BeforeSwap(Db& a, Db& b) {
  TouchAllInDb(a, &b);
  TouchAllInDb(b, &a);
}

void WatchedKeys::TouchAllInDb(Db& emptied, Db* replaced_with) {
  for (auto& [key, watchers] : by_db_[static_cast<size_t>(emptied.id())]) {
    Entry* old_entry = emptied.Find(key);
    Entry* new_entry = replaced_with != nullptr ? replaced_with->Find(key) : nullptr;
    if (old_entry == nullptr && new_entry == nullptr) continue;
    for (Watcher& w : watchers) {
      if (w.expired_at_watch) {
        if (new_entry == nullptr) {
          w.expired_at_watch = false;  // the expired key is simply gone
          continue;
        }
        if (keyspace_.IsExpired(new_entry)) continue;  // still expired
      } else if (old_entry == nullptr && keyspace_.IsExpired(new_entry)) {
        // An absent key replaced by an already-expired one: no change yet.
        w.expired_at_watch = true;
        continue;
      }
      w.client->multi->dirty_cas = true;
    }
  }
}

void QueueMultiCommand(Client& c, Command* cmd, ArgList argv) {
  MultiState& m = StateOf(c);
  QueuedCommand q{cmd, {}};
  q.argv.reserve(argv.size());
  for (std::string_view a : argv) {
    q.argv.emplace_back(a);
    m.queued_bytes += a.size();
  }
  m.queued_flags |= cmd->flags;
  m.queued.push_back(std::move(q));
  c.reply().AddSimple("QUEUED");
}

void FlagTransaction(Client& c) {
  if (c.in_multi()) c.multi->dirty_exec = true;
}

void DiscardTransaction(Server& s, Client& c) {
  if (c.multi == nullptr) return;
  MultiState& m = *c.multi;
  m.queued.clear();
  m.queued_flags = 0;
  m.queued_bytes = 0;
  m.dirty_exec = m.dirty_cas = false;
  c.set_in_multi(false);
  s.watched_keys().UnwatchAll(c);
}

void MultiCommand(CommandContext& ctx) {
  // Not a transaction error: the open transaction goes on (Redis 7.0).
  if (ctx.client.in_multi()) return ctx.reply.AddError("MULTI calls can not be nested");
  StateOf(ctx.client);
  ctx.client.set_in_multi(true);
  ctx.reply.AddOk();
}

void DiscardCommand(CommandContext& ctx) {
  if (!ctx.client.in_multi()) return ctx.reply.AddError("DISCARD without MULTI");
  DiscardTransaction(ctx.server, ctx.client);
  ctx.reply.AddOk();
}

namespace {
const char* ExecDenialReason(AclDenial d) {
  switch (d) {
    case AclDenial::kCommand: return "no permission to execute the command or subcommand";
    case AclDenial::kKey: return "no permission to touch the specified keys";
    case AclDenial::kChannel: return "no permission to access one of the channels used as arguments";
    default: break;
  }
  return "no permission";
}
}  // namespace

void ExecCommand(CommandContext& ctx) {
  Server& s = ctx.server;
  Client& c = ctx.client;
  if (!c.in_multi()) return ctx.reply.AddError("EXEC without MULTI");
  MultiState& m = *c.multi;
  if (m.dirty_exec) {
    ctx.reply.AddError("-EXECABORT Transaction discarded because of previous errors.");
    return DiscardTransaction(s, c);
  }
  if (s.watched_keys().ShouldAbort(c)) {
    ctx.reply.AddNullArray();
    return DiscardTransaction(s, c);
  }
  std::vector<QueuedCommand> queue = std::move(m.queued);
  DiscardTransaction(s, c);  // also unwatches before running, as Redis
  // Blocking commands answer at once inside EXEC.
  const bool old_deny = c.deny_blocking;
  c.deny_blocking = true;
  s.propagator().BeginTransaction();
  ctx.reply.AddArrayLen(queue.size());
  std::vector<std::string_view> argv;
  for (QueuedCommand& q : queue) {
    argv.assign(q.argv.begin(), q.argv.end());
    // The ACL may have changed since the command was queued (Redis 7.0
    // checks again at EXEC).
    size_t acl_pos = 0;
    if (const AclDenial d = s.acl().Check(c, *q.cmd, argv, &acl_pos); d != AclDenial::kNone) {
      s.acl().Log(c, d, "multi", d == AclDenial::kCommand ? std::string_view(q.cmd->full_name) : argv[acl_pos],
                  c.user->name());
      ctx.reply.AddError(std::string("-NOPERM ACLs rules changed between the moment the transaction was accumulated "
                                     "and the EXEC call. This command is no longer allowed for the following "
                                     "reason: ") + ExecDenialReason(d));
      continue;
    }
    s.Call(c, *q.cmd, argv, c.reply());
    ++s.stats().total_commands_processed;
  }
  s.propagator().EndTransaction();
  c.deny_blocking = old_deny;
  ctx.propagation_handled = true;
}

void WatchCommand(CommandContext& ctx) {
  // Not a transaction error either (the transaction goes on).
  if (ctx.client.in_multi()) return ctx.reply.AddError("WATCH inside MULTI is not allowed");
  for (size_t i = 1; i < ctx.argv.size(); ++i) {
    ctx.server.watched_keys().Watch(ctx.client, ctx.db_index(), ctx.argv[i]);
  }
  ctx.reply.AddOk();
}

void UnwatchCommand(CommandContext& ctx) {
  ctx.server.watched_keys().UnwatchAll(ctx.client);
  if (ctx.client.multi != nullptr) ctx.client.multi->dirty_cas = false;
  ctx.reply.AddOk();
}

void RegisterMultiCommands(CommandTable& t) {
  const uint32_t kBase = kCmdNoscript | kCmdLoading | kCmdStale;
  AddCommands(t, "transactions", {
    {"multi", 1, kBase | kCmdFast | kCmdAllowBusy | kCmdRunsInMulti, MultiCommand, 0, 0, 0, "1.2.0"},
    {"exec", 1, kBase | kCmdSkipSlowlog | kCmdRunsInMulti, ExecCommand, 0, 0, 0, "1.2.0"},
    {"discard", 1, kBase | kCmdFast | kCmdAllowBusy | kCmdRunsInMulti, DiscardCommand, 0, 0, 0, "2.0.0"},
    {"watch", -2, kBase | kCmdFast | kCmdAllowBusy | kCmdRunsInMulti, WatchCommand, 1, -1, 1, "2.2.0"},
    {"unwatch", 1, kBase | kCmdFast | kCmdAllowBusy, UnwatchCommand, 0, 0, 0, "2.2.0"}
  });
  // QUIT and RESET also act at once inside MULTI (Redis's processCommand).
  for (const char* name : {"quit", "reset"}) {
    if (Command* c = t.Find(name)) c->flags |= kCmdRunsInMulti;
  }
}

}  // namespace replikv
