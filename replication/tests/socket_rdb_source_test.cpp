#include "replication/socket_rdb_source.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "persistence/format/rdb_decoder.h"
#include "persistence/format/rdb_encoder.h"

namespace replikv::repl {
namespace {

const std::string kMark = "0123456789abcdef0123456789abcdef01234567";

std::string SmallRdb() {
  std::string out;
  persistence::StringSink sink(&out);
  persistence::RdbEncoder enc(&sink, {});
  EXPECT_TRUE(enc.WriteHeader().ok());
  EXPECT_TRUE(enc.WriteSelectDb(0).ok());
  EXPECT_TRUE(enc.WriteResizeDb(2, 0).ok());
  EXPECT_TRUE(enc.WriteStringEntry("a", "1").ok());
  EXPECT_TRUE(enc.WriteStringEntry("b", std::string(100000, 'x')).ok());
  EXPECT_TRUE(enc.WriteEof().ok());
  return out;
}

// Counts the keys a decoder reads.
class CountKeys final : public persistence::RdbHandler {
 public:
  Status OnKey(persistence::RdbEntry&) override {
    ++keys;
    return Status::OK();
  }
  int keys = 0;
};

// A socketpair: the test writes the primary's side, the source reads the
// replica's (non-blocking, like a libuv socket).
struct Pair {
  int fds[2];
  Pair() {
    EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
  }
  ~Pair() {
    close(fds[0]);
    if (fds[1] != -1) close(fds[1]);
  }
  void Send(const std::string& s) { ASSERT_EQ(write(fds[1], s.data(), s.size()), static_cast<ssize_t>(s.size())); }
  void ClosePrimary() {
    close(fds[1]);
    fds[1] = -1;
  }
};

// Runs the preamble through a transfer reader; returns what followed it.
std::string Preamble(RdbTransferReader* t, const std::string& bytes) {
  auto step = t->Feed(bytes, [](std::string_view) { return Status::OK(); });
  EXPECT_TRUE(step.ok());
  EXPECT_EQ(step->event, RdbTransferReader::Event::kPreamble);
  return bytes.substr(step->consumed);
}

// Decodes the whole RDB; *rdb_bytes is where its footer ended.
Status Decode(persistence::SequentialFile* src, CountKeys* keys, uint64_t* rdb_bytes = nullptr) {
  persistence::RdbDecoder decoder(src, keys, {});
  Status st = decoder.Run();
  if (rdb_bytes != nullptr) *rdb_bytes = decoder.stats().bytes;
  return st;
}

TEST(SocketRdbSource, LoadsAnEofMarkedTransferAndKeepsTheStreamAfterIt) {
  const std::string rdb = SmallRdb();
  const std::string stream = "*1\r\n$4\r\nPING\r\n";
  Pair p;
  RdbTransferReader t;
  // Part of the payload arrived with the preamble; the rest, the mark and
  // the first stream bytes come on the socket.
  std::string rest = Preamble(&t, "$EOF:" + kMark + "\r\n" + rdb.substr(0, 7));
  p.Send(rdb.substr(7) + kMark + stream);
  SocketRdbSource src(p.fds[0], &t, rest, 5000, nullptr);
  CountKeys keys;
  uint64_t n = 0;
  ASSERT_TRUE(Decode(&src, &keys, &n).ok());
  EXPECT_EQ(keys.keys, 2);
  std::string after;
  ASSERT_TRUE(src.Finish(n, &after).ok());
  EXPECT_EQ(after, stream);
  EXPECT_EQ(src.payload_bytes(), rdb.size());
}

TEST(SocketRdbSource, LoadsASizedTransfer) {
  const std::string rdb = SmallRdb();
  Pair p;
  RdbTransferReader t;
  std::string rest = Preamble(&t, "$" + std::to_string(rdb.size()) + "\r\n");
  p.Send(rdb + "*1\r\n$4\r\nPING\r\n");
  SocketRdbSource src(p.fds[0], &t, rest, 5000, nullptr);
  CountKeys keys;
  uint64_t n = 0;
  ASSERT_TRUE(Decode(&src, &keys, &n).ok());
  std::string after;
  ASSERT_TRUE(src.Finish(n, &after).ok());
  EXPECT_EQ(keys.keys, 2);
}

TEST(SocketRdbSource, PayloadPastTheRdbsEndIsRefused) {
  const std::string rdb = SmallRdb();
  Pair p;
  RdbTransferReader t;
  std::string rest = Preamble(&t, "$EOF:" + kMark + "\r\n");
  p.Send(rdb + "trailing junk" + kMark);
  SocketRdbSource src(p.fds[0], &t, rest, 5000, nullptr);
  CountKeys keys;
  uint64_t n = 0;
  ASSERT_TRUE(Decode(&src, &keys, &n).ok());
  std::string after;
  EXPECT_TRUE(src.Finish(n, &after).IsCorruption());
}

TEST(SocketRdbSource, AClosedLinkOrASilentPrimaryIsAnError) {
  const std::string rdb = SmallRdb();
  {
    Pair p;
    RdbTransferReader t;
    std::string rest = Preamble(&t, "$EOF:" + kMark + "\r\n");
    p.Send(rdb.substr(0, rdb.size() / 2));
    p.ClosePrimary();
    SocketRdbSource src(p.fds[0], &t, rest, 5000, nullptr);
    CountKeys keys;
    EXPECT_FALSE(Decode(&src, &keys).ok());
  }
  {
    Pair p;
    RdbTransferReader t;
    std::string rest = Preamble(&t, "$EOF:" + kMark + "\r\n");
    p.Send(rdb.substr(0, 20));
    int waits = 0;
    SocketRdbSource src(p.fds[0], &t, rest, 300, [&] { ++waits; });
    CountKeys keys;
    Status st = Decode(&src, &keys);
    EXPECT_FALSE(st.ok());
    EXPECT_NE(st.message().find("Timeout"), std::string::npos) << st.message();
    EXPECT_GT(waits, 0);  // the loop had its turns while it waited
  }
}

}  // namespace
}  // namespace replikv::repl
