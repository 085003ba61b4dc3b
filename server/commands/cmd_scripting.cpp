// Scripting commands: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT
// (LOAD, EXISTS, FLUSH, KILL, DEBUG, HELP). The engine is
// server/commands/scripting.h.
#include "server/commands/scripting.h"
#include "server/net/client.h"
#include "server/server.h"

namespace replikv {
namespace {

void EvalCommand(CommandContext& ctx) { ctx.server.scripting().Eval(ctx, false, false); }
void EvalShaCommand(CommandContext& ctx) { ctx.server.scripting().Eval(ctx, true, false); }
void EvalRoCommand(CommandContext& ctx) { ctx.server.scripting().Eval(ctx, false, true); }
void EvalShaRoCommand(CommandContext& ctx) { ctx.server.scripting().Eval(ctx, true, true); }

constexpr const char* kScriptHelp[] = {
    "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "DEBUG (YES|SYNC|NO)",
    "    Set the debug mode for subsequent scripts executed.",
    "EXISTS <sha1> [<sha1> ...]",
    "    Return information about the existence of the scripts in the script cache.",
    "FLUSH [ASYNC|SYNC]",
    "    Flush the Lua scripts cache. Very dangerous on replicas.",
    "    When called without the optional mode argument, the behavior is determined by the",
    "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
    "    * ASYNC: Asynchronously flush the scripts cache.",
    "    * SYNC: Synchronously flush the scripts cache.",
    "KILL",
    "    Kill the currently executing Lua script.",
    "LOAD <script>",
    "    Load a script into the scripts cache without executing it.",
    "HELP",
    "    Prints this help.",
};

void ScriptCommand(CommandContext& ctx) {
  ScriptEngine& engine = ctx.server.scripting();
  std::string_view sub = ctx.argv[1];
  const size_t argc = ctx.argv.size();
  if (EqualsIgnoreCase(sub, "help")) return ReplyHelp(ctx.reply, kScriptHelp);
  if (EqualsIgnoreCase(sub, "load")) return engine.Load(ctx.argv[2], ctx.reply);
  if (EqualsIgnoreCase(sub, "exists")) {
    ctx.reply.AddArrayLen(argc - 2);
    for (size_t i = 2; i < argc; ++i) ctx.reply.AddInt(engine.Exists(ctx.argv[i]) ? 1 : 0);
    return;
  }
  if (EqualsIgnoreCase(sub, "flush")) {
    // ASYNC and SYNC end the same way here: the cache is small next to a
    // keyspace, so it is freed at once.
    if (argc > 3 || (argc == 3 && !EqualsIgnoreCase(ctx.argv[2], "sync") && !EqualsIgnoreCase(ctx.argv[2], "async"))) {
      return ctx.reply.AddError("SCRIPT FLUSH only support SYNC|ASYNC option");
    }
    engine.Flush();
    return ctx.reply.AddOk();
  }
  if (EqualsIgnoreCase(sub, "kill")) return engine.Kill(ctx.reply, /*function=*/false);
  if (EqualsIgnoreCase(sub, "debug")) {
    std::string_view mode = ctx.argv[2];
    if (EqualsIgnoreCase(mode, "no")) return ctx.reply.AddOk();
    if (EqualsIgnoreCase(mode, "yes") || EqualsIgnoreCase(mode, "sync")) {
      // The Lua debugger (LDB) is not part of this server.
      return ctx.reply.AddError("SCRIPT DEBUG is not supported by this server");
    }
    return ctx.reply.AddError("Use SCRIPT DEBUG YES/SYNC/NO");
  }
}

}  // namespace

void RegisterFunctionCommands(CommandTable& t);  // cmd_functions.cpp

void RegisterScriptingCommands(CommandTable& t) {
  RegisterFunctionCommands(t);
  const uint32_t kEval = kCmdNoscript | kCmdStale | kCmdSkipMonitor | kCmdNoMandatoryKeys | kCmdMovableKeys | kCmdScriptFlags;
  AddCommands(t, "scripting", {
    {"eval", -3, kEval, EvalCommand, 0, 0, 0, "2.6.0"},
    {"evalsha", -3, kEval, EvalShaCommand, 0, 0, 0, "2.6.0"},
    {"eval_ro", -3, kEval | kCmdReadonly, EvalRoCommand, 0, 0, 0, "7.0.0"},
    {"evalsha_ro", -3, kEval | kCmdReadonly, EvalShaRoCommand, 0, 0, 0, "7.0.0"},
    {"script", -2, 0, ScriptCommand, 0, 0, 0, "2.6.0"},
  });
  t.AddSubcommands("script",
                   {{"exists", -3, kCmdNoscript},
                    {"flush", -2, kCmdNoscript},
                    {"debug", 3, kCmdNoscript},
                    {"load", 3, kCmdNoscript | kCmdStale},
                    {"help", 2, kCmdLoading | kCmdStale},
                    {"kill", 2, kCmdNoscript | kCmdAllowBusy}},
                   ScriptCommand);
}

}  // namespace replikv
