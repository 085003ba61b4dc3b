// The AOF loader and scanner on whole, truncated and damaged files.
//
// Files are written by hand in the RESP form Redis writes (SELECT, then the
// commands, MULTI/EXEC around transactions, '#TS:' annotations), loaded into
// a tiny socketless Server (the pattern of server/tests/command_fixture.h),
// and the result compared by dataset digest with a reference server that
// ran the same commands directly.
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <uv.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "persistence/aof_loader.h"
#include "persistence/format/aof_manifest.h"
#include "persistence/aof_rewrite.h"
#include "server/net/client.h"
#include "server/config/config.h"
#include "server/commands/digest.h"
#include "server/propagate.h"
#include "server/server.h"

namespace replikv::persistence {
namespace {

using Cmd = std::vector<std::string>;

std::string Resp(const Cmd& argv) {
  std::vector<std::string_view> v(argv.begin(), argv.end());
  std::string out;
  Propagator::EncodeCommand(v, &out);
  return out;
}

// A server without sockets; commands run as from the network.
class TinyServer {
 public:
  TinyServer() {
    server_ = std::make_unique<Server>(registry_);
    auto c = std::make_unique<Client>(*server_, server_->NextClientId());
    client_ = c.get();
    client_->authenticated = true;
    server_->AddClient(std::move(c));
  }
  ~TinyServer() {
    client_->Close();
    uv_run(server_->loop(), UV_RUN_NOWAIT);
  }
  TinyServer(const TinyServer&) = delete;
  TinyServer& operator=(const TinyServer&) = delete;

  void Exec(const Cmd& args) {
    std::vector<std::string_view> argv(args.begin(), args.end());
    server_->ExecuteCommand(*client_, argv);
    client_->reply().Clear();
  }
  std::string Digest() { return DigestHex(DatasetDigest(server_->keyspace())); }
  Server& server() { return *server_; }

 private:
  ConfigRegistry registry_;
  std::unique_ptr<Server> server_;
  Client* client_ = nullptr;
};

// One atomic piece of an AOF: a command, a MULTI..EXEC block, or an
// annotation line. A file cut inside a unit keeps none of it.
struct Unit {
  std::vector<Cmd> cmds;  // empty for an annotation
  std::string bytes;
};

Unit Command(const Cmd& c) { return Unit{{c}, Resp(c)}; }
Unit Transaction(const std::vector<Cmd>& body) {
  Unit u;
  u.cmds.push_back({"MULTI"});
  for (const Cmd& c : body) u.cmds.push_back(c);
  u.cmds.push_back({"EXEC"});
  for (const Cmd& c : u.cmds) u.bytes += Resp(c);
  return u;
}
Unit Annotation(const std::string& line) { return Unit{{}, line + "\r\n"}; }

// The small AOF every boundary test walks: two dbs, a transaction, an
// annotation, an absolute expire, a delete.
std::vector<Unit> SmallAof() {
  return {
      Command({"SELECT", "0"}),
      Command({"SET", "a", "1"}),
      Command({"SET", "b", "hello"}),
      Transaction({{"SET", "c", "3"}, {"INCR", "a"}}),
      Annotation("#TS:1700000000"),
      Command({"SELECT", "1"}),
      Command({"SET", "d", "4"}),
      Command({"PEXPIREAT", "d", "32503680000000"}),
      Command({"SELECT", "0"}),
      Command({"DEL", "b"}),
  };
}

std::string Join(const std::vector<Unit>& units) {
  std::string out;
  for (const Unit& u : units) out += u.bytes;
  return out;
}

class AofLoaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Hundreds of deliberate truncation warnings would bury real output.
    spdlog::set_level(spdlog::level::err);
    char tmpl[] = "/tmp/aof_loader_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::filesystem::remove_all(dir_);
    spdlog::set_level(spdlog::level::info);
  }

  std::string PathOf(const std::string& name) const { return dir_ + "/" + name; }
  void Write(const std::string& name, std::string_view bytes) {
    std::ofstream f(PathOf(name), std::ios::binary | std::ios::trunc);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  uint64_t SizeOf(const std::string& name) const { return std::filesystem::file_size(PathOf(name)); }

  // base (AOF commands) + incr files, in that order.
  static AofManifest Manifest(const std::string& base, const std::vector<std::string>& incrs) {
    AofManifest m;
    if (!base.empty()) m.base = AofFileInfo{base, 1, AofFileType::kBase};
    int64_t seq = 0;
    for (const std::string& name : incrs) m.incrs.push_back(AofFileInfo{name, ++seq, AofFileType::kIncr});
    m.base_seq = 1;
    m.incr_seq = seq;
    return m;
  }

  Status Load(TinyServer& s, const AofManifest& m, bool load_truncated, AofLoadStats* stats = nullptr) {
    AofLoadStats local;
    return LoadAofFiles(s.server(), dir_, m, load_truncated, nullptr, stats ? stats : &local);
  }

  std::string dir_;
};

// The digests a reference server reaches after the first k units, k = 0..n,
// with `prelude` run first.
std::vector<std::string> ReferenceDigests(const std::vector<Unit>& units, const std::vector<Cmd>& prelude) {
  TinyServer ref;
  for (const Cmd& c : prelude) ref.Exec(c);
  std::vector<std::string> out{ref.Digest()};
  for (const Unit& u : units) {
    for (const Cmd& c : u.cmds) ref.Exec(c);
    out.push_back(ref.Digest());
  }
  return out;
}

TEST_F(AofLoaderTest, WholeFileLoadsLikeTheCommandsRan) {
  std::vector<Unit> units = SmallAof();
  Write("base.aof", Resp({"SET", "base", "1"}));
  Write("incr.aof", Join(units));
  TinyServer s;
  AofLoadStats stats;
  ASSERT_TRUE(Load(s, Manifest("base.aof", {"incr.aof"}), false, &stats).ok());
  EXPECT_EQ(s.Digest(), ReferenceDigests(units, {{"SET", "base", "1"}}).back());
  EXPECT_EQ(stats.commands, 1u + 12u);  // the base's SET, then 12 commands (annotations are not commands)
  EXPECT_EQ(stats.bytes, SizeOf("base.aof") + SizeOf("incr.aof"));
  EXPECT_EQ(stats.truncated_bytes, 0u);
}

// Cut the last file at every byte: whole units load, the rest is cut off
// (and the file truncated) only with aof-load-truncated yes.
TEST_F(AofLoaderTest, TruncatedLastFileAtEveryByte) {
  const std::vector<Unit> units = SmallAof();
  const std::string whole = Join(units);
  const std::vector<Cmd> prelude = {{"SET", "base", "1"}};
  const std::vector<std::string> digests = ReferenceDigests(units, prelude);
  Write("base.aof", Resp(prelude[0]));
  const AofManifest m = Manifest("base.aof", {"incr.aof"});
  for (size_t len = 0; len <= whole.size(); ++len) {
    SCOPED_TRACE("length " + std::to_string(len));
    // The units wholly inside the first `len` bytes.
    size_t k = 0, boundary = 0;
    while (k < units.size() && boundary + units[k].bytes.size() <= len) boundary += units[k++].bytes.size();

    Write("incr.aof", std::string_view(whole).substr(0, len));
    {
      TinyServer s;
      AofLoadStats stats;
      Status st = Load(s, m, /*load_truncated=*/true, &stats);
      ASSERT_TRUE(st.ok()) << st.ToString();
      EXPECT_EQ(s.Digest(), digests[k]);
      EXPECT_EQ(SizeOf("incr.aof"), boundary);
      EXPECT_EQ(stats.truncated_bytes, len - boundary);
    }
    Write("incr.aof", std::string_view(whole).substr(0, len));
    {
      TinyServer s;
      Status st = Load(s, m, /*load_truncated=*/false);
      if (len == boundary) {
        EXPECT_TRUE(st.ok()) << st.ToString();
        EXPECT_EQ(s.Digest(), digests[k]);
      } else {
        ASSERT_TRUE(st.IsCorruption()) << st.ToString();
        EXPECT_NE(st.message().find("Unexpected end of file"), std::string::npos) << st.message();
        EXPECT_NE(st.message().find("incr.aof at offset " + std::to_string(boundary)), std::string::npos)
            << st.message();
        EXPECT_EQ(SizeOf("incr.aof"), len);  // refused: nothing was cut
      }
    }
  }
}

// The scanner agrees with the loader at every byte.
TEST_F(AofLoaderTest, ScanAtEveryByteReportsTheLastWholeUnit) {
  const std::vector<Unit> units = SmallAof();
  const std::string whole = Join(units);
  for (size_t len = 0; len <= whole.size(); ++len) {
    SCOPED_TRACE("length " + std::to_string(len));
    size_t k = 0, boundary = 0;
    while (k < units.size() && boundary + units[k].bytes.size() <= len) boundary += units[k++].bytes.size();
    Write("f.aof", std::string_view(whole).substr(0, len));
    auto scan = ScanAofCommands(PathOf("f.aof"));
    ASSERT_TRUE(scan.ok()) << scan.status().ToString();
    EXPECT_TRUE(scan->error.empty()) << scan->error;
    EXPECT_EQ(scan->valid_bytes, boundary);
    EXPECT_EQ(scan->file_bytes, len);
    EXPECT_EQ(scan->truncated, boundary < len);
  }
}

TEST_F(AofLoaderTest, TruncatedFileThatIsNotLastIsRefusedEvenWithLoadTruncated) {
  std::string first = Resp({"SET", "a", "1"}) + Resp({"SET", "b", "2"});
  Write("1.incr.aof", first.substr(0, first.size() - 3));
  Write("2.incr.aof", Resp({"SET", "c", "3"}));
  TinyServer s;
  Status st = Load(s, Manifest("", {"1.incr.aof", "2.incr.aof"}), /*load_truncated=*/true);
  ASSERT_TRUE(st.IsCorruption()) << st.ToString();
  EXPECT_NE(st.message().find("1.incr.aof at offset " + std::to_string(Resp({"SET", "a", "1"}).size())),
            std::string::npos)
      << st.message();
  EXPECT_EQ(SizeOf("1.incr.aof"), first.size() - 3);
}

TEST_F(AofLoaderTest, TruncatedBaseIsCutWhenItIsTheOnlyFile) {
  std::string base = Resp({"SET", "a", "1"}) + Resp({"SET", "b", "2"});
  Write("base.aof", base.substr(0, base.size() - 1));
  TinyServer s;
  ASSERT_TRUE(Load(s, Manifest("base.aof", {}), true).ok());
  EXPECT_EQ(SizeOf("base.aof"), Resp({"SET", "a", "1"}).size());
  TinyServer ref;
  ref.Exec({"SET", "a", "1"});
  EXPECT_EQ(s.Digest(), ref.Digest());
}

TEST_F(AofLoaderTest, UnfinishedMultiAtTheEndIsReverted) {
  const std::string head = Resp({"SET", "a", "1"});
  const std::string open_multi = Resp({"MULTI"}) + Resp({"SET", "x", "1"}) + Resp({"INCR", "a"});
  Write("incr.aof", head + open_multi);
  {
    TinyServer s;
    Status st = Load(s, Manifest("", {"incr.aof"}), /*load_truncated=*/false);
    ASSERT_TRUE(st.IsCorruption()) << st.ToString();
    EXPECT_NE(st.message().find("at offset " + std::to_string(head.size())), std::string::npos) << st.message();
    EXPECT_EQ(SizeOf("incr.aof"), head.size() + open_multi.size());
  }
  TinyServer s;
  AofLoadStats stats;
  ASSERT_TRUE(Load(s, Manifest("", {"incr.aof"}), /*load_truncated=*/true, &stats).ok());
  TinyServer ref;
  ref.Exec({"SET", "a", "1"});
  EXPECT_EQ(s.Digest(), ref.Digest());  // neither x nor the INCR
  EXPECT_EQ(SizeOf("incr.aof"), head.size());
  EXPECT_EQ(stats.truncated_bytes, open_multi.size());

  auto scan = ScanAofCommands(PathOf("incr.aof"));
  ASSERT_TRUE(scan.ok());
  EXPECT_FALSE(scan->truncated);
  Write("again.aof", head + open_multi);
  scan = ScanAofCommands(PathOf("again.aof"));
  ASSERT_TRUE(scan.ok());
  EXPECT_TRUE(scan->truncated);
  EXPECT_TRUE(scan->open_multi);
  EXPECT_EQ(scan->valid_bytes, head.size());
}

TEST_F(AofLoaderTest, TimestampAnnotationsAreSkipped) {
  std::string text = "#TS:1700000000\r\n" + Resp({"SET", "a", "1"}) + "#TS:1700000001\r\n#TS:1700000002\r\n" +
                     Resp({"MULTI"}) + "#TS:1700000003\r\n" + Resp({"SET", "b", "2"}) + Resp({"EXEC"}) +
                     "#TS:1700000004\r\n";
  Write("incr.aof", text);
  TinyServer s;
  AofLoadStats stats;
  ASSERT_TRUE(Load(s, Manifest("", {"incr.aof"}), false, &stats).ok());
  EXPECT_EQ(stats.commands, 4u);
  TinyServer ref;
  ref.Exec({"SET", "a", "1"});
  ref.Exec({"SET", "b", "2"});
  EXPECT_EQ(s.Digest(), ref.Digest());
  auto scan = ScanAofCommands(PathOf("incr.aof"));
  ASSERT_TRUE(scan.ok());
  EXPECT_EQ(scan->valid_bytes, text.size());
  EXPECT_FALSE(scan->truncated);
}

// The loader reads 1 MiB at a time: an annotation line or a command split
// across two reads must come out whole.
TEST_F(AofLoaderTest, AnnotationAndCommandSplitAcrossReads) {
  constexpr size_t kChunk = 1 << 20;
  for (size_t before : {kChunk - 1, kChunk - 5, kChunk - 16, kChunk + 3}) {
    SCOPED_TRACE("annotation at " + std::to_string(before));
    // A SET whose value pads the file so the annotation starts at `before`.
    const std::string pad_head = Resp({"SET", "pad", ""});
    std::string value(before - pad_head.size() - 8, 'v');  // the value's length line grows by its digits
    std::string text = Resp({"SET", "pad", value});
    while (text.size() < before) {
      value += 'v';
      text = Resp({"SET", "pad", value});
    }
    ASSERT_EQ(text.size(), before);
    text += "#TS:1700000000\r\n" + Resp({"SET", "after", std::string(100, 'x')});
    Write("incr.aof", text);
    TinyServer s;
    Status st = Load(s, Manifest("", {"incr.aof"}), false);
    ASSERT_TRUE(st.ok()) << st.ToString();
    TinyServer ref;
    ref.Exec({"SET", "pad", value});
    ref.Exec({"SET", "after", std::string(100, 'x')});
    EXPECT_EQ(s.Digest(), ref.Digest());
    auto scan = ScanAofCommands(PathOf("incr.aof"));
    ASSERT_TRUE(scan.ok());
    EXPECT_EQ(scan->valid_bytes, text.size());
    EXPECT_TRUE(scan->error.empty()) << scan->error;
  }
}

struct Damage {
  const char* name;
  size_t at;           // byte of the second command to overwrite
  char with;
  const char* reason;  // expected in the error
};

TEST_F(AofLoaderTest, GarbageInTheMiddleIsCorruptionWithTheOffset) {
  const std::string first = Resp({"SET", "a", "1"});
  const std::string second = Resp({"SET", "b", "2"});  // *3\r\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\n2\r\n
  const std::string third = Resp({"SET", "c", "3"});
  const Damage cases[] = {
      {"not a command start", 0, 'X', "expected '*'"},
      {"bad count", 1, 'z', "invalid multibulk length"},
      {"no '$'", 4, '!', "expected '$'"},
      {"bad bulk length", 5, 'q', "invalid bulk length"},
  };
  for (const Damage& d : cases) {
    SCOPED_TRACE(d.name);
    std::string bad = second;
    bad[d.at] = d.with;
    Write("incr.aof", first + bad + third);
    for (bool load_truncated : {false, true}) {
      TinyServer s;
      Status st = Load(s, Manifest("", {"incr.aof"}), load_truncated);
      ASSERT_TRUE(st.IsCorruption()) << st.ToString();
      EXPECT_NE(st.message().find("Bad file format reading the append only file incr.aof at offset " +
                                  std::to_string(first.size())),
                std::string::npos)
          << st.message();
      EXPECT_NE(st.message().find(d.reason), std::string::npos) << st.message();
      EXPECT_NE(st.message().find("replikv-check-aof --fix"), std::string::npos) << st.message();
      EXPECT_EQ(SizeOf("incr.aof"), first.size() + bad.size() + third.size());  // never cut
    }
    auto scan = ScanAofCommands(PathOf("incr.aof"));
    ASSERT_TRUE(scan.ok());
    EXPECT_EQ(scan->valid_bytes, first.size());
    EXPECT_NE(scan->error.find(d.reason), std::string::npos) << scan->error;
  }
}

TEST_F(AofLoaderTest, GarbageInTheBaseNamesTheBase) {
  Write("base.aof", Resp({"SET", "a", "1"}) + "garbage\r\n");
  Write("incr.aof", Resp({"SET", "b", "2"}));
  TinyServer s;
  Status st = Load(s, Manifest("base.aof", {"incr.aof"}), true);
  ASSERT_TRUE(st.IsCorruption()) << st.ToString();
  EXPECT_NE(st.message().find("base.aof at offset " + std::to_string(Resp({"SET", "a", "1"}).size())),
            std::string::npos)
      << st.message();
}

TEST_F(AofLoaderTest, EmptyMultibulkIsCorruptionAsInRedis) {
  // redis-server 7.0 refuses "*0" in an AOF ("Bad file format").
  const std::string first = Resp({"SET", "a", "1"});
  for (std::string empty : {"*0\r\n", "*-1\r\n"}) {
    Write("incr.aof", first + empty + Resp({"SET", "b", "2"}));
    TinyServer s;
    Status st = Load(s, Manifest("", {"incr.aof"}), true);
    ASSERT_TRUE(st.IsCorruption()) << st.ToString();
    EXPECT_NE(st.message().find("at offset " + std::to_string(first.size())), std::string::npos) << st.message();
  }
}

TEST_F(AofLoaderTest, UnknownCommandStopsTheLoadAsInRedis) {
  // redis-server refuses the AOF ("Unknown command 'FOO' reading the
  // append only file ..."); replaying the rest without it would lose a
  // write silently. Known commands that fail (WRONGTYPE, bad arguments)
  // are ignored, as Redis ignores their replies.
  Write("incr.aof", Resp({"SET", "a", "1"}) + Resp({"INCRBY", "a", "notanumber"}) + Resp({"GET", "a"}) +
                        Resp({"FOO", "a"}) + Resp({"SET", "b", "2"}));
  TinyServer s;
  Status st = Load(s, Manifest("", {"incr.aof"}), true);
  ASSERT_TRUE(st.IsCorruption()) << st.ToString();
  EXPECT_NE(st.message().find("Unknown command 'FOO' reading the append only file incr.aof"), std::string::npos)
      << st.message();
}

TEST_F(AofLoaderTest, ScanIsStricterThanTheLoaderLikeRedisCheckAof) {
  // A bulk not followed by CRLF: redis-server skips the two bytes unread,
  // redis-check-aof reports them.
  const std::string first = Resp({"SET", "a", "1"});
  std::string bad = Resp({"SET", "b", "2"});
  bad[bad.size() - 2] = 'x';
  Write("crlf.aof", first + bad);
  auto scan = ScanAofCommands(PathOf("crlf.aof"));
  ASSERT_TRUE(scan.ok());
  EXPECT_EQ(scan->valid_bytes, first.size());
  EXPECT_NE(scan->error.find("\\r\\n"), std::string::npos) << scan->error;
  {
    TinyServer s;
    EXPECT_TRUE(Load(s, Manifest("", {"crlf.aof"}), false).ok());
  }
  // EXEC without MULTI, MULTI inside MULTI.
  Write("exec.aof", first + Resp({"EXEC"}));
  scan = ScanAofCommands(PathOf("exec.aof"));
  ASSERT_TRUE(scan.ok());
  EXPECT_EQ(scan->valid_bytes, first.size());
  EXPECT_NE(scan->error.find("EXEC without MULTI"), std::string::npos) << scan->error;
  Write("multi.aof", first + Resp({"MULTI"}) + Resp({"MULTI"}) + Resp({"EXEC"}));
  scan = ScanAofCommands(PathOf("multi.aof"));
  ASSERT_TRUE(scan.ok());
  EXPECT_EQ(scan->valid_bytes, first.size());
  EXPECT_NE(scan->error.find("MULTI inside a MULTI"), std::string::npos) << scan->error;
}

TEST_F(AofLoaderTest, RdbBaseWithAnAofTailLoadsBoth) {
  // A Redis 6 appendonly.aof after a rewrite: an RDB preamble, then the
  // commands appended after it. Redis 7 upgrades it into the directory as
  // the base file and loads both parts.
  TinyServer src;
  src.Exec({"SET", "k1", "v1"});
  src.Exec({"SELECT", "2"});
  src.Exec({"SET", "k2", "v2"});
  ASSERT_TRUE(WriteBaseFile(src.server(), PathOf("appendonly.aof"), /*rdb_preamble=*/true).ok());
  const uint64_t rdb_size = SizeOf("appendonly.aof");
  const std::string tail = Resp({"SELECT", "0"}) + Resp({"SET", "k3", "v3"}) + Resp({"INCR", "n"});
  {
    std::ofstream f(PathOf("appendonly.aof"), std::ios::binary | std::ios::app);
    f.write(tail.data(), static_cast<std::streamsize>(tail.size()));
  }
  src.Exec({"SELECT", "0"});
  src.Exec({"SET", "k3", "v3"});
  src.Exec({"INCR", "n"});
  TinyServer s;
  AofLoadStats stats;
  Status st = Load(s, Manifest("appendonly.aof", {}), false, &stats);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(s.Digest(), src.Digest());
  EXPECT_EQ(stats.commands, 3u);
  EXPECT_EQ(stats.bytes, rdb_size + tail.size());

  auto scan = ScanAofCommands(PathOf("appendonly.aof"), rdb_size);
  ASSERT_TRUE(scan.ok());
  EXPECT_EQ(scan->valid_bytes, rdb_size + tail.size());
  EXPECT_EQ(scan->commands, 3u);

  // A truncated tail after the preamble is cut at the last whole command.
  std::filesystem::resize_file(PathOf("appendonly.aof"), rdb_size + tail.size() - 2);
  TinyServer t;
  ASSERT_TRUE(Load(t, Manifest("appendonly.aof", {}), true).ok());
  EXPECT_EQ(SizeOf("appendonly.aof"), rdb_size + tail.size() - Resp({"INCR", "n"}).size());
}

TEST_F(AofLoaderTest, DamagedRdbBaseIsCorruption) {
  TinyServer src;
  src.Exec({"SET", "k1", "v1"});
  ASSERT_TRUE(WriteBaseFile(src.server(), PathOf("base.rdb"), true).ok());
  std::filesystem::resize_file(PathOf("base.rdb"), SizeOf("base.rdb") - 4);
  TinyServer s;
  Status st = Load(s, Manifest("base.rdb", {}), /*load_truncated=*/true);
  ASSERT_TRUE(st.IsCorruption()) << st.ToString();
  EXPECT_NE(st.message().find("base.rdb"), std::string::npos) << st.message();
}

TEST_F(AofLoaderTest, EmptyFilesAreSkippedAndMissingFilesNamed) {
  Write("1.incr.aof", "");
  Write("2.incr.aof", Resp({"SET", "a", "1"}));
  {
    TinyServer s;
    ASSERT_TRUE(Load(s, Manifest("", {"1.incr.aof", "2.incr.aof"}), false).ok());
    TinyServer ref;
    ref.Exec({"SET", "a", "1"});
    EXPECT_EQ(s.Digest(), ref.Digest());
  }
  TinyServer s;
  Status st = Load(s, Manifest("", {"2.incr.aof", "3.incr.aof"}), false);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("3.incr.aof"), std::string::npos) << st.message();
}

TEST_F(AofLoaderTest, ScanOfAMissingFileIsAnIoError) {
  auto scan = ScanAofCommands(PathOf("nope.aof"));
  ASSERT_FALSE(scan.ok());
  EXPECT_TRUE(scan.status().IsIOError()) << scan.status().ToString();
}

}  // namespace
}  // namespace replikv::persistence
