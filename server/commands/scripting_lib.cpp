// The redis.* library functions other than call/pcall (log, setresp,
// set_repl, sha1hex, error_reply, status_reply) and Redis's math.random.
// Part of ScriptEngine (server/commands/scripting.h); like every C function
// Lua calls, none keeps a C++ object alive across a Lua error.
#include <lua.hpp>

#include <cmath>
#include <string>
#include <string_view>

#include <spdlog/spdlog.h>

#include "server/commands/lua_reply.h"
#include "server/net/client.h"
#include "server/commands/scripting.h"
#include "server/ds/sha1.h"

namespace replikv {

// --- the redis table -----------------------------------------------------

int ScriptEngine::LuaLog(lua_State* L) {
  const int argc = lua_gettop(L);
  if (argc < 2) return RaiseLuaError(L, "redis.log() requires two arguments or more.");
  if (!lua_isnumber(L, 1)) return RaiseLuaError(L, "First argument must be a number (log level).");
  const lua_Integer level = lua_tointeger(L, 1);
  if (level < 0 || level > 3) return RaiseLuaError(L, "Invalid debug level.");
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (int i = 2; i <= argc; ++i) {
    if (!lua_isstring(L, i)) continue;
    if (i > 2) luaL_addchar(&b, ' ');
    lua_pushvalue(L, i);
    luaL_addvalue(&b);
  }
  luaL_pushresult(&b);
  const char* msg = lua_tostring(L, -1);
  switch (level) {
    case 0:
    case 1:
      spdlog::debug("{}", msg);
      break;
    case 2:
      spdlog::info("{}", msg);
      break;
    default:
      spdlog::warn("{}", msg);
  }
  return 0;
}

int ScriptEngine::LuaSetResp(lua_State* L) {
  if (lua_gettop(L) != 1) return RaiseLuaError(L, "redis.setresp() requires one argument.");
  const lua_Integer v = lua_tointeger(L, 1);
  if (v != 2 && v != 3) return RaiseLuaError(L, "RESP version must be 2 or 3.");
  // The protocol of the script's own client: what redis.call's replies are
  // parsed from, and how the script's booleans are replied (see lua_reply.h).
  ScriptEngine& e = From(L);
  if (e.client_ != nullptr) e.client_->set_resp(static_cast<int>(v));
  return 0;
}

int ScriptEngine::LuaSetRepl(lua_State* L) {
  ScriptEngine& e = From(L);
  if (!e.run_) return RaiseLuaError(L, "redis.set_repl() can only be called inside a script invocation");
  if (lua_gettop(L) != 1) return RaiseLuaError(L, "redis.set_repl() requires two arguments.");
  const lua_Integer v = lua_tointeger(L, 1);
  if (v < 0 || v > 3 || !lua_isnumber(L, 1)) {
    return RaiseLuaError(L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.");
  }
  e.run_->repl_targets = static_cast<uint8_t>(v);
  return 0;
}

int ScriptEngine::LuaSha1Hex(lua_State* L) {
  if (lua_gettop(L) != 1) return RaiseLuaError(L, "wrong number of arguments");
  size_t n = 0;
  const char* p = lua_tolstring(L, 1, &n);
  if (p == nullptr) n = 0;
  Sha1::Digest d = Sha1Of(std::string_view(p ? p : "", n));
  char hex[41];
  static const char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 20; ++i) {
    hex[2 * i] = kHex[d[i] >> 4];
    hex[2 * i + 1] = kHex[d[i] & 15];
  }
  lua_pushlstring(L, hex, 40);
  return 1;
}

int ScriptEngine::LuaErrorReply(lua_State* L) {
  if (lua_gettop(L) != 1 || lua_type(L, 1) != LUA_TSTRING) {
    PushLuaErrorTable(L, "wrong number or type of arguments");
    return 1;
  }
  size_t n = 0;
  const char* p = lua_tolstring(L, 1, &n);
  // As Redis: the text is read as "-CODE message" (a dash added if
  // missing), so "boom" becomes "ERR boom" and "MY boom" keeps MY.
  std::string dashed;
  if (n == 0 || p[0] != '-') dashed = "-";
  dashed.append(p, n);
  PushLuaErrorTable(L, dashed);
  return 1;
}

int ScriptEngine::LuaStatusReply(lua_State* L) {
  if (lua_gettop(L) != 1 || lua_type(L, 1) != LUA_TSTRING) {
    PushLuaErrorTable(L, "wrong number or type of arguments");
    return 1;
  }
  lua_newtable(L);
  lua_pushstring(L, "ok");
  lua_pushvalue(L, 1);
  lua_rawset(L, -3);
  return 1;
}

// math.random with Redis's generator: POSIX rand48 (X' = aX + c mod 2^48,
// the top 31 bits out), so scripts see the same sequence as on Redis.
int ScriptEngine::LuaRandom(lua_State* L) {
  ScriptEngine& e = From(L);
  e.rand_state_ = (0x5DEECE66DULL * e.rand_state_ + 0xB) & ((1ULL << 48) - 1);
  const int64_t x = static_cast<int64_t>(e.rand_state_ >> 17);
  const lua_Number r = static_cast<lua_Number>(x % 2147483647) / 2147483647.0;
  switch (lua_gettop(L)) {
    case 0:
      lua_pushnumber(L, r);
      return 1;
    case 1: {
      const int u = luaL_checkint(L, 1);
      luaL_argcheck(L, 1 <= u, 1, "interval is empty");
      lua_pushnumber(L, std::floor(r * u) + 1);
      return 1;
    }
    case 2: {
      const int l = luaL_checkint(L, 1);
      const int u = luaL_checkint(L, 2);
      luaL_argcheck(L, l <= u, 2, "interval is empty");
      lua_pushnumber(L, std::floor(r * (u - l + 1)) + l);
      return 1;
    }
    default:
      return RaiseLuaError(L, "wrong number of arguments");
  }
}

int ScriptEngine::LuaRandomSeed(lua_State* L) {
  const auto seed = static_cast<uint32_t>(luaL_checkint(L, 1));
  From(L).rand_state_ = (static_cast<uint64_t>(seed) << 16) | 0x330E;
  return 0;
}

}  // namespace replikv
