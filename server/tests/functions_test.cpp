// The function engine through the command path (no sockets): what FUNCTION
// and FCALL propagate, and that a library set is replaced all or nothing.
#include <gtest/gtest.h>

#include "server/commands/scripting.h"
#include "server/tests/command_fixture.h"

namespace replikv {
namespace {

std::string Resp(std::initializer_list<std::string_view> args) {
  std::string out;
  Propagator::EncodeCommand(std::vector<std::string_view>(args), &out);
  return out;
}

const std::string kLib =
    "#!lua name=lib\nredis.register_function('two', function(keys) redis.call('incr', keys[1]) "
    "return redis.call('incr', keys[1]) end)";

class FunctionsTest : public CommandTest {};

TEST_F(FunctionsTest, LoadPropagatesAsSentAndFcallAsItsEffects) {
  EXPECT_EQ(Exec({"FUNCTION", "LOAD", kLib}), "$3\r\nlib\r\n");
  EXPECT_EQ(Propagated(), Resp({"SELECT", "0"}) + Resp({"FUNCTION", "LOAD", kLib}));
  EXPECT_EQ(Exec({"FCALL", "two", "1", "n"}), ":2\r\n");
  EXPECT_EQ(Propagated(), Resp({"MULTI"}) + Resp({"incr", "n"}) + Resp({"incr", "n"}) + Resp({"EXEC"}));
  EXPECT_EQ(Exec({"FUNCTION", "DELETE", "lib"}), "+OK\r\n");
  EXPECT_EQ(Propagated(), Resp({"FUNCTION", "DELETE", "lib"}));
  EXPECT_EQ(Exec({"FUNCTION", "FLUSH"}), "+OK\r\n");
  EXPECT_EQ(Propagated(), Resp({"FUNCTION", "FLUSH"}));
}

TEST_F(FunctionsTest, RefusedCommandsPropagateNothing) {
  EXPECT_EQ(Exec({"FUNCTION", "LOAD", "#!lua name=x\nreturn 1"}), "-ERR No functions registered\r\n");
  EXPECT_EQ(Exec({"FUNCTION", "DELETE", "x"}), "-ERR Library not found\r\n");
  EXPECT_EQ(Exec({"FCALL", "nope", "0"}), "-ERR Function not found\r\n");
  EXPECT_EQ(Propagated(), "");
}

TEST_F(FunctionsTest, RestoreIsAllOrNothing) {
  ScriptEngine& engine = server_->scripting();
  EXPECT_EQ(Exec({"FUNCTION", "LOAD", kLib}), "$3\r\nlib\r\n");
  std::string err;
  // The second library of the set does not compile: the first is not kept.
  EXPECT_FALSE(engine.RestoreLibraries(
      {"#!lua name=a\nredis.register_function('fa', function() return 1 end)", "#!lua name=b\nreturn +"},
      ScriptEngine::RestorePolicy::kFlush, &err));
  EXPECT_EQ(err, "Error compiling function: user_function:2: unexpected symbol near '+'");
  EXPECT_EQ(engine.library_count(), 1u);
  EXPECT_EQ(Exec({"FCALL", "two", "1", "n"}), ":2\r\n");
  // Two libraries of one payload with one function name.
  EXPECT_FALSE(engine.RestoreLibraries({"#!lua name=a\nredis.register_function('f', function() return 1 end)",
                                        "#!lua name=b\nredis.register_function('F', function() return 1 end)"},
                                       ScriptEngine::RestorePolicy::kAppend, &err));
  EXPECT_EQ(err, "Function F already exists");
  EXPECT_EQ(engine.LibraryCodes(), std::vector<std::string>{kLib});
  // REPLACE puts the library it displaced back when a later check fails
  // (a function of the set clashes with a library it does not replace).
  const std::string other = "#!lua name=other\nredis.register_function('keep', function() return 1 end)";
  EXPECT_EQ(Exec({"FUNCTION", "LOAD", other}), "$5\r\nother\r\n");
  EXPECT_FALSE(engine.RestoreLibraries({"#!lua name=lib\nredis.register_function('g', function() return 1 end)",
                                        "#!lua name=c\nredis.register_function('KEEP', function() return 1 end)"},
                                       ScriptEngine::RestorePolicy::kReplace, &err));
  EXPECT_EQ(err, "Function KEEP already exists");
  EXPECT_EQ(engine.LibraryCodes(), (std::vector<std::string>{kLib, other}));
  EXPECT_EQ(Exec({"FCALL", "two", "1", "n"}), ":4\r\n");
  // A function of the replaced library may move to another one of the set.
  EXPECT_TRUE(engine.RestoreLibraries({"#!lua name=lib\nredis.register_function('g', function() return 1 end)",
                                       "#!lua name=c\nredis.register_function('TWO', function() return 2 end)"},
                                      ScriptEngine::RestorePolicy::kReplace, &err));
  EXPECT_EQ(Exec({"FCALL", "two", "0"}), ":2\r\n");
  EXPECT_TRUE(engine.RestoreLibraries({}, ScriptEngine::RestorePolicy::kFlush, &err));
  EXPECT_EQ(engine.library_count(), 0u);
  EXPECT_EQ(engine.function_count(), 0u);
}

TEST_F(FunctionsTest, ScriptFlushLeavesTheLibraries) {
  EXPECT_EQ(Exec({"FUNCTION", "LOAD", kLib}), "$3\r\nlib\r\n");
  EXPECT_EQ(Exec({"SCRIPT", "FLUSH"}), "+OK\r\n");
  EXPECT_EQ(Exec({"FCALL", "two", "1", "n"}), ":2\r\n");
}

}  // namespace
}  // namespace replikv
