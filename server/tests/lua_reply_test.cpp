#include "server/commands/lua_reply.h"

#include <gtest/gtest.h>
#include <lua.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "server/net/reply_buffer.h"

namespace replikv {
namespace {

class LuaReplyTest : public ::testing::Test {
 protected:
  LuaReplyTest() : L(luaL_newstate()) { luaL_openlibs(L); }
  ~LuaReplyTest() override { lua_close(L); }

  // Runs `chunk` (which returns one value) and converts its result.
  // `caller_resp` is the calling client's protocol, `script_resp` the
  // script's (redis.setresp).
  std::string Reply(const char* chunk, int caller_resp = 2, int script_resp = 2) {
    EXPECT_EQ(luaL_dostring(L, chunk), 0) << lua_tostring(L, -1);
    ReplyBuffer r;
    r.set_resp(caller_resp);
    LuaValueToReply(L, -1, r, script_resp);
    lua_settop(L, 0);
    std::string_view pieces[64];
    size_t n = r.Pieces(pieces, 64);
    std::string out;
    for (size_t i = 0; i < n; ++i) out += pieces[i];
    return out;
  }

  // Pushes `resp` as Lua and returns what a Lua function makes of it.
  std::string Describe(std::string_view resp, const char* describe) {
    EXPECT_EQ(luaL_loadstring(L, describe), 0);
    EXPECT_EQ(PushReplyAsLua(L, resp), resp.size());
    EXPECT_EQ(lua_pcall(L, 1, 1, 0), 0) << lua_tostring(L, -1);
    std::string out = lua_tostring(L, -1) ? lua_tostring(L, -1) : "<nil>";
    lua_settop(L, 0);
    return out;
  }

  lua_State* L;
};

TEST_F(LuaReplyTest, ScalarsBecomeRedisReplies) {
  EXPECT_EQ(Reply("return 1"), ":1\r\n");
  EXPECT_EQ(Reply("return 3.99"), ":3\r\n");
  EXPECT_EQ(Reply("return -3.99"), ":-3\r\n");
  EXPECT_EQ(Reply("return 'ciao'"), "$4\r\nciao\r\n");
  EXPECT_EQ(Reply("return true"), ":1\r\n");
  EXPECT_EQ(Reply("return false"), "$-1\r\n");
  EXPECT_EQ(Reply("return nil"), "$-1\r\n");
  EXPECT_EQ(Reply("return print"), "$-1\r\n");
}

TEST_F(LuaReplyTest, OutOfRangeNumbersGiveTheIndefiniteInteger) {
  EXPECT_EQ(LuaNumberToInt64(9223372036854775808.0), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(LuaNumberToInt64(-1e300), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(LuaNumberToInt64(std::numeric_limits<double>::quiet_NaN()), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(LuaNumberToInt64(-9223372036854775808.0), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(LuaNumberToInt64(42.9), 42);
}

TEST_F(LuaReplyTest, TablesBecomeArraysCutAtTheFirstNil) {
  EXPECT_EQ(Reply("return {1,'a',{2}}"), "*3\r\n:1\r\n$1\r\na\r\n*1\r\n:2\r\n");
  EXPECT_EQ(Reply("return {1,2,nil,3}"), "*2\r\n:1\r\n:2\r\n");
  EXPECT_EQ(Reply("return {x=1}"), "*0\r\n");
}

TEST_F(LuaReplyTest, ErrAndOkTablesBecomeErrorAndStatusReplies) {
  EXPECT_EQ(Reply("return {err='My Error'}"), "-My Error\r\n");
  EXPECT_EQ(Reply("return {err='-X y'}"), "--X y\r\n");
  EXPECT_EQ(Reply("return {ok='fine'}"), "+fine\r\n");
  EXPECT_EQ(Reply("return {ok='two\\r\\nlines'}"), "+two  lines\r\n");
  EXPECT_EQ(Reply("return {1,{err='x'}}"), "*2\r\n:1\r\n-x\r\n");
  // err wins over ok, and a non-string err is an array.
  EXPECT_EQ(Reply("return {err='e', ok='o'}"), "-e\r\n");
  EXPECT_EQ(Reply("return {err=1}"), "*0\r\n");
}

TEST_F(LuaReplyTest, ASelfContainingTableEndsWithTheStackLimitError) {
  std::string out = Reply("local t = {} t[1] = t return t");
  EXPECT_EQ(out.substr(0, 8), "*1\r\n*1\r\n");
  EXPECT_EQ(out.substr(out.size() - 30), "-ERR reached lua stack limit\r\n");
}

TEST_F(LuaReplyTest, RepliesBecomeLuaValues) {
  EXPECT_EQ(Describe(":42\r\n", "local v = ... return type(v) .. ' ' .. v"), "number 42");
  EXPECT_EQ(Describe("$3\r\nabc\r\n", "local v = ... return type(v) .. ' ' .. v"), "string abc");
  EXPECT_EQ(Describe("$-1\r\n", "local v = ... return tostring(v)"), "false");
  EXPECT_EQ(Describe("*-1\r\n", "local v = ... return tostring(v)"), "false");
  EXPECT_EQ(Describe("+OK\r\n", "local v = ... return v.ok"), "OK");
  EXPECT_EQ(Describe("-ERR bad\r\n", "local v = ... return v.err"), "ERR bad");
  EXPECT_EQ(Describe("*3\r\n:1\r\n$1\r\nx\r\n*1\r\n$-1\r\n", "local v = ... return #v .. v[2] .. tostring(v[3][1])"),
            "3xfalse");
  EXPECT_EQ(Describe("$0\r\n\r\n", "local v = ... return '[' .. v .. ']'"), "[]");
}

TEST_F(LuaReplyTest, Resp3RepliesBecomeTypedTables) {
  EXPECT_EQ(Describe("%1\r\n$1\r\na\r\n:1\r\n", "local v = ... return v.map.a"), "1");
  EXPECT_EQ(Describe("~2\r\n$1\r\nx\r\n$1\r\ny\r\n", "local v = ... return tostring(v.set.x and v.set.y)"),
            "true");
  EXPECT_EQ(Describe("_\r\n", "local v = ... return type(v)"), "nil");
  EXPECT_EQ(Describe("#f\r\n", "local v = ... return type(v) .. tostring(v)"), "booleanfalse");
  EXPECT_EQ(Describe(",2.5\r\n", "local v = ... return v.double * 2"), "5");
  EXPECT_EQ(Describe("(12345678901234567890\r\n", "local v = ... return v.big_number"), "12345678901234567890");
  EXPECT_EQ(Describe("=6\r\ntxt:hi\r\n", "local v = ... return v.verbatim_string.format .. v.verbatim_string.string"),
            "txthi");
  EXPECT_EQ(Describe("|1\r\n$1\r\nk\r\n:1\r\n$1\r\nv\r\n", "local v = ... return v"), "v");
}

TEST_F(LuaReplyTest, TypedTablesAndBooleansFollowBothProtocols) {
  EXPECT_EQ(Reply("return {double=1.5}"), "$3\r\n1.5\r\n");
  EXPECT_EQ(Reply("return {double=1.5}", 3), ",1.5\r\n");
  EXPECT_EQ(Reply("return {map={a=1}}", 3), "%1\r\n$1\r\na\r\n:1\r\n");
  EXPECT_EQ(Reply("return {map={a=1}}"), "*2\r\n$1\r\na\r\n:1\r\n");
  EXPECT_EQ(Reply("return {set={a=true}}", 3), "~1\r\n$1\r\na\r\n");
  EXPECT_EQ(Reply("return {big_number='123'}", 3), "(123\r\n");
  EXPECT_EQ(Reply("return {verbatim_string={format='txt', string='x'}}", 3), "=5\r\ntxt:x\r\n");
  EXPECT_EQ(Reply("return {double='x'}", 3), "*0\r\n");  // not a number: an array
  EXPECT_EQ(Reply("return false", 3), "_\r\n");          // a RESP2 script's false: null
  EXPECT_EQ(Reply("return false", 3, 3), "#f\r\n");
  EXPECT_EQ(Reply("return false", 2, 3), ":0\r\n");
  EXPECT_EQ(Reply("return true", 3, 3), "#t\r\n");
}

TEST_F(LuaReplyTest, IncompleteOrUnknownRepliesPushNothing) {
  for (std::string_view bad : {"", ":1", "$5\r\nab\r\n", "*2\r\n:1\r\n", "?x\r\n", "$x\r\n", "%1\r\n:1\r\n",
                               "=2\r\nab\r\n", "~1\r\n"}) {
    EXPECT_EQ(PushReplyAsLua(L, bad), 0u) << bad;
    EXPECT_EQ(lua_gettop(L), 0) << bad;
  }
}

}  // namespace
}  // namespace replikv
