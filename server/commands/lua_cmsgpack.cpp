// The `cmsgpack` Lua library as Redis 7.0 scripts see it (see lua_libs.h).
//
// Lua -> MessagePack (pack):
//   nil and anything unpackable (function, thread, userdata) -> nil (0xc0)
//   boolean -> 0xc3 / 0xc2        string -> fixstr / str8 / str16 / str32
//   number  -> the smallest int form when whole and within int64, else
//              float32 when exact, else float64
//   table   -> an array when its keys are exactly 1..n (whole numbers below
//              2^31), else a map in lua_next order; a table 16 levels down
//              (the arguments are level 0) is packed as nil, which also
//              ends self-references
// MessagePack -> Lua (unpack): ints and floats are numbers (uint64 above
// 2^63-1 wraps negative, as Redis's lua_pushinteger does), str8/16/32 and
// fixstr are strings, arrays are tables 1..n, maps are tables. bin, ext and
// 0xc1 are "Bad data format in input.", a short input "Missing bytes in
// input.". Nothing is allocated from a length field: a container is filled
// item by item and a string is pushed only once its bytes are all there.
// Nesting is bounded by Lua's stack (luaL_checkstack, 8000 slots).
#include "server/commands/lua_libs.h"

#include <lua.hpp>

#include <climits>
#include <cmath>
#include <cstring>
#include <limits>
#include <utility>

namespace replikv {
namespace msgpack {
namespace {

size_t PutBigEndian(uint8_t* out, uint8_t type, uint64_t v, size_t bytes) {
  out[0] = type;
  for (size_t i = 0; i < bytes; ++i) out[bytes - i] = static_cast<uint8_t>(v >> (8 * i));
  return 1 + bytes;
}

size_t ContainerHeader(size_t len, uint8_t fix, uint8_t type16, uint8_t type32, uint8_t* out) {
  if (len < 16) {
    out[0] = static_cast<uint8_t>(fix | len);
    return 1;
  }
  if (len <= 0xffff) return PutBigEndian(out, type16, len, 2);
  return PutBigEndian(out, type32, len, 4);
}

}  // namespace

size_t EncodeInt(int64_t v, uint8_t* out) {
  if (v >= 0) {
    if (v <= 127) {
      out[0] = static_cast<uint8_t>(v);
      return 1;
    }
    if (v <= 0xff) return PutBigEndian(out, 0xcc, v, 1);
    if (v <= 0xffff) return PutBigEndian(out, 0xcd, v, 2);
    if (v <= 0xffffffffLL) return PutBigEndian(out, 0xce, v, 4);
    return PutBigEndian(out, 0xcf, v, 8);
  }
  uint64_t bits = static_cast<uint64_t>(v);
  if (v >= -32) {
    out[0] = static_cast<uint8_t>(bits);
    return 1;
  }
  if (v >= -128) return PutBigEndian(out, 0xd0, bits, 1);
  if (v >= -32768) return PutBigEndian(out, 0xd1, bits, 2);
  if (v >= -2147483648LL) return PutBigEndian(out, 0xd2, bits, 4);
  return PutBigEndian(out, 0xd3, bits, 8);
}

size_t EncodeFloat(double d, uint8_t* out) {
  // A finite double beyond float's range has no float form (the cast would
  // be undefined); inf has one.
  bool fits = !std::isnan(d) &&
              (std::isinf(d) || std::fabs(d) <= std::numeric_limits<float>::max());
  if (fits) {
    float f = static_cast<float>(d);
    if (static_cast<double>(f) == d) {
      uint32_t bits;
      memcpy(&bits, &f, sizeof bits);
      return PutBigEndian(out, 0xca, bits, 4);
    }
  }
  uint64_t bits;
  memcpy(&bits, &d, sizeof bits);
  return PutBigEndian(out, 0xcb, bits, 8);
}

size_t EncodeStrHeader(size_t len, uint8_t* out) {
  if (len < 32) {
    out[0] = static_cast<uint8_t>(0xa0 | len);
    return 1;
  }
  if (len <= 0xff) return PutBigEndian(out, 0xd9, len, 1);
  if (len <= 0xffff) return PutBigEndian(out, 0xda, len, 2);
  return PutBigEndian(out, 0xdb, len, 4);
}

size_t EncodeArrayHeader(size_t len, uint8_t* out) { return ContainerHeader(len, 0x90, 0xdc, 0xdd, out); }

size_t EncodeMapHeader(size_t len, uint8_t* out) { return ContainerHeader(len, 0x80, 0xde, 0xdf, out); }

bool IsInt64Equivalent(double d) {
  constexpr double k2p63 = 9223372036854775808.0;
  return d >= -k2p63 && d < k2p63 && std::trunc(d) == d;
}

}  // namespace msgpack

namespace {

constexpr int kMaxNesting = 16;  // Redis's LUACMSGPACK_MAX_NESTING

// ---------------------------------------------------------------- pack

// The output lives in a Lua userdata at stack slot `slot`, so a Lua error
// mid-pack leaks nothing: growing makes a bigger userdata, copies, and
// replaces the old one, which the collector takes.
struct Writer {
  lua_State* L;
  int slot;
  char* data;
  size_t len;
  size_t cap;
};

void Append(Writer* w, const void* p, size_t n) {
  if (n > w->cap - w->len) {
    size_t cap = w->cap * 2;
    if (cap - w->len < n) cap = w->len + n;
    char* bigger = static_cast<char*>(lua_newuserdata(w->L, cap));
    memcpy(bigger, w->data, w->len);
    lua_replace(w->L, w->slot);
    w->data = bigger;
    w->cap = cap;
  }
  memcpy(w->data + w->len, p, n);
  w->len += n;
}

void AppendHead(Writer* w, size_t (*encode)(size_t, uint8_t*), size_t len) {
  uint8_t head[msgpack::kMaxHead];
  Append(w, head, encode(len, head));
}

// Whether the table at the top has exactly the keys 1..n. Redis's test:
// every key a number > 0 that an int holds, and the largest equal to the
// count.
bool IsArray(lua_State* L) {
  int top = lua_gettop(L);
  int count = 0, max = 0;
  lua_pushnil(L);
  while (lua_next(L, -2) != 0) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TNUMBER) {
      lua_settop(L, top);
      return false;
    }
    lua_Number n = lua_tonumber(L, -1);
    if (!(n > 0 && n < 2147483648.0 && std::trunc(n) == n)) {
      lua_settop(L, top);
      return false;
    }
    if (n > max) max = static_cast<int>(n);
    ++count;
  }
  return max == count;
}

void EncodeTop(Writer* w, int level);

void EncodeTable(Writer* w, int level) {
  lua_State* L = w->L;
  luaL_checkstack(L, 3, "in function mp_encode_lua_table");
  if (IsArray(L)) {
    size_t len = lua_objlen(L, -1);
    AppendHead(w, msgpack::EncodeArrayHeader, len);
    for (size_t i = 1; i <= len; ++i) {
      lua_rawgeti(L, -1, static_cast<int>(i));
      EncodeTop(w, level + 1);
    }
    return;
  }
  size_t count = 0;
  lua_pushnil(L);
  while (lua_next(L, -2) != 0) {
    lua_pop(L, 1);
    ++count;
  }
  AppendHead(w, msgpack::EncodeMapHeader, count);
  lua_pushnil(L);
  while (lua_next(L, -2) != 0) {  // ... key value
    lua_pushvalue(L, -2);         // ... key value key
    EncodeTop(w, level + 1);      // key
    EncodeTop(w, level + 1);      // value; the key stays for lua_next
  }
}

// Packs the value at the top of the stack and pops it.
void EncodeTop(Writer* w, int level) {
  lua_State* L = w->L;
  int type = lua_type(L, -1);
  if (type == LUA_TTABLE && level == kMaxNesting) type = LUA_TNIL;
  uint8_t head[msgpack::kMaxHead];
  switch (type) {
    case LUA_TSTRING: {
      size_t len;
      const char* s = lua_tolstring(L, -1, &len);
      AppendHead(w, msgpack::EncodeStrHeader, len);
      Append(w, s, len);
      break;
    }
    case LUA_TBOOLEAN:
      head[0] = lua_toboolean(L, -1) ? 0xc3 : 0xc2;
      Append(w, head, 1);
      break;
    case LUA_TNUMBER: {
      lua_Number n = lua_tonumber(L, -1);
      size_t used = msgpack::IsInt64Equivalent(n) ? msgpack::EncodeInt(static_cast<int64_t>(n), head)
                                                  : msgpack::EncodeFloat(n, head);
      Append(w, head, used);
      break;
    }
    case LUA_TTABLE:
      EncodeTable(w, level);
      break;
    default:
      head[0] = 0xc0;
      Append(w, head, 1);
  }
  lua_pop(L, 1);
}

// cmsgpack.pack(v1, v2, ...) -> the concatenation of each value's packing
int Pack(lua_State* L) {
  int nargs = lua_gettop(L);
  if (nargs == 0) return luaL_argerror(L, 0, "MessagePack pack needs input.");
  if (!lua_checkstack(L, nargs)) return luaL_argerror(L, 0, "Too many arguments for MessagePack pack.");
  Writer w{L, nargs + 1, nullptr, 0, 64};
  w.data = static_cast<char*>(lua_newuserdata(L, w.cap));
  for (int i = 1; i <= nargs; ++i) {
    lua_pushvalue(L, i);
    EncodeTop(&w, 0);
  }
  lua_pushlstring(L, w.data, w.len);
  return 1;
}

// ---------------------------------------------------------------- unpack

enum class ReadError { kNone, kEof, kBadFormat };

struct Reader {
  const uint8_t* p;
  size_t left;
  ReadError err;
};

uint64_t BigEndian(const uint8_t* p, size_t bytes) {
  uint64_t v = 0;
  for (size_t i = 0; i < bytes; ++i) v = (v << 8) | p[i];
  return v;
}

// Integers reach Lua through lua_Integer (int64), as Redis's pushes do.
void PushInt(lua_State* L, uint64_t bits) {
  lua_pushnumber(L, static_cast<lua_Number>(static_cast<int64_t>(bits)));
}

void DecodeOne(lua_State* L, Reader* r);

void DecodeArray(lua_State* L, Reader* r, size_t len) {
  lua_newtable(L);
  luaL_checkstack(L, 1, "in function mp_decode_to_lua_array");
  for (size_t i = 1; i <= len; ++i) {
    lua_pushnumber(L, static_cast<lua_Number>(i));
    DecodeOne(L, r);
    if (r->err != ReadError::kNone) return;
    lua_settable(L, -3);  // a nil element leaves a hole
  }
}

void DecodeMap(lua_State* L, Reader* r, size_t len) {
  lua_newtable(L);
  for (size_t i = 0; i < len; ++i) {
    DecodeOne(L, r);
    if (r->err != ReadError::kNone) return;
    DecodeOne(L, r);
    if (r->err != ReadError::kNone) return;
    lua_settable(L, -3);  // a nil or NaN key is Lua's error, as in Redis
  }
}

// Pushes the string of `len` bytes that follows a `head`-byte header. The
// length is checked against the input before anything is pushed.
void DecodeString(lua_State* L, Reader* r, size_t head, size_t len) {
  if (r->left - head < len) {
    r->err = ReadError::kEof;
    return;
  }
  lua_pushlstring(L, reinterpret_cast<const char*>(r->p + head), len);
  r->p += head + len;
  r->left -= head + len;
}

// Pushes the next item (containers recursively), or sets r->err and pushes
// nothing more for the failing item.
void DecodeOne(lua_State* L, Reader* r) {
  if (r->left < 1) {
    r->err = ReadError::kEof;
    return;
  }
  // Redis grows the stack by one per item, so a run of many top-level items
  // ends here rather than past Lua's stack limit.
  luaL_checkstack(L, 1, "too many return values at once; use unpack_one or unpack_limit instead.");
  uint8_t type = r->p[0];
  // Fixed-size items: the type byte and `payload` bytes must be present.
  size_t payload = 0;
  switch (type) {
    case 0xcc: case 0xd0: case 0xd9: payload = 1; break;
    case 0xcd: case 0xd1: case 0xda: case 0xdc: case 0xde: payload = 2; break;
    case 0xce: case 0xd2: case 0xca: case 0xdb: case 0xdd: case 0xdf: payload = 4; break;
    case 0xcf: case 0xd3: case 0xcb: payload = 8; break;
    default: break;
  }
  if (r->left < 1 + payload) {
    r->err = ReadError::kEof;
    return;
  }
  const uint8_t* body = r->p + 1;
  uint64_t v = BigEndian(body, payload);
  auto consume = [r](size_t n) {
    r->p += n;
    r->left -= n;
  };
  switch (type) {
    case 0xcc: case 0xcd: case 0xce: case 0xcf:
      PushInt(L, v);
      consume(1 + payload);
      return;
    case 0xd0: PushInt(L, static_cast<uint64_t>(static_cast<int8_t>(v))); consume(2); return;
    case 0xd1: PushInt(L, static_cast<uint64_t>(static_cast<int16_t>(v))); consume(3); return;
    case 0xd2: PushInt(L, static_cast<uint64_t>(static_cast<int32_t>(v))); consume(5); return;
    case 0xd3: PushInt(L, v); consume(9); return;
    case 0xc0: lua_pushnil(L); consume(1); return;
    case 0xc2: lua_pushboolean(L, 0); consume(1); return;
    case 0xc3: lua_pushboolean(L, 1); consume(1); return;
    case 0xca: {
      uint32_t bits = static_cast<uint32_t>(v);
      float f;
      memcpy(&f, &bits, sizeof f);
      lua_pushnumber(L, f);
      consume(5);
      return;
    }
    case 0xcb: {
      double d;
      memcpy(&d, &v, sizeof d);
      lua_pushnumber(L, d);
      consume(9);
      return;
    }
    case 0xd9: case 0xda: case 0xdb:
      DecodeString(L, r, 1 + payload, static_cast<size_t>(v));
      return;
    case 0xdc: case 0xdd:
      consume(1 + payload);
      DecodeArray(L, r, static_cast<size_t>(v));
      return;
    case 0xde: case 0xdf:
      consume(1 + payload);
      DecodeMap(L, r, static_cast<size_t>(v));
      return;
    default:
      break;
  }
  if ((type & 0x80) == 0) {  // positive fixint
    PushInt(L, type);
    consume(1);
  } else if ((type & 0xe0) == 0xe0) {  // negative fixint
    PushInt(L, static_cast<uint64_t>(static_cast<int8_t>(type)));
    consume(1);
  } else if ((type & 0xe0) == 0xa0) {  // fixstr
    DecodeString(L, r, 1, type & 0x1f);
  } else if ((type & 0xf0) == 0x90) {  // fixarray
    consume(1);
    DecodeArray(L, r, type & 0x0f);
  } else if ((type & 0xf0) == 0x80) {  // fixmap
    consume(1);
    DecodeMap(L, r, type & 0x0f);
  } else {
    r->err = ReadError::kBadFormat;  // 0xc1, bin, ext
  }
}

// Decodes from `offset` in argument 1: up to `limit` items, or every item
// when limit and offset are both 0 (what unpack asks, and unpack_limit
// with 0, 0 too). Except in that case the next offset (-1 at the end)
// comes first in the results.
int UnpackFrom(lua_State* L, lua_Integer limit, lua_Integer offset) {
  size_t len;
  const char* s = luaL_checklstring(L, 1, &len);
  bool all = limit == 0 && offset == 0;
  if (offset < 0 || limit < 0) {
    // Redis prints the input's length as the limit, and both through %d
    // (the low 32 bits).
    return luaL_error(L, "Invalid request to unpack with offset of %d and limit of %d.",
                      static_cast<int>(offset), static_cast<int>(len));
  }
  if (static_cast<size_t>(offset) > len) {
    return luaL_error(L, "Start offset %d greater than input length %d.", static_cast<int>(offset),
                      static_cast<int>(len));
  }
  if (all) limit = INT_MAX;
  Reader r{reinterpret_cast<const uint8_t*>(s) + offset, len - static_cast<size_t>(offset), ReadError::kNone};
  int count = 0;
  for (; r.left > 0 && count < limit; ++count) {
    DecodeOne(L, &r);
    if (r.err == ReadError::kEof) return luaL_error(L, "Missing bytes in input.");
    if (r.err == ReadError::kBadFormat) return luaL_error(L, "Bad data format in input.");
  }
  if (all) return count;
  size_t next = len - r.left;
  if (next > INT_MAX) next = INT_MAX;
  luaL_checkstack(L, 1, "in function mp_unpack_full");
  lua_pushinteger(L, r.left == 0 ? -1 : static_cast<lua_Integer>(next));
  lua_insert(L, 2);
  return count + 1;
}

// Leaves only argument 1 (or nothing, when no argument was given: then the
// string check says "got no value", as Redis's).
void DropExtraArgs(lua_State* L) {
  if (lua_gettop(L) > 1) lua_settop(L, 1);
}

// cmsgpack.unpack(s) -> every value in s
int Unpack(lua_State* L) { return UnpackFrom(L, 0, 0); }

// cmsgpack.unpack_one(s [, offset]) -> next_offset, value
int UnpackOne(lua_State* L) {
  lua_Integer offset = luaL_optinteger(L, 2, 0);
  DropExtraArgs(L);
  return UnpackFrom(L, 1, offset);
}

// cmsgpack.unpack_limit(s, limit [, offset]) -> next_offset, values...
int UnpackLimit(lua_State* L) {
  lua_Integer limit = luaL_checkinteger(L, 2);
  lua_Integer offset = luaL_optinteger(L, 3, 0);
  DropExtraArgs(L);
  return UnpackFrom(L, limit, offset);
}

}  // namespace

int OpenLuaCmsgpack(lua_State* L) {
  lua_newtable(L);
  const luaL_Reg fns[] = {{"pack", Pack},
                          {"unpack", Unpack},
                          {"unpack_one", UnpackOne},
                          {"unpack_limit", UnpackLimit},
                          {nullptr, nullptr}};
  luaL_register(L, nullptr, fns);
  // The identification fields scripts can read (Redis 7.0.15's values).
  const std::pair<const char*, const char*> fields[] = {
      {"_NAME", "cmsgpack"},
      {"_VERSION", "lua-cmsgpack 0.4.0"},
      {"_COPYRIGHT", "Copyright (C) 2012, Salvatore Sanfilippo"},
      {"_DESCRIPTION", "MessagePack C implementation for Lua"},
  };
  for (const auto& [name, value] : fields) {
    lua_pushstring(L, value);
    lua_setfield(L, -2, name);
  }
  return 1;
}

}  // namespace replikv
