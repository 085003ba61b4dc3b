#include "server/commands/client_pause.h"

#include <algorithm>
#include <string_view>

#include "server/net/client.h"
#include "server/command_table.h"
#include "server/keyspace.h"
#include "server/commands/multi.h"
#include "server/server.h"

namespace replikv {
namespace {

// Rounds of resumption per poll: a resumed client may end the pause for
// others (CLIENT UNPAUSE), who then run in the next round.
constexpr int kMaxResumeRounds = 64;

// Commands Redis 7.0 flags may-replicate that the command table does not
// (yet) mark with kCmdMayReplicate. Redis 7.0's COMMAND output never shows
// that flag, so marking them in the table must come with hiding it there.
constexpr std::string_view kMayReplicateByName[] = {"publish", "spublish", "pfcount", "eval", "evalsha", "fcall"};

}  // namespace

ClientPause::ClientPause(Server& server) : server_(server) {}

bool ClientPause::MayReplicate(const Command& cmd) {
  if (cmd.flags & (kCmdWrite | kCmdMayReplicate)) return true;
  return std::find(std::begin(kMayReplicateByName), std::end(kMayReplicateByName), cmd.name) !=
         std::end(kMayReplicateByName);
}

void ClientPause::Pause(PausePurpose purpose, PauseType type, int64_t end_ms, int64_t now_ms) {
  Update(now_ms);  // an ended pause does not lend its type to the new one
  Event& e = events_[static_cast<size_t>(purpose)];
  e.type = std::max(e.type, type);
  e.end_ms = std::max(e.end_ms, end_ms);
  Recompute(now_ms);
}

void ClientPause::Unpause(PausePurpose purpose, int64_t now_ms) {
  events_[static_cast<size_t>(purpose)] = Event{};
  Recompute(now_ms);
}

void ClientPause::Update(int64_t now_ms) {
  // Only the end of the strictest purposes can change the effective pause
  // (a less strict one ending earlier changes neither type nor freeze).
  if (type_ != PauseType::kOff && end_ms_ < now_ms) Recompute(now_ms);
}

void ClientPause::Recompute(int64_t now_ms) {
  const PauseType old_type = type_;
  PauseType type = PauseType::kOff;
  int64_t frozen_until = -1;
  for (Event& e : events_) {
    if (e.type == PauseType::kOff) continue;
    if (e.end_ms < now_ms) {
      e = Event{};  // ended
      continue;
    }
    type = std::max(type, e.type);
    frozen_until = std::max(frozen_until, e.end_ms);
  }
  int64_t end = 0;
  for (const Event& e : events_) {
    if (e.type == type && e.type != PauseType::kOff) end = std::max(end, e.end_ms);
  }
  type_ = type;
  end_ms_ = end;
  server_.keyspace().FreezeDeletesUntil(frozen_until);
  if (type < old_type) {
    // Less strict (or over): everyone parked runs again and is judged anew.
    resume_.insert(resume_.end(), parked_.begin(), parked_.end());
    parked_.clear();
  }
}

bool ClientPause::MustPark(const Client& c, const Command& cmd) const {
  if (type_ == PauseType::kAll) return true;
  if (MayReplicate(cmd)) return true;
  // An EXEC is judged by the transaction it would run.
  if (cmd.handler == ExecCommand && c.in_multi() && c.multi != nullptr) {
    if (c.multi->queued_flags & (kCmdWrite | kCmdMayReplicate)) return true;
    for (const QueuedCommand& q : c.multi->queued) {
      if (MayReplicate(*q.cmd)) return true;
    }
  }
  return false;
}

void ClientPause::Park(Client& c) { parked_.push_back(c.id()); }

void ClientPause::Forget(Client& c) {
  auto it = std::find(parked_.begin(), parked_.end(), c.id());
  if (it != parked_.end()) parked_.erase(it);
}

void ClientPause::BeforePoll(int64_t now_ms) {
  Update(now_ms);
  for (int round = 0; round < kMaxResumeRounds && !resume_.empty(); ++round) {
    std::vector<uint64_t> ids;
    ids.swap(resume_);
    for (uint64_t id : ids) {
      Client* c = server_.FindClient(id);
      if (c != nullptr) c->ResumeParked();
    }
  }
}

}  // namespace replikv
