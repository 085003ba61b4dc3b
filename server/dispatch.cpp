// Server::ExecuteCommand: Redis's processCommand() + call() for one parsed
// command — lookup, the refusal checks in Redis's order, the call, stats,
// and the hand-off to the propagation funnel.
#include <cstdio>

#include "server/client.h"
#include "server/server.h"

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

}  // namespace

void Server::ExecuteCommand(Client& c, ArgList argv) {
  keyspace_.RefreshTime();
  ReplyBuffer& reply = c.reply();
  Command* cmd = commands_.Find(argv[0]);
  if (cmd == nullptr) {
    reply.AddError(UnknownCommandText(argv));
    ++stats_.total_error_replies;
    return;
  }
  const int argc = static_cast<int>(argv.size());
  if ((cmd->arity > 0 && cmd->arity != argc) || argc < -cmd->arity) {
    ReplyWrongArity(reply, cmd->name);
    ++cmd->rejected_calls;
    ++stats_.total_error_replies;
    return;
  }
  if (!c.authenticated && !(cmd->flags & kCmdNoAuth)) {
    reply.AddError("NOAUTH Authentication required.");
    ++cmd->rejected_calls;
    ++stats_.total_error_replies;
    return;
  }
  if (loading && !(cmd->flags & kCmdLoading)) {
    reply.AddError("LOADING Redis is loading the dataset in memory");
    ++cmd->rejected_calls;
    ++stats_.total_error_replies;
    return;
  }
  for (auto& check : command_checks) {
    if (!check(c, *cmd)) {
      ++cmd->rejected_calls;
      ++stats_.total_error_replies;
      return;
    }
  }

  const uint64_t dirty_before = dirty;
  const uint64_t errors_before = reply.errors();
  const int64_t start_us = MonotonicUs();
  CommandContext ctx{*this, c, argv, reply};
  cmd->handler(ctx);
  cmd->usec += static_cast<uint64_t>(MonotonicUs() - start_us);
  ++cmd->calls;
  if (reply.errors() != errors_before) {
    ++cmd->failed_calls;
    stats_.total_error_replies += reply.errors() - errors_before;
  }
  if (dirty != dirty_before && !ctx.propagation_handled && (cmd->flags & kCmdWrite)) {
    propagator_.Add(c.db, argv);
  }
  propagator_.EndCall();
  ++stats_.total_commands_processed;
  c.last_command = cmd;
}

}  // namespace replikv
