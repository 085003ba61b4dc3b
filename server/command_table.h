// The command table: name -> arity, flags, key positions, handler.
//
// Lookup is one hash probe on the case-folded name. Each command family
// (cmd_strings.cpp, cmd_keys.cpp, ...) registers its commands through a
// Register*Commands() function; the table is built once at start-up.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "server/base/ascii.h"
#include "server/propagate.h"

namespace replikv {

class Client;
class Server;
class ReplyBuffer;
class Db;
class LatencyHistogram;  // server/latency_histogram.h

// Redis's command flags (the names COMMAND INFO prints).
enum CommandFlag : uint32_t {
  kCmdWrite = 1 << 0,
  kCmdReadonly = 1 << 1,
  kCmdDenyOom = 1 << 2,
  kCmdAdmin = 1 << 3,
  kCmdPubsub = 1 << 4,
  kCmdNoscript = 1 << 5,
  kCmdBlocking = 1 << 6,
  kCmdLoading = 1 << 7,   // allowed while loading
  kCmdStale = 1 << 8,     // allowed on a replica with stale data
  kCmdSkipMonitor = 1 << 9,
  kCmdFast = 1 << 10,
  kCmdNoAuth = 1 << 11,   // allowed before AUTH
  kCmdMayReplicate = 1 << 12,
  kCmdNoMulti = 1 << 13,
  kCmdAllowBusy = 1 << 14,
  kCmdSkipSlowlog = 1 << 15,
  kCmdNoAsyncLoading = 1 << 19,
  kCmdMovableKeys = 1 << 18,
  kCmdNoMandatoryKeys = 1 << 20,  // may run with no key (EVAL with 0 keys)  // keys found by parsing (numkeys), not first/last/step
  // Internal (COMMAND does not print them):
  kCmdPubSubContext = 1 << 16,  // accepted from a RESP2 client in pub/sub mode
  kCmdRunsInMulti = 1 << 17,    // runs at once inside MULTI instead of queuing
  kCmdScriptFlags = 1 << 21,    // EVAL*: a shebang's flags decide the checks
};

using ArgList = std::span<const std::string_view>;

// What a handler gets: the server, the calling client, its arguments.
struct CommandContext {
  Server& server;
  Client& client;
  ArgList argv;
  ReplyBuffer& reply;
  // The module the command belongs to (Command::owner); null for the core.
  void* owner = nullptr;
  // Set by a handler that propagated its own (rewritten) form, or that must
  // not propagate; otherwise a call that made the dataset dirty propagates
  // argv as it came.
  bool propagation_handled = false;

  int db_index() const;
  Db& db() const;
  // Queues `args` on the funnel for the client's db and marks propagation
  // as handled.
  void Propagate(std::initializer_list<std::string_view> args);
  void Propagate(ArgList args, uint8_t targets = kPropagateAll);
  // Counts changes for `save` points and rdb_changes_since_last_save.
  void AddDirty(uint64_t n = 1);
  // The module object a module's handler is bound to.
  template <typename T>
  T& Owner() const {
    return *static_cast<T*>(owner);
  }
};

using CommandHandler = void (*)(CommandContext& ctx);

struct Command {
  std::string name;       // lower case; "object|encoding" for a subcommand
  std::string full_name;  // name as INFO and errors print it; set by Add()
  int arity = 0;       // Redis's: -N means at least N
  uint32_t flags = 0;
  int first_key = 0, last_key = 0, key_step = 0;
  CommandHandler handler = nullptr;
  // A module's commands are bound to the module object (ServerModule),
  // handed to the handler as CommandContext::owner. Null for the core.
  void* owner = nullptr;
  const char* group = "generic";
  const char* since = "1.0.0";
  // ACL (server/acl.h): the command's bit in a selector's allowed set and
  // its categories (bits in ACL CAT's order); set by AclCommandIndex.
  uint32_t acl_id = 0;
  uint64_t acl_categories = 0;
  // Statistics for INFO commandstats.
  uint64_t calls = 0, usec = 0, rejected_calls = 0, failed_calls = 0;
  // INFO latencystats (latency-tracking): made on the first call.
  std::shared_ptr<LatencyHistogram> latency;
  // Redis 7 subcommands (CONFIG GET, OBJECT ENCODING...): each has its own
  // arity, flags and statistics. A container with subcommands and argc >= 2
  // dispatches to one; unknown ones get "unknown subcommand".
  std::unordered_map<std::string, Command> subcommands;
  const Command* FindSubcommand(std::string_view name) const;
  Command* FindSubcommand(std::string_view name);
};

// One row of a command family's registration table.
struct CommandSpec {
  const char* name;
  int arity;
  uint32_t flags;
  CommandHandler handler;
  int first_key = 0;
  int last_key = 0;
  int key_step = 0;
  const char* since = "1.0.0";
};

// One subcommand for CommandTable::AddSubcommands.
struct SubcommandSpec {
  const char* name;
  int arity;
  uint32_t flags;
  int first_key = 0, last_key = 0, key_step = 0;  // as COMMAND INFO reports them
};

class CommandTable {
 public:
  CommandTable();
  void Add(Command cmd);
  // Adds subcommands to `parent` (already added), all run by `handler`.
  void AddSubcommands(std::string_view parent, std::initializer_list<SubcommandSpec> subs, CommandHandler handler);
  // rename-command: `to` empty removes the command. Unknown `from` is ignored
  // (the config loader has already refused it).
  void Rename(std::string_view from, std::string_view to);
  // nullptr if unknown. `name` in any case.
  Command* Find(std::string_view name);
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  using Map = std::unordered_map<std::string, Command, Hash, std::equal_to<>>;
  const Map& all() const { return commands_; }
  void ResetStats();

 private:
  Map commands_;
};

// Adds each row to `t` in `group` (COMMAND DOCS's group, COMMAND INFO's
// category).
void AddCommands(CommandTable& t, const char* group, std::initializer_list<CommandSpec> specs);

// Every family's commands (the server's table, and main's check of
// rename-command names).
void RegisterAllCommands(CommandTable& t);

// Each family's registration.
void RegisterStringCommands(CommandTable& t);
void RegisterKeyCommands(CommandTable& t);
void RegisterExpireCommands(CommandTable& t);
void RegisterConnectionCommands(CommandTable& t);
void RegisterServerCommands(CommandTable& t);
void RegisterDebugCommands(CommandTable& t);
void RegisterListCommands(CommandTable& t);
void RegisterHashCommands(CommandTable& t);
void RegisterSetCommands(CommandTable& t);
void RegisterZsetCommands(CommandTable& t);
void RegisterMultiCommands(CommandTable& t);
void RegisterPubSubCommands(CommandTable& t);
// After the list family: it reuses LPOP/RPOP/LMOVE and adds LMPOP only if
// the list family did not.
void RegisterBlockingCommands(CommandTable& t);
void RegisterMemoryCommands(CommandTable& t);
void RegisterModuleCommands(CommandTable& t);
void RegisterBitmapCommands(CommandTable& t);
void RegisterHyperLogLogCommands(CommandTable& t);
void RegisterSortCommands(CommandTable& t);  // SORT, SORT_RO
void RegisterLcsCommands(CommandTable& t);
void RegisterStreamCommands(CommandTable& t);  // XADD ... XINFO (cmd_streams.cpp)
void RegisterGeoCommands(CommandTable& t);  // GEOADD GEOSEARCH GEORADIUS...
void RegisterObserveCommands(CommandTable& t);  // MONITOR SLOWLOG LATENCY LOLWUT
void RegisterScriptingCommands(CommandTable& t);  // EVAL* and SCRIPT (cmd_scripting.cpp)
void RegisterAclCommands(CommandTable& t);  // ACL (cmd_acl.cpp)

// Subcommand dispatchers that live in their own files.
void ClientCommand(CommandContext& ctx);
void ConfigCommand(CommandContext& ctx);
void DebugCommand(CommandContext& ctx);
void InfoCommand(CommandContext& ctx);
void CommandCommand(CommandContext& ctx);

// COMMAND DOCS's one-line description of a command.
const char* CommandSummary(std::string_view name);

// The INFO text for the given section names (empty: the default sections).
std::string GenerateInfo(Server& s, const std::vector<std::string>& sections);

// Helpers shared by the command families.
// Redis 7.0: "ERR wrong number of arguments for 'get' command".
void ReplyWrongArity(ReplyBuffer& r, std::string_view name);
void ReplySyntaxError(ReplyBuffer& r);   // ERR syntax error
// A <COMMAND> HELP reply: an array of status lines, as Redis's addReplyHelp.
void ReplyHelp(ReplyBuffer& r, std::span<const char* const> lines);
void ReplyWrongType(ReplyBuffer& r);     // WRONGTYPE Operation against a key ...
void ReplyNotInteger(ReplyBuffer& r);    // ERR value is not an integer or out of range
// Parses a base-10 int64 exactly as Redis's string2ll (no spaces, no '+').
bool ParseInt64(std::string_view s, int64_t* out);
// Parses a double as Redis's string2ld/strtod does for commands (no spaces,
// no nan).
bool ParseDouble(std::string_view s, double* out);
// INCRBYFLOAT / HINCRBYFLOAT operands, as Redis's string2ld: the whole
// string, shorter than 5 KiB, no leading space, not NaN, no overflow.
bool ParseLongDouble(std::string_view s, long double* out);
// Redis's human form of a long double (LD_STR_HUMAN): %.17Lf without
// trailing zeros (or a trailing dot), "-0" printed as "0".
std::string FormatLongDouble(long double v);
// Case-insensitive equality with an ASCII literal.

}  // namespace replikv
