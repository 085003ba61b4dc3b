// The `struct` Lua library as Redis 7.0 scripts see it (see lua_libs.h).
//
// Format language, read left to right (spaces are skipped):
//   <  >       little / big endian from here on (native, little, at start)
//   !n         alignment n (a power of 2; bare `!` is 8); starts at 1
//   b B        signed / unsigned char        h H  short (2)
//   l L        long (8)                      T    size_t (8)
//   i[n] I[n]  int of n bytes (default 4; 0..32 accepted, as Redis)
//   f d        float (4), double (8)
//   c[n]       n raw bytes (default 1); pack: c0 is the whole string;
//              unpack: c0 takes its length from the number before it
//   s          zero-terminated string        x    one zero byte
// An option of size n is preceded by padding to min(n, alignment) bytes
// (c, s and x never are).
//
// Numbers go through C's casts as x86-64 does them, because Redis's
// results depend on it: out-of-range doubles become INT64_MIN (or 0 above
// 2^64), sizes past 8 bytes keep only 8 bytes of value, and the sign bit of
// a 9..32-byte int is found at bit (8n-1) mod 64 (the shift count wraps).
#include "server/commands/lua_libs.h"

#include <lua.hpp>

#include <bit>
#include <cctype>
#include <climits>
#include <cmath>
#include <cstring>
#include <utility>

namespace replikv {
namespace {

constexpr int kMaxIntSize = 32;  // Redis's limit for i[n] / I[n]
constexpr int kDefaultAlign = 8;  // bare `!`: the platform's widest alignment

struct Header {
  bool little = true;
  int align = 1;
};

// The decimal number at *fmt (advancing past it), or `fallback` when there
// is none.
int ReadCount(lua_State* L, const char** fmt, int fallback) {
  if (!isdigit(static_cast<unsigned char>(**fmt))) return fallback;
  int n = 0;
  while (isdigit(static_cast<unsigned char>(**fmt))) {
    int digit = **fmt - '0';
    if (n > (INT_MAX - digit) / 10) luaL_error(L, "integral size overflow");
    n = n * 10 + digit;
    ++*fmt;
  }
  return n;
}

// Bytes that option `opt` occupies (0 for control options, `s`, c0).
size_t OptionSize(lua_State* L, int opt, const char** fmt) {
  switch (opt) {
    case 'b': case 'B': return 1;
    case 'h': case 'H': return 2;
    case 'l': case 'L': case 'T': return 8;
    case 'f': return 4;
    case 'd': return 8;
    case 'x': return 1;
    case 'c': return static_cast<size_t>(ReadCount(L, fmt, 1));
    case 'i': case 'I': {
      int n = ReadCount(L, fmt, 4);
      if (n > kMaxIntSize) luaL_error(L, "integral size %d is larger than limit of %d", n, kMaxIntSize);
      return static_cast<size_t>(n);
    }
    default: return 0;
  }
}

// Zero bytes to insert at offset `pos` before an option of `size` bytes.
// The mask arithmetic is Redis's, also for sizes that are no power of 2
// (i3 under !8 pads to an even offset).
size_t Padding(size_t pos, const Header& h, int opt, size_t size) {
  if (size == 0 || opt == 'c') return 0;
  if (size > static_cast<size_t>(h.align)) size = h.align;
  return (size - (pos & (size - 1))) & (size - 1);
}

// The options that are no data: spaces, endianness, alignment. Anything
// else is an error against the format (argument 1).
void ApplyControl(lua_State* L, int opt, const char** fmt, Header* h) {
  switch (opt) {
    case ' ': return;
    case '<': h->little = true; return;
    case '>': h->little = false; return;
    case '!': {
      int a = ReadCount(L, fmt, kDefaultAlign);
      if (a == 0 || (a & (a - 1)) != 0) luaL_error(L, "alignment %d is not a power of 2", a);
      h->align = a;
      return;
    }
    default:
      luaL_argerror(L, 1, lua_pushfstring(L, "invalid format option '%c'", opt));
  }
}

// (uint64_t)n or (uint64_t)(int64_t)n as gcc compiles them for x86-64:
// cvttsd2si yields 0x8000000000000000 for NaN and out-of-range values, and
// the unsigned path subtracts 2^63 first for n >= 2^63.
uint64_t NumberBits(lua_Number n) {
  constexpr double k2p63 = 9223372036854775808.0;
  constexpr uint64_t kIndefinite = uint64_t{1} << 63;
  if (std::isnan(n)) return kIndefinite;
  if (n < 0) return n >= -k2p63 ? static_cast<uint64_t>(static_cast<int64_t>(n)) : kIndefinite;
  if (n < k2p63) return static_cast<uint64_t>(static_cast<int64_t>(n));
  double high = n - k2p63;
  if (high < k2p63) return static_cast<uint64_t>(static_cast<int64_t>(high)) ^ kIndefinite;
  return 0;  // kIndefinite ^ kIndefinite
}

void PutInteger(lua_State* L, luaL_Buffer* b, int arg, const Header& h, size_t size) {
  uint64_t v = NumberBits(luaL_checknumber(L, arg));
  char bytes[kMaxIntSize];
  for (size_t i = 0; i < size; ++i) {
    size_t at = h.little ? i : size - 1 - i;
    bytes[at] = static_cast<char>(v & 0xff);
    v >>= 8;  // past 8 bytes only zeros are left
  }
  luaL_addlstring(b, bytes, size);
}

lua_Number GetInteger(const char* p, const Header& h, bool is_signed, size_t size) {
  uint64_t v = 0;
  for (size_t i = 0; i < size; ++i) {
    unsigned char byte = static_cast<unsigned char>(h.little ? p[size - 1 - i] : p[i]);
    v = (v << 8) | byte;
  }
  if (!is_signed) return static_cast<lua_Number>(v);
  // Redis shifts by 8*size-1, which x86 takes mod 64.
  uint64_t sign_and_above = ~uint64_t{0} << ((size * 8 - 1) & 63);
  if (v & sign_and_above) v |= sign_and_above;
  return static_cast<lua_Number>(static_cast<int64_t>(v));
}

// Reverses `n` bytes when the wanted order is not the machine's.
void ToOrder(char* p, size_t n, const Header& h) {
  constexpr bool kMachineLittle = std::endian::native == std::endian::little;
  if (h.little == kMachineLittle) return;
  for (size_t i = 0, j = n - 1; i < j; ++i, --j) std::swap(p[i], p[j]);
}

// struct.pack(fmt, v1, v2, ...) -> string
int Pack(lua_State* L) {
  const char* fmt = luaL_checkstring(L, 1);
  Header h;
  int arg = 2;
  size_t total = 0;
  // A nil after the arguments: a missing value reads as "got nil" (as in
  // Redis), never as a piece of the buffer that luaL_Buffer may push.
  lua_pushnil(L);
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  while (*fmt != '\0') {
    int opt = *fmt++;
    size_t size = OptionSize(L, opt, &fmt);
    size_t pad = Padding(total, h, opt, size);
    total += pad;
    for (; pad > 0; --pad) luaL_addchar(&b, '\0');
    switch (opt) {
      case 'b': case 'B': case 'h': case 'H': case 'l': case 'L': case 'T': case 'i': case 'I':
        PutInteger(L, &b, arg++, h, size);
        break;
      case 'x':
        luaL_addchar(&b, '\0');
        break;
      case 'f': {
        float f = static_cast<float>(luaL_checknumber(L, arg++));
        char bytes[sizeof f];
        memcpy(bytes, &f, sizeof f);
        ToOrder(bytes, sizeof f, h);
        luaL_addlstring(&b, bytes, sizeof f);
        break;
      }
      case 'd': {
        double d = luaL_checknumber(L, arg++);
        char bytes[sizeof d];
        memcpy(bytes, &d, sizeof d);
        ToOrder(bytes, sizeof d, h);
        luaL_addlstring(&b, bytes, sizeof d);
        break;
      }
      case 'c': case 's': {
        size_t len;
        const char* s = luaL_checklstring(L, arg++, &len);
        if (size == 0) size = len;
        // Redis names the argument after the string's (arg was advanced).
        luaL_argcheck(L, len >= size, arg, "string too short");
        luaL_addlstring(&b, s, size);
        if (opt == 's') {
          luaL_addchar(&b, '\0');
          ++size;
        }
        break;
      }
      default:
        ApplyControl(L, opt, &fmt, &h);
    }
    total += size;
  }
  luaL_pushresult(&b);
  return 1;
}

// struct.unpack(fmt, data [, pos]) -> v1, v2, ..., next_pos
int Unpack(lua_State* L) {
  const char* fmt = luaL_checkstring(L, 1);
  size_t len;
  const char* data = luaL_checklstring(L, 2, &len);
  // Unsigned like Redis's: a negative start wraps and is "too short".
  size_t pos = static_cast<size_t>(luaL_optinteger(L, 3, 1));
  luaL_argcheck(L, pos > 0, 3, "offset must be 1 or greater");
  --pos;
  Header h;
  int results = 0;
  while (*fmt != '\0') {
    int opt = *fmt++;
    size_t size = OptionSize(L, opt, &fmt);
    pos += Padding(pos, h, opt, size);
    luaL_argcheck(L, size <= len && pos <= len - size, 2, "data string too short");
    luaL_checkstack(L, 2, "too many results");
    switch (opt) {
      case 'b': case 'B': case 'h': case 'H': case 'l': case 'L': case 'T': case 'i': case 'I':
        lua_pushnumber(L, GetInteger(data + pos, h, islower(opt), size));
        ++results;
        break;
      case 'x':
        break;
      case 'f': {
        char bytes[sizeof(float)];
        memcpy(bytes, data + pos, sizeof bytes);
        ToOrder(bytes, sizeof bytes, h);
        float f;
        memcpy(&f, bytes, sizeof f);
        lua_pushnumber(L, f);
        ++results;
        break;
      }
      case 'd': {
        char bytes[sizeof(double)];
        memcpy(bytes, data + pos, sizeof bytes);
        ToOrder(bytes, sizeof bytes, h);
        double d;
        memcpy(&d, bytes, sizeof d);
        lua_pushnumber(L, d);
        ++results;
        break;
      }
      case 'c':
        if (size == 0) {
          // c0: the length is the previous result, which it replaces (a
          // numeric string counts, as lua_isnumber says).
          if (results == 0 || !lua_isnumber(L, -1)) luaL_error(L, "format 'c0' needs a previous size");
          size = static_cast<size_t>(NumberBits(lua_tonumber(L, -1)));
          lua_pop(L, 1);
          --results;
          luaL_argcheck(L, size <= len && pos <= len - size, 2, "data string too short");
        }
        lua_pushlstring(L, data + pos, size);
        ++results;
        break;
      case 's': {
        const void* end = memchr(data + pos, '\0', len - pos);
        if (end == nullptr) luaL_error(L, "unfinished string in data");
        size_t n = static_cast<size_t>(static_cast<const char*>(end) - (data + pos));
        lua_pushlstring(L, data + pos, n);
        size = n + 1;
        ++results;
        break;
      }
      default:
        ApplyControl(L, opt, &fmt, &h);
    }
    pos += size;
  }
  lua_pushinteger(L, static_cast<lua_Integer>(pos + 1));
  return results + 1;
}

// struct.size(fmt) -> bytes that pack(fmt, ...) makes. Letters that are no
// option count 0 here (Redis checks only the others).
int Size(lua_State* L) {
  const char* fmt = luaL_checkstring(L, 1);
  Header h;
  size_t pos = 0;
  while (*fmt != '\0') {
    int opt = *fmt++;
    size_t size = OptionSize(L, opt, &fmt);
    pos += Padding(pos, h, opt, size);
    if (opt == 's') {
      luaL_argerror(L, 1, "option 's' has no fixed size");
    } else if (opt == 'c' && size == 0) {
      luaL_argerror(L, 1, "option 'c0' has no fixed size");
    }
    if (!isalnum(static_cast<unsigned char>(opt))) ApplyControl(L, opt, &fmt, &h);
    pos += size;
  }
  lua_pushnumber(L, static_cast<lua_Number>(pos));
  return 1;
}

}  // namespace

int OpenLuaStruct(lua_State* L) {
  lua_newtable(L);
  const luaL_Reg fns[] = {{"pack", Pack}, {"unpack", Unpack}, {"size", Size}, {nullptr, nullptr}};
  luaL_register(L, nullptr, fns);
  return 1;
}

}  // namespace replikv
