// Replays every seed (corpus/<target>/) and every input that once crashed a
// fuzz target (regressions/<target>/) through the same function the fuzzer
// runs. Built with g++ in the normal build, so ctest keeps fixed crashes
// fixed without clang. A failure is a crash or an abort with the file named
// in the test's trace.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "persistence/format/crc64.h"
#include "tools/fuzz/fuzz_targets.h"

namespace replikv::fuzz {
namespace {

namespace fs = std::filesystem;
using TargetFn = int (*)(const uint8_t*, size_t);

std::vector<fs::path> InputsOf(const std::string& target) {
  std::vector<fs::path> files;
  for (const char* kind : {"corpus", "regressions"}) {
    fs::path dir = fs::path(REPLIKV_SOURCE_DIR) / "tools/fuzz" / kind / target;
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (entry.is_regular_file() && entry.path().filename().string()[0] != '.') files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Returns how many files ran.
size_t ReplayAll(const std::string& target, TargetFn fn) {
  size_t ran = 0;
  for (const fs::path& path : InputsOf(target)) {
    SCOPED_TRACE(path.string());
    std::ifstream in(path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(fn(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), 0);
    ++ran;
  }
  return ran;
}

TEST(FuzzRegression, RespSeedsAndRegressionsReplayCleanly) { EXPECT_GT(ReplayAll("resp", FuzzResp), 0u); }
TEST(FuzzRegression, RdbSeedsAndRegressionsReplayCleanly) { EXPECT_GT(ReplayAll("rdb", FuzzRdb), 0u); }
TEST(FuzzRegression, AofSeedsAndRegressionsReplayCleanly) { EXPECT_GT(ReplayAll("aof", FuzzAof), 0u); }
TEST(FuzzRegression, ManifestSeedsAndRegressionsReplayCleanly) {
  EXPECT_GT(ReplayAll("manifest", FuzzManifest), 0u);
}
TEST(FuzzRegression, ConfigSeedsAndRegressionsReplayCleanly) { EXPECT_GT(ReplayAll("config", FuzzConfig), 0u); }
TEST(FuzzRegression, PsyncSeedsAndRegressionsReplayCleanly) { EXPECT_GT(ReplayAll("psync", FuzzPsync), 0u); }
TEST(FuzzRegression, NodeStateSeedsAndRegressionsReplayCleanly) {
  EXPECT_GT(ReplayAll("node_state", FuzzNodeState), 0u);
}
TEST(FuzzRegression, RestoreSeedsAndRegressionsReplayCleanly) {
  EXPECT_GT(ReplayAll("restore", FuzzRestore), 0u);
}

// Every byte of Redis 7.0's stream file changed in two ways, the checksum
// made right again so the damage reaches the stream decoder: each input
// must load (then save and reload to the same digest, which iterates every
// entry) or be refused, never crash.
TEST(FuzzRegression, EveryByteOfTheStreamFileDamagedLoadsOrIsRefused) {
  fs::path path = fs::path(REPLIKV_SOURCE_DIR) / "persistence/tests/testdata/redis70_streams.rdb";
  std::ifstream in(path, std::ios::binary);
  const std::string original((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(original.size(), 9u + 8u);
  for (size_t i = 9; i + 8 < original.size(); ++i) {
    for (uint8_t delta : {uint8_t{1}, uint8_t{0x80}}) {
      std::string bytes = original;
      bytes[i] = static_cast<char>(static_cast<uint8_t>(bytes[i]) ^ delta);
      uint64_t crc = persistence::Crc64(0, bytes.data(), bytes.size() - 8);
      for (int k = 0; k < 8; ++k) bytes[bytes.size() - 8 + k] = static_cast<char>(crc >> (8 * k));
      SCOPED_TRACE("byte " + std::to_string(i) + " xor " + std::to_string(delta));
      ASSERT_EQ(FuzzRdb(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), 0);
    }
  }
}

TEST(FuzzParts, SplitPartsHonoursTheLimit) {
  std::string s = "a" + std::string(kPartSeparator) + "b" + std::string(kPartSeparator) + "c";
  EXPECT_EQ(SplitParts(s, 4), (std::vector<std::string_view>{"a", "b", "c"}));
  const std::string tail = "b" + std::string(kPartSeparator) + "c";
  EXPECT_EQ(SplitParts(s, 2), (std::vector<std::string_view>{"a", tail}));
  EXPECT_EQ(SplitParts("", 3), (std::vector<std::string_view>{""}));
}

}  // namespace
}  // namespace replikv::fuzz
