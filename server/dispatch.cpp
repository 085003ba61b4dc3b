// Server::ExecuteCommand: Redis's processCommand() + call() for one parsed
// command — lookup, the refusal checks in Redis's order, MULTI queuing, the
// call, stats, the hand-off to the propagation funnel, and serving clients
// blocked on keys the command made ready.
#include <cctype>
#include <cstdio>
#include <optional>

#include "server/acl.h"
#include "server/commands/blocking.h"
#include "server/net/client.h"
#include "server/client_eviction.h"
#include "server/commands/client_pause.h"
#include "server/evict.h"
#include "server/latency_histogram.h"
#include "server/commands/multi.h"
#include "server/latency_monitor.h"
#include "server/monitor.h"
#include "server/slowlog.h"
#include "server/commands/scripting.h"
#include "server/server.h"
#include "server/tracking.h"

namespace replikv {
namespace {

// Redis 7.0: "ERR unknown command 'foo', with args beginning with: 'a' 'b' "
// (each argument and the list as a whole cut at 128 bytes).
std::string UnknownCommandText(ArgList argv) {
  std::string args;
  for (size_t i = 1; i < argv.size() && args.size() < 128; ++i) {
    size_t room = 128 - args.size();
    args += '\'';
    args.append(argv[i].substr(0, room));
    args += "' ";
  }
  std::string text = "unknown command '";
  text.append(argv[0].substr(0, 128));
  text += "', with args beginning with: ";
  text += args;
  return text;
}

// Refuses the command with `error` (ReplyBuffer::AddError's form: a bare
// message is an ERR, "-CODE msg" brings its code). As Redis's
// rejectCommand(): an open transaction is marked failed, and a refused EXEC
// answers -EXECABORT with the reason and ends the transaction.
void Reject(Server& s, Client& c, Command* cmd, std::string_view error) {
  if (cmd != nullptr) ++cmd->rejected_calls;
  FlagTransaction(c);
  if (cmd != nullptr && cmd->handler == ExecCommand) {  // in MULTI or not, as Redis
    if (!error.empty() && error[0] == '-') error.remove_prefix(1);
    c.reply().AddError("-EXECABORT Transaction discarded because of: " + std::string(error));
    DiscardTransaction(s, c);
    return;
  }
  c.reply().AddError(error);
}

}  // namespace

bool Server::PassesChecks(Client& c, Command& cmd) {
  const bool is_exec = cmd.handler == ExecCommand && c.in_multi();
  // The checks (MISCONF, READONLY...) judge an EXEC by what it would run, as
  // Redis does: a transaction with writes is a write.
  const uint32_t queued = is_exec ? c.multi->queued_flags & (kCmdWrite | kCmdDenyOom) : 0;
  std::optional<Command> exec_view;
  if (queued != 0) {
    exec_view.emplace();
    exec_view->name = cmd.name;
    exec_view->full_name = cmd.full_name;
    exec_view->handler = cmd.handler;
    exec_view->flags = cmd.flags | queued;
  }
  const Command& judged = exec_view ? *exec_view : cmd;
  for (ServerModule* m : modules_) {
    std::string error = m->CheckCommand(c, judged);
    if (!error.empty()) {
      Reject(*this, c, &cmd, error);
      return false;
    }
  }
  return true;
}

// Redis's processCommand maxmemory step: evict first; then, if memory is
// still over the limit, refuse what may grow it. Inside MULTI everything
// but EXEC/DISCARD/QUIT/RESET is refused, since queuing itself takes memory.
bool Server::PassesMemoryCheck(Client& c, Command& cmd) {
  const bool out_of_memory = evictor_->PerformEvictions() == Evictor::Result::kFail;
  // The primary's stream is never refused: a replica must not diverge.
  if (!out_of_memory || c.kind() == ClientKind::kPrimary) return true;
  const bool is_exec = cmd.handler == ExecCommand;
  bool reject = (cmd.flags & kCmdDenyOom) || (is_exec && c.in_multi() && (c.multi->queued_flags & kCmdDenyOom));
  if (c.in_multi() && !is_exec && cmd.name != "discard" && cmd.name != "quit" && cmd.name != "reset") reject = true;
  if (!reject) return true;
  Reject(*this, c, &cmd, "-OOM command not allowed when used memory > 'maxmemory'.");
  return false;
}

void Server::ExecuteCommand(Client& c, ArgList argv) {
  c.MarkCommandStart();
  const ClientTracking::Scope tracking_scope = tracking_->CommandStarting(c);
  Dispatch(c, argv);
  tracking_->CommandDone(c, tracking_scope, argv[0]);
  // CLIENT REPLY OFF|SKIP: the command's output is dropped afterwards, so
  // the normal path pays this one branch.
  if (c.reply_mode_set()) c.EndCommandReplies();
}

void Server::Dispatch(Client& c, ArgList argv) {
  Command* cmd = commands_.Find(argv[0]);
  if (cmd == nullptr) return Reject(*this, c, nullptr, UnknownCommandText(argv));
  const int argc = static_cast<int>(argv.size());
  if (!cmd->subcommands.empty() && argc >= 2) {
    Command* sub = cmd->FindSubcommand(argv[1]);
    if (sub == nullptr) {
      std::string upper = cmd->name;
      for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      return Reject(*this, c, nullptr,
                    "unknown subcommand '" + std::string(argv[1].substr(0, 128)) + "'. Try " + upper + " HELP.");
    }
    cmd = sub;
  }
  if ((cmd->arity > 0 && cmd->arity != argc) || argc < -cmd->arity) {
    // Redis 7.0: "ERR wrong number of arguments for 'get' command".
    return Reject(*this, c, cmd, "wrong number of arguments for '" + Lower(cmd->full_name) + "' command");
  }
  if (!c.authenticated && !(cmd->flags & kCmdNoAuth) && acl_->default_requires_auth()) {
    return Reject(*this, c, cmd, "-NOAUTH Authentication required.");
  }
  // ACL: after NOAUTH, before everything that judges the command's effect,
  // as Redis 7.0's processCommand. Unrestricted users pay one branch.
  size_t acl_pos = 0;
  if (const AclDenial d = acl_->Check(c, *cmd, argv, &acl_pos); d != AclDenial::kNone) {
    c.last_command = cmd;  // the log's client info names it, as Redis's
    acl_->Log(c, d, c.in_multi() ? "multi" : "toplevel", d == AclDenial::kCommand ? std::string_view(cmd->full_name) : argv[acl_pos],
              c.user->name());
    return Reject(*this, c, cmd, "-NOPERM " + Acl::DenialText(d, *cmd));
  }
  // A monitor is a replica-like client (Redis 7.0's CLIENT_SLAVE flag).
  if (c.monitor && (cmd->flags & (kCmdWrite | kCmdReadonly | kCmdMayReplicate))) {
    return Reject(*this, c, cmd, "Replica can't interact with the keyspace");
  }
  // A script with a shebang is judged by its flags (a write unless
  // no-writes...): the checks below see a view of the command with them.
  Command* judged = cmd;
  std::optional<Command> script_view;
  if (cmd->flags & kCmdScriptFlags) {
    const bool by_sha = cmd->name == "evalsha" || cmd->name == "evalsha_ro";
    const bool fcall = cmd->name == "fcall" || cmd->name == "fcall_ro";
    const uint32_t flags = fcall ? scripting_->FunctionDispatchFlags(cmd->flags, argv[1])
                                 : scripting_->DispatchFlags(cmd->flags, by_sha, argv[1]);
    if (flags != cmd->flags) {
      script_view.emplace();
      script_view->name = cmd->name;
      script_view->full_name = cmd->full_name;
      script_view->handler = cmd->handler;
      script_view->flags = flags;
      judged = &*script_view;
    }
  }
  // Redis 7.0 disconnects clients over maxmemory-clients before key
  // eviction; the caller may be the one to go, and its command is dropped.
  if (client_eviction_->EvictIfNeeded() != 0 && c.close_pending()) return;
  if (config().maxmemory != 0 && !PassesMemoryCheck(c, *judged)) {
    if (script_view) ++cmd->rejected_calls;
    return;
  }
  // tracking-table-max-keys, before every command (Redis 7.0's
  // processCommand), not only in the cron.
  if (tracking_->client_count() != 0) tracking_->LimitTableSize();
  if (!modules_.empty() && !PassesChecks(c, *judged)) {
    if (script_view) ++cmd->rejected_calls;
    return;
  }
  if (c.in_pubsub_mode() && c.resp() == 2 && !(cmd->flags & kCmdPubSubContext)) {
    return Reject(*this, c, cmd,
                  "Can't execute '" + Lower(cmd->full_name) +
                      "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context");
  }
  if ((loading && !(judged->flags & kCmdLoading)) || (async_loading && (cmd->flags & kCmdNoAsyncLoading))) {
    return Reject(*this, c, cmd, "-LOADING Redis is loading the dataset in memory");
  }
  // A script past busy-reply-threshold is running (this command arrived
  // while it pumps the loop): only allow-busy commands run. The primary's
  // stream on a replica is never refused (a dropped write would make the
  // replica diverge); Redis holds that stream back until the script ends,
  // which would belong to the replica side's reader: here its commands run
  // beside the (necessarily read-only) script.
  if (scripting_->timed_out() && !(cmd->flags & kCmdAllowBusy) && c.kind() != ClientKind::kPrimary) {
    return Reject(*this, c, cmd, scripting_->BusyError());
  }
  if (c.in_multi() && (cmd->flags & kCmdNoMulti)) {
    return Reject(*this, c, cmd, "Command not allowed inside a transaction");
  }
  c.last_command = cmd;  // CLIENT LIST shows the running (or queued) command as cmd=
  // CLIENT PAUSE: after every refusal check and before MULTI queuing, as
  // Redis 7.0 (a write sent inside MULTI waits too). The client is parked,
  // not refused.
  if (client_pause_->active() && c.pausable() && client_pause_->MustPark(c, *cmd)) return c.Park(argv);
  if (c.in_multi() && !(cmd->flags & kCmdRunsInMulti)) return QueueMultiCommand(c, cmd, argv);

  tracking_->set_executing(true);
  Call(c, *cmd, argv, c.reply());
  ++stats_.total_commands_processed;
  propagator_.EndCall();
  if (blocked_clients_->has_ready_keys()) blocked_clients_->ServeReadyKeys();
}

void Server::Call(Client& c, Command& cmd, ArgList argv, ReplyBuffer& reply) {
  Client* const outer_call_client = tracking_->EnterCall(c);
  const uint64_t dirty_before = dirty;
  const uint64_t errors_before = reply.errors();
  // Errors replied by nested calls (EXEC's queued commands) are theirs: a
  // command that fails inside a transaction counts in its own failed_calls,
  // not in EXEC's (Redis 7.0).
  const uint64_t outer_nested_errors = nested_call_errors_;
  nested_call_errors_ = 0;
  // One clock read gives both the time the command sees (as Redis's cached
  // mstime) and the start of its duration: two reads per command in all.
  const int64_t start_us = WallClockUs();
  if (!freeze_clock) keyspace_.SetNowMs(start_us / 1000);
  CommandContext ctx{*this, c, argv, reply, cmd.owner};
  cmd.handler(ctx);
  const int64_t took_us = WallClockUs() - start_us;
  cmd.usec += static_cast<uint64_t>(took_us > 0 ? took_us : 0);  // the wall clock may step back
  ++cmd.calls;
  if (config().latency_tracking) RecordCommandLatency(cmd, took_us);
  // After the call: a SELECT shows its new db, EXEC follows what it ran.
  if (c.kind() != ClientKind::kInternal) {  // not while an AOF loads
    if (!monitors_->empty() && !(cmd.flags & (kCmdSkipMonitor | kCmdAdmin))) monitors_->Feed(c, c.db, argv);
    const ServerConfig& cfg = config();
    if (cfg.slowlog_log_slower_than >= 0 && took_us >= cfg.slowlog_log_slower_than &&
        !(cmd.flags & kCmdSkipSlowlog)) {
      slowlog_->Add(argv, took_us, start_us / 1000000, c.addr, c.name, static_cast<uint64_t>(cfg.slowlog_max_len));
    }
    if (cfg.latency_monitor_threshold > 0 && took_us / 1000 >= cfg.latency_monitor_threshold) {
      latency_monitor_->Add((cmd.flags & kCmdFast) ? "fast-command" : "command", took_us / 1000, start_us / 1000000);
    }
  }
  const uint64_t errors = reply.errors() - errors_before;
  if (errors > nested_call_errors_) ++cmd.failed_calls;
  nested_call_errors_ = outer_nested_errors + errors;
  const bool changed = dirty != dirty_before;
  if (changed && !ctx.propagation_handled && (cmd.flags & kCmdWrite)) propagator_.Add(c.db, argv);
  watched_keys_->EndCommand(changed);
  // Client-side caching: what a read-only command read is remembered for
  // its tracking client, what a write found is invalidated if it changed.
  if ((cmd.flags & (kCmdReadonly | kCmdScriptFlags)) == kCmdReadonly) tracking_->AfterRead(c, cmd, argv);
  tracking_->EndCall(changed);
  tracking_->LeaveCall(outer_call_client);
}

}  // namespace replikv
