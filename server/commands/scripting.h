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
// Lua's errors are longjmps: C functions called by Lua keep no C++ object
// alive across a lua_error. Loop thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>
#include <string_view>
#include <unordered_map>

struct lua_State;
struct lua_Debug;

namespace replikv {

class Client;
class ReplyBuffer;
class Server;
struct CommandContext;

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
  // SCRIPT KILL: replies +OK, -NOTBUSY or -UNKILLABLE.
  void Kill(ReplyBuffer& reply);

  // A script runs and has passed busy-reply-threshold: other clients are
  // being served (with -BUSY) while it runs.
  bool timed_out() const { return run_ && run_->timed_out; }
  bool running() const { return run_.has_value(); }

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
  };

  void CreateState();
  // Compiles `body` and caches it under `sha`; on error replies and returns
  // nullptr.
  const Script* Compile(std::string_view body, const std::string& sha, ReplyBuffer& reply);
  const Script* Find(std::string_view sha) const;

  // The C functions the sandbox exposes.
  static ScriptEngine& From(lua_State* L);
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
  uint64_t runs_ = 0;
};

}  // namespace replikv
