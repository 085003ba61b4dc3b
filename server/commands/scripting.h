// ScriptEngine: EVAL's Lua 5.1 interpreter, its sandbox and the script cache.
//
// One lua_State for the whole server, made at start-up. Scripts are cached
// by the SHA1 of their body (EVAL adds, SCRIPT LOAD adds, SCRIPT FLUSH
// empties); each is compiled once into a function kept in the Lua registry.
//
// The sandbox (Redis 7.0's): the globals a script sees are a read-only
// proxy — reading a name that does not exist and writing any name are
// errors; the libraries are base (without dofile, loadfile, print, getfenv,
// setfenv, module, require, newproxy), table, string, math (with Redis's
// rand48-based math.random), cjson, bit, struct and cmsgpack (the last two
// replikv's own bindings, lua_libs.h), and the `redis` table.
//
// A script runs to completion with no other client served, like any
// command. Past busy-reply-threshold a count hook pumps the loop now and
// then: other clients get -BUSY unless their command is flagged allow-busy
// (SCRIPT KILL, SHUTDOWN NOSAVE, MULTI...), the caller stops being read, and
// the cron waits. SCRIPT KILL ends a script that has not written
// (-UNKILLABLE otherwise).
//
// Replication is by effects, as Redis 7.0: the writes a script makes go to
// the propagation funnel as one transaction (MULTI ... EXEC when there is
// more than one); the script itself never does.
//
// Functions (FUNCTION LOAD, FCALL; server/commands/functions.cpp) live in
// a second lua_State, as Redis 7.0's: a library's code runs once at load,
// with only redis.register_function, redis.log and the version fields in
// reach; its functions then run like scripts (same busy handling, same
// effects replication) with the full sandbox but no register_function.
// Function names are matched without regard to case, library names exactly.
//
// Lua's errors are longjmps: C functions called by Lua keep no C++ object
// alive across a lua_error. Loop thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>
#include <string_view>
#include <unordered_map>

#include "server/command_table.h"

struct lua_State;
struct lua_Debug;

namespace replikv {

class Client;
class ReplyBuffer;
class Server;
struct CommandContext;

// The flags a "#!lua flags=" shebang or redis.register_function declares.
inline constexpr uint32_t kScriptNoWrites = 1, kScriptAllowOom = 2, kScriptAllowStale = 4, kScriptNoCluster = 8,
                          kScriptAllowCrossSlot = 16;

class ScriptEngine {
 public:
  explicit ScriptEngine(Server& server);
  ~ScriptEngine();
  ScriptEngine(const ScriptEngine&) = delete;
  ScriptEngine& operator=(const ScriptEngine&) = delete;

  // EVAL / EVALSHA / EVAL_RO / EVALSHA_RO: argv is the command's.
  void Eval(CommandContext& ctx, bool by_sha, bool read_only);
  // SCRIPT LOAD: compiles and caches `body`, replies its SHA1 (or the
  // compile or shebang error).
  void Load(std::string_view body, ReplyBuffer& reply);
  bool Exists(std::string_view sha) const;
  // SCRIPT FLUSH: forgets every script (a fresh interpreter, as Redis).
  void Flush();
  // SCRIPT KILL (`function` false) / FUNCTION KILL: replies +OK,
  // -NOTBUSY, -UNKILLABLE, or -BUSY when the running one is of the other kind.
  void Kill(ReplyBuffer& reply, bool function = false);
  // The -BUSY text other clients get while a script or function is busy.
  const char* BusyError() const;

  // --- Functions (functions.cpp) ---
  // FCALL / FCALL_RO.
  void Fcall(CommandContext& ctx, bool read_only);
  // FUNCTION LOAD: creates (or with `replace` replaces) the library of
  // `code`; replies its name or Redis 7.0's error. True on success.
  bool FunctionLoad(std::string_view code, bool replace, ReplyBuffer& reply);
  // FUNCTION DELETE: false if there is no such library.
  bool FunctionDelete(std::string_view library);
  // FUNCTION FLUSH: forgets every library.
  void FunctionFlush();
  // FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE]: argv is the command's.
  void FunctionList(CommandContext& ctx);
  // FUNCTION STATS.
  void FunctionStats(ReplyBuffer& reply);
  // Every library's code (the RDB, FUNCTION DUMP, AOF rewrite), ordered by
  // library name.
  std::vector<std::string> LibraryCodes() const;
  enum class RestorePolicy { kAppend, kReplace, kFlush };
  // Creates the libraries of `codes` together, as FUNCTION RESTORE and an
  // RDB load do: all of them or (on error, *err set to Redis's text) none.
  // kFlush drops every current library first; kAppend fails on a library
  // that exists; kReplace replaces it.
  bool RestoreLibraries(const std::vector<std::string>& codes, RestorePolicy policy, std::string* err);
  size_t library_count() const { return libraries_.size(); }
  size_t function_count() const { return functions_.size(); }
  uint64_t functions_lua_memory() const;
  size_t functions_memory() const;
  // Dispatch's flags for FCALL / FCALL_RO: a known function's flags decide,
  // as a script's shebang does.
  uint32_t FunctionDispatchFlags(uint32_t cmd_flags, std::string_view name) const;

  // A script runs and has passed busy-reply-threshold: other clients are
  // being served (with -BUSY) while it runs.
  bool timed_out() const { return run_ && run_->timed_out; }
  bool running() const { return run_.has_value(); }
  // The command (EVAL*, FCALL*) of the script that runs; empty when none.
  ArgList running_command() const { return run_ ? run_->argv : ArgList(); }

  // The flags dispatch judges an EVAL* by (`cmd_flags` are the command's):
  // a script with a shebang is a write unless flags=no-writes, may grow
  // memory unless allow-oom, and runs on a stale replica only with
  // allow-stale (Redis 7.0's evalGetCommandFlags). Scripts without a
  // shebang, and scripts not cached yet for EVALSHA, keep `cmd_flags`.
  uint32_t DispatchFlags(uint32_t cmd_flags, bool by_sha, std::string_view script_or_sha) const;

  // INFO memory.
  uint64_t lua_memory() const;
  size_t scripts_memory() const { return scripts_bytes_; }
  size_t cached_scripts() const { return scripts_.size(); }

  // At shutdown, before the loop's last run: closes the script client.
  void Close();

 private:
  // A function of a library (FUNCTION LIST's fields).
  struct Function {
    std::string name;
    std::string library;           // its library's name, as given
    int fn_ref = 0;                // the callback, in the functions state's registry
    uint32_t flags = 0;            // kFlag*
    std::optional<std::string> description;
  };
  struct Library {
    std::string name;
    std::string code;                    // the whole payload, "#!lua ..." line included
    std::vector<std::string> functions;  // lower-cased keys of functions_
  };
  // The library a FUNCTION LOAD is building (redis.register_function adds
  // to it); null outside a load.
  struct LoadingLibrary {
    Library lib;
    std::vector<Function> functions;
    int64_t start_ms = 0;
    std::string error;  // register_function's refusal, raised by the caller
  };

  struct Script {
    int fn_ref = 0;         // the compiled function, in Lua's registry
    std::string body;
    uint32_t flags = 0;     // kFlag* of the shebang
    bool shebang = false;   // "#!lua" present (flags declared)
  };
  // The state of the script that runs now.
  struct Run {
    const std::string* sha = nullptr;  // the cache's key (no flush while running)
    Client* caller = nullptr;
    bool read_only = false;   // EVAL_RO or no-writes
    bool oom = false;         // over maxmemory when it started
    bool wrote = false;       // called a write command: unkillable
    bool kill = false;        // SCRIPT KILL (or SHUTDOWN NOSAVE) asked
    bool timed_out = false;
    bool cron_was_paused = false;  // DEBUG PAUSE-CRON before the pump paused it
    int64_t start_ms = 0;
    uint8_t repl_targets = 3;  // redis.set_repl
    bool function = false;     // FCALL: FUNCTION KILL, FUNCTION STATS
    ArgList argv;              // the caller's command (FUNCTION STATS)
  };

  void CreateState();
  // A declared flag set (kFlag*) turned into the command flags dispatch
  // judges by (Redis 7.0's scriptFlagsToCmdFlags).
  static uint32_t ApplyScriptFlags(uint32_t cmd_flags, uint32_t flags);
  // A sandboxed state; with `functions` the load-time API and its switch
  // are made too (function_mode_ref_).
  lua_State* NewState(bool functions, int* errh_ref, int* globals_ref);
  void CreateFunctionState();
  // Runs the function (or script) pushed on L's stack above its error
  // handler at `handler`, with `nargs` arguments, and replies.
  void RunPushed(CommandContext& ctx, lua_State* L, int handler, int nargs, const std::string* name,
                 uint32_t flags, bool read_only, bool function);
  // Compiles one library into a LoadingLibrary (not installed); false with
  // *err on error.
  // `taken` (a library name) refuses a name in use.
  bool CompileLibrary(std::string_view code, LoadingLibrary* out, std::string* err,
                      const std::function<bool(const std::string&)>& taken);
  // Releases the callbacks of a library that is not installed.
  void DropCompiled(LoadingLibrary& lib);
  void InstallLibrary(LoadingLibrary&& lib);
  // Takes a library (and its functions, callbacks kept) out of the set; an
  // empty one if there is none by that name.
  LoadingLibrary Detach(const std::string& key);
  const Function* FindFunction(std::string_view name) const;
  static int LuaRegisterFunction(lua_State* L);
  static void LoadHook(lua_State* L, ::lua_Debug* ar);
  // register_function's work; false with loading_->error set.
  bool RegisterFunction(lua_State* L);
  // Compiles `body` and caches it under `sha`; on error replies and returns
  // nullptr.
  const Script* Compile(std::string_view body, const std::string& sha, ReplyBuffer& reply);
  const Script* Find(std::string_view sha) const;

  // The C functions the sandbox exposes.
  static ScriptEngine& From(lua_State* L);
  // Pushes a Lua array of the script's key names (`keys`) or of its other
  // arguments: argv is EVAL's/FCALL's, numkeys at argv[2], names from argv[3].
  static void PushKeysOrArgs(lua_State* L, ArgList argv, size_t numkeys, bool keys);
  static int LuaCall(lua_State* L);
  static int LuaPcall(lua_State* L);
  static int LuaErrorHandler(lua_State* L);
  static int LuaLog(lua_State* L);
  static int LuaSetResp(lua_State* L);
  static int LuaSetRepl(lua_State* L);
  static int LuaSha1Hex(lua_State* L);
  static int LuaErrorReply(lua_State* L);
  static int LuaStatusReply(lua_State* L);
  static int LuaRandom(lua_State* L);
  static int LuaRandomSeed(lua_State* L);
  static void Hook(lua_State* L, ::lua_Debug* ar);
  // redis.call / redis.pcall: pushes the result (or an error table) and
  // returns whether it is an error to raise.
  bool RunRedisCommand(lua_State* L);
  // The count hook's work; true if the script must be stopped.
  bool OnHook();

  Server& server_;
  lua_State* L_ = nullptr;
  std::unordered_map<std::string, Script> scripts_;
  size_t scripts_bytes_ = 0;
  std::unique_ptr<Client> client_;  // the client scripts' commands run as
  std::optional<Run> run_;
  int errh_ref_ = 0, globals_ref_ = 0;  // registry refs: error handler, real globals
  // redis.call's argument and reply buffers, reused from call to call.
  std::vector<std::string> call_args_;
  std::vector<std::string_view> call_argv_;
  std::string call_resp_;
  uint64_t rand_state_ = 0;  // rand48 state of math.random
  // Functions: their own state, libraries by name, functions by lower-cased name.
  lua_State* FL_ = nullptr;
  int f_errh_ref_ = 0, f_globals_ref_ = 0;
  int function_mode_ref_ = 0;  // registry: the table whose `loading` picks the load API
  std::unordered_map<std::string, Library> libraries_;
  std::unordered_map<std::string, Function> functions_;
  size_t functions_bytes_ = 0;
  LoadingLibrary* loading_ = nullptr;
  uint64_t runs_ = 0;
};

}  // namespace replikv
