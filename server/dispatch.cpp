// Server::ExecuteCommand: Redis's processCommand() + call() for one parsed
// command — lookup, the refusal checks in Redis's order, the call, stats,
// and the hand-off to the propagation funnel.
#include <cctype>
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
    return;
  }
  const int argc = static_cast<int>(argv.size());
  if (!cmd->subcommands.empty() && argc >= 2) {
    Command* sub = cmd->FindSubcommand(argv[1]);
    if (sub == nullptr) {
      std::string upper = cmd->name;
      for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      reply.AddError("unknown subcommand '" + std::string(argv[1].substr(0, 128)) + "'. Try " + upper + " HELP.");
        return;
    }
    cmd = sub;
  }
  if ((cmd->arity > 0 && cmd->arity != argc) || argc < -cmd->arity) {
    ReplyWrongArity(reply, cmd->full_name);
    ++cmd->rejected_calls;
    return;
  }
  if (!c.authenticated && !(cmd->flags & kCmdNoAuth)) {
    reply.AddError("-NOAUTH Authentication required.");
    ++cmd->rejected_calls;
    return;
  }
  if (loading && !(cmd->flags & kCmdLoading)) {
    reply.AddError("-LOADING Redis is loading the dataset in memory");
    ++cmd->rejected_calls;
    return;
  }
  for (auto& check : command_checks) {
    if (!check(c, *cmd)) {
      ++cmd->rejected_calls;
        return;
    }
  }

  const uint64_t dirty_before = dirty;
  const uint64_t errors_before = reply.errors();
  const int64_t start_us = MonotonicUs();
  c.last_command = cmd;  // CLIENT LIST shows the running command as cmd=
  CommandContext ctx{*this, c, argv, reply};
  cmd->handler(ctx);
  cmd->usec += static_cast<uint64_t>(MonotonicUs() - start_us);
  ++cmd->calls;
  if (reply.errors() != errors_before) ++cmd->failed_calls;
  if (dirty != dirty_before && !ctx.propagation_handled && (cmd->flags & kCmdWrite)) {
    propagator_.Add(c.db, argv);
  }
  propagator_.EndCall();
  ++stats_.total_commands_processed;
}

}  // namespace replikv
