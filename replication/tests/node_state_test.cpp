#include "replication/node_state.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <protozero/pbf_writer.hpp>

#include <filesystem>
#include <string>

#include "persistence/format/crc64.h"
#include "server/base/little_endian.h"

namespace replikv::repl {
namespace {

std::string Id(char c) { return std::string(kReplIdLen, c); }

NodeState Sample() {
  NodeState ns;
  ns.run_id = Id('9');
  ns.replica = true;
  ns.primary_host = "10.0.0.7";
  ns.primary_port = 6380;
  ns.replid = Id('c');
  ns.first_offset = 301;
  ns.past = {{Id('b'), 151, 301}, {Id('a'), 1, 151}};
  ns.shutdown = NodeState::Shutdown{420, 3, "appendonly.aof.1.base.rdb=88;appendonly.aof.1.incr.aof=990;", 1765000000};
  return ns;
}

// A file around `message` with the right magic and checksum.
std::string Wrap(std::string_view message) {
  std::string file = "RKNSTATE";
  file.append(message);
  persistence::AppendLe(&file, persistence::Crc64(0, file.data(), file.size()), 8);
  return file;
}

TEST(NodeState, RoundTrips) {
  NodeState ns = Sample();
  auto back = DecodeNodeState(EncodeNodeState(ns));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, ns);
  ns.replica = false;
  ns.primary_host.clear();
  ns.primary_port = 0;
  ns.past.clear();
  ns.shutdown.reset();
  back = DecodeNodeState(EncodeNodeState(ns));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, ns);
}

TEST(NodeState, EveryTruncationIsRefused) {
  const std::string file = EncodeNodeState(Sample());
  for (size_t n = 0; n < file.size(); ++n) {
    EXPECT_FALSE(DecodeNodeState(std::string_view(file).substr(0, n)).ok()) << n;
  }
}

TEST(NodeState, EveryFlippedByteIsRefused) {
  const std::string file = EncodeNodeState(Sample());
  for (size_t i = 0; i < file.size(); ++i) {
    std::string bad = file;
    bad[i] = static_cast<char>(bad[i] ^ 0x20);
    EXPECT_FALSE(DecodeNodeState(bad).ok()) << i;
  }
}

TEST(NodeState, UnknownVersionIsRefused) {
  NodeState ns = Sample();
  ns.version = 2;
  auto st = DecodeNodeState(EncodeNodeState(ns));
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.status().message().find("unknown version 2"), std::string::npos);
}

TEST(NodeState, UnknownFieldsAndWrongWireTypesAreSkipped) {
  std::string msg;
  {
    protozero::pbf_writer w(msg);
    w.add_uint32(1, kNodeStateVersion);
    w.add_string(6, Id('e'));
    w.add_string(99, "a field from a newer writer");
    w.add_string(7, "first_offset sent as bytes: skipped");
    w.add_fixed64(3, 12345);  // role with a fixed64 wire type: skipped
  }
  auto st = DecodeNodeState(Wrap(msg));
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  EXPECT_EQ(st->replid, Id('e'));
  EXPECT_EQ(st->first_offset, 1);
  EXPECT_FALSE(st->replica);
}

TEST(NodeState, ATimelineThatDoesNotChainIsRefused) {
  NodeState ns = Sample();
  ns.past[1].valid_up_to = 150;  // a gap before the next history
  EXPECT_FALSE(DecodeNodeState(EncodeNodeState(ns)).ok());
  ns = Sample();
  ns.past[0].replid = "not hex";
  EXPECT_FALSE(DecodeNodeState(EncodeNodeState(ns)).ok());
  ns = Sample();
  ns.past.assign(kMaxPastHistories + 1, ns.past[0]);
  EXPECT_FALSE(DecodeNodeState(EncodeNodeState(ns)).ok());
}

TEST(NodeState, TheFileIsWrittenAndReadBack) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("node_state_test." + std::to_string(getpid()));
  fs::create_directories(dir);
  const std::string path = (dir / "node-state.pb").string();
  EXPECT_TRUE(ReadNodeStateFile(path).status().IsNotFound());
  ASSERT_TRUE(WriteNodeStateFile(path, Sample()).ok());
  auto back = ReadNodeStateFile(path);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, Sample());
  // Nothing but the file is left behind (the temp file was renamed).
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace replikv::repl
