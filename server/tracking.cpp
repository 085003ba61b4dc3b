#include "server/tracking.h"

#include <algorithm>
#include <memory>

#include "server/base/ascii.h"
#include "server/commands/key_specs.h"
#include "server/commands/scripting.h"
#include "server/server.h"

namespace replikv {
namespace {

// The push and the Pub/Sub message that carry an invalidation; the value
// (the keys, or a null) follows.
constexpr std::string_view kInvalidatePush = ">2\r\n$10\r\ninvalidate\r\n";
constexpr std::string_view kInvalidateMessage = "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n";

void AppendKeyArray(std::string_view key, std::string* out) {
  out->assign("*1\r\n$").append(std::to_string(key.size())).append("\r\n").append(key).append("\r\n");
}

}  // namespace

ClientTracking::ClientTracking(Server& server) : server_(server) {}

void ClientTracking::Enable(Client& c, const Options& o) {
  if (c.tracking == nullptr) c.tracking = std::make_unique<TrackingState>();
  TrackingState& t = *c.tracking;
  if (!t.on) ++clients_;
  t.on = true;
  t.broken_redirect = false;
  t.redirect = o.redirect;
  t.bcast = o.bcast;
  t.optin = o.optin;
  t.optout = o.optout;
  t.noloop = o.noloop;
  if (o.bcast) {
    // BCAST without PREFIX is the empty prefix: every key.
    const std::vector<std::string_view> all{std::string_view()};
    for (std::string_view p : o.prefixes.empty() ? all : o.prefixes) {
      if (t.prefixes.emplace(p).second) prefixes_.AddClient(p, c.id());
    }
  }
  UpdateInterest();
}

void ClientTracking::Disable(Client& c) {
  if (c.tracking == nullptr || !c.tracking->on) return;
  TrackingState& t = *c.tracking;
  for (const std::string& p : t.prefixes) prefixes_.RemoveClient(p, c.id());
  // The keys it read stay in the table until they change (as Redis 7.0).
  t = TrackingState{};
  --clients_;
  UpdateInterest();
}

void ClientTracking::UpdateInterest() {
  const bool want = clients_ != 0 || !table_.empty();
  if (want == interested_) return;
  interested_ = want;
  Keyspace& ks = server_.keyspace();
  for (int i = 0; i < ks.databases(); ++i) {
    if (want) {
      ks.db(i).AddInterest();
    } else {
      ks.db(i).RemoveInterest();
    }
  }
}

void ClientTracking::RememberKeys(Client& c, const Command& cmd, ArgList argv) {
  // The tracking client is the one whose command runs; a script's calls
  // run as the script's own client and count for its caller, with the
  // keys the script declared.
  Client* tracker = &c;
  ArgList script;
  if (&c != current_) {
    script = server_.scripting().running_command();
    if (current_ == nullptr || script.empty()) return;
    tracker = current_;
  }
  const TrackingState* t = tracker->tracking.get();
  if (t == nullptr || !t->on || t->bcast) return;
  // OPTIN remembers only after CLIENT CACHING YES, OPTOUT all but after NO.
  if ((t->optin && !t->caching) || (t->optout && t->caching)) return;
  const uint64_t id = tracker->id();
  if (script.empty() && !(cmd.flags & kCmdMovableKeys) && cmd.first_key > 0 && cmd.key_step > 0) {
    // Keys at fixed positions (GET, MGET, LRANGE...): the range their key
    // specs describe, without the specs' search.
    const long argc = static_cast<long>(argv.size());
    const long last = cmd.last_key < 0 ? argc + cmd.last_key : cmd.last_key;
    for (long i = cmd.first_key; i <= last && i < argc; i += cmd.key_step) {
      table_.Remember(argv[static_cast<size_t>(i)], id);
    }
  } else {
    const std::string name = script.empty() ? cmd.name : Lower(script[0]);
    if (!script.empty()) argv = script;
    key_refs_.clear();
    if (!FindCommandKeys(name, argv, &key_refs_)) return;
    for (const KeyRef& k : key_refs_) table_.Remember(argv[k.index], id);
  }
  UpdateInterest();
}

void ClientTracking::KeyChanged(Db&, std::string_view key, const Entry*) {
  // Keys a load adds (start-up, a replica's full sync: the flush before it
  // sent its null) are not changes, as Redis's RDB loading signals none;
  // BCAST would otherwise queue every loaded key.
  if (server_.loading) return;
  // A write that found the key and then replaced it (SET on an existing
  // key) is told here: the end of the call need not tell it again.
  if (!found_for_write_.empty() && found_for_write_.back() == key) found_for_write_.pop_back();
  InvalidateKey(key, true);
}

void ClientTracking::KeyFoundForWrite(Db&, std::string_view key) { found_for_write_.emplace_back(key); }

void ClientTracking::FinishCall(bool dataset_changed) {
  flushed_ = false;
  if (found_for_write_.empty()) return;
  // Moved out: invalidating may run listeners that add to it again.
  std::vector<std::string> keys = std::move(found_for_write_);
  found_for_write_.clear();
  if (dataset_changed) {
    for (const std::string& k : keys) InvalidateKey(k, true);
  }
}

void ClientTracking::InvalidateKey(std::string_view key, bool bcast) {
  if (bcast && prefixes_.prefix_count() != 0) prefixes_.NoteKey(key, call_client_ != nullptr ? call_client_->id() : 0);
  if (table_.empty()) return;
  const std::vector<uint64_t> readers = table_.Take(key);
  for (uint64_t id : readers) {
    Client* target = server_.FindClient(id);
    // A reader that turned tracking off, or switched to BCAST since, is
    // not told (its keys are forgotten only here).
    if (target == nullptr || target->closing() || target->tracking == nullptr || !target->tracking->on ||
        target->tracking->bcast) {
      continue;
    }
    if (target == current_) {
      if (target->tracking->noloop) continue;
      // After the reply of the command that made the change.
      if (executing_) {
        pending_.push_back({id, std::string(key), false});
        continue;
      }
    }
    SendKey(*target, key);
  }
  if (table_.empty()) UpdateInterest();
}

void ClientTracking::BeforeClear(Db&) {
  // FLUSHALL clears every db: one null invalidation per flush command, to
  // every tracking client (BCAST ones too), as Redis 7.0's
  // trackingInvalidateKeysOnFlush.
  if (!flushed_ && clients_ != 0) {
    flushed_ = true;
    for (auto& [id, c] : server_.clients()) {
      if (c->closing() || c->tracking == nullptr || !c->tracking->on) continue;
      if (c.get() == current_ && executing_) {
        pending_.push_back({id, std::string(), true});
      } else {
        SendFlush(*c);
      }
    }
  }
  table_.Clear();
  UpdateInterest();
}

void ClientTracking::FinishCommand(Client& c, std::string_view command_name) {
  executing_ = false;
  if (!pending_.empty()) SendPending(c);
  TrackingState* t = c.tracking.get();
  if (t != nullptr && t->caching && !c.in_multi() && !EqualsIgnoreCase(command_name, "client")) t->caching = false;
}

void ClientTracking::SendPending(Client& c) {
  // Only `c`'s: a busy script's caller keeps its own until its reply.
  std::vector<Pending> keep;
  std::vector<Pending> all = std::move(pending_);
  pending_.clear();
  for (Pending& p : all) {
    if (p.client_id != c.id()) {
      keep.push_back(std::move(p));
    } else if (!c.closing() && c.tracking != nullptr) {
      if (p.is_flush) {
        SendFlush(c);
      } else {
        SendKey(c, p.key);
      }
    }
  }
  pending_ = std::move(keep);
}

void ClientTracking::SendKey(Client& c, std::string_view key) {
  AppendKeyArray(key, &scratch_);
  Send(c, scratch_);
}

void ClientTracking::SendFlush(Client& c) {
  // The null is in the tracking client's protocol, even when a redirect
  // target gets it (Redis 7.0 does the same).
  Send(c, c.resp() == 3 ? std::string_view("_\r\n") : std::string_view("$-1\r\n"));
}

void ClientTracking::Send(Client& c, std::string_view value) {
  Client* target = &c;
  const uint64_t redirect = c.tracking->redirect;
  if (redirect != 0) {
    target = server_.FindClient(redirect);
    if (target == nullptr) {
      // >2 $21 tracking-redir-broken :<id>, to a RESP3 client only.
      c.tracking->broken_redirect = true;
      if (c.resp() == 3) {
        c.BeginPush();
        c.reply().Append(">2\r\n$21\r\ntracking-redir-broken\r\n:");
        c.reply().Append(std::to_string(redirect));
        c.reply().Append("\r\n");
        c.EndPush();
        server_.QueuePendingWrite(&c);
      }
      return;
    }
  }
  if (target->closing()) return;
  std::string_view header;
  if (target->resp() == 3) {
    header = kInvalidatePush;
  } else if (redirect != 0 && target->in_pubsub_mode()) {
    header = kInvalidateMessage;
  } else {
    return;  // RESP2 has no pushes on the same connection
  }
  target->BeginPush();
  target->reply().Append(header);
  target->reply().Append(value);
  target->EndPush();
  server_.QueuePendingWrite(target);
}

void ClientTracking::BroadcastPending() {
  flushed_ = false;
  if (!prefixes_.has_pending()) return;
  std::string common, own;
  prefixes_.Drain([&](const BcastPrefixes::PendingKeys& keys, const std::vector<uint64_t>& receivers) {
    common.clear();
    EncodePendingKeys(keys, 0, &common);
    for (uint64_t id : receivers) {
      Client* c = server_.FindClient(id);
      if (c == nullptr || c->closing() || c->tracking == nullptr) continue;
      if (!c->tracking->noloop) {
        Send(*c, common);
        continue;
      }
      // NOLOOP: the keys this client changed itself are left out.
      own.clear();
      if (EncodePendingKeys(keys, id, &own)) Send(*c, own);
    }
  });
}

void ClientTracking::LimitTableSize() {
  const int64_t max_keys = server_.config().tracking_table_max_keys;
  if (max_keys == 0) return;
  if (table_.keys() <= static_cast<uint64_t>(max_keys)) {
    limit_effort_rounds_ = 0;
    return;
  }
  // Redis 7.0: 100 keys more of effort for each call that ended still over
  // the limit.
  uint64_t effort = 100 * (static_cast<uint64_t>(limit_effort_rounds_) + 1);
  while (effort-- > 0 && !table_.empty()) {
    InvalidateKey(table_.RandomKey(), false);
    if (table_.keys() <= static_cast<uint64_t>(max_keys)) {
      limit_effort_rounds_ = 0;
      return;
    }
  }
  ++limit_effort_rounds_;
}

}  // namespace replikv
