// FUNCTION DUMP and FUNCTION RESTORE: the library set as a payload of FUNCTION2
// items (persistence/format/function_payload.h). They are the persistence
// module's because the payload is the RDB codec; the FUNCTION command itself
// is the core's (server/commands/cmd_functions.cpp), so registration swaps in
// these two subcommands' handlers.
//
//   FUNCTION DUMP                                   -> the payload
//   FUNCTION RESTORE payload [FLUSH|APPEND|REPLACE] -> +OK (APPEND by default)
// A restore that changed the set propagates as it was sent (Redis 7.0).
#include <string>
#include <vector>

#include "persistence/dump_restore.h"
#include "persistence/format/function_payload.h"
#include "server/command_table.h"
#include "server/commands/scripting.h"
#include "server/config/config.h"
#include "server/net/reply_buffer.h"
#include "server/server.h"

namespace replikv::persistence {
namespace {

void FunctionDumpCommand(CommandContext& ctx) {
  ctx.reply.AddBulk(EncodeFunctionPayload(ctx.server.scripting().LibraryCodes(), ctx.server.config().rdbcompression));
}

void FunctionRestoreCommand(CommandContext& ctx) {
  ArgList a = ctx.argv;
  if (a.size() > 4) {
    return ctx.reply.AddError("unknown subcommand or wrong number of arguments for '" +
                              std::string(a[1].substr(0, 128)) + "'. Try FUNCTION HELP.");
  }
  auto policy = ScriptEngine::RestorePolicy::kAppend;
  if (a.size() == 4) {
    if (EqualsIgnoreCase(a[3], "append")) {
      policy = ScriptEngine::RestorePolicy::kAppend;
    } else if (EqualsIgnoreCase(a[3], "replace")) {
      policy = ScriptEngine::RestorePolicy::kReplace;
    } else if (EqualsIgnoreCase(a[3], "flush")) {
      policy = ScriptEngine::RestorePolicy::kFlush;
    } else {
      return ctx.reply.AddError("Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.");
    }
  }
  std::vector<std::string> codes;
  std::string err;
  if (!DecodeFunctionPayload(a[2], &codes, &err) ||
      !ctx.server.scripting().RestoreLibraries(codes, policy, &err)) {
    return ctx.reply.AddError(err);
  }
  ctx.AddDirty();
  ctx.reply.AddOk();
}

}  // namespace

void RegisterFunctionDumpCommands(CommandTable& t, PersistenceModule* owner) {
  Command* function = t.Find("function");
  if (function == nullptr) return;
  for (auto [name, handler] : {std::pair{"dump", &FunctionDumpCommand}, std::pair{"restore", &FunctionRestoreCommand}}) {
    Command* sub = function->FindSubcommand(name);
    if (sub == nullptr) continue;
    sub->handler = handler;
    sub->owner = owner;
  }
}

}  // namespace replikv::persistence
