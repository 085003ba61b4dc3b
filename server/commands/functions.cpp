// Functions on ScriptEngine (server/commands/scripting.h): libraries made by
// FUNCTION LOAD, redis.register_function, FCALL, and the library set as
// FUNCTION RESTORE and the RDB replace or extend it. Redis 7.0's replies and
// error texts throughout; FUNCTION LIST orders libraries by name (Redis's
// order is its hash table's, which no client can rely on). Function names
// are matched without regard to case, library names exactly (as 7.0).
#include <lua.hpp>

#include <algorithm>
#include <ctime>
#include <string>
#include <unordered_set>
#include <vector>

#include "server/base/ascii.h"
#include "server/commands/library_meta.h"
#include "server/commands/lua_reply.h"
#include "server/commands/scripting.h"
#include "server/ds/glob.h"
#include "server/net/client.h"
#include "server/net/reply_buffer.h"
#include "server/server.h"

namespace replikv {
namespace {

constexpr const char* kFunctionChunk = "@user_function";
// A library's code must register its functions within this time (Redis
// 7.0's FUNCTION LOAD timeout).
constexpr int64_t kLoadTimeoutMs = 500;
constexpr int kLoadHookEvery = 100000;

struct FlagName {
  const char* name;
  uint32_t bit;
};
// In FUNCTION LIST's order.
constexpr FlagName kFunctionFlags[] = {
    {"no-writes", kScriptNoWrites},   {"allow-oom", kScriptAllowOom},
    {"allow-stale", kScriptAllowStale}, {"no-cluster", kScriptNoCluster},
    {"allow-cross-slot-keys", kScriptAllowCrossSlot},
};

constexpr const char* kBadName =
    "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long";

int64_t MonotonicMs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

std::string LuaString(lua_State* L, int index) {
  size_t n = 0;
  const char* p = lua_tolstring(L, index, &n);
  return p == nullptr ? std::string() : std::string(p, n);
}

}  // namespace

void ScriptEngine::CreateFunctionState() { FL_ = NewState(true, &f_errh_ref_, &f_globals_ref_); }

uint64_t ScriptEngine::functions_lua_memory() const {
  return static_cast<size_t>(lua_gc(FL_, LUA_GCCOUNT, 0)) * 1024 + static_cast<size_t>(lua_gc(FL_, LUA_GCCOUNTB, 0));
}

size_t ScriptEngine::functions_memory() const { return functions_bytes_; }

const ScriptEngine::Function* ScriptEngine::FindFunction(std::string_view name) const {
  auto it = functions_.find(Lower(name));
  return it == functions_.end() ? nullptr : &it->second;
}

uint32_t ScriptEngine::FunctionDispatchFlags(uint32_t cmd_flags, std::string_view name) const {
  const Function* f = FindFunction(name);
  return f == nullptr ? cmd_flags : ApplyScriptFlags(cmd_flags, f->flags);
}

// --- loading a library ---------------------------------------------------

void ScriptEngine::LoadHook(lua_State* L, lua_Debug*) {
  ScriptEngine& e = From(L);
  if (e.loading_ == nullptr || MonotonicMs() - e.loading_->start_ms < kLoadTimeoutMs) return;
  lua_sethook(L, LoadHook, LUA_MASKLINE, 0);  // every line now: pcall cannot swallow it
  PushLuaErrorTable(L, "FUNCTION LOAD timeout");
  lua_error(L);
}

int ScriptEngine::LuaRegisterFunction(lua_State* L) {
  ScriptEngine& e = From(L);
  if (e.loading_ == nullptr) {
    PushLuaErrorTable(L, "redis.register_function can only be called on FUNCTION LOAD command");
    return lua_error(L);
  }
  // RegisterFunction's C++ objects are gone before the longjmp.
  if (!e.RegisterFunction(L)) {
    PushLuaErrorTable(L, e.loading_->error);
    return lua_error(L);
  }
  return 0;
}

// redis.register_function(name, callback) or
// redis.register_function{function_name=, callback=, flags=, description=}.
bool ScriptEngine::RegisterFunction(lua_State* L) {
  LoadingLibrary& lib = *loading_;
  Function f;
  auto fail = [&](const char* msg) {
    if (f.fn_ref != 0) luaL_unref(L, LUA_REGISTRYINDEX, f.fn_ref);
    lib.error = msg;
    return false;
  };
  const int argc = lua_gettop(L);
  if (argc < 1 || argc > 2) return fail("wrong number of arguments to redis.register_function");
  if (argc == 1) {
    if (!lua_istable(L, 1)) {
      return fail(
          "calling redis.register_function with a single argument is only applicable to Lua table (representing "
          "named arguments).");
    }
    bool named = false;
    lua_pushnil(L);
    while (lua_next(L, 1) != 0) {  // key at -2, value at -1
      // A number key passes here (and is an unknown argument below).
      if (!lua_isstring(L, -2)) return fail("named argument key given to redis.register_function is not a string");
      lua_pushvalue(L, -2);  // a copy: tostring on the key itself would confuse lua_next
      const std::string key = LuaString(L, -1);
      lua_pop(L, 1);
      if (EqualsIgnoreCase(key, "function_name")) {
        if (!lua_isstring(L, -1)) return fail("function_name argument given to redis.register_function must be a string");
        f.name = LuaString(L, -1);
        named = true;
      } else if (EqualsIgnoreCase(key, "description")) {
        if (!lua_isstring(L, -1)) return fail("description argument given to redis.register_function must be a string");
        f.description = LuaString(L, -1);
      } else if (EqualsIgnoreCase(key, "callback")) {
        if (!lua_isfunction(L, -1)) return fail("callback argument given to redis.register_function must be a function");
        if (f.fn_ref != 0) luaL_unref(L, LUA_REGISTRYINDEX, f.fn_ref);
        f.fn_ref = luaL_ref(L, LUA_REGISTRYINDEX);  // pops the value
        continue;
      } else if (EqualsIgnoreCase(key, "flags")) {
        if (!lua_istable(L, -1)) {
          return fail("flags argument to redis.register_function must be a table representing function flags");
        }
        uint32_t flags = 0;
        for (int j = 1; j < 64; ++j) {  // a flag table holds a handful at most
          lua_rawgeti(L, -1, j);
          if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            break;
          }
          bool found = false;
          if (lua_isstring(L, -1)) {
            const std::string name = LuaString(L, -1);
            for (const FlagName& fl : kFunctionFlags) {
              if (EqualsIgnoreCase(name, fl.name)) {
                flags |= fl.bit;
                found = true;
              }
            }
          }
          lua_pop(L, 1);
          if (!found) return fail("unknown flag given");
        }
        f.flags = flags;
      } else {
        return fail("unknown argument given to redis.register_function");
      }
      lua_pop(L, 1);
    }
    if (!named) return fail("redis.register_function must get a function name argument");
    if (f.fn_ref == 0) return fail("redis.register_function must get a callback argument");
  } else {
    if (!lua_isstring(L, 1)) return fail("first argument to redis.register_function must be a string");
    f.name = LuaString(L, 1);
    if (!lua_isfunction(L, 2)) return fail("second argument to redis.register_function must be a function");
    lua_pushvalue(L, 2);
    f.fn_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  }
  // Redis 7.0 names libraries in this error for functions too.
  if (!ValidFunctionName(f.name)) return fail(kBadName);
  // Exact names here (Redis 7.0's library dict is case-sensitive); FCALL
  // and the check across libraries ignore case.
  for (const Function& other : lib.functions) {
    if (other.name == f.name) return fail("Function already exists in the library");
  }
  f.library = lib.lib.name;
  lib.functions.push_back(std::move(f));
  return true;
}

bool ScriptEngine::CompileLibrary(std::string_view code, LoadingLibrary* out, std::string* err,
                                  const std::function<bool(const std::string&)>& taken) {
  LibraryMeta meta;
  if (!ParseLibraryMeta(code, &meta, err)) return false;
  if (!ValidFunctionName(meta.name)) {
    *err = kBadName;
    return false;
  }
  if (!EqualsIgnoreCase(meta.engine, "lua")) {
    *err = "Engine '" + meta.engine + "' not found";
    return false;
  }
  if (taken && taken(meta.name)) {
    *err = "Library '" + meta.name + "' already exists";
    return false;
  }
  out->lib.name = meta.name;
  out->lib.code.assign(code);
  lua_State* L = FL_;
  std::string_view body = code.substr(meta.code_start);  // from the '\n': line numbers stay the payload's
  if (luaL_loadbuffer(L, body.data(), body.size(), kFunctionChunk) != 0) {
    *err = "Error compiling function: " + LuaString(L, -1);
    lua_settop(L, 0);
    return false;
  }
  // Run the chunk with the load-time globals; it registers its functions.
  auto set_loading = [&](bool on) {
    lua_rawgeti(L, LUA_REGISTRYINDEX, function_mode_ref_);
    lua_pushboolean(L, on ? 1 : 0);
    lua_setfield(L, -2, "loading");
    lua_pop(L, 1);
  };
  set_loading(true);
  out->start_ms = MonotonicMs();
  loading_ = out;
  lua_sethook(L, LoadHook, LUA_MASKCOUNT, kLoadHookEvery);
  const int rc = lua_pcall(L, 0, 0, 0);
  lua_sethook(L, nullptr, 0, 0);
  loading_ = nullptr;
  set_loading(false);
  if (rc != 0) {
    // A raised error table brings its "CODE message"; a plain Lua error is
    // an ERR (Redis 7.0's luaExtractErrorInformation).
    std::string msg;
    if (lua_istable(L, -1)) {
      lua_getfield(L, -1, "err");
      msg = lua_isstring(L, -1) ? LuaString(L, -1) : "ERR unknown error";
      lua_pop(L, 1);
    } else {
      msg = "ERR " + (lua_isstring(L, -1) ? LuaString(L, -1) : std::string("unknown error"));
    }
    lua_settop(L, 0);
    *err = "Error registering functions: " + msg;
    DropCompiled(*out);
    return false;
  }
  lua_settop(L, 0);
  if (out->functions.empty()) {
    *err = "No functions registered";
    return false;
  }
  return true;
}

void ScriptEngine::DropCompiled(LoadingLibrary& lib) {
  for (Function& f : lib.functions) {
    if (f.fn_ref != 0) luaL_unref(FL_, LUA_REGISTRYINDEX, f.fn_ref);
    f.fn_ref = 0;
  }
  lib.functions.clear();
}

void ScriptEngine::InstallLibrary(LoadingLibrary&& lib) {
  Library installed = std::move(lib.lib);
  functions_bytes_ += installed.code.size() + installed.name.size();
  for (Function& f : lib.functions) {
    std::string key = Lower(f.name);
    // "f" and "F" in one library: one function, the later one (as FCALL
    // finds it on Redis).
    if (std::find(installed.functions.begin(), installed.functions.end(), key) == installed.functions.end()) {
      installed.functions.push_back(key);
    }
    functions_bytes_ += f.name.size() + (f.description ? f.description->size() : 0);
    functions_.insert_or_assign(std::move(key), std::move(f));
  }
  lib.functions.clear();
  std::string key = installed.name;
  libraries_.insert_or_assign(std::move(key), std::move(installed));
}

ScriptEngine::LoadingLibrary ScriptEngine::Detach(const std::string& key) {
  LoadingLibrary out;
  auto it = libraries_.find(key);
  if (it == libraries_.end()) return out;
  out.lib = std::move(it->second);
  libraries_.erase(it);
  functions_bytes_ -= std::min(functions_bytes_, out.lib.code.size() + out.lib.name.size());
  for (const std::string& fkey : out.lib.functions) {
    auto f = functions_.find(fkey);
    if (f == functions_.end()) continue;
    functions_bytes_ -= std::min(functions_bytes_, f->second.name.size() +
                                                       (f->second.description ? f->second.description->size() : 0));
    out.functions.push_back(std::move(f->second));
    functions_.erase(f);
  }
  out.lib.functions.clear();
  return out;
}

// --- FUNCTION LOAD / DELETE / FLUSH / RESTORE ------------------------------

bool ScriptEngine::FunctionLoad(std::string_view code, bool replace, ReplyBuffer& reply) {
  LoadingLibrary fresh;
  std::string err;
  auto taken = [&](const std::string& key) { return !replace && libraries_.count(key) > 0; };
  if (!CompileLibrary(code, &fresh, &err, taken)) {
    reply.AddError(err);
    return false;
  }
  LoadingLibrary old = Detach(fresh.lib.name);
  for (const Function& f : fresh.functions) {
    if (functions_.count(Lower(f.name)) != 0) {
      reply.AddError("Function " + f.name + " already exists");
      DropCompiled(fresh);
      if (!old.lib.name.empty()) InstallLibrary(std::move(old));
      return false;
    }
  }
  DropCompiled(old);
  reply.AddBulk(fresh.lib.name);
  InstallLibrary(std::move(fresh));
  return true;
}

bool ScriptEngine::FunctionDelete(std::string_view library) {
  LoadingLibrary old = Detach(std::string(library));
  if (old.lib.name.empty()) return false;
  DropCompiled(old);
  return true;
}

void ScriptEngine::FunctionFlush() {
  for (auto& [key, f] : functions_) luaL_unref(FL_, LUA_REGISTRYINDEX, f.fn_ref);
  functions_.clear();
  libraries_.clear();
  functions_bytes_ = 0;
  lua_gc(FL_, LUA_GCCOLLECT, 0);
}

bool ScriptEngine::RestoreLibraries(const std::vector<std::string>& codes, RestorePolicy policy, std::string* err) {
  std::vector<LoadingLibrary> fresh;
  std::unordered_set<std::string> new_libs, new_fns;
  auto drop = [&](std::vector<LoadingLibrary>& libs) {
    for (LoadingLibrary& l : libs) DropCompiled(l);
    libs.clear();
  };
  // Compile every library first; names must not repeat inside the set.
  for (const std::string& code : codes) {
    LoadingLibrary l;
    if (!CompileLibrary(code, &l, err, [&](const std::string& key) { return new_libs.count(key) > 0; })) {
      drop(fresh);
      return false;
    }
    for (const Function& f : l.functions) {
      if (!new_fns.insert(Lower(f.name)).second) {
        *err = "Function " + f.name + " already exists";
        DropCompiled(l);
        drop(fresh);
        return false;
      }
    }
    new_libs.insert(l.lib.name);
    fresh.push_back(std::move(l));
  }
  if (policy == RestorePolicy::kFlush) {
    FunctionFlush();
    for (LoadingLibrary& l : fresh) InstallLibrary(std::move(l));
    return true;
  }
  std::vector<LoadingLibrary> detached;
  auto undo = [&] {
    for (LoadingLibrary& l : detached) InstallLibrary(std::move(l));
    drop(fresh);
  };
  for (const LoadingLibrary& l : fresh) {
    const std::string& key = l.lib.name;
    if (libraries_.count(key) == 0) continue;
    if (policy == RestorePolicy::kAppend) {
      *err = "Library " + l.lib.name + " already exists";
      undo();
      return false;
    }
    detached.push_back(Detach(key));
  }
  for (const LoadingLibrary& l : fresh) {
    for (const Function& f : l.functions) {
      if (functions_.count(Lower(f.name)) != 0) {
        *err = "Function " + f.name + " already exists";
        undo();
        return false;
      }
    }
  }
  drop(detached);
  for (LoadingLibrary& l : fresh) InstallLibrary(std::move(l));
  return true;
}

std::vector<std::string> ScriptEngine::LibraryCodes() const {
  std::vector<const Library*> libs;
  for (const auto& [key, lib] : libraries_) libs.push_back(&lib);
  std::sort(libs.begin(), libs.end(), [](const Library* a, const Library* b) { return a->name < b->name; });
  std::vector<std::string> codes;
  for (const Library* lib : libs) codes.push_back(lib->code);
  return codes;
}

// --- FUNCTION LIST / STATS -----------------------------------------------

void ScriptEngine::FunctionList(CommandContext& ctx) {
  ArgList argv = ctx.argv;
  bool with_code = false;
  std::optional<std::string_view> pattern;
  for (size_t i = 2; i < argv.size(); ++i) {
    if (!with_code && EqualsIgnoreCase(argv[i], "withcode")) {
      with_code = true;
      continue;
    }
    if (!pattern && EqualsIgnoreCase(argv[i], "libraryname")) {
      if (i + 1 >= argv.size()) return ctx.reply.AddError("library name argument was not given");
      pattern = argv[++i];
      continue;
    }
    return ctx.reply.AddError("Unknown argument " + std::string(argv[i]));
  }
  std::vector<const Library*> libs;
  for (const auto& [key, lib] : libraries_) {
    if (!pattern || GlobMatch(*pattern, lib.name, /*nocase=*/true)) libs.push_back(&lib);
  }
  std::sort(libs.begin(), libs.end(), [](const Library* a, const Library* b) { return a->name < b->name; });
  ReplyBuffer& r = ctx.reply;
  r.AddArrayLen(libs.size());
  for (const Library* lib : libs) {
    r.AddMapLen(with_code ? 4 : 3);
    r.AddBulk("library_name");
    r.AddBulk(lib->name);
    r.AddBulk("engine");
    r.AddBulk("LUA");
    r.AddBulk("functions");
    r.AddArrayLen(lib->functions.size());
    for (const std::string& fkey : lib->functions) {
      const Function& f = functions_.at(fkey);
      r.AddMapLen(3);
      r.AddBulk("name");
      r.AddBulk(f.name);
      r.AddBulk("description");
      if (f.description) {
        r.AddBulk(*f.description);
      } else {
        r.AddNullBulk();
      }
      r.AddBulk("flags");
      size_t n = 0;
      for (const FlagName& fl : kFunctionFlags) n += (f.flags & fl.bit) ? 1 : 0;
      r.AddSetLen(n);
      for (const FlagName& fl : kFunctionFlags) {
        if (f.flags & fl.bit) r.AddSimple(fl.name);  // status replies, as Redis 7.0
      }
    }
    if (with_code) {
      r.AddBulk("library_code");
      r.AddBulk(lib->code);
    }
  }
}

void ScriptEngine::FunctionStats(ReplyBuffer& r) {
  r.AddMapLen(2);
  r.AddBulk("running_script");
  if (!run_) {
    r.AddNullBulk();
  } else {
    // An EVAL shows as its Lua function's name, f_<sha>.
    r.AddMapLen(3);
    r.AddBulk("name");
    r.AddBulk(run_->function ? *run_->sha : "f_" + *run_->sha);
    r.AddBulk("command");
    r.AddArrayLen(run_->argv.size());
    for (std::string_view a : run_->argv) r.AddBulk(a);
    r.AddBulk("duration_ms");
    r.AddInt(MonotonicMs() - run_->start_ms);
  }
  r.AddBulk("engines");
  r.AddMapLen(1);
  r.AddBulk("LUA");
  r.AddMapLen(2);
  r.AddBulk("libraries_count");
  r.AddInt(static_cast<int64_t>(libraries_.size()));
  r.AddBulk("functions_count");
  r.AddInt(static_cast<int64_t>(functions_.size()));
}

// --- FCALL -----------------------------------------------------------------

void ScriptEngine::Fcall(CommandContext& ctx, bool read_only) {
  ArgList argv = ctx.argv;
  const Function* fn = FindFunction(argv[1]);
  if (fn == nullptr) return ctx.reply.AddError("Function not found");
  int64_t numkeys = 0;
  if (!ParseInt64(argv[2], &numkeys)) return ctx.reply.AddError("Bad number of keys provided");
  if (numkeys > static_cast<int64_t>(argv.size()) - 3) {
    return ctx.reply.AddError("Number of keys can't be greater than number of args");
  }
  if (numkeys < 0) return ctx.reply.AddError("Number of keys can't be negative");
  if (read_only && !(fn->flags & kScriptNoWrites)) {
    return ctx.reply.AddError("Can not execute a script with write flag using *_ro command.");
  }
  // A copy: the primary's stream may replace the library while a busy
  // function pumps the loop.
  const std::string name = fn->name;
  const uint32_t flags = fn->flags;
  lua_State* L = FL_;
  lua_rawgeti(L, LUA_REGISTRYINDEX, f_errh_ref_);
  const int handler = lua_gettop(L);
  lua_rawgeti(L, LUA_REGISTRYINDEX, fn->fn_ref);
  // The callback gets (keys, args).
  PushKeysOrArgs(L, argv, static_cast<size_t>(numkeys), true);
  PushKeysOrArgs(L, argv, static_cast<size_t>(numkeys), false);
  RunPushed(ctx, L, handler, 2, &name, flags, read_only || (flags & kScriptNoWrites), true);
}

}  // namespace replikv
