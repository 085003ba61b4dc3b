#include "persistence/format/lzf_string.h"

#include <gtest/gtest.h>

#include <string>

namespace replikv::persistence {
namespace {

TEST(LzfString, RoundTripsRepetitiveText) {
  std::string in;
  for (int i = 0; i < 200; ++i) in += "hello world ";
  std::string packed, out;
  ASSERT_TRUE(LzfCompress(in, in.size() - 4, &packed));
  EXPECT_LT(packed.size(), in.size() / 4);
  ASSERT_TRUE(LzfDecompress(packed, in.size(), &out).ok());
  EXPECT_EQ(out, in);
}

TEST(LzfString, RefusesWhenOutputWouldNotFit) {
  std::string in = "abcdefghijklmnopqrstuvwxyz0123456789";  // nothing repeats
  std::string packed;
  EXPECT_FALSE(LzfCompress(in, in.size() - 4, &packed));
}

TEST(LzfString, WrongStatedLengthIsCorruption) {
  std::string in(100, 'a');
  std::string packed, out;
  ASSERT_TRUE(LzfCompress(in, in.size() - 4, &packed));
  EXPECT_TRUE(LzfDecompress(packed, 99, &out).IsCorruption());
  EXPECT_TRUE(LzfDecompress(packed, 101, &out).IsCorruption());
}

TEST(LzfString, BackReferenceBeforeStartIsCorruption) {
  // Control byte 0x20: a back reference of length 3 at distance 1 with no
  // output yet.
  std::string bad("\x20\x00", 2);
  std::string out;
  EXPECT_TRUE(LzfDecompress(bad, 3, &out).IsCorruption());
}

TEST(LzfString, TruncatedLiteralIsCorruption) {
  // Literal run of 5 bytes with only 2 present.
  std::string bad("\x04" "ab", 3);
  std::string out;
  EXPECT_TRUE(LzfDecompress(bad, 5, &out).IsCorruption());
}

TEST(LzfString, MaxExpansionCoversWorstCase) {
  std::string in(100000, 'z');
  std::string packed;
  ASSERT_TRUE(LzfCompress(in, in.size() - 4, &packed));
  EXPECT_GE(LzfMaxExpansion(packed.size()), in.size());
}

}  // namespace
}  // namespace replikv::persistence
