// Interoperability with the real Redis 7.0: files written by RdbEncoder must
// pass redis-check-rdb and load into redis-server with the same values and
// OBJECT ENCODINGs; what Redis then saves must decode back to the same data.
// Skipped when redis-server / redis-check-rdb are not installed.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "persistence/format/file.h"
#include "persistence/format/rdb_decoder.h"
#include "persistence/format/rdb_encoder.h"
#include "persistence/tests/rdb_test_util.h"

namespace replikv::persistence {
namespace {

using testing::CollectingHandler;

constexpr int64_t kFar = 4102444800000;  // 2100-01-01

bool HaveRedis() {
  return std::system("command -v redis-server >/dev/null 2>&1 && "
                     "command -v redis-check-rdb >/dev/null 2>&1 && "
                     "command -v redis-cli >/dev/null 2>&1") == 0;
}

// Runs a shell command, returns its stdout and sets *status to the exit code.
std::string Shell(const std::string& cmd, int* status = nullptr) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  int rc = pclose(p);
  if (status != nullptr) *status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return out;
}

// One redis-server process on loopback with its own dir, loading dbfilename.
class RedisServer {
 public:
  RedisServer(std::string dir, std::string dbfilename)
      : dir_(std::move(dir)), dbfilename_(std::move(dbfilename)) {}
  ~RedisServer() { Stop(); }

  // Starts the server and waits (with a deadline) until it answers PING.
  bool Start() {
    std::mt19937 rng(static_cast<unsigned>(getpid()) ^
                     static_cast<unsigned>(std::chrono::steady_clock::now().time_since_epoch().count()));
    for (int attempt = 0; attempt < 5; ++attempt) {
      port_ = 20000 + static_cast<int>(rng() % 40000);
      pid_ = fork();
      if (pid_ == 0) {
        std::string port = std::to_string(port_);
        std::string log = dir_ + "/redis.log";
        execlp("redis-server", "redis-server", "--port", port.c_str(), "--bind", "127.0.0.1",
               "--dir", dir_.c_str(), "--dbfilename", dbfilename_.c_str(), "--save", "",
               "--appendonly", "no", "--sanitize-dump-payload", "yes", "--logfile", log.c_str(),
               static_cast<char*>(nullptr));
        _exit(127);
      }
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
      while (std::chrono::steady_clock::now() < deadline) {
        int st;
        if (waitpid(pid_, &st, WNOHANG) == pid_) {
          pid_ = -1;  // exited: port taken or load failed
          break;
        }
        if (Cli("PING") == "PONG\n") return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      Stop();
      std::string log = Shell("tail -5 '" + dir_ + "/redis.log' 2>/dev/null");
      if (log.find("Address already in use") == std::string::npos) {
        log_ = log;
        return false;
      }
    }
    return false;
  }

  void Stop() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }

  // redis-cli output (raw mode: one line per element).
  std::string Cli(const std::string& args, int db = 0) {
    return Shell("redis-cli -p " + std::to_string(port_) + " -n " + std::to_string(db) + " " +
               args + " 2>/dev/null");
  }
  const std::string& log() const { return log_; }

 private:
  std::string dir_;
  std::string dbfilename_;
  int port_ = 0;
  pid_t pid_ = -1;
  std::string log_;
};

class RdbInteropTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!HaveRedis()) GTEST_SKIP() << "redis-server/redis-check-rdb not installed";
    char tmpl[] = "/tmp/replikv_interop.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  // KEEP=1 in the environment keeps the directory (files, redis.log) for
  // debugging a failure.
  void TearDown() override {
    if (!dir_.empty() && !getenv("KEEP")) Shell("rm -rf '" + dir_ + "'");
  }

  // Writes `body` into <dir>/ours.rdb through the encoder.
  void WriteFile(const std::function<void(RdbEncoder&)>& body, RdbEncoderOptions opt = {}) {
    auto w = AtomicFileWriter::Create(dir_ + "/ours.rdb", "rdb");
    ASSERT_TRUE(w.ok());
    FileSink sink((*w)->file());
    RdbEncoder enc(&sink, opt);
    ASSERT_TRUE(enc.WriteHeader().ok());
    RdbAuxFields aux;
    aux.ctime = 1700000000;
    ASSERT_TRUE(enc.WriteAuxFields(aux).ok());
    body(enc);
    ASSERT_TRUE(enc.WriteEof().ok());
    ASSERT_TRUE((*w)->Commit().ok());
  }

  void ExpectCheckRdbAccepts() {
    int rc = 0;
    std::string out = Shell("redis-check-rdb '" + dir_ + "/ours.rdb' 2>&1", &rc);
    EXPECT_EQ(rc, 0) << out;
    EXPECT_NE(out.find("RDB looks OK"), std::string::npos) << out;
  }

  // Makes Redis save what it loaded and decodes that with our decoder.
  CollectingHandler SaveAndDecode(RedisServer& redis) {
    CollectingHandler h;
    EXPECT_EQ(redis.Cli("SAVE"), "OK\n");
    std::string data;
    EXPECT_TRUE(ReadFileToString(dir_ + "/ours.rdb", &data).ok());
    Status s = DecodeRdb(data, &h);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return h;
  }

  std::string dir_;
};

TEST_F(RdbInteropTest, EveryTypeLoadsIntoRedisWithTheSameEncodings) {
  std::vector<std::string> big_list;
  for (int i = 0; i < 3000; ++i) big_list.push_back("item-" + std::to_string(i * 37));
  std::vector<std::string_view> big_list_v(big_list.begin(), big_list.end());
  std::vector<std::string> many;
  for (int i = 0; i < 600; ++i) many.push_back(std::to_string(i * 3 - 500));
  std::vector<std::string_view> many_v(many.begin(), many.end());
  std::vector<std::pair<std::string, std::string>> big_hash;
  for (int i = 0; i < 600; ++i) big_hash.emplace_back("field" + std::to_string(i), "v" + std::to_string(i));
  std::vector<std::pair<std::string_view, std::string_view>> big_hash_v(big_hash.begin(), big_hash.end());
  std::vector<std::pair<std::string, double>> big_zset;
  for (int i = 0; i < 200; ++i) big_zset.emplace_back("m" + std::to_string(i), i * 0.5 - 3);
  std::vector<std::pair<std::string_view, double>> big_zset_v(big_zset.begin(), big_zset.end());
  std::string long_text(5000, 'L');

  WriteFile([&](RdbEncoder& e) {
    ASSERT_TRUE(e.WriteSelectDb(0).ok());
    ASSERT_TRUE(e.WriteResizeDb(13, 2).ok());
    ASSERT_TRUE(e.WriteStringEntry("s:int", "12345").ok());
    ASSERT_TRUE(e.WriteStringEntry("s:embstr", "hello").ok());
    ASSERT_TRUE(e.WriteStringEntry("s:raw", long_text, kFar).ok());
    ASSERT_TRUE(e.WriteStringEntry("s:bigint", "-9223372036854775808").ok());
    std::vector<std::string_view> small_list = {"a", "1", "-4096", "4095", "-32768", "8388607",
                                                "2147483647", "9223372036854775807", ""};
    ASSERT_TRUE(e.WriteListEntry("l:small", small_list).ok());
    ASSERT_TRUE(e.WriteListEntry("l:big", big_list_v, kFar + 1).ok());
    std::vector<std::string_view> ints = {"5", "-3", "70000", "9223372036854775807"};
    ASSERT_TRUE(e.WriteSetEntry("set:intset", ints).ok());
    ASSERT_TRUE(e.WriteSetEntry("set:manyints", many_v).ok());
    std::vector<std::string_view> strs = {"x", "y", "zz"};
    ASSERT_TRUE(e.WriteSetEntry("set:strs", strs).ok());
    std::vector<std::pair<std::string_view, std::string_view>> small_hash = {{"f1", "v1"}, {"n", "-7"}};
    ASSERT_TRUE(e.WriteHashEntry("h:small", small_hash).ok());
    ASSERT_TRUE(e.WriteHashEntry("h:big", big_hash_v).ok());
    std::vector<std::pair<std::string_view, double>> small_zset = {
        {"a", 1.5}, {"b", -INFINITY}, {"c", 0.1}, {"d", 100}, {"e", INFINITY}};
    ASSERT_TRUE(e.WriteZsetEntry("z:small", small_zset).ok());
    ASSERT_TRUE(e.WriteZsetEntry("z:big", big_zset_v).ok());
    ASSERT_TRUE(e.WriteSelectDb(5).ok());
    ASSERT_TRUE(e.WriteResizeDb(1, 0).ok());
    ASSERT_TRUE(e.WriteStringEntry("in5", "five").ok());
  });
  ExpectCheckRdbAccepts();
  RedisServer redis(dir_, "ours.rdb");
  ASSERT_TRUE(redis.Start()) << redis.log();
  EXPECT_EQ(redis.Cli("DBSIZE"), "13\n");
  EXPECT_EQ(redis.Cli("DBSIZE", 5), "1\n");
  EXPECT_EQ(redis.Cli("GET in5", 5), "five\n");

  struct Want {
    const char* key;
    const char* type;
    const char* encoding;
  } wants[] = {
      {"s:int", "string", "int"},         {"s:embstr", "string", "embstr"},
      {"s:raw", "string", "raw"},         {"l:small", "list", "quicklist"},
      {"l:big", "list", "quicklist"},     {"set:intset", "set", "intset"},
      {"set:manyints", "set", "hashtable"}, {"set:strs", "set", "hashtable"},
      {"h:small", "hash", "listpack"},    {"h:big", "hash", "hashtable"},
      {"z:small", "zset", "listpack"},    {"z:big", "zset", "skiplist"},
  };
  for (const Want& w : wants) {
    EXPECT_EQ(redis.Cli(std::string("TYPE ") + w.key), std::string(w.type) + "\n") << w.key;
    EXPECT_EQ(redis.Cli(std::string("OBJECT ENCODING ") + w.key), std::string(w.encoding) + "\n")
        << w.key;
  }
  EXPECT_EQ(redis.Cli("GET s:int"), "12345\n");
  EXPECT_EQ(redis.Cli("GET s:raw"), long_text + "\n");
  EXPECT_EQ(redis.Cli("PEXPIRETIME s:raw"), std::to_string(kFar) + "\n");
  EXPECT_EQ(redis.Cli("PEXPIRETIME l:big"), std::to_string(kFar + 1) + "\n");
  EXPECT_EQ(redis.Cli("PEXPIRETIME s:int"), "-1\n");
  EXPECT_EQ(redis.Cli("LRANGE l:small 0 -1"),
            "a\n1\n-4096\n4095\n-32768\n8388607\n2147483647\n9223372036854775807\n\n");
  std::string want_list;
  for (const auto& s : big_list) want_list += s + "\n";
  EXPECT_EQ(redis.Cli("LRANGE l:big 0 -1"), want_list);
  EXPECT_EQ(redis.Cli("SMEMBERS set:intset"), "-3\n5\n70000\n9223372036854775807\n");
  EXPECT_EQ(redis.Cli("SCARD set:manyints"), "600\n");
  EXPECT_EQ(redis.Cli("HGETALL h:small"), "f1\nv1\nn\n-7\n");
  EXPECT_EQ(redis.Cli("HGET h:big field123"), "v123\n");
  EXPECT_EQ(redis.Cli("ZRANGE z:small 0 -1 WITHSCORES"),
            "b\n-inf\nc\n0.10000000000000001\na\n1.5\nd\n100\ne\ninf\n");
  EXPECT_EQ(redis.Cli("ZSCORE z:big m7"), "0.5\n");
  EXPECT_EQ(redis.Cli("ZRANK z:big m199"), "199\n");
  EXPECT_EQ(redis.Cli("DEBUG DIGEST-VALUE l:big").empty(), false);

  // Full circle: what Redis saves decodes to what we wrote.
  CollectingHandler h = SaveAndDecode(redis);
  EXPECT_EQ(h.entries.size(), 14u);
  ASSERT_NE(h.Find("l:big"), nullptr);
  EXPECT_EQ(h.Find("l:big")->value.elems, big_list);
  EXPECT_EQ(h.Find("l:big")->expire_ms, kFar + 1);
  ASSERT_NE(h.Find("h:big"), nullptr);
  auto pairs = h.Find("h:big")->value.pairs;
  std::sort(pairs.begin(), pairs.end());
  auto want_pairs = big_hash;
  std::sort(want_pairs.begin(), want_pairs.end());
  EXPECT_EQ(pairs, want_pairs);
  ASSERT_NE(h.Find("z:big"), nullptr);
  auto zset = h.Find("z:big")->value.zset;
  std::sort(zset.begin(), zset.end());
  auto want_zset = big_zset;
  std::sort(want_zset.begin(), want_zset.end());
  EXPECT_EQ(zset, want_zset);
}

TEST_F(RdbInteropTest, ListpackEdgeSizesAndPlainNodesLoad) {
  // Entries whose sizes sit on the listpack backlen and string-length
  // boundaries, and elements big enough for plain quicklist nodes.
  std::vector<std::string> elems;
  for (size_t n : {size_t{62}, size_t{63}, size_t{64}, size_t{125}, size_t{126}, size_t{127},
                   size_t{4094}, size_t{4095}, size_t{4096}, size_t{16377}, size_t{16378},
                   size_t{16379}, size_t{70000}}) {
    elems.push_back(std::string(n, static_cast<char>('a' + n % 26)));
  }
  std::vector<std::string_view> v(elems.begin(), elems.end());
  for (bool plain : {false, true}) {
    SCOPED_TRACE(plain ? "plain nodes" : "packed nodes");
    RdbEncoderOptions opt;
    opt.compression = false;
    if (plain) opt.limits.list_packed_threshold = 4096;
    WriteFile([&](RdbEncoder& e) {
      ASSERT_TRUE(e.WriteSelectDb(0).ok());
      ASSERT_TRUE(e.WriteListEntry("edges", v).ok());
    }, opt);
    ExpectCheckRdbAccepts();
    RedisServer redis(dir_, "ours.rdb");
    ASSERT_TRUE(redis.Start()) << redis.log();
    std::string want;
    for (const auto& s : elems) want += s + "\n";
    EXPECT_EQ(redis.Cli("LRANGE edges 0 -1"), want);
    CollectingHandler h = SaveAndDecode(redis);
    ASSERT_EQ(h.entries.size(), 1u);
    EXPECT_EQ(h.entries[0].value.elems, elems);
  }
}

TEST_F(RdbInteropTest, UncompressedFileWithoutChecksumLoads) {
  RdbEncoderOptions opt;
  opt.compression = false;
  opt.checksum = false;
  WriteFile([&](RdbEncoder& e) {
    ASSERT_TRUE(e.WriteSelectDb(0).ok());
    ASSERT_TRUE(e.WriteStringEntry("k", std::string(1000, 'c')).ok());
  }, opt);
  ExpectCheckRdbAccepts();
  RedisServer redis(dir_, "ours.rdb");
  ASSERT_TRUE(redis.Start()) << redis.log();
  EXPECT_EQ(redis.Cli("STRLEN k"), "1000\n");
}

TEST_F(RdbInteropTest, EmptyCollectionsAreSkippedByRedisToo) {
  WriteFile([&](RdbEncoder& e) {
    ASSERT_TRUE(e.WriteSelectDb(0).ok());
    ASSERT_TRUE(e.WriteListEntry("l", {}).ok());
    ASSERT_TRUE(e.WriteSetEntry("s", {}).ok());
    ASSERT_TRUE(e.WriteHashEntry("h", {}).ok());
    ASSERT_TRUE(e.WriteZsetEntry("z", {}).ok());
    ASSERT_TRUE(e.WriteStringEntry("str", "").ok());
  });
  RedisServer redis(dir_, "ours.rdb");
  ASSERT_TRUE(redis.Start()) << redis.log();
  EXPECT_EQ(redis.Cli("DBSIZE"), "1\n");
  EXPECT_EQ(redis.Cli("EXISTS str"), "1\n");
  CollectingHandler h;
  std::string data;
  RdbLoadStats stats;
  ASSERT_TRUE(ReadFileToString(dir_ + "/ours.rdb", &data).ok());
  ASSERT_TRUE(DecodeRdb(data, &h, {}, &stats).ok());
  EXPECT_EQ(stats.empty_keys_skipped, 4u);
  EXPECT_EQ(h.entries.size(), 1u);
}

TEST_F(RdbInteropTest, FunctionLibraryLoads) {
  WriteFile([&](RdbEncoder& e) {
    ASSERT_TRUE(e.WriteFunction("#!lua name=ourlib\n"
                                "redis.register_function('ourfunc', function(keys, args) "
                                "return 42 end)")
                    .ok());
  });
  ExpectCheckRdbAccepts();
  RedisServer redis(dir_, "ours.rdb");
  ASSERT_TRUE(redis.Start()) << redis.log();
  EXPECT_EQ(redis.Cli("FCALL ourfunc 0"), "42\n");
}

TEST_F(RdbInteropTest, RedisRefusesADamagedFileAsWeDo) {
  WriteFile([&](RdbEncoder& e) {
    ASSERT_TRUE(e.WriteSelectDb(0).ok());
    ASSERT_TRUE(e.WriteStringEntry("k", "value").ok());
  });
  std::string data;
  ASSERT_TRUE(ReadFileToString(dir_ + "/ours.rdb", &data).ok());
  data[data.size() - 12] ^= 0x20;  // inside the value
  ASSERT_TRUE(WriteFileAtomically(dir_ + "/ours.rdb", "tmp", data).ok());
  int rc = 0;
  Shell("redis-check-rdb '" + dir_ + "/ours.rdb' 2>&1", &rc);
  EXPECT_NE(rc, 0);
  CollectingHandler h;
  EXPECT_TRUE(DecodeRdb(data, &h).IsCorruption());
}

}  // namespace
}  // namespace replikv::persistence
