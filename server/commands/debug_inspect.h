// DEBUG subcommands in cmd_debug_inspect.cpp (structure inspection and
// Redis 7.0's test switches); DebugCommand tries them before the ones
// later layers register.
#pragma once

#include "server/command_table.h"

namespace replikv {

// Runs the subcommand in ctx.argv[1] if it is one of them (with a fitting
// argument count) and returns true; false leaves the reply untouched.
bool RunDebugInspect(CommandContext& ctx);

}  // namespace replikv
