// The two conversions between Redis replies and Lua values that EVAL needs,
// as Redis 7.0 defines them.
//
// Reply -> Lua (what redis.call / redis.pcall return):
//   :n            -> number
//   $n bulk       -> string          $-1 -> false
//   *n array      -> table 1..n      *-1 -> false
//   +status       -> {ok = "status"}
//   -error        -> {err = "CODE message"}
// and, after redis.setresp(3), the RESP3 types:
//   %n map        -> {map = {k = v...}}     ~n set -> {set = {m = true...}}
//   _ null        -> nil                    #t/#f  -> true/false
//   ,d double     -> {double = d}           (n     -> {big_number = "n"}
//   =n verbatim   -> {verbatim_string = {format = "txt", string = "..."}}
//   |n attribute  -> skipped (the reply that follows it is pushed)
//
// Lua -> reply (what a script returns), in the caller's protocol:
//   number  -> integer (the fraction is dropped; NaN, inf and out of range
//              give INT64_MIN, as the C cast on x86-64 does in Redis)
//   string  -> bulk          false, nil -> null
//   true    -> :1 (the script in RESP2), the boolean #t (after setresp(3))
//   false   -> null (RESP2 script), the boolean #f (after setresp(3))
//   table   -> {err = s}: the error reply "-s"; {ok = s}: "+s";
//              {double = number}: a double; {big_number = string};
//              {map = table}: a map of its pairs; {set = table}: a set of
//              its keys; {verbatim_string = {format, string}}; otherwise
//              the array of t[1], t[2]... up to the first nil
//   other   -> null
// Loop thread only (the Lua state is the engine's).
#pragma once

#include <cstdint>
#include <string_view>

struct lua_State;

namespace replikv {

class ReplyBuffer;

// Parses one RESP2 or RESP3 reply at the start of `resp` and pushes it on L's stack.
// Returns the bytes it used, or 0 (nothing pushed) if `resp` does not hold a
// whole reply. Nesting is bounded: a deeper reply is cut (pushed as false).
size_t PushReplyAsLua(lua_State* L, std::string_view resp);

// Writes the value at stack index `index` to `out`. Where Lua's stack can
// grow no more (or past kMaxLuaReplyDepth) a nested table becomes the error
// element "-ERR reached lua stack limit" instead of recursing on.
// `script_resp` is the script's protocol (redis.setresp): it decides how
// booleans are replied.
void LuaValueToReply(lua_State* L, int index, ReplyBuffer& out, int script_resp);

inline constexpr int kMaxLuaReplyDepth = 10000;

// Pushes Redis's error table {err = "CODE message"}: a text "-CODE msg"
// brings its code; a bare message, or a "-word" with no space, gets ERR.
void PushLuaErrorTable(lua_State* L, std::string_view text);

// Raises `msg` as the error value, with no "file:line:" prefix (as Redis's
// library errors read). Never returns.
int RaiseLuaError(lua_State* L, const char* msg);

// Lua number -> integer the way Redis's (long long) cast behaves on x86-64.
int64_t LuaNumberToInt64(double v);

}  // namespace replikv
