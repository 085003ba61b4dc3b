// Function commands: FCALL, FCALL_RO and FUNCTION (LOAD, DELETE, FLUSH,
// LIST, STATS, KILL, HELP; DUMP and RESTORE are the persistence module's,
// which owns the RDB codec: persistence/function_dump.cpp). The engine is
// server/commands/scripting.h (functions.cpp).
//
// FUNCTION LOAD, DELETE, FLUSH and RESTORE change the dataset: they count
// as a change and reach the AOF and replicas as they were sent, as in
// Redis 7.0; an FCALL reaches them as its effects, like EVAL.
#include <string>

#include "server/commands/scripting.h"
#include "server/net/client.h"
#include "server/server.h"

namespace replikv {
namespace {

void FcallCommand(CommandContext& ctx) { ctx.server.scripting().Fcall(ctx, false); }
void FcallRoCommand(CommandContext& ctx) { ctx.server.scripting().Fcall(ctx, true); }

constexpr const char* kFunctionHelp[] = {
    "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "LOAD [REPLACE] <FUNCTION CODE>",
    "    Create a new library with the given library name and code.",
    "DELETE <LIBRARY NAME>",
    "    Delete the given library.",
    "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
    "    Return general information on all the libraries:",
    "    * Library name",
    "    * The engine used to run the Library",
    "    * Library description",
    "    * Functions list",
    "    * Library code (if WITHCODE is given)",
    "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
    "STATS",
    "    Return information about the current function running:",
    "    * Function name",
    "    * Command used to run the function",
    "    * Duration in MS that the function is running",
    "    If no function is running, return nil",
    "    In addition, returns a list of available engines.",
    "KILL",
    "    Kill the current running function.",
    "FLUSH [ASYNC|SYNC]",
    "    Delete all the libraries.",
    "    When called without the optional mode argument, the behavior is determined by the",
    "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
    "    * ASYNC: Asynchronously flush the libraries.",
    "    * SYNC: Synchronously flush the libraries.",
    "DUMP",
    "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
    "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
    "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
    "    control how to handle existing libraries (default APPEND):",
    "    * FLUSH: delete all existing libraries.",
    "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
    "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
    "      libraries with the new libraries (notice that even on this option there is a chance of failure",
    "      in case of functions name collision with another library).",
    "HELP",
    "    Prints this help.",
};

// Redis 7.0's addReplySubcommandSyntaxError.
void ReplySubcommandSyntax(CommandContext& ctx) {
  ctx.reply.AddError("unknown subcommand or wrong number of arguments for '" +
                     std::string(ctx.argv[1].substr(0, 128)) + "'. Try FUNCTION HELP.");
}

void FunctionCommand(CommandContext& ctx) {
  ScriptEngine& engine = ctx.server.scripting();
  std::string_view sub = ctx.argv[1];
  const size_t argc = ctx.argv.size();
  if (EqualsIgnoreCase(sub, "help")) return ReplyHelp(ctx.reply, kFunctionHelp);
  if (EqualsIgnoreCase(sub, "load")) {
    bool replace = false;
    size_t pos = 2;
    while (pos < argc - 1) {
      std::string_view opt = ctx.argv[pos++];
      if (EqualsIgnoreCase(opt, "replace")) {
        replace = true;
        continue;
      }
      return ctx.reply.AddError("Unknown option given: " + std::string(opt));
    }
    if (engine.FunctionLoad(ctx.argv[pos], replace, ctx.reply)) ctx.AddDirty();
    return;
  }
  if (EqualsIgnoreCase(sub, "delete")) {
    if (!engine.FunctionDelete(ctx.argv[2])) return ctx.reply.AddError("Library not found");
    ctx.AddDirty();
    return ctx.reply.AddOk();
  }
  if (EqualsIgnoreCase(sub, "flush")) {
    if (argc > 3) return ReplySubcommandSyntax(ctx);
    // ASYNC and SYNC end the same way: the libraries are freed at once.
    if (argc == 3 && !EqualsIgnoreCase(ctx.argv[2], "sync") && !EqualsIgnoreCase(ctx.argv[2], "async")) {
      return ctx.reply.AddError("FUNCTION FLUSH only supports SYNC|ASYNC option");
    }
    engine.FunctionFlush();
    ctx.AddDirty();
    return ctx.reply.AddOk();
  }
  if (EqualsIgnoreCase(sub, "list")) return engine.FunctionList(ctx);
  if (EqualsIgnoreCase(sub, "stats")) return engine.FunctionStats(ctx.reply);
  if (EqualsIgnoreCase(sub, "kill")) return engine.Kill(ctx.reply, /*function=*/true);
  // DUMP and RESTORE get their handler from the persistence module.
  ctx.reply.AddError("FUNCTION " + Lower(sub) + " is not available without the persistence module");
}

}  // namespace

void RegisterFunctionCommands(CommandTable& t) {
  const uint32_t kFcall = kCmdNoscript | kCmdStale | kCmdSkipMonitor | kCmdNoMandatoryKeys | kCmdMovableKeys | kCmdScriptFlags;
  AddCommands(t, "scripting", {
    {"fcall", -3, kFcall, FcallCommand, 0, 0, 0, "7.0.0"},
    {"fcall_ro", -3, kFcall | kCmdReadonly, FcallRoCommand, 0, 0, 0, "7.0.0"},
    {"function", -2, 0, FunctionCommand, 0, 0, 0, "7.0.0"},
  });
  t.AddSubcommands("function",
                   {{"load", -3, kCmdWrite | kCmdDenyOom | kCmdNoscript},
                    {"delete", 3, kCmdWrite | kCmdNoscript},
                    {"flush", -2, kCmdWrite | kCmdNoscript},
                    {"list", -2, kCmdNoscript},
                    {"stats", 2, kCmdNoscript | kCmdAllowBusy},
                    {"kill", 2, kCmdNoscript | kCmdAllowBusy},
                    {"dump", 2, kCmdNoscript},
                    {"restore", -3, kCmdWrite | kCmdDenyOom | kCmdNoscript},
                    {"help", 2, kCmdLoading | kCmdStale}},
                   FunctionCommand);
}

}  // namespace replikv
