#include "replication/failover.h"

#include <spdlog/spdlog.h>

#include <charconv>
#include <limits>

#include "replication/primary.h"
#include "replication/repl_stream.h"
#include "server/commands/client_pause.h"
#include "server/net/client.h"
#include "server/server.h"

namespace replikv::repl {
namespace {

bool ParseInt(std::string_view s, int64_t* out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size() && !s.empty();
}

}  // namespace

Failover::Failover(Server& server, ReplStream& stream, PrimarySide& primary, Hooks hooks)
    : server_(server), stream_(stream), primary_(primary), hooks_(std::move(hooks)) {}

const char* Failover::StateName() const {
  switch (state_) {
    case State::kNone: return "no-failover";
    case State::kWaitForSync: return "waiting-for-sync";
    case State::kInProgress: return "failover-in-progress";
  }
  return "no-failover";
}

void Failover::Command(CommandContext& ctx) {
  std::string host;
  int64_t port = 0, timeout_ms = 0;
  bool force = false, abort = false, has_to = false, has_timeout = false;
  const ArgList& a = ctx.argv;
  for (size_t i = 1; i < a.size(); ++i) {
    if (EqualsIgnoreCase(a[i], "to") && !has_to && i + 2 < a.size()) {
      host = std::string(a[i + 1]);
      if (!ParseInt(a[i + 2], &port)) return ctx.reply.AddError("value is not an integer or out of range");
      has_to = true;
      i += 2;
    } else if (EqualsIgnoreCase(a[i], "force") && !force) {
      force = true;
    } else if (EqualsIgnoreCase(a[i], "abort") && !abort) {
      abort = true;
    } else if (EqualsIgnoreCase(a[i], "timeout") && !has_timeout && i + 1 < a.size()) {
      if (!ParseInt(a[i + 1], &timeout_ms)) return ctx.reply.AddError("value is not an integer or out of range");
      if (timeout_ms <= 0) return ctx.reply.AddError("FAILOVER timeout must be greater than 0");
      has_timeout = true;
      ++i;
    } else {
      return ReplySyntaxError(ctx.reply);
    }
  }
  if (abort) {
    if (force || has_timeout || has_to) return ReplySyntaxError(ctx.reply);
    if (state_ == State::kNone) return ctx.reply.AddError("No failover in progress.");
    Abort("Failover manually aborted");
    return ctx.reply.AddOk();
  }
  if (server_.is_replica()) return ctx.reply.AddError("FAILOVER is not valid when server is a replica.");
  if (primary_.Replicas(/*online_only=*/false).empty()) {
    return ctx.reply.AddError("FAILOVER requires connected replicas.");
  }
  if (force && (!has_timeout || !has_to)) {
    return ctx.reply.AddError("FAILOVER with force option requires both a timeout and target HOST and IP.");
  }
  if (has_to) {
    bool found = false, online = false;
    for (const auto& r : primary_.Replicas(/*online_only=*/false)) {
      if (EqualsIgnoreCase(r.ip, host) && r.port == port) {
        found = true;
        online = r.online;
      }
    }
    if (!found) return ctx.reply.AddError("FAILOVER target HOST and PORT is not a replica.");
    if (!online) return ctx.reply.AddError("FAILOVER target replica is not online.");
  }
  if (state_ != State::kNone) return ctx.reply.AddError("FAILOVER already in progress.");
  host_ = host;
  port_ = static_cast<int>(port);
  force_ = force;
  end_ms_ = has_timeout ? WallClockMs() + timeout_ms : 0;
  if (has_to) {
    spdlog::info("FAILOVER requested to {}:{}.", host_, port_);
  } else {
    spdlog::info("FAILOVER requested to any replica.");
  }
  state_ = State::kWaitForSync;
  // One GETACK before the pause, for a quick first answer; then no write
  // may slip in between the target's last ACK and the hand-over.
  primary_.RequestAcks();
  server_.client_pause().Pause(PausePurpose::kFailover, PauseType::kWrite, std::numeric_limits<int64_t>::max(),
                               WallClockMs());
  ctx.reply.AddOk();
}

bool Failover::PickSyncedTarget() {
  const int64_t offset = stream_.end_offset();
  for (const auto& r : primary_.Replicas(/*online_only=*/true)) {
    if (r.ack_offset != offset) continue;
    if (!host_.empty() && !(EqualsIgnoreCase(r.ip, host_) && r.port == port_)) continue;
    host_ = r.ip;
    port_ = r.port;
    return true;
  }
  return false;
}

void Failover::OnAck() {
  if (state_ != State::kWaitForSync) return;
  if (PickSyncedTarget()) {
    spdlog::info("Failover target {}:{} is synced, failing over.", host_, port_);
    Proceed();
  }
}

void Failover::Proceed() {
  state_ = State::kInProgress;
  // The hand-over itself gets a bound too: the deadline, else 10 s.
  const int64_t now = WallClockMs();
  if (end_ms_ == 0 || end_ms_ <= now) end_ms_ = now + 10000;
  hooks_.demote_to(host_, port_);
}

void Failover::Cron() {
  if (state_ == State::kInProgress && end_ms_ != 0 && WallClockMs() >= end_ms_) {
    // The target never answered the hand-over (unreachable, or gone).
    return Abort("Failover timeout");
  }
  if (state_ != State::kWaitForSync) return;
  if (end_ms_ != 0 && WallClockMs() >= end_ms_) {
    if (force_) {
      spdlog::info("FAILOVER to {}:{} time out exceeded, failing over.", host_, port_);
      return Proceed();
    }
    return Abort("Replica never caught up before timeout");
  }
  // The replicas' once-a-second ACKs tell when the target has every byte
  // (no GETACK now: it would move the offset).
  OnAck();
}

void Failover::OnPsyncResult(bool accepted) {
  if (state_ != State::kInProgress) return;
  if (!accepted) return Abort("Failover target rejected psync request");
  Clear();
}

void Failover::Abort(const std::string& why) {
  if (host_.empty()) {
    spdlog::info("FAILOVER to any replica aborted: {}", why);
  } else {
    spdlog::info("FAILOVER to {}:{} aborted: {}", host_, port_, why);
  }
  const bool demoted = state_ == State::kInProgress;
  Clear();
  if (demoted) hooks_.restore_primary();
}

void Failover::Clear() {
  state_ = State::kNone;
  host_.clear();
  port_ = 0;
  force_ = false;
  end_ms_ = 0;
  server_.client_pause().Unpause(PausePurpose::kFailover, WallClockMs());
}

}  // namespace replikv::repl
