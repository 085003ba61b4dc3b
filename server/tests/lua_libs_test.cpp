#include "server/commands/lua_libs.h"

#include <gtest/gtest.h>
#include <lua.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

namespace replikv {
namespace {

using EncodeLen = size_t (*)(size_t, uint8_t*);

std::string Hex(const uint8_t* p, size_t n) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += kDigits[p[i] >> 4];
    out += kDigits[p[i] & 15];
  }
  return out;
}

std::string Int(int64_t v) {
  uint8_t out[msgpack::kMaxHead];
  return Hex(out, msgpack::EncodeInt(v, out));
}

std::string Float(double d) {
  uint8_t out[msgpack::kMaxHead];
  return Hex(out, msgpack::EncodeFloat(d, out));
}

std::string Head(EncodeLen encode, size_t len) {
  uint8_t out[msgpack::kMaxHead];
  return Hex(out, encode(len, out));
}

// The bytes below are what cmsgpack.pack gives for the same numbers on
// redis-server 7.0.15 (INT64_MAX, which no Lua number holds, excepted).
TEST(Msgpack, IntegersTakeTheSmallestForm) {
  EXPECT_EQ(Int(0), "00");
  EXPECT_EQ(Int(127), "7f");
  EXPECT_EQ(Int(128), "cc80");
  EXPECT_EQ(Int(255), "ccff");
  EXPECT_EQ(Int(256), "cd0100");
  EXPECT_EQ(Int(65535), "cdffff");
  EXPECT_EQ(Int(65536), "ce00010000");
  EXPECT_EQ(Int(0xffffffffLL), "ceffffffff");
  EXPECT_EQ(Int(0x100000000LL), "cf0000000100000000");
  EXPECT_EQ(Int(std::numeric_limits<int64_t>::max()), "cf7fffffffffffffff");
  EXPECT_EQ(Int(-1), "ff");
  EXPECT_EQ(Int(-32), "e0");
  EXPECT_EQ(Int(-33), "d0df");
  EXPECT_EQ(Int(-128), "d080");
  EXPECT_EQ(Int(-129), "d1ff7f");
  EXPECT_EQ(Int(-32768), "d18000");
  EXPECT_EQ(Int(-32769), "d2ffff7fff");
  EXPECT_EQ(Int(-2147483648LL), "d280000000");
  EXPECT_EQ(Int(-2147483649LL), "d3ffffffff7fffffff");
  EXPECT_EQ(Int(std::numeric_limits<int64_t>::min()), "d38000000000000000");
}

TEST(Msgpack, FloatsAreFloat32OnlyWhenExact) {
  EXPECT_EQ(Float(1.5), "ca3fc00000");
  EXPECT_EQ(Float(0.1), "cb3fb999999999999a");
  EXPECT_EQ(Float(9223372036854775808.0), "ca5f000000");
  EXPECT_EQ(Float(INFINITY), "ca7f800000");
  EXPECT_EQ(Float(-INFINITY), "caff800000");
  EXPECT_EQ(Float(3.4028234663852886e38), "ca7f7fffff");
  EXPECT_EQ(Float(1e300), "cb7e37e43c8800759c");  // beyond float: no UB cast
  EXPECT_EQ(Float(NAN).substr(0, 2), "cb");
}

TEST(Msgpack, HeadersSwitchAtTheirBoundaries) {
  EXPECT_EQ(Head(msgpack::EncodeStrHeader, 31), "bf");
  EXPECT_EQ(Head(msgpack::EncodeStrHeader, 32), "d920");
  EXPECT_EQ(Head(msgpack::EncodeStrHeader, 255), "d9ff");
  EXPECT_EQ(Head(msgpack::EncodeStrHeader, 256), "da0100");
  EXPECT_EQ(Head(msgpack::EncodeStrHeader, 65536), "db00010000");
  EXPECT_EQ(Head(msgpack::EncodeArrayHeader, 15), "9f");
  EXPECT_EQ(Head(msgpack::EncodeArrayHeader, 16), "dc0010");
  EXPECT_EQ(Head(msgpack::EncodeArrayHeader, 65536), "dd00010000");
  EXPECT_EQ(Head(msgpack::EncodeMapHeader, 15), "8f");
  EXPECT_EQ(Head(msgpack::EncodeMapHeader, 16), "de0010");
  EXPECT_EQ(Head(msgpack::EncodeMapHeader, 65536), "df00010000");
}

TEST(Msgpack, Int64EquivalenceFollowsTheCast) {
  EXPECT_TRUE(msgpack::IsInt64Equivalent(-0.0));
  EXPECT_TRUE(msgpack::IsInt64Equivalent(-9223372036854775808.0));
  EXPECT_FALSE(msgpack::IsInt64Equivalent(9223372036854775808.0));
  EXPECT_FALSE(msgpack::IsInt64Equivalent(1.5));
  EXPECT_FALSE(msgpack::IsInt64Equivalent(NAN));
  EXPECT_FALSE(msgpack::IsInt64Equivalent(INFINITY));
}

// The libraries on a bare Lua state: hostile input ends in a Lua error with
// Redis's text, never in an allocation sized by the input.
class LuaLibsTest : public ::testing::Test {
 protected:
  LuaLibsTest() : L(luaL_newstate()) {
    luaL_openlibs(L);
    lua_pushcfunction(L, OpenLuaStruct);
    lua_call(L, 0, 1);
    lua_setglobal(L, "struct");
    lua_pushcfunction(L, OpenLuaCmsgpack);
    lua_call(L, 0, 1);
    lua_setglobal(L, "cmsgpack");
  }
  ~LuaLibsTest() override { lua_close(L); }

  // Runs `chunk`; returns its string result or "error: <message>" (the
  // message without the chunk's name and line).
  std::string Run(const std::string& chunk) {
    if (luaL_loadstring(L, chunk.c_str()) != 0 || lua_pcall(L, 0, 1, 0) != 0) {
      std::string message = lua_tostring(L, -1);
      lua_pop(L, 1);
      size_t at = message.find("]:1: ");
      return "error: " + (at == std::string::npos ? message : message.substr(at + 5));
    }
    size_t len = 0;
    const char* s = lua_tolstring(L, -1, &len);
    std::string out = s ? std::string(s, len) : "(not a string)";
    lua_pop(L, 1);
    return out;
  }

  lua_State* L;
};

TEST_F(LuaLibsTest, GigabyteLengthHeadersAreMissingBytes) {
  for (const char* header : {"\\219\\255\\255\\255\\255", "\\221\\255\\255\\255\\255",
                             "\\223\\255\\255\\255\\255"}) {
    EXPECT_EQ(Run(std::string("return cmsgpack.unpack('") + header + "\\1\\2\\3')"),
              "error: Missing bytes in input.");
  }
}

TEST_F(LuaLibsTest, DeepNestingStopsAtLuaStackLimit) {
  std::string r = Run("return cmsgpack.unpack(string.rep('\\145', 100000) .. '\\1')");
  EXPECT_NE(r.find("stack overflow (in function mp_decode_to_lua_array)"), std::string::npos) << r;
}

TEST_F(LuaLibsTest, StructRoundTripAndNextPosition) {
  EXPECT_EQ(Run("local a, b, n = struct.unpack('>hs', struct.pack('>hs', -2, 'xy')) "
                "return a .. b .. n"),
            "-2xy6");
  EXPECT_EQ(Run("return tostring(struct.size('!8bd'))"), "16");
}

TEST_F(LuaLibsTest, StructHugeCountIsShortNotAllocated) {
  EXPECT_EQ(Run("return struct.unpack('c2000000000', 'abc')"),
            "error: bad argument #2 to 'unpack' (data string too short)");
}

}  // namespace
}  // namespace replikv
