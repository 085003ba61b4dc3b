#include "server/acl.h"
#include "server/commands/scripting.h"

#include <lua.hpp>

#include <charconv>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <cmath>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "server/commands/lua_libs.h"
#include "server/commands/lua_reply.h"
#include "server/base/assert.h"
#include "server/ds/sha1.h"
#include "server/evict.h"
#include "server/monitor.h"
#include "server/net/client.h"
#include "server/server.h"
#include "server/base/version.h"

extern "C" {
int luaopen_cjson(lua_State* L);
int luaopen_bit(lua_State* L);
}

namespace replikv {
namespace {

constexpr uint32_t kFlagNoWrites = kScriptNoWrites, kFlagAllowOom = kScriptAllowOom,
                   kFlagAllowStale = kScriptAllowStale, kFlagNoCluster = kScriptNoCluster;
constexpr int kHookEveryInstructions = 100000;
constexpr const char* kReadonlyKey = "replikv.readonly";   // registry: proxy -> true
constexpr const char* kChunkName = "@user_script";

// The sandbox, built at start-up inside the real globals table (the code
// below runs with them; afterwards the thread's globals are the proxy).
// Every library table a script can reach is replaced by a read-only proxy.
//
// The functions state passes `load_api` (the globals a library's code sees
// while FUNCTION LOAD runs it: only a `redis` table whose missing fields are
// errors) and `mode`: while mode.loading is set the globals read from
// load_api instead of the real ones.
constexpr const char* kSandboxSource = R"lua(
local real, readonly, load_api, mode = ...
local rawget, error, tostring, setmetatable, type = rawget, error, tostring, setmetatable, type
local orig_loadstring, orig_load, getmetatable, concat = loadstring, load, getmetatable, table.concat
local function freeze(t)
  local proxy = {}
  setmetatable(proxy, {
    __index = t,
    __newindex = function() error("Attempt to modify a readonly table", 2) end,
    __metatable = false,
  })
  readonly[proxy] = true
  return proxy
end
for _, name in ipairs({"dofile", "loadfile", "print", "getfenv", "setfenv", "module", "require",
                       "newproxy", "package", "io", "os", "debug"}) do
  real[name] = nil
end
for _, name in ipairs({"string", "math", "table", "cjson", "bit", "struct", "cmsgpack", "coroutine", "redis"}) do
  if type(real[name]) == "table" then real[name] = freeze(real[name]) end
end
-- Strings find their methods through the frozen string table, and
-- getmetatable("") gives a frozen stand-in, so no script can change the
-- string library for the scripts after it.
local string_mt = getmetatable("")
string_mt.__index = real.string
string_mt.__metatable = freeze({__index = real.string})
-- A read-only table whose reads go to source() and fail for a name it
-- does not hold.
local function readonly_view(source)
  local view = {}
  setmetatable(view, {
    __index = function(_, k)
      local v = rawget(source(), k)
      if v == nil then
        error("Script attempted to access nonexistent global variable '" .. tostring(k) .. "'", 2)
      end
      return v
    end,
    __newindex = function() error("Attempt to modify a readonly table", 2) end,
    __metatable = false,
  })
  readonly[view] = true
  return view
end
if load_api then
  local lr = load_api.redis
  load_api.redis = readonly_view(function() return lr end)
end
local env = readonly_view(function()
  if mode and mode.loading then return load_api end
  return real
end)
real._G = env
-- A chunk made by loadstring sees the sandbox too; precompiled code is
-- refused (Lua 5.1 does not verify bytecode).
real.loadstring = function(s, name)
  if type(s) == "string" and s:sub(1, 1) == "\27" then return nil, "bytecode not allowed" end
  return orig_loadstring(s, name)
end
real.load = function(reader, name)
  if type(reader) ~= "function" then return orig_load(reader, name) end
  local parts = {}
  while true do
    local piece = reader()
    if piece == nil or piece == "" then break end
    if type(piece) ~= "string" then return nil, "reader function must return a string" end
    parts[#parts + 1] = piece
  end
  local s = concat(parts)
  if s:sub(1, 1) == "\27" then return nil, "bytecode not allowed" end
  return orig_loadstring(s, name or "=(load)")
end
return env
)lua";

int64_t NowMs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// pcall as Redis 7.0 replaces it: an error table ({err = ...}, as
// redis.call raises) reaches the caller as its message string.
int RedisPcall(lua_State* L) {
  luaL_checkany(L, 1);
  const int status = lua_pcall(L, lua_gettop(L) - 1, LUA_MULTRET, 0);
  if (status != 0) {
    if (lua_istable(L, -1)) {
      lua_getfield(L, -1, "err");
      if (lua_isstring(L, -1)) lua_replace(L, -2);
      else lua_pop(L, 1);
    }
    lua_pushboolean(L, 0);
    lua_insert(L, -2);
    return 2;
  }
  lua_pushboolean(L, 1);
  lua_insert(L, 1);
  return lua_gettop(L);
}

// rawset and setmetatable refuse the read-only proxies (the VM itself
// cannot tell them apart, as Redis's patched Lua does).
bool IsReadonly(lua_State* L, int index) {
  lua_getfield(L, LUA_REGISTRYINDEX, kReadonlyKey);
  if (!lua_istable(L, -1)) {
    lua_pop(L, 1);
    return false;
  }
  lua_pushvalue(L, index);
  lua_rawget(L, -2);
  const bool ro = lua_toboolean(L, -1);
  lua_pop(L, 2);
  return ro;
}

int GuardedRawset(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  if (IsReadonly(L, 1)) return RaiseLuaError(L, "Attempt to modify a readonly table");
  luaL_checkany(L, 2);
  luaL_checkany(L, 3);
  lua_settop(L, 3);
  lua_rawset(L, 1);
  return 1;
}

int GuardedSetmetatable(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  if (IsReadonly(L, 1)) return RaiseLuaError(L, "Attempt to modify a readonly table");
  const int t = lua_type(L, 2);
  luaL_argcheck(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table expected");
  if (luaL_getmetafield(L, 1, "__metatable")) return RaiseLuaError(L, "cannot change a protected metatable");
  lua_settop(L, 2);
  lua_setmetatable(L, 1);
  return 1;
}

// A Lua number as a command argument: integers in full, others in the
// shortest form that reads back the same.
std::string NumberArg(lua_Number v) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), static_cast<double>(v));
  return std::string(buf, res.ptr);
}

// Parses the "#!lua [flags=a,b]" first line. Returns the error text, empty
// if fine.
std::string ParseShebang(std::string_view body, uint32_t* flags, size_t* code_start) {
  size_t eol = body.find('\n');
  if (eol == std::string_view::npos) return "Invalid script shebang";
  std::string_view line = body.substr(0, eol);
  *code_start = eol;  // keep the newline: line numbers stay the file's
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') ++i;
    size_t j = i;
    while (j < line.size() && line[j] != ' ') ++j;
    if (j > i) parts.push_back(line.substr(i, j - i));
    i = j;
  }
  if (parts.empty() || parts[0] != "#!lua") {
    return "Unexpected engine in script shebang: " + std::string(parts.empty() ? line : parts[0]);
  }
  for (size_t p = 1; p < parts.size(); ++p) {
    std::string_view opt = parts[p];
    if (opt.substr(0, 6) != "flags=") return "Unknown lua shebang option: " + std::string(opt);
    std::string_view list = opt.substr(6);
    while (!list.empty()) {
      size_t comma = list.find(',');
      std::string_view f = list.substr(0, comma);
      if (f == "no-writes") {
        *flags |= kFlagNoWrites;
      } else if (f == "allow-oom") {
        *flags |= kFlagAllowOom;
      } else if (f == "allow-stale") {
        *flags |= kFlagAllowStale;
      } else if (f == "no-cluster") {
        *flags |= kFlagNoCluster;
      } else if (!f.empty()) {
        return "Unexpected flag in script shebang: " + std::string(f);
      }
      if (comma == std::string_view::npos) break;
      list.remove_prefix(comma + 1);
    }
  }
  return {};
}


}  // namespace

ScriptEngine::ScriptEngine(Server& server) : server_(server) {
  rand_state_ = 0x1234ABCD330EULL;  // rand48's initial state, as Redis leaves it
  CreateState();
  CreateFunctionState();
}

ScriptEngine::~ScriptEngine() {
  if (L_ != nullptr) lua_close(L_);
  if (FL_ != nullptr) lua_close(FL_);
}

void ScriptEngine::Close() {
  if (client_ != nullptr) client_->Close();
}

void ScriptEngine::PushKeysOrArgs(lua_State* L, ArgList argv, size_t numkeys, bool keys) {
  const size_t from = keys ? 3 : 3 + numkeys;
  const size_t to = keys ? 3 + numkeys : argv.size();
  lua_createtable(L, static_cast<int>(to - from), 0);
  for (size_t i = from; i < to; ++i) {
    lua_pushlstring(L, argv[i].data(), argv[i].size());
    lua_rawseti(L, -2, static_cast<int>(i - from + 1));
  }
}

ScriptEngine& ScriptEngine::From(lua_State* L) {
  void* ud = nullptr;
  lua_getallocf(L, &ud);
  return *static_cast<ScriptEngine*>(ud);
}

namespace {
void* LuaAlloc(void* ud, void* ptr, size_t osize, size_t nsize) {
  if (nsize == 0) {
    free(ptr);
    return nullptr;
  }
  return realloc(ptr, nsize);
}
}  // namespace

void ScriptEngine::CreateState() {
  if (L_ != nullptr) lua_close(L_);
  L_ = NewState(false, &errh_ref_, &globals_ref_);
}

lua_State* ScriptEngine::NewState(bool functions, int* errh_ref, int* globals_ref) {
  lua_State* L = lua_newstate(LuaAlloc, this);
  for (lua_CFunction open : {luaopen_base, luaopen_table, luaopen_string, luaopen_math}) {
    lua_pushcfunction(L, open);
    lua_call(L, 0, 0);
  }
  lua_pushcfunction(L, luaopen_cjson);
  lua_call(L, 0, 1);
  lua_setglobal(L, "cjson");
  lua_pushcfunction(L, luaopen_bit);
  lua_call(L, 0, 1);
  lua_setglobal(L, "bit");
  lua_pushcfunction(L, OpenLuaStruct);
  lua_call(L, 0, 1);
  lua_setglobal(L, "struct");
  lua_pushcfunction(L, OpenLuaCmsgpack);
  lua_call(L, 0, 1);
  lua_setglobal(L, "cmsgpack");
  lua_pushcfunction(L, GuardedRawset);
  lua_setglobal(L, "rawset");
  lua_pushcfunction(L, GuardedSetmetatable);
  lua_setglobal(L, "setmetatable");
  lua_pushcfunction(L, RedisPcall);
  lua_setglobal(L, "pcall");

  lua_getglobal(L, "math");
  lua_pushcfunction(L, LuaRandom);
  lua_setfield(L, -2, "random");
  lua_pushcfunction(L, LuaRandomSeed);
  lua_setfield(L, -2, "randomseed");
  lua_pop(L, 1);

  const std::pair<const char*, int> log_levels[] = {
      {"LOG_DEBUG", 0}, {"LOG_VERBOSE", 1}, {"LOG_NOTICE", 2}, {"LOG_WARNING", 3}};
  // redis.REDIS_VERSION "7.0.15" and REDIS_VERSION_NUM 0x00070000f.
  auto push_version = [](lua_State* L) {
    lua_pushstring(L, kRedisCompatVersion);
    lua_setfield(L, -2, "REDIS_VERSION");
    int parts[3] = {0, 0, 0};
    std::sscanf(kRedisCompatVersion, "%d.%d.%d", &parts[0], &parts[1], &parts[2]);
    lua_pushinteger(L, (parts[0] << 16) | (parts[1] << 8) | parts[2]);
    lua_setfield(L, -2, "REDIS_VERSION_NUM");
  };
  lua_newtable(L);  // redis
  const std::pair<const char*, lua_CFunction> fns[] = {
      {"call", LuaCall}, {"pcall", LuaPcall}, {"log", LuaLog}, {"setresp", LuaSetResp},
      {"set_repl", LuaSetRepl}, {"sha1hex", LuaSha1Hex}, {"error_reply", LuaErrorReply},
      {"status_reply", LuaStatusReply},
      {"replicate_commands", [](lua_State* L) { lua_pushboolean(L, 1); return 1; }},
      {"breakpoint", [](lua_State* L) { lua_pushboolean(L, 0); return 1; }},
      {"debug", [](lua_State*) { return 0; }},
  };
  for (auto& [name, fn] : fns) {
    lua_pushcfunction(L, fn);
    lua_setfield(L, -2, name);
  }
  const std::pair<const char*, int> consts[] = {
      {"REPL_NONE", 0}, {"REPL_AOF", 1}, {"REPL_SLAVE", 2}, {"REPL_REPLICA", 2}, {"REPL_ALL", 3},
  };
  for (auto& [name, v] : consts) {
    lua_pushinteger(L, v);
    lua_setfield(L, -2, name);
  }
  for (auto& [name, v] : log_levels) {
    lua_pushinteger(L, v);
    lua_setfield(L, -2, name);
  }
  push_version(L);
  lua_setglobal(L, "redis");

  lua_pushcfunction(L, LuaErrorHandler);
  *errh_ref = luaL_ref(L, LUA_REGISTRYINDEX);

  // Build the sandbox with the real globals, then make the proxy the
  // thread's globals: every chunk loaded from now on sees only it.
  RKV_ASSERT(luaL_loadbuffer(L, kSandboxSource, std::strlen(kSandboxSource), "=sandbox") == 0);
  lua_pushvalue(L, LUA_GLOBALSINDEX);
  lua_newtable(L);
  lua_pushvalue(L, -1);
  lua_setfield(L, LUA_REGISTRYINDEX, kReadonlyKey);
  int nargs = 2;
  if (functions) {
    // FUNCTION LOAD's API: redis.register_function, redis.log, the log
    // levels and the version fields, nothing else.
    lua_newtable(L);  // load_api
    lua_newtable(L);  // its redis
    lua_pushcfunction(L, LuaRegisterFunction);
    lua_setfield(L, -2, "register_function");
    lua_pushcfunction(L, LuaLog);
    lua_setfield(L, -2, "log");
    for (auto& [name, v] : log_levels) {
      lua_pushinteger(L, v);
      lua_setfield(L, -2, name);
    }
    push_version(L);
    lua_setfield(L, -2, "redis");
    lua_newtable(L);  // mode
    lua_pushvalue(L, -1);
    function_mode_ref_ = luaL_ref(L, LUA_REGISTRYINDEX);
    nargs = 4;
  }
  if (lua_pcall(L, nargs, 1, 0) != 0) {
    spdlog::warn("Lua sandbox set-up failed: {}", lua_tostring(L, -1));
    RKV_ASSERT(false);
  }
  lua_pushvalue(L, LUA_GLOBALSINDEX);
  *globals_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_replace(L, LUA_GLOBALSINDEX);
  lua_settop(L, 0);
  return L;
}

uint64_t ScriptEngine::lua_memory() const {
  return static_cast<size_t>(lua_gc(L_, LUA_GCCOUNT, 0)) * 1024 + static_cast<size_t>(lua_gc(L_, LUA_GCCOUNTB, 0));
}

const ScriptEngine::Script* ScriptEngine::Compile(std::string_view body, const std::string& sha, ReplyBuffer& reply) {
  Script script;
  size_t code_start = 0;
  if (body.substr(0, 2) == "#!") {
    std::string err = ParseShebang(body, &script.flags, &code_start);
    if (!err.empty()) {
      reply.AddError(err);
      return nullptr;
    }
    script.shebang = true;
  }
  std::string_view code = body.substr(code_start);
  if (luaL_loadbuffer(L_, code.data(), code.size(), kChunkName) != 0) {
    std::string msg = "Error compiling script (new function): ";
    msg += lua_tostring(L_, -1);
    lua_pop(L_, 1);
    reply.AddError(msg);
    return nullptr;
  }
  script.fn_ref = luaL_ref(L_, LUA_REGISTRYINDEX);
  script.body.assign(body);
  scripts_bytes_ += body.size() + sha.size();
  return &scripts_.emplace(sha, std::move(script)).first->second;
}

void ScriptEngine::Load(std::string_view body, ReplyBuffer& reply) {
  std::string sha = Sha1Hex(Sha1Of(body));
  if (scripts_.count(sha) == 0 && Compile(body, sha, reply) == nullptr) return;
  reply.AddBulk(sha);
}

bool ScriptEngine::Exists(std::string_view sha) const { return Find(sha) != nullptr; }

const ScriptEngine::Script* ScriptEngine::Find(std::string_view sha) const {
  if (sha.size() != 40) return nullptr;
  char lower[40];
  for (size_t i = 0; i < 40; ++i) lower[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(sha[i])));
  auto it = scripts_.find(std::string(lower, 40));
  return it == scripts_.end() ? nullptr : &it->second;
}

uint32_t ScriptEngine::DispatchFlags(uint32_t cmd_flags, bool by_sha, std::string_view script_or_sha) const {
  uint32_t flags = 0;
  if (by_sha) {
    const Script* s = Find(script_or_sha);
    if (s == nullptr || !s->shebang) return cmd_flags;
    flags = s->flags;
  } else {
    if (script_or_sha.substr(0, 2) != "#!") return cmd_flags;
    size_t code_start = 0;
    if (!ParseShebang(script_or_sha, &flags, &code_start).empty()) return cmd_flags;
  }
  return ApplyScriptFlags(cmd_flags, flags);
}

uint32_t ScriptEngine::ApplyScriptFlags(uint32_t cmd_flags, uint32_t flags) {
  if (!(flags & kFlagNoWrites)) {
    cmd_flags |= kCmdWrite;
    if (!(flags & kFlagAllowOom)) cmd_flags |= kCmdDenyOom;
  }
  if (flags & kFlagAllowStale) {
    cmd_flags |= kCmdStale;
  } else {
    cmd_flags &= ~kCmdStale;
  }
  return cmd_flags;
}

void ScriptEngine::Flush() {
  scripts_.clear();
  scripts_bytes_ = 0;
  CreateState();
}

const char* ScriptEngine::BusyError() const {
  // Redis 7.0 names the kill command that fits what runs.
  return run_ && run_->function
             ? "-BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE."
             : "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
}

void ScriptEngine::Kill(ReplyBuffer& reply, bool function) {
  if (!run_) return reply.AddError("-NOTBUSY No scripts in execution right now.");
  if (run_->wrote) {
    return reply.AddError(
        "-UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait "
        "the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.");
  }
  // SCRIPT KILL does not stop a function, nor FUNCTION KILL a script.
  if (run_->function != function) return reply.AddError(BusyError());
  run_->kill = true;
  reply.AddOk();
}

void ScriptEngine::Eval(CommandContext& ctx, bool by_sha, bool read_only) {
  ArgList argv = ctx.argv;
  int64_t numkeys = 0;
  if (!ParseInt64(argv[2], &numkeys)) return ReplyNotInteger(ctx.reply);
  if (numkeys > static_cast<int64_t>(argv.size()) - 3) {
    return ctx.reply.AddError("Number of keys can't be greater than number of args");
  }
  if (numkeys < 0) return ctx.reply.AddError("Number of keys can't be negative");
  const Script* script = nullptr;
  const std::string* sha = nullptr;
  if (by_sha) {
    if (argv[1].size() == 40) {
      char lower[40];
      for (size_t i = 0; i < 40; ++i) lower[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(argv[1][i])));
      if (auto it = scripts_.find(std::string(lower, 40)); it != scripts_.end()) {
        script = &it->second;
        sha = &it->first;
      }
    }
    if (script == nullptr) return ctx.reply.AddError("-NOSCRIPT No matching script. Please use EVAL.");
  } else {
    std::string hex = Sha1Hex(Sha1Of(argv[1]));
    auto it = scripts_.find(hex);
    if (it == scripts_.end()) {
      if (Compile(argv[1], hex, ctx.reply) == nullptr) return;
      it = scripts_.find(hex);
    }
    script = &it->second;
    sha = &it->first;
  }
  if (read_only && script->shebang && !(script->flags & kFlagNoWrites)) {
    return ctx.reply.AddError("Can not execute a script with write flag using *_ro command.");
  }
  lua_State* L = L_;
  lua_rawgeti(L, LUA_REGISTRYINDEX, errh_ref_);
  const int handler = lua_gettop(L);
  lua_rawgeti(L, LUA_REGISTRYINDEX, script->fn_ref);
  // KEYS and ARGV live in the real globals (the proxy reads through).
  lua_rawgeti(L, LUA_REGISTRYINDEX, globals_ref_);
  PushKeysOrArgs(L, argv, static_cast<size_t>(numkeys), true);
  lua_setfield(L, -2, "KEYS");
  PushKeysOrArgs(L, argv, static_cast<size_t>(numkeys), false);
  lua_setfield(L, -2, "ARGV");
  lua_pop(L, 1);
  RunPushed(ctx, L, handler, 0, sha, script->flags, read_only || (script->flags & kFlagNoWrites), false);
}

void ScriptEngine::RunPushed(CommandContext& ctx, lua_State* L, int handler, int nargs, const std::string* sha,
                             uint32_t flags, bool read_only, bool function) {
  ctx.propagation_handled = true;  // only the script's writes propagate
  if (client_ == nullptr) {
    client_ = std::make_unique<Client>(server_, server_.NextClientId());
    client_->authenticated = true;
    client_->deny_blocking = true;
    client_->addr = "lua";  // MONITOR's "[0 lua]"
  }
  // MONITOR shows the EVAL / FCALL itself first, then the commands it runs
  // (Redis 7.0 feeds the script command before running it).
  if (!server_.monitors().empty()) server_.monitors().Feed(ctx.client, ctx.client.db, ctx.argv);
  client_->db = ctx.client.db;
  client_->set_resp(2);  // every script starts in RESP2 (redis.setresp)

  // Assigned rather than emplace()d: clang computes is_constructible<Run>
  // while the enclosing class is incomplete (its member initializers not yet
  // parsed) and rejects a nullary emplace.
  run_ = Run{};
  Run& run = *run_;
  run.sha = sha;
  run.caller = &ctx.client;
  run.read_only = read_only;
  run.function = function;
  run.argv = ctx.argv;
  run.start_ms = NowMs();
  if (server_.config().maxmemory != 0 && !(flags & kFlagAllowOom)) {
    run.oom = server_.evictor().PerformEvictions() == Evictor::Result::kFail;
  }
  Propagator& prop = server_.propagator();
  const bool own_transaction = !prop.in_transaction();
  if (own_transaction) prop.BeginTransaction();
  lua_sethook(L, Hook, LUA_MASKCOUNT, kHookEveryInstructions);
  // Keys expire by the time the script started (Redis 7.0's script time
  // snapshot): a key the script saw stays there until it ends.
  server_.freeze_clock = true;

  const int rc = lua_pcall(L, nargs, 1, handler);

  server_.freeze_clock = false;
  lua_sethook(L, nullptr, 0, 0);
  prop.set_target_mask(kPropagateAll);
  if (own_transaction) prop.EndTransaction();
  const bool timed_out = run.timed_out;
  const bool cron_was_paused = run.cron_was_paused;
  if (rc == 0) {
    LuaValueToReply(L, -1, ctx.reply, client_->resp());
  } else if (lua_istable(L, -1)) {
    lua_getfield(L, -1, "err");
    std::string msg = lua_isstring(L, -1) ? lua_tostring(L, -1) : "ERR unknown error";
    lua_pop(L, 1);
    lua_getfield(L, -1, "source");
    lua_getfield(L, -2, "line");
    if (lua_isstring(L, -2) && lua_isstring(L, -1)) {
      msg += " script: " + *sha + ", on " + lua_tostring(L, -2) + ":" + lua_tostring(L, -1) + ".";
    }
    lua_pop(L, 2);
    ctx.reply.AddError("-" + msg);
  } else {
    // Out of memory inside Lua, or an error while handling an error.
    std::string msg = lua_isstring(L, -1) ? lua_tostring(L, -1) : "unknown error";
    ctx.reply.AddError((function ? "Error running function " : "Error running script (call to f_") + *sha +
                       (function ? ": " : "): ") + msg);
  }
  lua_settop(L, 0);
  run_.reset();
  if (timed_out) {
    ctx.client.Unprotect();
    server_.cron_paused = cron_was_paused;
    // SHUTDOWN NOSAVE arrived while the script ran: its StopLoop could only
    // stop the nested pass of the loop.
    if (server_.shutting_down()) uv_stop(server_.loop());
  }
  if (server_.signal_shutdown_pending()) server_.ShutdownOnSignal();
  if (++runs_ % 50 == 0) lua_gc(L, LUA_GCSTEP, 1);
}

// --- the hook: busy scripts --------------------------------------------

void ScriptEngine::Hook(lua_State* L, lua_Debug*) {
  if (!From(L).OnHook()) return;
  lua_sethook(L, Hook, LUA_MASKLINE, 0);  // every line now: pcall cannot swallow it
  PushLuaErrorTable(L, "Script killed by user with SCRIPT KILL...");
  lua_error(L);
}

bool ScriptEngine::OnHook() {
  Run& run = *run_;
  if (run.kill) return true;
  const int64_t threshold = server_.config().busy_reply_threshold;
  if (threshold <= 0) return false;
  const int64_t now = NowMs();
  if (!run.timed_out) {
    if (now - run.start_ms < threshold) return false;
    run.timed_out = true;
    spdlog::warn(
        "Slow script detected: still in execution after {} milliseconds. You can try killing the script using "
        "the SCRIPT KILL command. Script name is: {}.",
        now - run.start_ms, *run.sha);
    run.caller->Protect();
    run.cron_was_paused = server_.cron_paused;
    server_.cron_paused = true;
  }
  // Serve the other clients (-BUSY, SCRIPT KILL, SHUTDOWN NOSAVE).
  server_.PumpEvents();
  if (server_.shutting_down()) run.kill = true;
  if (run.kill) spdlog::warn("Lua script killed by user with SCRIPT KILL.");
  return run.kill;
}

// --- the error handler -------------------------------------------------

// Called by lua_pcall with the error value: makes it Redis's error table
// and notes where it happened (source and line of the script's frame).
int ScriptEngine::LuaErrorHandler(lua_State* L) {
  if (!lua_istable(L, 1)) {
    const char* s = lua_isstring(L, 1) ? lua_tostring(L, 1) : (lua_isnil(L, 1) ? "nil" : nullptr);
    if (s == nullptr) {
      lua_getglobal(L, "tostring");
      lua_pushvalue(L, 1);
      lua_call(L, 1, 1);
      s = lua_tostring(L, -1);
    }
    lua_pushfstring(L, "ERR %s", s ? s : "");
    lua_newtable(L);
    lua_pushstring(L, "err");
    lua_pushvalue(L, -3);
    lua_rawset(L, -3);
    lua_replace(L, 1);
    lua_settop(L, 1);
  }
  // The first Lua frame that is not the sandbox's own code.
  ::lua_Debug ar;
  int level = 0;
  for (int i = 1; i < 64 && lua_getstack(L, i, &ar); ++i) {
    if (!lua_getinfo(L, "Sl", &ar)) break;
    if (std::strcmp(ar.what, "C") != 0 && std::strcmp(ar.source, "=sandbox") != 0) {
      level = i;
      break;
    }
  }
  if (level != 0) {
    lua_pushstring(L, "source");
    lua_pushstring(L, ar.source);
    lua_rawset(L, 1);
    lua_pushstring(L, "line");
    lua_pushinteger(L, ar.currentline);
    lua_rawset(L, 1);
  }
  lua_settop(L, 1);
  return 1;
}

// --- redis.call / redis.pcall ------------------------------------------

namespace {
// The ACL check of a redis.call: nullptr, or the error the script gets
// (logged with context "lua").
const char* AclDeniedInScript(Server& server, Client& caller, const Command& cmd, ArgList argv) {
  size_t pos = 0;
  const AclDenial d = server.acl().Check(caller, cmd, argv, &pos);
  if (d == AclDenial::kNone) return nullptr;
  server.acl().Log(caller, d, "lua", d == AclDenial::kCommand ? std::string_view(cmd.full_name) : argv[pos],
                   caller.user->name());
  switch (d) {
    case AclDenial::kCommand: return "The user executing the script can't run this command or subcommand";
    case AclDenial::kKey:
      return "The user executing the script can't access at least one of the keys mentioned in the command "
             "arguments";
    case AclDenial::kChannel: return "The user executing the script can't publish to the channel mentioned in the command";
    default: break;
  }
  return "The user executing the script is lacking the permissions for the command";
}
}  // namespace


int ScriptEngine::LuaCall(lua_State* L) {
  if (From(L).RunRedisCommand(L)) return lua_error(L);
  return 1;
}

int ScriptEngine::LuaPcall(lua_State* L) {
  From(L).RunRedisCommand(L);
  return 1;
}

bool ScriptEngine::RunRedisCommand(lua_State* L) {
  // No C++ object below outlives this function; the caller raises.
  const int argc = lua_gettop(L);
  if (!run_) {
    PushLuaErrorTable(L, "redis.call() can only be called inside a script invocation");
    return true;
  }
  Run& run = *run_;
  if (argc == 0) {
    PushLuaErrorTable(L, "Please specify at least one argument for this redis lib call");
    return true;
  }
  // Number arguments are formatted into call_args_; strings are read in
  // place (Lua keeps them alive: they are on its stack).
  if (call_args_.size() < static_cast<size_t>(argc)) call_args_.resize(static_cast<size_t>(argc));
  call_argv_.clear();
  for (int i = 1; i <= argc; ++i) {
    const int t = lua_type(L, i);
    if (t == LUA_TNUMBER) {
      std::string& slot = call_args_[static_cast<size_t>(i - 1)];
      slot = NumberArg(lua_tonumber(L, i));
      call_argv_.emplace_back(slot);
    } else if (t == LUA_TSTRING) {
      size_t n = 0;
      const char* p = lua_tolstring(L, i, &n);
      call_argv_.emplace_back(p, n);
    } else {
      PushLuaErrorTable(L, "Lua redis lib command arguments must be strings or integers");
      return true;
    }
  }
  ArgList argv(call_argv_);
  Command* cmd = server_.commands().Find(argv[0]);
  if (cmd != nullptr && !cmd->subcommands.empty() && argc >= 2) cmd = cmd->FindSubcommand(argv[1]);
  if (cmd == nullptr) {
    PushLuaErrorTable(L, "Unknown Redis command called from script");
    return true;
  }
  if ((cmd->arity > 0 && cmd->arity != argc) || argc < -cmd->arity) {
    PushLuaErrorTable(L, "Wrong number of args calling Redis command from script");
    return true;
  }
  if (cmd->flags & kCmdNoscript) {
    PushLuaErrorTable(L, "This Redis command is not allowed from script");
    return true;
  }
  // The script runs as its caller's ACL user (Redis 7.0's scriptVerifyACL).
  if (const char* denied = AclDeniedInScript(server_, *run.caller, *cmd, argv)) {
    PushLuaErrorTable(L, denied);
    return true;
  }
  if (cmd->flags & kCmdWrite) {
    if (run.read_only) {
      PushLuaErrorTable(L, "Write commands are not allowed from read-only scripts.");
      return true;
    }
    if (run.oom && (cmd->flags & kCmdDenyOom)) {
      PushLuaErrorTable(L, "-OOM command not allowed when used memory > 'maxmemory'.");
      return true;
    }
    // -READONLY on a replica, -MISCONF, -NOREPLICAS: the modules judge the
    // write as if the caller had sent it.
    for (ServerModule* m : server_.modules()) {
      std::string error = m->CheckCommand(*run.caller, *cmd);
      if (!error.empty()) {
        PushLuaErrorTable(L, error);
        return true;
      }
    }
    run.wrote = true;
  }
  Client& c = *client_;
  // redis.set_repl applies to the script's own calls only (not to what
  // other clients run while a busy script pumps the loop).
  server_.propagator().set_target_mask(run.repl_targets);
  server_.Call(c, *cmd, argv, c.reply());
  server_.propagator().set_target_mask(kPropagateAll);
  // Call feeds no monitor for this internal client: the script's commands
  // are shown here, as "[db lua]".
  if (!server_.monitors().empty() && !(cmd->flags & (kCmdSkipMonitor | kCmdAdmin))) {
    server_.monitors().Feed(c, c.db, argv);
  }
  ++server_.stats().total_commands_processed;
  // The reply, as RESP2 or RESP3 bytes (redis.setresp), becomes a Lua value.
  std::string& resp = call_resp_;
  resp.clear();
  std::string_view pieces[16];
  for (;;) {
    size_t n = c.reply().Pieces(pieces, 16);
    if (n == 0) break;
    size_t taken = 0;
    for (size_t i = 0; i < n; ++i) {
      resp.append(pieces[i]);
      taken += pieces[i].size();
    }
    c.reply().Consume(taken);
  }
  const bool is_error = !resp.empty() && resp[0] == '-';
  const bool converted = PushReplyAsLua(L, resp) != 0;
  if (resp.capacity() > (1u << 20)) std::string().swap(resp);  // keep no big reply around
  if (!converted) {
    PushLuaErrorTable(L, "reply could not be converted for the script");
    return true;
  }
  return is_error;
}

}  // namespace replikv
