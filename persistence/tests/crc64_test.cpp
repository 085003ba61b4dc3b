#include "persistence/format/crc64.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace replikv::persistence {
namespace {

// Bit-at-a-time reference straight from the parameters (reflected,
// polynomial 0xad93d23594c935a9, init 0, no final xor).
uint64_t SlowCrc64(const std::string& s) {
  uint64_t reflected = 0;
  for (int i = 0; i < 64; ++i) {
    if ((0xad93d23594c935a9ULL >> i) & 1) reflected |= uint64_t{1} << (63 - i);
  }
  uint64_t crc = 0;
  for (unsigned char c : s) {
    crc ^= c;
    for (int b = 0; b < 8; ++b) crc = (crc & 1) ? (crc >> 1) ^ reflected : crc >> 1;
  }
  return crc;
}

TEST(Crc64, CheckValueOf123456789) {
  EXPECT_EQ(Crc64(0, "123456789", 9), 0xe9c6d914c4b8d9caULL);
}

TEST(Crc64, EmptyInputLeavesCrcUnchanged) {
  EXPECT_EQ(Crc64(0, "", 0), 0u);
  EXPECT_EQ(Crc64(0x1234, "", 0), 0x1234u);
}

TEST(Crc64, MatchesBitwiseReferenceAtEveryLengthAndAlignment) {
  std::mt19937 rng(42);
  std::string data(300, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  for (size_t start = 0; start < 9; ++start) {
    for (size_t len = 0; start + len <= data.size(); len += 7) {
      std::string piece = data.substr(start, len);
      ASSERT_EQ(Crc64(0, piece.data(), piece.size()), SlowCrc64(piece)) << start << " " << len;
    }
  }
}

TEST(Crc64, ChainedPiecesEqualOneShot) {
  std::string data(10000, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 31 + 7);
  uint64_t whole = Crc64(0, data.data(), data.size());
  for (size_t cut : {size_t{1}, size_t{3}, size_t{8}, size_t{4097}, size_t{9999}}) {
    uint64_t crc = Crc64(0, data.data(), cut);
    crc = Crc64(crc, data.data() + cut, data.size() - cut);
    EXPECT_EQ(crc, whole) << cut;
  }
}

}  // namespace
}  // namespace replikv::persistence
