// replikv's own bindings of the two Lua libraries Redis 7.0 scripts get and
// Debian does not package: `struct` (binary pack/unpack by a format string)
// and `cmsgpack` (MessagePack). Behaviour, limits and error texts were
// learnt from redis-server 7.0.15 with EVAL; the code is written here.
//
// Each Open* function is a lua_CFunction: called with no arguments it leaves
// the library table on the stack (1 result); ScriptEngine sets it as a
// global and the sandbox freezes it like cjson and bit.
//
// Lua's errors are longjmps: the C functions behind these tables keep no C++
// object with a destructor alive across a Lua call that may raise.
#pragma once

#include <cstddef>
#include <cstdint>

struct lua_State;

namespace replikv {

// struct.pack(fmt, ...), struct.unpack(fmt, s [, pos]), struct.size(fmt).
int OpenLuaStruct(lua_State* L);

// cmsgpack.pack(...), cmsgpack.unpack(s), cmsgpack.unpack_one(s [, offset]),
// cmsgpack.unpack_limit(s, limit [, offset]).
int OpenLuaCmsgpack(lua_State* L);

namespace msgpack {

// The encoders below write one MessagePack scalar or container header, in
// the form Redis's cmsgpack picks, to `out` (room for kMaxHead bytes) and
// return its length. The Lua binding and the unit test use them.
inline constexpr size_t kMaxHead = 9;  // a type byte and 8 payload bytes

// The smallest form of `v`: positive fixint, uint8/16/32/64 for v >= 0;
// negative fixint, int8/16/32/64 below 0.
size_t EncodeInt(int64_t v, uint8_t* out);
// float32 (0xca) when a float holds `d` exactly (inf included), else
// float64 (0xcb; NaN always).
size_t EncodeFloat(double d, uint8_t* out);
// fixstr below 32 bytes, then str8 (0xd9), str16 (0xda), str32 (0xdb).
size_t EncodeStrHeader(size_t len, uint8_t* out);
// fixarray below 16, array16 to 65535, array32 beyond.
size_t EncodeArrayHeader(size_t len, uint8_t* out);
// fixmap below 16, map16 to 65535, map32 beyond.
size_t EncodeMapHeader(size_t len, uint8_t* out);

// Whether a Lua number is packed as an integer: not NaN, whole and within
// int64 (what survives the C cast to int64_t on x86-64).
bool IsInt64Equivalent(double d);

}  // namespace msgpack
}  // namespace replikv
