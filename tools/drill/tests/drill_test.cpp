// Unit tests of replikv-drill's pure parts: the command line, the RESP reply
// parser, INFO parsing, placeholder substitution and the report (verdict,
// JSON, text). The drill itself runs against real servers in
// cluster-tests/test_drill.py.
#include <gtest/gtest.h>

#include "tools/drill/options.h"
#include "tools/drill/report.h"
#include "tools/drill/resp_client.h"
#include "tools/drill/shell_command.h"

namespace replikv::drill {
namespace {

Result<Options> Parse(std::vector<std::string> args, std::string env = "") {
  return ParseOptions(args, env);
}

TEST(Options, SentinelModeWithEveryOption) {
  auto o = Parse({"--sentinel", "127.0.0.1:26379,sentinel2:26380", "--master-name", "replikv",
                  "--fault", "kill -9 42", "--heal", "kill -CONT 42", "--duration", "7.5",
                  "--warmup", "0.5", "--heal-after", "2", "--timeout", "30", "--wait-timeout",
                  "250", "--json", "--quiet", "--password", "pw", "--key-prefix", "k"});
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->mode, Options::Mode::kSentinel);
  ASSERT_EQ(o->sentinels.size(), 2u);
  EXPECT_EQ(o->sentinels[1].host, "sentinel2");
  EXPECT_EQ(o->sentinels[1].port, 26380);
  EXPECT_EQ(o->master_name, "replikv");
  EXPECT_EQ(o->fault, "kill -9 42");
  EXPECT_EQ(o->heal, "kill -CONT 42");
  EXPECT_DOUBLE_EQ(o->duration_s, 7.5);
  EXPECT_DOUBLE_EQ(o->warmup_s, 0.5);
  EXPECT_DOUBLE_EQ(o->heal_after_s, 2);
  EXPECT_DOUBLE_EQ(o->timeout_s, 30);
  EXPECT_EQ(o->wait_timeout_ms, 250);
  EXPECT_TRUE(o->json);
  EXPECT_TRUE(o->quiet);
  EXPECT_EQ(o->password, "pw");
  EXPECT_EQ(o->key_prefix, "k");
}

TEST(Options, ManualModeNeedsTwoNodes) {
  auto o = Parse({"--nodes", "a:1,b:2,[::1]:3", "--fault", "true"});
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->mode, Options::Mode::kManual);
  ASSERT_EQ(o->nodes.size(), 3u);
  EXPECT_EQ(o->nodes[2].host, "::1");
  EXPECT_EQ(o->nodes[2].ToString(), "[::1]:3");
  EXPECT_FALSE(Parse({"--nodes", "a:1", "--fault", "true"}).ok());
}

TEST(Options, PasswordFromEnvironmentUnlessGiven) {
  auto o = Parse({"--nodes", "a:1,b:2", "--fault", "true"}, "fromenv");
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->password, "fromenv");
  o = Parse({"--nodes", "a:1,b:2", "--fault", "true", "--password", "given"}, "fromenv");
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->password, "given");
}

TEST(Options, RejectsBadCommandLines) {
  EXPECT_FALSE(Parse({"--sentinel", "h:1", "--fault", "x"}).ok());  // no --master-name
  EXPECT_FALSE(Parse({"--sentinel", "h:1", "--master-name", "m"}).ok());  // no --fault
  EXPECT_FALSE(Parse({"--sentinel", "h:1", "--master-name", "m", "--nodes", "a:1,b:2",
                      "--fault", "x"}).ok());
  EXPECT_FALSE(Parse({"--nodes", "a:1,b", "--fault", "x"}).ok());      // no port
  EXPECT_FALSE(Parse({"--nodes", "a:1,b:70000", "--fault", "x"}).ok());
  EXPECT_FALSE(Parse({"--nodes", "a:1,b:2", "--fault", "x", "--duration", "-1"}).ok());
  EXPECT_FALSE(Parse({"--nodes", "a:1,b:2", "--fault", "x", "--duration", "3s"}).ok());
  EXPECT_FALSE(Parse({"--nodes", "a:1,b:2", "--fault", "x", "--timeout", "0.5"}).ok());
  EXPECT_FALSE(Parse({"--nodes", "a:1,b:2", "--fault", "x", "--wait-timeout", "0"}).ok());
  EXPECT_FALSE(Parse({"--nodes", "a:1,b:2", "--fault"}).ok());         // value missing
  EXPECT_FALSE(Parse({"--nodes", "a:1,b:2", "--fault", "x", "--bogus", "1"}).ok());
  EXPECT_FALSE(Parse({"stray"}).ok());
}

TEST(Options, HelpVersionAndNoArguments) {
  EXPECT_EQ(Parse({"--nodes", "x", "--help"})->mode, Options::Mode::kHelp);
  EXPECT_EQ(Parse({"--version"})->mode, Options::Mode::kVersion);
  EXPECT_EQ(Parse({})->mode, Options::Mode::kHelp);
  EXPECT_NE(Usage().find("--master-name"), std::string::npos);
}

TEST(Options, CallTakesTheRestAsTheCommand) {
  auto o = Parse({"--call", "127.0.0.1:6379", "--password", "p", "CONFIG", "GET", "--x"});
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->mode, Options::Mode::kCall);
  EXPECT_EQ(o->password, "p");
  EXPECT_EQ(o->call_args, (std::vector<std::string>{"CONFIG", "GET", "--x"}));
  EXPECT_FALSE(Parse({"--call", "127.0.0.1:6379"}).ok());
}

TEST(RespReply, ParsesEveryTypeSplitAtEveryByte) {
  const std::string wire =
      "*6\r\n+OK\r\n-ERR no\r\n:-42\r\n$5\r\nab\r\nc\r\n$-1\r\n*2\r\n$2\r\nip\r\n*0\r\n";
  for (size_t cut = 0; cut < wire.size(); cut++) {
    size_t consumed = 0;
    auto part = ParseReply(std::string_view(wire).substr(0, cut), &consumed);
    ASSERT_TRUE(part.ok()) << cut;
    EXPECT_FALSE(part->has_value()) << cut;
  }
  size_t consumed = 0;
  auto r = ParseReply(wire + "+next\r\n", &consumed);
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r->has_value());
  EXPECT_EQ(consumed, wire.size());
  const Reply& a = **r;
  ASSERT_EQ(a.elements.size(), 6u);
  EXPECT_TRUE(a.elements[0].IsStatus("OK"));
  EXPECT_TRUE(a.elements[1].IsError());
  EXPECT_EQ(a.elements[1].str, "ERR no");
  EXPECT_EQ(a.elements[2].integer, -42);
  EXPECT_EQ(a.elements[3].str, "ab\r\nc");
  EXPECT_EQ(a.elements[4].type, Reply::Type::kNil);
  EXPECT_EQ(a.elements[5].elements[1].elements.size(), 0u);
}

TEST(RespReply, RejectsGarbage) {
  size_t consumed = 0;
  EXPECT_FALSE(ParseReply("?x\r\n", &consumed).ok());
  EXPECT_FALSE(ParseReply(":12a\r\n", &consumed).ok());
  EXPECT_FALSE(ParseReply("$3\r\nabcd\r\n", &consumed).ok());
  EXPECT_FALSE(ParseReply("$-2\r\n", &consumed).ok());
  std::string deep;
  for (int i = 0; i < 20; i++) deep += "*1\r\n";
  EXPECT_FALSE(ParseReply(deep + ":1\r\n", &consumed).ok());
}

TEST(RespReply, EncodesCommands) {
  EXPECT_EQ(EncodeCommand({"SET", "k", ""}), "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n");
}

TEST(Info, FieldsWithoutHeaders) {
  auto m = ParseInfo("# Replication\r\nrole:slave\r\nmaster_host:10.0.0.2\r\n\r\n"
                     "slave0:ip=1.2.3.4,port=5\r\n");
  EXPECT_EQ(m["role"], "slave");
  EXPECT_EQ(m["master_host"], "10.0.0.2");
  EXPECT_EQ(m["slave0"], "ip=1.2.3.4,port=5");
  EXPECT_EQ(m.count("# Replication"), 0u);
}

TEST(ShellCommand, SubstitutesThePrimary) {
  EXPECT_EQ(SubstitutePrimary("redis-cli -h {primary_host} -p {primary_port} x {primary}",
                              "10.0.0.2", 6379),
            "redis-cli -h 10.0.0.2 -p 6379 x 10.0.0.2:6379");
  EXPECT_EQ(SubstitutePrimary("{primary}", "::1", 1), "[::1]:1");
  EXPECT_EQ(SubstitutePrimary("{other} {primary", "h", 1), "{other} {primary");
}

TEST(ShellCommand, ReportsExitStatus) {
  ShellCommand c;
  ASSERT_TRUE(c.Start("exit 3").ok());
  for (int i = 0; i < 1000 && !c.Finished(); i++) usleep(5000);
  ASSERT_TRUE(c.Finished());
  EXPECT_EQ(c.status(), 3);
  ShellCommand k;
  ASSERT_TRUE(k.Start("sleep 30").ok());
  k.Kill();
  EXPECT_TRUE(k.Finished());
  EXPECT_EQ(k.status(), -1);
}

Report Passing() {
  Report r;
  r.mode = "sentinel";
  r.fault = "kill -9 \"1\"";
  r.fault_status = 0;
  r.primary_before = "127.0.0.1:1";
  r.primary_after = "127.0.0.1:2";
  r.writes_attempted = 12;
  r.writes_acked = 10;
  r.writes_checked = 10;
  r.writes_unacked = 2;
  r.time_to_writable_s = 1.25;
  r.time_to_acked_s = 1.5;
  r.converged = true;
  r.converge_s = 0.1;
  r.digests_equal = true;
  r.nodes = {{"127.0.0.1:1", "down", -1, 0, 0, 0, ""},
             {"127.0.0.1:2", "master", 100, 0, 1, 0, "abc"},
             {"127.0.0.1:3", "slave", 100, 1, 0, 0, "abc"}};
  return r;
}

TEST(Report, PassesWhenEveryCheckHolds) {
  Report r = Passing();
  Evaluate(&r);
  EXPECT_TRUE(r.pass);
  EXPECT_TRUE(r.problems.empty());
  EXPECT_EQ(r.TotalFullSyncs(), 1);
  EXPECT_EQ(r.TotalPartialSyncs(), 1);
}

TEST(Report, EachFailedCheckFailsTheDrill) {
  std::vector<std::function<void(Report*)>> breaks = {
      [](Report* r) { r->writes_lost = 1; },
      [](Report* r) { r->digests_equal = false; },
      [](Report* r) { r->converged = false; },
      [](Report* r) { r->time_to_writable_s = -1; },
      [](Report* r) { r->time_to_acked_s = -1; },
      [](Report* r) { r->fault_status = 1; },
      [](Report* r) { r->writes_acked = r->writes_checked = 0; },
      [](Report* r) { r->writes_checked = 9; },
      [](Report* r) { r->heal = "x"; r->heal_status = 2; },
  };
  for (size_t i = 0; i < breaks.size(); i++) {
    Report r = Passing();
    breaks[i](&r);
    Evaluate(&r);
    EXPECT_FALSE(r.pass) << i;
    EXPECT_FALSE(r.problems.empty()) << i;
  }
}

TEST(Report, JsonHasTheRequiredFields) {
  Report r = Passing();
  Evaluate(&r);
  std::string j = FormatJson(r);
  for (const char* f : {"\"pass\":true", "\"writes_acked\":10", "\"writes_lost\":0",
                        "\"time_to_writable_s\":1.250", "\"full_syncs\":1",
                        "\"partial_syncs\":1", "\"digests_equal\":true",
                        "\"fault\":\"kill -9 \\\"1\\\"\"", "\"role\":\"down\""}) {
    EXPECT_NE(j.find(f), std::string::npos) << f << " in " << j;
  }
  EXPECT_EQ(j.front(), '{');
  EXPECT_EQ(j.back(), '}');
  EXPECT_EQ(j.find('\n'), std::string::npos);
  r.time_to_writable_s = -1;
  EXPECT_NE(FormatJson(r).find("\"time_to_writable_s\":null"), std::string::npos);
}

TEST(Report, JsonQuoteEscapesControls) {
  EXPECT_EQ(JsonQuote("a\"b\\c\n\x01"), "\"a\\\"b\\\\c\\n\\u0001\"");
}

TEST(Report, TextStartsWithTheVerdict) {
  Report r = Passing();
  r.writes_lost = 3;
  Evaluate(&r);
  std::string t = FormatText(r);
  EXPECT_EQ(t.rfind("FAIL", 0), 0u);
  EXPECT_NE(t.find("3 acknowledged writes lost"), std::string::npos);
}

}  // namespace
}  // namespace replikv::drill
