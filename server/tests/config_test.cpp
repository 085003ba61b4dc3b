#include "server/config/config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <vector>

#include "server/base/version.h"

namespace replikv {
namespace {

namespace fs = std::filesystem;

// ---- helpers ------------------------------------------------------------------

std::string Get1(const ConfigRegistry& r, std::string_view name) {
  std::string_view p[] = {name};
  auto v = r.Get(p);
  return v.size() == 1 ? v[0].second : "<" + std::to_string(v.size()) + " results>";
}

ConfigReply Set(ConfigRegistry& r, std::initializer_list<std::string_view> args,
                bool local_client = false) {
  std::vector<std::string_view> v(args);
  return r.Set(v, local_client);
}

Status LoadArgs(ConfigRegistry& r, const std::vector<std::string>& args) {
  std::vector<const char*> p;
  for (const std::string& a : args) p.push_back(a.c_str());
  return r.LoadFromCommandLine(static_cast<int>(p.size()), p.data());
}

// What Redis prints for a bad line, with replikv's name and version.
std::string Banner(int line, std::string_view text, std::string_view err) {
  std::ostringstream out;
  out << "\n*** FATAL CONFIG FILE ERROR (replikv " << kReplikvVersion << ") ***\n"
      << "Reading the configuration file, at line " << line << "\n>>> '" << text << "'\n"
      << err;
  return out.str();
}

std::string LoadError(std::string_view text) {
  ConfigRegistry r;
  Status s = r.LoadFromString(text);
  return s.ok() ? "<ok>" : s.message();
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const fs::path& p, std::string_view text) {
  std::ofstream out(p, std::ios::trunc);
  out << text;
}

// A scratch directory; also puts the working directory back, since dir
// handling chdir()s.
class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cwd_ = fs::current_path();
    char tmpl[] = "/tmp/replikv-config-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    fs::current_path(cwd_);
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  fs::path cwd_;
  fs::path dir_;
};

// ---- file syntax ----------------------------------------------------------------

TEST(ConfigLoad, DefaultsAreRedis70Defaults) {
  ConfigRegistry r;
  const ServerConfig& c = r.config();
  EXPECT_EQ(c.port, 6379);
  EXPECT_EQ(c.databases, 16);
  EXPECT_EQ(c.proto_max_bulk_len, 512 * 1024 * 1024);
  EXPECT_EQ(c.appendfsync, AppendFsync::kEverySec);
  EXPECT_EQ(c.save_points, (std::vector<SavePoint>{{3600, 1}, {300, 100}, {60, 10000}}));
  EXPECT_EQ(c.client_obuf_limits[1].hard_bytes, 256u << 20);
  // Renderings seen from redis-server 7.0.15 started with no config.
  const std::pair<const char*, const char*> kSeen[] = {
      {"save", "3600 1 300 100 60 10000"},
      {"client-output-buffer-limit",
       "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"},
      {"proto-max-bulk-len", "536870912"},
      {"client-query-buffer-limit", "1073741824"},
      {"auto-aof-rewrite-min-size", "67108864"},
      {"active-defrag-ignore-bytes", "104857600"},
      {"repl-backlog-size", "1048576"},
      {"maxmemory-policy", "noeviction"},
      {"appendfsync", "everysec"},
      {"repl-diskless-load", "disabled"},
      {"latency-tracking-info-percentiles", "50 99 99.9"},
      {"oom-score-adj-values", "0 200 800"},
      {"proc-title-template", "{title} {listen-addr} {server-mode}"},
      {"shutdown-on-sigint", "default"},
      {"unixsocketperm", "0"},
      {"list-max-listpack-size", "-2"},
      {"slowlog-log-slower-than", "10000"},
      {"syslog-facility", "local0"},
      {"acl-pubsub-default", "resetchannels"},
      {"tls-auth-clients", "yes"},
      {"notify-keyspace-events", ""},
      {"replicaof", ""},
      {"maxclients", "10000"},
      {"loading-process-events-interval-bytes", "2097152"},
  };
  for (const auto& [name, value] : kSeen) EXPECT_EQ(Get1(r, name), value) << name;
}

TEST(ConfigLoad, CommentsBlankLinesQuotesAndCase) {
  ConfigRegistry r;
  ASSERT_TRUE(r.LoadFromString("# a comment\n"
                               "\n"
                               "   \t\n"
                               "  PORT 7000  \r\n"
                               "  # indented comment\n"
                               "requirepass \"pa ss\\x41\\n\"\n"
                               "masterauth 'it\\'s'\n"
                               "MaxMemory-Policy ALLKEYS-LRU\n"
                               "appendonly YES")
                  .ok());
  EXPECT_EQ(r.config().port, 7000);
  EXPECT_EQ(r.config().requirepass, "pa ssA\n");
  EXPECT_EQ(r.config().masterauth, "it's");
  EXPECT_EQ(r.config().maxmemory_policy, MaxmemoryPolicy::kAllkeysLru);
  EXPECT_TRUE(r.config().appendonly);
}

TEST(ConfigLoad, AliasesSetTheSameField) {
  ConfigRegistry r;
  ASSERT_TRUE(r.LoadFromString("slave-read-only no\n"
                               "slaveof 10.0.0.1 6380\n"
                               "hash-max-ziplist-entries 7\n"
                               "list-max-ziplist-size 5\n"
                               "lua-time-limit 100\n")
                  .ok());
  EXPECT_FALSE(r.config().replica_read_only);
  EXPECT_EQ(r.config().replicaof_host, "10.0.0.1");
  EXPECT_EQ(r.config().replicaof_port, 6380);
  EXPECT_EQ(r.config().hash_max_listpack_entries, 7);
  EXPECT_EQ(r.config().list_max_listpack_size, 5);
  EXPECT_EQ(r.config().busy_reply_threshold, 100);
}

TEST(ConfigLoad, SaveLinesReplaceDefaultsThenAccumulate) {
  ConfigRegistry r;
  ASSERT_TRUE(r.LoadFromString("save 900 1\nsave 300 10\n").ok());
  EXPECT_EQ(Get1(r, "save"), "900 1 300 10");
  ConfigRegistry r2;
  ASSERT_TRUE(r2.LoadFromString("save 900 1 300 10\nsave \"\"\nsave 60 5\n").ok());
  EXPECT_EQ(Get1(r2, "save"), "60 5");
  ConfigRegistry r3;
  ASSERT_TRUE(r3.LoadFromString("save ''\n").ok());
  EXPECT_TRUE(r3.config().save_points.empty());
}

TEST(ConfigLoad, ClientOutputBufferLimitPerClass) {
  ConfigRegistry r;
  ASSERT_TRUE(r.LoadFromString("client-output-buffer-limit replica 1mb 512kb 30\n"
                               "client-output-buffer-limit PUBSUB 1k 2 +3\n")
                  .ok());
  EXPECT_EQ(Get1(r, "client-output-buffer-limit"),
            "normal 0 0 0 slave 1048576 524288 30 pubsub 1000 2 3");
  EXPECT_EQ(r.config().client_obuf_limits[static_cast<int>(ClientClass::kReplica)].soft_seconds,
            30);
}

TEST(ConfigLoad, MemoryUnitsFollowRedisAndOverflowIsRejected) {
  const std::pair<const char*, uint64_t> kCases[] = {
      {"1", 1},
      {"1b", 1},
      {"1k", 1000},
      {"1kb", 1024},
      {"1K", 1000},
      {"1KB", 1024},
      {"1Kb", 1024},
      {"1m", 1000000},
      {"1mb", 1048576},
      {"1g", 1000000000},
      {"1gb", 1073741824},
      {"2GB", 2147483648},
      {"007", 7},
      {"", 0},
      {"kb", 0},
      {"18446744073709551615", UINT64_MAX},
  };
  for (const auto& [text, bytes] : kCases) {
    ConfigRegistry r;
    EXPECT_TRUE(Set(r, {"maxmemory", text}).ok()) << text;
    EXPECT_EQ(r.config().maxmemory, bytes) << text;
  }
  for (const char* bad : {"-1", "+5", "1.5k", " 1k", "1k ", "1kk", "0x10", "1t", "1e3",
                          "18446744073709551616", "99999999999gb"}) {
    ConfigRegistry r;
    EXPECT_EQ(Set(r, {"maxmemory", bad}).error,
              "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must "
              "be a memory value")
        << bad;
  }
  ConfigRegistry r;
  EXPECT_EQ(Set(r, {"proto-max-bulk-len", "99999999999gb"}).error,
            "ERR CONFIG SET failed (possibly related to argument 'proto-max-bulk-len') - argument "
            "must be between 1048576 and 9223372036854775807 inclusive");
}

TEST(ConfigLoad, EveryErrorPathReportsItsLine) {
  const struct {
    const char* line;
    const char* error;
  } kCases[] = {
      {"foo bar", "Bad directive or wrong number of arguments"},
      {"port", "wrong number of arguments"},
      {"port 1 2", "wrong number of arguments"},
      {"port abc", "argument couldn't be parsed into an integer"},
      {"port 007", "argument couldn't be parsed into an integer"},
      {"port 99999", "argument must be between 0 and 65535 inclusive"},
      {"databases 0", "argument must be between 1 and 2147483647 inclusive"},
      {"appendonly maybe", "argument must be 'yes' or 'no'"},
      {"maxmemory -5", "argument must be a memory value"},
      {"appendfsync foo", "argument(s) must be one of the following: everysec, always, no"},
      {"loglevel loud",
       "argument(s) must be one of the following: debug, verbose, notice, warning"},
      {"save 900", "Invalid save parameters"},
      {"save 900 x", "Invalid save parameters"},
      {"save -1 1", "Invalid save parameters"},
      {"save 0 1", "Invalid save parameters"},
      {"bind \"unbalanced", "Unbalanced quotes in configuration line"},
      {"client-output-buffer-limit foo 0 0 0",
       "Invalid client class specified in buffer limit configuration."},
      {"client-output-buffer-limit normal 0 0",
       "Wrong number of arguments in buffer limit configuration."},
      {"client-output-buffer-limit normal -1 0 0",
       "Error in hard, soft or soft_seconds setting in buffer limit configuration."},
      {"oom-score-adj-values 1 2", "wrong number of arguments"},
      {"oom-score-adj-values 0 0 2001",
       "Invalid oom-score-adj-values, elements must be between -2000 and 2000."},
      {"latency-tracking-info-percentiles 101",
       "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"},
      {"latency-tracking-info-percentiles x",
       "Invalid latency-tracking-info-percentiles parameters"},
      {"notify-keyspace-events y", "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."},
      {"dbfilename a/b", "dbfilename can't be a path, just a filename"},
      {"appendfilename a/b", "appendfilename can't be a path, just a filename"},
      {"appenddirname a/b", "appenddirname can't be a path, just a dirname"},
      {"unixsocketperm 800", "argument couldn't be parsed as an octal number"},
      {"unixsocketperm 1777", "argument must be between 0 and 777 inclusive"},
      {"supervised foo", "argument(s) must be one of the following: upstart, systemd, auto, no"},
      {"enable-debug-command maybe", "argument(s) must be one of the following: no, yes, local"},
      {"replicaof a", "wrong number of arguments"},
      {"replicaof a b", "Invalid master port"},
      {"bind 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17", "Too many bind addresses specified."},
      {"proc-title-template \"{foo}\"", "template format is invalid or contains unknown variables"},
      {"shutdown-on-sigint save nosave",
       "shutdown options SAVE and NOSAVE can't be used simultaneously"},
      {"maxmemory-clients 101%", "percentage argument must be less or equal to 100"},
      {"dir /nonexistent/replikv", "No such file or directory"},
      {"dir /etc/passwd", "Not a directory"},
      {"include", "Bad directive or wrong number of arguments"},
      {"include a b", "Bad directive or wrong number of arguments"},
      {"rename-command foo", "Bad directive or wrong number of arguments"},
      {"list-max-ziplist-entries 5 6", "Bad directive or wrong number of arguments"},
      {"sentinel monitor x", "sentinel directive while not in sentinel mode"},
      {"loadmodule /x.so", "Modules are not supported by replikv"},
      {"tls-port 6380", "TLS is not supported by replikv"},
      {"tls-replication yes", "TLS is not supported by replikv"},
      {"cluster-enabled yes", "Cluster mode is not supported by replikv"},
  };
  for (const auto& c : kCases) {
    std::string text = std::string("# first\n\n  ") + c.line + "  \nport 1\n";
    EXPECT_EQ(LoadError(text), Banner(3, c.line, c.error)) << c.line;
  }
}

TEST(ConfigLoad, DeprecatedAndNonValueDirectivesAreKept) {
  ConfigRegistry r;
  r.set_command_exists([](std::string_view name) { return name == "flushall"; });
  ASSERT_TRUE(r.LoadFromString("list-max-ziplist-entries 5\n"
                               "lua-replicate-commands yes\n"
                               "rename-command flushall \"\"\n"
                               "user alice on >pw ~* +@all\n")
                  .ok());
  ASSERT_EQ(r.config().rename_commands.size(), 1u);
  EXPECT_EQ(r.config().rename_commands[0].first, "flushall");
  EXPECT_EQ(r.config().rename_commands[0].second, "");
  ASSERT_EQ(r.config().user_directives.size(), 1u);
  EXPECT_EQ(r.config().user_directives[0].size(), 5u);
}

TEST(ConfigLoad, RenameCommandOfUnknownCommandFails) {
  ConfigRegistry r;
  r.set_command_exists([](std::string_view name) { return name == "flushall"; });
  Status s = r.LoadFromString("rename-command nosuch x");
  EXPECT_EQ(s.message(), Banner(1, "rename-command nosuch x", "No such command in rename-command"));
}

TEST(ConfigLoad, HzIsClampedLikeRedis) {
  ConfigRegistry r;
  ASSERT_TRUE(r.LoadFromString("hz 1000").ok());
  EXPECT_EQ(r.config().hz, 500);
  ASSERT_TRUE(Set(r, {"hz", "0"}).ok());
  EXPECT_EQ(Get1(r, "hz"), "1");
}

TEST_F(ConfigTest, IncludeNestedRelativeAndGlob) {
  fs::create_directories(dir_ / "conf.d");
  WriteFile(dir_ / "conf.d" / "a.conf", "timeout 7\n");
  WriteFile(dir_ / "conf.d" / "b.conf", "timeout 8\nhz 11\n");
  WriteFile(dir_ / "inner.conf", "include " + (dir_ / "conf.d" / "*.conf").string() + "\n");
  WriteFile(dir_ / "main.conf", "port 1\ninclude " + (dir_ / "inner.conf").string() + "\ninclude " +
                                    (dir_ / "none-*.conf").string() + "\nmaxmemory 1mb\n");
  ConfigRegistry r;
  ASSERT_TRUE(r.LoadFromFile((dir_ / "main.conf").string()).ok());
  EXPECT_EQ(r.config().timeout, 8);  // b.conf after a.conf
  EXPECT_EQ(r.config().hz, 11);
  EXPECT_EQ(r.config().maxmemory, 1u << 20);
  EXPECT_EQ(r.config_file(), (dir_ / "main.conf").string());

  // Relative include paths are relative to the working directory.
  fs::current_path(dir_);
  ConfigRegistry rel;
  ASSERT_TRUE(rel.LoadFromString("include conf.d/a.conf").ok());
  EXPECT_EQ(rel.config().timeout, 7);
}

TEST_F(ConfigTest, IncludeErrorsReportTheIncludedLineOrMissingFile) {
  WriteFile(dir_ / "inc.conf", "port 0\n# c\nport 99999\n");
  ConfigRegistry r;
  Status s = r.LoadFromString("daemonize no\ninclude " + (dir_ / "inc.conf").string());
  EXPECT_EQ(s.message(), Banner(3, "port 99999", "argument must be between 0 and 65535 inclusive"));

  ConfigRegistry missing;
  std::string path = (dir_ / "nope.conf").string();
  EXPECT_EQ(missing.LoadFromString("include " + path).message(),
            "Fatal error, can't open config file '" + path + "': No such file or directory");
}

TEST_F(ConfigTest, IncludeLoopIsBounded) {
  std::string self = (dir_ / "loop.conf").string();
  WriteFile(self, "include " + self + "\n");
  ConfigRegistry r;
  Status s = r.LoadFromFile(self);
  EXPECT_EQ(s.message(), Banner(1, "include " + self, "Too many nested includes (include loop?)"));
}

// ---- command line ---------------------------------------------------------------

TEST_F(ConfigTest, CommandLineFormsMatchRedis) {
  struct Case {
    std::vector<std::string> args;
    const char* save;
    const char* replicaof;
  };
  const Case kCases[] = {
      {{"--save", ""}, "", ""},
      {{"--save", "", "--port", "1"}, "", ""},
      {{"--port", "1", "--save"}, "", ""},
      {{"--save", "--port", "1"}, "", ""},
      {{"--save", "900", "1", "300", "10"}, "900 1 300 10", ""},
      {{"--save", "900 1 300 10"}, "900 1 300 10", ""},
      {{"--replicaof", "127.0.0.1", "6380"}, "3600 1 300 100 60 10000", "127.0.0.1 6380"},
      {{"--replicaof", "127.0.0.1 6380"}, "3600 1 300 100 60 10000", "127.0.0.1 6380"},
      {{"--slaveof", "h", "1", "--save", "5 5"}, "5 5", "h 1"},
  };
  for (const Case& c : kCases) {
    ConfigRegistry r;
    ASSERT_TRUE(LoadArgs(r, c.args).ok()) << c.args[0] << " " << c.args.size();
    EXPECT_EQ(Get1(r, "save"), c.save) << c.args.size();
    EXPECT_EQ(Get1(r, "replicaof"), c.replicaof) << c.args.size();
    EXPECT_TRUE(r.config_file().empty());
  }
  ConfigRegistry joined;
  ASSERT_TRUE(LoadArgs(joined, {"--port 6390", "--bind", "127.0.0.1 ::1"}).ok());
  EXPECT_EQ(joined.config().port, 6390);
  EXPECT_EQ(joined.config().bind, (std::vector<std::string>{"127.0.0.1", "::1"}));
  // A value that looks like an option is still the value when one is due.
  ConfigRegistry dashed;
  ASSERT_TRUE(LoadArgs(dashed, {"--requirepass", "--secret"}).ok());
  EXPECT_EQ(dashed.config().requirepass, "--secret");
  // A single-value directive does not split its argument.
  ConfigRegistry spaced;
  ASSERT_TRUE(LoadArgs(spaced, {"--requirepass", "a b"}).ok());
  EXPECT_EQ(spaced.config().requirepass, "a b");
}

TEST_F(ConfigTest, CommandLineAppliesAfterTheFile) {
  WriteFile(dir_ / "r.conf", "port 1000\nsave 900 1\nmaxmemory 5mb\n");
  ConfigRegistry r;
  ASSERT_TRUE(LoadArgs(r, {(dir_ / "r.conf").string(), "--port", "2000", "--save", "5", "5"}).ok());
  EXPECT_EQ(r.config().port, 2000);
  EXPECT_EQ(Get1(r, "save"), "900 1 5 5");  // one load: the command line adds to the file's
  EXPECT_EQ(r.config().maxmemory, 5u << 20);
  EXPECT_EQ(r.config_file(), (dir_ / "r.conf").string());
}

TEST_F(ConfigTest, CommandLineErrorLinesCountTheFile) {
  // Same texts and line numbers as redis-server 7.0.15 printed.
  ConfigRegistry alone;
  EXPECT_EQ(LoadArgs(alone, {"--port", "99999"}).message(),
            Banner(2, "port \"99999\"", "argument must be between 0 and 65535 inclusive"));
  WriteFile(dir_ / "ok.conf", "port 0\n\n");
  ConfigRegistry after;
  EXPECT_EQ(
      LoadArgs(after, {(dir_ / "ok.conf").string(), "--timeout", "1", "--port", "99999"}).message(),
      Banner(5, "port \"99999\"", "argument must be between 0 and 65535 inclusive"));
  ConfigRegistry escaped;
  EXPECT_EQ(LoadArgs(escaped, {"--port", "1", "--timeout", "a\tb\x01"}).message(),
            Banner(3, "timeout \"a\\tb\\x01\"", "argument couldn't be parsed into an integer"));
  ConfigRegistry stray;
  EXPECT_EQ(LoadArgs(stray, {"-x"}).message(),
            Banner(2, "\"-x\"", "Bad directive or wrong number of arguments"));
  ConfigRegistry nofile;
  std::string path = (dir_ / "missing.conf").string();
  EXPECT_EQ(LoadArgs(nofile, {path}).message(),
            "Fatal error, can't open config file '" + path + "': No such file or directory");
}

TEST_F(ConfigTest, DashReadsStdinAfterTheFile) {
  WriteFile(dir_ / "f.conf", "port 1000\ntimeout 3\n");
  ConfigRegistry r;
  r.set_stdin_reader([]() -> Result<std::string> { return std::string("port 2000\nhz 20\n"); });
  ASSERT_TRUE(LoadArgs(r, {(dir_ / "f.conf").string(), "--hz", "30", "-"}).ok());
  EXPECT_EQ(r.config().port, 2000);
  EXPECT_EQ(r.config().timeout, 3);
  EXPECT_EQ(r.config().hz, 30);
  ConfigRegistry only;
  only.set_stdin_reader([]() -> Result<std::string> { return std::string("port 3000"); });
  ASSERT_TRUE(LoadArgs(only, {"-", "--timeout", "9"}).ok());
  EXPECT_EQ(only.config().port, 3000);
  EXPECT_EQ(only.config().timeout, 9);
  EXPECT_TRUE(only.config_file().empty());
  EXPECT_EQ(only.Rewrite().error, "ERR The server is running without a config file");
}

// ---- CONFIG GET ---------------------------------------------------------------

TEST(ConfigNotActedOn, OnlyDirectivesChangedFromTheirDefaultAreReported) {
  ConfigRegistry r;
  EXPECT_TRUE(r.ChangedButNotActedOn().empty());
  std::string_view set[] = {"shutdown-timeout", "5", "maxmemory", "1mb"};
  ASSERT_TRUE(r.Set(set, true).ok());
  // maxmemory is acted on: only the shutdown timeout is reported.
  EXPECT_EQ(r.ChangedButNotActedOn(), std::vector<std::string>{"shutdown-timeout"});
}

TEST(ConfigGet, GlobIsCaseInsensitiveAndListsAliases) {
  ConfigRegistry r;
  std::string_view all[] = {"*"};
  auto everything = r.Get(all);
  // What redis-server 7.0.15 returns for "*" (192), plus replikv's own
  // busy-poll, node-state-file and replica-refuse-empty-sync.
  EXPECT_EQ(everything.size(), 195u);
  EXPECT_TRUE(std::any_of(everything.begin(), everything.end(),
                          [](const auto& kv) { return kv.first == "busy-poll" && kv.second == "20"; }));
  auto has = [&](std::string_view name) {
    return std::any_of(everything.begin(), everything.end(),
                       [&](const auto& kv) { return kv.first == name; });
  };
  EXPECT_TRUE(has("slaveof"));
  EXPECT_TRUE(has("replicaof"));
  EXPECT_TRUE(has("hash-max-ziplist-value"));
  EXPECT_TRUE(has("lua-time-limit"));
  EXPECT_FALSE(has("rdb-key-save-delay"));  // hidden
  EXPECT_FALSE(has("include"));

  std::string_view pats[] = {"MAXMEMORY*"};
  auto mm = r.Get(pats);
  std::vector<std::string> names;
  for (auto& kv : mm) names.push_back(kv.first);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"maxmemory", "maxmemory-clients",
                                             "maxmemory-eviction-tenacity", "maxmemory-policy",
                                             "maxmemory-samples"}));
}

TEST(ConfigGet, ExactNamesEchoTheRequestAndDeduplicate) {
  ConfigRegistry r;
  std::string_view pats[] = {"MaxMemory",          "port",  "p*rt", "po[r]t", "SLAVEOF", "p\\ort",
                             "rdb-key-save-delay", "nosuch"};
  auto v = r.Get(pats);
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(v[0], (std::pair<std::string, std::string>{"MaxMemory", "0"}));
  EXPECT_EQ(v[1], (std::pair<std::string, std::string>{"port", "6379"}));
  EXPECT_EQ(v[2], (std::pair<std::string, std::string>{"SLAVEOF", ""}));
  EXPECT_EQ(v[3], (std::pair<std::string, std::string>{"rdb-key-save-delay", "0"}));
  std::string_view twice[] = {"*", "*"};
  EXPECT_EQ(r.Get(twice).size(), 195u);
}

TEST(ConfigGet, RenderingsMatchRedis) {
  ConfigRegistry r;
  ASSERT_TRUE(r.LoadFromString("maxmemory 1gb\n"
                               "unixsocketperm 700\n"
                               "notify-keyspace-events KEA\n"
                               "shutdown-on-sigint force now save\n"
                               "maxmemory-clients 10%\n"
                               "latency-tracking-info-percentiles 0.0000001 33.333333333 12.5 1e2\n"
                               "oom-score-adj relative\n"
                               "client-output-buffer-limit pubsub 1 2 3 normal 4 5 6\n"
                               "rdbcompression YES\n")
                  .ok());
  EXPECT_EQ(Get1(r, "maxmemory"), "1073741824");
  EXPECT_EQ(Get1(r, "unixsocketperm"), "700");
  EXPECT_EQ(Get1(r, "notify-keyspace-events"), "AKE");
  EXPECT_EQ(Get1(r, "shutdown-on-sigint"), "save now force");
  EXPECT_EQ(Get1(r, "maxmemory-clients"), "10%");
  EXPECT_EQ(Get1(r, "latency-tracking-info-percentiles"), "0 33.333333 12.5 100");
  EXPECT_EQ(Get1(r, "oom-score-adj"), "yes");
  EXPECT_EQ(Get1(r, "client-output-buffer-limit"),
            "normal 4 5 6 slave 268435456 67108864 60 pubsub 1 2 3");
  EXPECT_EQ(Get1(r, "rdbcompression"), "yes");
}

TEST(ConfigGet, NotifyKeyspaceEventsRenderLikeRedis) {
  // Pairs seen from redis-server 7.0.15 (CONFIG SET then CONFIG GET).
  const std::pair<const char*, const char*> kSeen[] = {{"KEA", "AKE"},
                                                       {"Ks", "sK"},
                                                       {"KEg$lshzxet", "g$lshzxetKE"},
                                                       {"KEg$lshzxetmd", "AKEm"},
                                                       {"KEn", "nKE"},
                                                       {"KEAd", "AKE"},
                                                       {"KEAn", "AKE"},
                                                       {"nd", "dn"},
                                                       {"mA", "Am"},
                                                       {"KKKEEs", "sKE"},
                                                       {"", ""},
                                                       {"x", "x"}};
  for (const auto& [in, out] : kSeen) {
    ConfigRegistry r;
    ASSERT_TRUE(Set(r, {"notify-keyspace-events", in}).ok()) << in;
    EXPECT_EQ(Get1(r, "notify-keyspace-events"), out) << in;
  }
  ConfigRegistry r;
  ASSERT_TRUE(Set(r, {"notify-keyspace-events", "Ex"}).ok());
  EXPECT_EQ(r.config().notify_keyspace_events, kNotifyKeyevent | kNotifyExpired);
}

// ---- CONFIG SET -------------------------------------------------------------------

TEST(ConfigSet, ErrorTextsMatchRedis) {
  ConfigRegistry r;
  EXPECT_EQ(Set(r, {"foo", "bar"}).error,
            "ERR Unknown option or number of arguments for CONFIG SET - 'foo'");
  EXPECT_EQ(Set(r, {"maxmemory", "10", "foo", "1"}).error,
            "ERR Unknown option or number of arguments for CONFIG SET - 'foo'");
  EXPECT_EQ(Set(r, {"maxmemory", "10", "timeout"}).error, "ERR syntax error");
  EXPECT_EQ(Set(r, {"maxmemory"}).error, "ERR wrong number of arguments for 'config|set' command");
  EXPECT_EQ(Set(r, {"maxmemory", "x"}).error,
            "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be "
            "a memory value");
  EXPECT_EQ(Set(r, {"timeout", "x"}).error,
            "ERR CONFIG SET failed (possibly related to argument 'timeout') - argument couldn't be "
            "parsed into an integer");
  EXPECT_EQ(Set(r, {"databases", "5"}).error,
            "ERR CONFIG SET failed (possibly related to argument 'databases') - can't set "
            "immutable config");
  EXPECT_EQ(Set(r, {"replicaof", "127.0.0.1 1"}).error,
            "ERR CONFIG SET failed (possibly related to argument 'replicaof') - can't set "
            "immutable config");
  EXPECT_EQ(Set(r, {"dir", "/tmp"}).error,
            "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected "
            "config");
  EXPECT_EQ(Set(r, {"dbfilename", "x.rdb"}).error,
            "ERR CONFIG SET failed (possibly related to argument 'dbfilename') - can't set "
            "protected config");
  EXPECT_EQ(Set(r, {"maxmemory", "10", "MAXMEMORY", "20"}).error,
            "ERR CONFIG SET failed (possibly related to argument 'MAXMEMORY') - duplicate "
            "parameter");
  // Names are all checked before any value: the immutable one is reported
  // although the bad timeout comes first.
  EXPECT_EQ(Set(r, {"timeout", "x", "databases", "5"}).error,
            "ERR CONFIG SET failed (possibly related to argument 'databases') - can't set "
            "immutable config");
  EXPECT_EQ(Set(r, {"appendfsync", "sometimes"}).error,
            "ERR CONFIG SET failed (possibly related to argument 'appendfsync') - argument(s) "
            "must be one of the following: everysec, always, no");
  EXPECT_EQ(Set(r, {"save", "900 1 300"}).error,
            "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save "
            "parameters");
}

TEST(ConfigSet, SecondInvalidPairLeavesFirstUnchanged) {
  ConfigRegistry r;
  EXPECT_FALSE(Set(r, {"maxmemory", "10", "timeout", "x"}).ok());
  EXPECT_EQ(r.config().maxmemory, 0u);
  EXPECT_FALSE(Set(r, {"save", "10 10", "client-output-buffer-limit", "normal 1 2"}).ok());
  EXPECT_EQ(Get1(r, "save"), "3600 1 300 100 60 10000");
  ASSERT_TRUE(Set(r, {"maxmemory", "10", "timeout", "5", "hz", "20"}).ok());
  EXPECT_EQ(r.config().maxmemory, 10u);
  EXPECT_EQ(r.config().timeout, 5);
  EXPECT_EQ(r.config().hz, 20);
}

TEST(ConfigSet, AliasAndNameInOneCallAreNotDuplicates) {
  ConfigRegistry r;
  ASSERT_TRUE(Set(r, {"hash-max-ziplist-entries", "5", "hash-max-listpack-entries", "6"}).ok());
  EXPECT_EQ(r.config().hash_max_listpack_entries, 6);
}

TEST(ConfigSet, MultiArgValuesSplitOnSingleSpaces) {
  ConfigRegistry r;
  ASSERT_TRUE(Set(r, {"save", "900 1"}).ok());
  EXPECT_EQ(Get1(r, "save"), "900 1");
  ASSERT_TRUE(Set(r, {"save", "1 "}).ok());  // "" parses as 0, as in Redis
  EXPECT_EQ(Get1(r, "save"), "1 0");
  EXPECT_FALSE(Set(r, {"save", "  "}).ok());
  EXPECT_FALSE(Set(r, {"save", "'10' 5"}).ok());  // no quote processing here
  ASSERT_TRUE(Set(r, {"save", "01 +1"}).ok());
  EXPECT_EQ(Get1(r, "save"), "1 1");
  ASSERT_TRUE(Set(r, {"save", ""}).ok());
  EXPECT_TRUE(r.config().save_points.empty());
  ASSERT_TRUE(Set(r, {"bind", "127.0.0.1 ::1"}).ok());
  EXPECT_EQ(Get1(r, "bind"), "127.0.0.1 ::1");
  ASSERT_TRUE(Set(r, {"bind", ""}).ok());
  EXPECT_TRUE(r.config().bind.empty());
  ASSERT_TRUE(Set(r, {"client-output-buffer-limit", ""}).ok());  // no-op
  ASSERT_TRUE(Set(r, {"client-output-buffer-limit", "replica 1k 2k 3"}).ok());
  EXPECT_EQ(Get1(r, "client-output-buffer-limit"),
            "normal 0 0 0 slave 1000 2000 3 pubsub 33554432 8388608 60");
  EXPECT_FALSE(Set(r, {"client-output-buffer-limit", "normal  1 2 3"}).ok());
  ASSERT_TRUE(Set(r, {"shutdown-on-sigterm", "default now"}).ok());
  EXPECT_EQ(Get1(r, "shutdown-on-sigterm"), "now");
}

TEST(ConfigSet, ProtectedConfigsFollowEnableProtectedConfigs) {
  ConfigRegistry yes;
  ASSERT_TRUE(yes.LoadFromString("enable-protected-configs yes").ok());
  EXPECT_TRUE(Set(yes, {"dbfilename", "x.rdb"}).ok());
  EXPECT_EQ(Set(yes, {"dbfilename", "a/b"}).error,
            "ERR CONFIG SET failed (possibly related to argument 'dbfilename') - dbfilename can't "
            "be a path, just a filename");
  ConfigRegistry local;
  ASSERT_TRUE(local.LoadFromString("enable-protected-configs local").ok());
  EXPECT_FALSE(Set(local, {"dbfilename", "x.rdb"}, /*local_client=*/false).ok());
  EXPECT_TRUE(Set(local, {"dbfilename", "x.rdb"}, /*local_client=*/true).ok());
  EXPECT_EQ(local.config().dbfilename, "x.rdb");
}

TEST(ConfigSet, ReplBacklogSizeHasRedisMinimumOnlyAtRunTime) {
  ConfigRegistry r;
  ASSERT_TRUE(r.LoadFromString("repl-backlog-size 1").ok());
  EXPECT_EQ(r.config().repl_backlog_size, 1);
  ASSERT_TRUE(Set(r, {"repl-backlog-size", "1k"}).ok());
  EXPECT_EQ(Get1(r, "repl-backlog-size"), "16384");
}

TEST(ConfigSet, HooksRunOncePerCallAndOnlyOnChange) {
  ConfigRegistry r;
  int net_calls = 0;
  int last_port = 0;
  ASSERT_TRUE(r.SetApplyHook({"port", "bind"}, [&](const ServerConfig& c) {
                 ++net_calls;
                 last_port = c.port;
                 return Status::OK();
               }).ok());
  EXPECT_FALSE(r.SetApplyHook({"nosuch"}, [](const ServerConfig&) { return Status::OK(); }).ok());
  ASSERT_TRUE(Set(r, {"port", "7000", "bind", "127.0.0.1"}).ok());
  EXPECT_EQ(net_calls, 1);
  EXPECT_EQ(last_port, 7000);
  ASSERT_TRUE(Set(r, {"port", "7000"}).ok());
  EXPECT_EQ(net_calls, 1);  // unchanged: no hook
}

TEST(ConfigSet, FailingHookRollsEverythingBack) {
  ConfigRegistry r;
  std::vector<int64_t> seen_maxmemory;
  ASSERT_TRUE(r.SetApplyHook({"maxmemory"}, [&](const ServerConfig& c) {
                 seen_maxmemory.push_back(static_cast<int64_t>(c.maxmemory));
                 return Status::OK();
               }).ok());
  ASSERT_TRUE(r.SetApplyHook({"maxclients"}, [](const ServerConfig& c) {
                 if (c.maxclients > 1000) {
                   return Status::IOError(
                       "The operating system is not able to handle the specified number of "
                       "clients, try with 1000");
                 }
                 return Status::OK();
               }).ok());
  ConfigReply rep = Set(r, {"maxmemory", "5mb", "maxclients", "5000", "timeout", "9"});
  EXPECT_EQ(rep.error,
            "ERR CONFIG SET failed (possibly related to argument 'maxclients') - The operating "
            "system is not able to handle the specified number of clients, try with 1000");
  EXPECT_EQ(r.config().maxmemory, 0u);
  EXPECT_EQ(r.config().maxclients, 10000u);
  EXPECT_EQ(r.config().timeout, 0);
  // Applied with the new value, then re-applied with the old one.
  EXPECT_EQ(seen_maxmemory, (std::vector<int64_t>{5 << 20, 0}));
}

TEST_F(ConfigTest, DirChangesTheWorkingDirectoryAndRollsBack) {
  ConfigRegistry r;
  ASSERT_TRUE(r.LoadFromString("enable-protected-configs yes").ok());
  fs::create_directories(dir_ / "data");
  ASSERT_TRUE(Set(r, {"dir", (dir_ / "data").string()}).ok());
  EXPECT_EQ(fs::current_path(), dir_ / "data");
  EXPECT_EQ(Get1(r, "dir"), (dir_ / "data").string());
  EXPECT_EQ(Set(r, {"dir", "/nonexistent/replikv"}).error,
            "ERR CONFIG SET failed (possibly related to argument 'dir') - No such file or "
            "directory");
  ASSERT_TRUE(r.SetApplyHook({"timeout"}, [](const ServerConfig&) {
                 return Status::InvalidArgument("nope");
               }).ok());
  EXPECT_FALSE(Set(r, {"dir", dir_.string(), "timeout", "5"}).ok());
  EXPECT_EQ(fs::current_path(), dir_ / "data");
  EXPECT_EQ(r.config().dir, (dir_ / "data").string());
}

TEST_F(ConfigTest, ApplyAllChangesDirectoryAndRunsEachHookOnce) {
  fs::create_directories(dir_ / "d");
  ConfigRegistry r;
  ASSERT_TRUE(r.LoadFromString("dir " + (dir_ / "d").string()).ok());
  int calls = 0;
  ASSERT_TRUE(r.SetApplyHook({"port", "bind", "tcp-backlog"}, [&](const ServerConfig&) {
                 ++calls;
                 return Status::OK();
               }).ok());
  ASSERT_TRUE(r.ApplyAll().ok());
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(fs::current_path(), dir_ / "d");
  EXPECT_EQ(r.config().dir, (dir_ / "d").string());
}

// ---- CONFIG REWRITE -----------------------------------------------------------

TEST(ConfigRewrite, WithoutAFileIsAnError) {
  ConfigRegistry r;
  EXPECT_EQ(r.Rewrite().error, "ERR The server is running without a config file");
}

TEST_F(ConfigTest, RewriteKeepsCommentsAndUpdatesLinesInPlace) {
  fs::path conf = dir_ / "redis.conf";
  WriteFile(conf,
            "# top comment\n"
            "port 1234\n"
            "  # indented comment\n"
            "slave-read-only no\n"
            "\n"
            "save 900 1\n"
            "save 300 10\n"
            "maxmemory 1mb\n"
            "MaxMemory-Policy allkeys-lru\n"
            "rename-command FLUSHALL \"\"\n"
            "hz 20\n"
            "list-max-ziplist-entries 5\n"
            "slaveof 127.0.0.1 9999\n"
            "replicaof 127.0.0.1 9998\n"
            "# final comment\n");
  chmod(conf.c_str(), 0640);
  fs::current_path(dir_);
  ConfigRegistry r;
  ASSERT_TRUE(r.LoadFromFile(conf.string()).ok());
  r.mutable_config()->replicaof_host.clear();  // as after REPLICAOF NO ONE
  ASSERT_TRUE(Set(r, {"maxmemory", "2mb", "hz", "10", "save", "60 100", "slowlog-max-len", "5",
                      "masterauth", "a\"b c", "client-output-buffer-limit", "pubsub 1mb 2mb 3",
                      "auto-aof-rewrite-min-size", "2048"})
                  .ok());
  ASSERT_TRUE(r.Rewrite().ok());
  EXPECT_EQ(ReadFile(conf),
            "# top comment\n"
            "port 1234\n"
            "# indented comment\n"
            "replica-read-only no\n"
            "\n"
            "save 60 100\n"
            "\n"
            "maxmemory 2mb\n"
            "maxmemory-policy allkeys-lru\n"
            "rename-command FLUSHALL \"\"\n"
            "hz 10\n"
            "# ??? list-max-ziplist-entries 5\n"
            "\n"
            "# final comment\n"
            "\n"
            "# Generated by CONFIG REWRITE\n"
            "dir \"" +
                dir_.string() +
                "\"\n"
                "masterauth \"a\\\"b c\"\n"
                "auto-aof-rewrite-min-size 2kb\n"
                "slowlog-max-len 5\n"
                "client-output-buffer-limit pubsub 1mb 2mb 3\n");
  struct stat st;
  ASSERT_EQ(stat(conf.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);

  // A second rewrite after another change appends without a second comment
  // and changes nothing else.
  ASSERT_TRUE(Set(r, {"timeout", "30"}).ok());
  ASSERT_TRUE(r.Rewrite().ok());
  std::string twice = ReadFile(conf);
  EXPECT_EQ(std::count(twice.begin(), twice.end(), '#'), 5);  // 4 comments + "# ???"
  EXPECT_TRUE(twice.ends_with("client-output-buffer-limit pubsub 1mb 2mb 3\n\ntimeout 30\n"))
      << twice;
  ASSERT_TRUE(r.Rewrite().ok());
  EXPECT_EQ(ReadFile(conf), twice);  // idempotent
}

TEST_F(ConfigTest, RewriteRoundTripReloadsTheSameValues) {
  fs::path conf = dir_ / "rt.conf";
  WriteFile(conf, "# keep me\nport 7001\nbind 127.0.0.1\n");
  fs::current_path(dir_);
  ConfigRegistry r;
  ASSERT_TRUE(r.LoadFromFile(conf.string()).ok());
  ASSERT_TRUE(Set(r, {"maxmemory",
                      "3000",
                      "maxmemory-policy",
                      "allkeys-lfu",
                      "save",
                      "",
                      "requirepass",
                      "s3cr et\n",
                      "notify-keyspace-events",
                      "Kx",
                      "client-output-buffer-limit",
                      "normal 1gb 1mb 0 replica 1 2 3",
                      "latency-tracking-info-percentiles",
                      "",
                      "shutdown-on-sigint",
                      "nosave now",
                      "maxmemory-clients",
                      "5%",
                      "oom-score-adj-values",
                      "1 2 3",
                      "bind",
                      "",
                      "appendfsync",
                      "always",
                      "list-max-listpack-size",
                      "-5",
                      "proc-title-template",
                      "{{x}} {title} }",
                      "replica-announce-ip",
                      ""})
                  .ok());
  ASSERT_TRUE(r.Rewrite().ok());
  std::string text = ReadFile(conf);
  EXPECT_TRUE(text.starts_with("# keep me\nport 7001\nbind \"\"\n")) << text;

  ConfigRegistry back;
  ASSERT_TRUE(back.LoadFromFile(conf.string()).ok()) << text;
  std::string_view all[] = {"*"};
  EXPECT_EQ(back.Get(all), r.Get(all)) << text;
  EXPECT_EQ(back.config().requirepass, "s3cr et\n");
  EXPECT_TRUE(back.config().save_points.empty());
}

TEST_F(ConfigTest, RewriteRecreatesAMissingFile) {
  fs::path conf = dir_ / "gone.conf";
  WriteFile(conf, "port 1\n");
  fs::current_path(dir_);
  ConfigRegistry r;
  ASSERT_TRUE(r.LoadFromFile(conf.string()).ok());
  fs::remove(conf);
  ASSERT_TRUE(r.Rewrite().ok());
  std::string text = ReadFile(conf);
  EXPECT_TRUE(text.starts_with("# Generated by CONFIG REWRITE\n")) << text;
  EXPECT_NE(text.find("port 1\n"), std::string::npos);
  EXPECT_NE(text.find("save 3600 1\nsave 300 100\nsave 60 10000\n"), std::string::npos);
  fs::remove_all(dir_);
  EXPECT_EQ(r.Rewrite().error, "ERR Rewriting config file: No such file or directory");
}

// ---- the stock file -----------------------------------------------------------

TEST_F(ConfigTest, DebianRedisConfLoadsAndRewrites) {
  const fs::path kStock = "/etc/redis/redis.conf";
  if (!fs::exists(kStock) || !fs::is_directory("/var/lib/redis")) {
    GTEST_SKIP() << "Debian's redis.conf not installed";
  }
  ConfigRegistry r;
  ASSERT_TRUE(LoadArgs(r, {kStock.string(), "--dir", dir_.string()}).ok());
  EXPECT_TRUE(r.config().daemonize);
  EXPECT_EQ(r.config().bind, (std::vector<std::string>{"127.0.0.1", "-::1"}));
  EXPECT_EQ(r.config().pidfile, "/run/redis/redis-server.pid");
  EXPECT_EQ(r.config().logfile, "/var/log/redis/redis-server.log");
  EXPECT_EQ(r.config().auto_aof_rewrite_min_size, 64 << 20);
  EXPECT_EQ(Get1(r, "client-output-buffer-limit"),
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60");

  // Rewriting a copy keeps all of its 2000-odd lines of comments.
  fs::path copy = dir_ / "redis.conf";
  fs::copy_file(kStock, copy);
  ConfigRegistry c;
  ASSERT_TRUE(LoadArgs(c, {copy.string(), "--dir", dir_.string()}).ok());
  ASSERT_TRUE(c.ApplyAll().ok());
  ASSERT_TRUE(Set(c, {"maxmemory", "100mb", "appendonly", "yes"}).ok());
  ASSERT_TRUE(c.Rewrite().ok());
  std::string before = ReadFile(kStock), after = ReadFile(copy);
  auto comments = [](const std::string& text) {
    std::istringstream in(text);
    std::string line;
    int n = 0;
    while (std::getline(in, line)) n += line.starts_with("#") ? 1 : 0;
    return n;
  };
  EXPECT_EQ(comments(after), comments(before) + 1);  // + "# Generated by CONFIG REWRITE"
  EXPECT_NE(after.find("\nappendonly yes\n"), std::string::npos);
  EXPECT_NE(after.find("\nmaxmemory 100mb\n"), std::string::npos);
}

TEST(ConfigRegistry, NotActedOnListsFlaggedDirectives) {
  auto list = ConfigRegistry::NotActedOn();
  auto has = [&](std::string_view n) {
    return std::find(list.begin(), list.end(), n) != list.end();
  };
  EXPECT_TRUE(has("tls-cert-file"));
  EXPECT_TRUE(has("io-threads"));
  EXPECT_FALSE(has("user"));  // the ACL applies `user` lines
  EXPECT_FALSE(has("aclfile"));
  EXPECT_FALSE(has("port"));
  EXPECT_FALSE(has("appendonly"));
  EXPECT_FALSE(has("maxmemory-clients"));        // client eviction
  EXPECT_FALSE(has("tracking-table-max-keys"));  // client tracking
}

}  // namespace
}  // namespace replikv
