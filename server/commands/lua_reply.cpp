#include "server/commands/lua_reply.h"

#include <lua.hpp>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

#include "server/command_table.h"
#include "server/net/reply_buffer.h"

namespace replikv {
namespace {

constexpr int kMaxParseDepth = 1000;

// Finds the CRLF that ends the header line starting at `pos`.
size_t LineEnd(std::string_view s, size_t pos) {
  size_t e = s.find("\r\n", pos);
  return e;
}

bool ParseLen(std::string_view digits, int64_t* out) { return ParseInt64(digits, out); }

size_t Push(lua_State* L, std::string_view s, int depth) {
  if (s.empty()) return 0;
  size_t eol = LineEnd(s, 1);
  if (eol == std::string_view::npos) return 0;
  std::string_view line = s.substr(1, eol - 1);
  size_t used = eol + 2;
  lua_checkstack(L, 4);
  switch (s[0]) {
    case ':': {
      int64_t v = 0;
      ParseLen(line, &v);
      lua_pushnumber(L, static_cast<lua_Number>(v));
      return used;
    }
    case '+':
    case '-':
      lua_newtable(L);
      lua_pushstring(L, s[0] == '+' ? "ok" : "err");
      lua_pushlstring(L, line.data(), line.size());
      lua_settable(L, -3);
      return used;
    case '$': {
      int64_t n = 0;
      if (!ParseLen(line, &n)) return 0;
      if (n < 0) {
        lua_pushboolean(L, 0);
        return used;
      }
      if (s.size() < used + static_cast<size_t>(n) + 2) return 0;
      lua_pushlstring(L, s.data() + used, static_cast<size_t>(n));
      return used + static_cast<size_t>(n) + 2;
    }
    case '*': {
      int64_t n = 0;
      if (!ParseLen(line, &n)) return 0;
      if (n < 0) {
        lua_pushboolean(L, 0);
        return used;
      }
      // The count comes from our own reply writer, but the table grows as
      // elements arrive rather than being sized from it.
      lua_newtable(L);
      for (int64_t i = 1; i <= n; ++i) {
        size_t got = depth >= kMaxParseDepth ? 0 : Push(L, s.substr(used), depth + 1);
        if (got == 0) {
          lua_pop(L, 1);
          return 0;
        }
        used += got;
        lua_rawseti(L, -2, static_cast<int>(i));
      }
      return used;
    }
    case '%':
    case '~': {
      // {map = {k = v}} / {set = {member = true}}
      int64_t n = 0;
      if (!ParseLen(line, &n) || n < 0) return 0;
      const bool map = s[0] == '%';
      lua_newtable(L);
      lua_pushstring(L, map ? "map" : "set");
      lua_newtable(L);
      for (int64_t i = 0; i < n; ++i) {
        size_t got = depth >= kMaxParseDepth ? 0 : Push(L, s.substr(used), depth + 1);
        if (got == 0) {
          lua_pop(L, 3);
          return 0;
        }
        used += got;
        if (map) {
          got = Push(L, s.substr(used), depth + 1);
          if (got == 0) {
            lua_pop(L, 4);
            return 0;
          }
          used += got;
        } else {
          lua_pushboolean(L, 1);
        }
        lua_settable(L, -3);
      }
      lua_settable(L, -3);
      return used;
    }
    case '_':
      lua_pushnil(L);
      return used;
    case '#':
      lua_pushboolean(L, line == "t");
      return used;
    case ',':
    case '(': {
      // {double = number} / {big_number = "digits"}
      lua_newtable(L);
      if (s[0] == ',') {
        std::string text(line);
        lua_pushstring(L, "double");
        lua_pushnumber(L, std::strtod(text.c_str(), nullptr));
      } else {
        lua_pushstring(L, "big_number");
        lua_pushlstring(L, line.data(), line.size());
      }
      lua_settable(L, -3);
      return used;
    }
    case '=': {
      // =6\r\ntxt:hi -> {verbatim_string = {format = "txt", string = "hi"}}
      int64_t n = 0;
      if (!ParseLen(line, &n) || n < 4) return 0;
      if (s.size() < used + static_cast<size_t>(n) + 2) return 0;
      std::string_view body = s.substr(used, static_cast<size_t>(n));
      lua_newtable(L);
      lua_pushstring(L, "verbatim_string");
      lua_newtable(L);
      lua_pushstring(L, "format");
      lua_pushlstring(L, body.data(), 3);
      lua_settable(L, -3);
      lua_pushstring(L, "string");
      lua_pushlstring(L, body.data() + 4, body.size() - 4);
      lua_settable(L, -3);
      lua_settable(L, -3);
      return used + static_cast<size_t>(n) + 2;
    }
    case '|': {
      // An attribute: its pairs are parsed and dropped, the reply it
      // describes follows.
      int64_t n = 0;
      if (!ParseLen(line, &n) || n < 0) return 0;
      for (int64_t i = 0; i < 2 * n; ++i) {
        size_t got = depth >= kMaxParseDepth ? 0 : Push(L, s.substr(used), depth + 1);
        if (got == 0) return 0;
        lua_pop(L, 1);
        used += got;
      }
      size_t got = Push(L, s.substr(used), depth + 1);
      return got == 0 ? 0 : used + got;
    }
    default:
      return 0;
  }
}

// A status or error text must stay on one line.
std::string OneLine(const char* p, size_t n) {
  std::string out(p, n);
  for (char& c : out) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  return out;
}

// Whether the table at `index` has a string field `name`; if so it is left
// pushed on the stack.
bool StringField(lua_State* L, int index, const char* name) {
  lua_pushstring(L, name);
  lua_rawget(L, index);
  if (lua_type(L, -1) == LUA_TSTRING) return true;
  lua_pop(L, 1);
  return false;
}

// Whether the table at `index` has a field `name` of Lua type `type`; if so
// it is left pushed on the stack.
bool TypedField(lua_State* L, int index, const char* name, int type) {
  lua_pushstring(L, name);
  lua_rawget(L, index);
  if (lua_type(L, -1) == type) return true;
  lua_pop(L, 1);
  return false;
}

void ToReply(lua_State* L, int index, ReplyBuffer& out, int script_resp, int depth);

// The pairs of the table on top of the stack: a map (values converted) or
// a set (keys only). Counted first: the header goes before the elements.
void TableToAggregate(lua_State* L, ReplyBuffer& out, int script_resp, int depth, bool map) {
  const int t = lua_gettop(L);
  size_t n = 0;
  lua_pushnil(L);
  while (lua_next(L, t) != 0) {
    lua_pop(L, 1);
    ++n;
  }
  if (map) {
    out.AddMapLen(n);
  } else {
    out.AddSetLen(n);
  }
  lua_pushnil(L);
  while (lua_next(L, t) != 0) {
    ToReply(L, -2, out, script_resp, depth + 1);
    if (map) ToReply(L, -1, out, script_resp, depth + 1);
    lua_pop(L, 1);
  }
}

void ToReply(lua_State* L, int index, ReplyBuffer& out, int script_resp, int depth) {
  if (index < 0) index = lua_gettop(L) + index + 1;
  switch (lua_type(L, index)) {
    case LUA_TNUMBER:
      out.AddInt(LuaNumberToInt64(lua_tonumber(L, index)));
      return;
    case LUA_TSTRING: {
      size_t n = 0;
      const char* p = lua_tolstring(L, index, &n);
      out.AddBulk(std::string_view(p, n));
      return;
    }
    case LUA_TBOOLEAN:
      // A RESP2 script's false is a nil; after setresp(3) a boolean.
      if (script_resp == 3) {
        out.AddBool(lua_toboolean(L, index) != 0);
      } else if (lua_toboolean(L, index)) {
        out.AddInt(1);
      } else {
        out.AddNullBulk();
      }
      return;
    case LUA_TTABLE: {
      // Redis's limit: nesting ends where Lua's stack cannot grow (a table
      // that contains itself is cut there, with this error as the leaf).
      if (depth >= kMaxLuaReplyDepth || !lua_checkstack(L, 4)) {
        out.AddError("reached lua stack limit");
        return;
      }
      if (StringField(L, index, "err")) {
        size_t n = 0;
        const char* p = lua_tolstring(L, -1, &n);
        out.AddError("-" + OneLine(p, n));
        lua_pop(L, 1);
        return;
      }
      if (StringField(L, index, "ok")) {
        size_t n = 0;
        const char* p = lua_tolstring(L, -1, &n);
        out.AddSimple(OneLine(p, n));
        lua_pop(L, 1);
        return;
      }
      if (TypedField(L, index, "double", LUA_TNUMBER)) {
        out.AddDouble(lua_tonumber(L, -1));
        lua_pop(L, 1);
        return;
      }
      if (TypedField(L, index, "big_number", LUA_TSTRING)) {
        size_t n = 0;
        const char* p = lua_tolstring(L, -1, &n);
        out.AddBigNumber(OneLine(p, n));
        lua_pop(L, 1);
        return;
      }
      if (TypedField(L, index, "map", LUA_TTABLE) || TypedField(L, index, "set", LUA_TTABLE)) {
        lua_pushstring(L, "map");
        lua_rawget(L, index);
        const bool map = lua_rawequal(L, -1, -2) != 0;
        lua_pop(L, 1);
        TableToAggregate(L, out, script_resp, depth, map);
        lua_pop(L, 1);
        return;
      }
      if (TypedField(L, index, "verbatim_string", LUA_TTABLE)) {
        const int v = lua_gettop(L);
        if (TypedField(L, v, "format", LUA_TSTRING)) {
          if (TypedField(L, v, "string", LUA_TSTRING)) {
            size_t fn = 0, sn = 0;
            const char* f = lua_tolstring(L, -2, &fn);
            const char* str = lua_tolstring(L, -1, &sn);
            // Redis takes the format's first three characters (a shorter
            // one is read past its end there; here it is not verbatim).
            if (fn >= 3) {
              out.AddVerbatim(std::string_view(str, sn), std::string_view(f, 3));
              lua_pop(L, 3);
              return;
            }
            lua_pop(L, 1);
          }
          lua_pop(L, 1);
        }
        lua_pop(L, 1);
      }
      // The array part up to the first nil: count first, the header goes
      // before the elements.
      size_t len = 0;
      for (;;) {
        lua_rawgeti(L, index, static_cast<int>(len + 1));
        const bool nil = lua_isnil(L, -1);
        lua_pop(L, 1);
        if (nil) break;
        ++len;
      }
      out.AddArrayLen(len);
      for (size_t i = 1; i <= len; ++i) {
        lua_rawgeti(L, index, static_cast<int>(i));
        ToReply(L, -1, out, script_resp, depth + 1);
        lua_pop(L, 1);
      }
      return;
    }
    default:
      out.AddNullBulk();
      return;
  }
}

}  // namespace

int64_t LuaNumberToInt64(double v) {
  // Out of the int64 range (and NaN) the x86-64 conversion yields the
  // "integer indefinite" value; Redis's cast shows it, so do we.
  if (!(v >= -9223372036854775808.0 && v < 9223372036854775808.0)) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(v);
}

void PushLuaErrorTable(lua_State* L, std::string_view text) {
  std::string err;
  if (!text.empty() && text[0] == '-') {
    text.remove_prefix(1);
    if (text.find(' ') == std::string_view::npos) err = "ERR ";
  } else {
    err = "ERR ";
  }
  err.append(text);
  lua_newtable(L);
  lua_pushstring(L, "err");
  lua_pushlstring(L, err.data(), err.size());
  lua_rawset(L, -3);
}

int RaiseLuaError(lua_State* L, const char* msg) {
  lua_pushstring(L, msg);
  return lua_error(L);
}

size_t PushReplyAsLua(lua_State* L, std::string_view resp) { return Push(L, resp, 0); }

void LuaValueToReply(lua_State* L, int index, ReplyBuffer& out, int script_resp) {
  ToReply(L, index, out, script_resp, 0);
}

}  // namespace replikv
