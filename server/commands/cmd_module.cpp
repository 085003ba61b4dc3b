// MODULE: replikv has no module API, so LIST is always empty and LOAD /
// LOADEX fail with Redis 7.0's error for a library that cannot be loaded
// (the reason goes to the log, as Redis does). Tools that probe for modules
// (MODULE LIST) and scripts that try a LOAD get the answers they expect from
// a Redis without that module, instead of "unknown command".
#include <spdlog/spdlog.h>

#include "server/net/client.h"
#include "server/net/reply_buffer.h"
#include "server/server.h"

namespace replikv {
namespace {

// LOAD, LOADEX and UNLOAD are "protected": enable-module-command decides
// (Redis 7.0's default: no), as enable-debug-command does for DEBUG.
bool Allowed(CommandContext& ctx) {
  EnableFlag mode = ctx.server.config().enable_module_command;
  if (mode == EnableFlag::kYes || (mode == EnableFlag::kLocal && IsLoopbackAddress(ctx.client.addr))) return true;
  ctx.reply.AddError(
      "MODULE command not allowed. If the enable-module-command option is set to \"local\", you can run it from a "
      "local connection, otherwise you need to set this option in the configuration file, and then restart the "
      "server.");
  return false;
}

void ModuleCommand(CommandContext& ctx) {
  ArgList a = ctx.argv;
  std::string_view sub = a[1];
  if (EqualsIgnoreCase(sub, "help")) {
    static const char* kHelp[] = {
        "MODULE <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "LIST",
        "    Return a list of loaded modules.",
        "LOAD <path> [<arg> ...]",
        "    Load a module library from <path>, passing to it any optional arguments.",
        "LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]",
        "    Load a module library from <path>, while passing it module configurations and optional arguments.",
        "UNLOAD <name>",
        "    Unload a module.",
        "HELP",
        "    Prints this help."};
    return ReplyHelp(ctx.reply, kHelp);
  }
  if (EqualsIgnoreCase(sub, "list")) return ctx.reply.AddArrayLen(0);
  if (!Allowed(ctx)) return;
  if (EqualsIgnoreCase(sub, "load") || EqualsIgnoreCase(sub, "loadex")) {
    spdlog::warn("Module {} failed to load: replikv does not support modules", a[2]);
    return ctx.reply.AddError("Error loading the extension. Please check the server logs.");
  }
  // UNLOAD: nothing is ever loaded.
  ctx.reply.AddError("Error unloading module: no such module with that name");
}

}  // namespace

void RegisterModuleCommands(CommandTable& t) {
  AddCommands(t, "server", {{"module", -2, 0, ModuleCommand, 0, 0, 0, "4.0.0"}});
  const uint32_t kAdmin = kCmdAdmin | kCmdNoscript;
  t.AddSubcommands("module",
                   {{"help", 2, kCmdLoading | kCmdStale},
                    {"list", 2, kAdmin},
                    {"load", -3, kAdmin | kCmdNoAsyncLoading},
                    {"loadex", -3, kAdmin | kCmdNoAsyncLoading},
                    {"unload", 3, kAdmin | kCmdNoAsyncLoading}},
                   ModuleCommand);
}

}  // namespace replikv
