#include "server/ds/sha1.h"

#include <gtest/gtest.h>

#include <string>

namespace replikv {
namespace {

std::string HexOf(std::string_view message) { return Sha1Hex(Sha1Of(message)); }

// A message whose bytes cover every value, for boundary tests.
std::string Pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 7 + 3) & 0xff);
  return s;
}

TEST(Sha1, EmptyMessage) {
  EXPECT_EQ(HexOf(""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}

TEST(Sha1, FipsVectorAbc) {
  EXPECT_EQ(HexOf("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
}

TEST(Sha1, FipsVector448Bits) {
  EXPECT_EQ(HexOf("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
}

TEST(Sha1, Vector896Bits) {
  EXPECT_EQ(HexOf("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
                  "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"),
            "a49b2446a02c645bf419f995b67091253a04a259");
}

TEST(Sha1, FipsVectorMillionA) {
  EXPECT_EQ(HexOf(std::string(1000000, 'a')), "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
  // The same message in uneven pieces.
  Sha1 sha;
  std::string piece(997, 'a');
  size_t left = 1000000;
  while (left > 0) {
    size_t n = left < piece.size() ? left : piece.size();
    sha.Update(piece.data(), n);
    left -= n;
  }
  EXPECT_EQ(Sha1Hex(sha.Final()), "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

TEST(Sha1, QuickBrownFox) {
  EXPECT_EQ(HexOf("The quick brown fox jumps over the lazy dog"),
            "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12");
}

// Lengths 0..299 cross every padding boundary (55, 56, 63, 64, 119, 120,
// 127, 128 ...). The expected value is Python hashlib's SHA-1 of the
// concatenated digests of Pattern(0) ... Pattern(299).
TEST(Sha1, EveryLengthUpTo300MatchesReference) {
  std::string all = Pattern(300);
  Sha1 chain;
  for (size_t n = 0; n < 300; ++n) {
    Sha1::Digest d = Sha1Of(std::string_view(all).substr(0, n));
    chain.Update(d.data(), d.size());
  }
  EXPECT_EQ(Sha1Hex(chain.Final()), "ca9349a03c700fe25e6c2cde997aa96ac2227d8a");
}

TEST(Sha1, UpdateSplitAtEveryPosition) {
  std::string message = Pattern(200);
  Sha1::Digest whole = Sha1Of(message);
  for (size_t i = 0; i <= message.size(); ++i) {
    Sha1 sha;
    sha.Update(message.data(), i);
    sha.Update(message.data() + i, message.size() - i);
    ASSERT_EQ(sha.Final(), whole) << "split at " << i;
  }
}

TEST(Sha1, UpdateSplitAtEveryPairOfPositions) {
  std::string message = Pattern(150);
  Sha1::Digest whole = Sha1Of(message);
  for (size_t i = 0; i <= message.size(); ++i) {
    for (size_t j = i; j <= message.size(); ++j) {
      Sha1 sha;
      sha.Update(message.data(), i);
      sha.Update(message.data() + i, j - i);
      sha.Update(message.data() + j, message.size() - j);
      ASSERT_EQ(sha.Final(), whole) << "splits at " << i << ", " << j;
    }
  }
}

TEST(Sha1, ByteAtATimeEqualsOneCall) {
  std::string message = Pattern(1000);
  Sha1 sha;
  for (char c : message) sha.Update(&c, 1);
  EXPECT_EQ(sha.Final(), Sha1Of(message));
}

TEST(Sha1, FinalResetsForTheNextMessage) {
  Sha1 sha;
  sha.Update("some earlier message");
  sha.Final();
  sha.Update("abc");
  EXPECT_EQ(Sha1Hex(sha.Final()), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(Sha1Hex(sha.Final()), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}

TEST(Sha1, ResetDiscardsInput) {
  Sha1 sha;
  sha.Update("garbage that must not count");
  sha.Reset();
  sha.Update("abc");
  EXPECT_EQ(Sha1Hex(sha.Final()), "a9993e364706816aba3e25717850c26c9cd0d89d");
}

TEST(Sha1, HexIsLowercaseFortyDigits) {
  Sha1::Digest d{};
  d[0] = 0xAB;
  d[19] = 0x0F;
  EXPECT_EQ(Sha1Hex(d), "ab000000000000000000000000000000000000" "0f");
}

}  // namespace
}  // namespace replikv
