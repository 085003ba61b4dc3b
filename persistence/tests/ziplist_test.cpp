// Ziplists and zipmaps here come from the test-time writer in
// rdb_test_util.cpp (see the note there), not from a real Redis.
#include "persistence/format/ziplist.h"

#include <gtest/gtest.h>

#include "persistence/tests/rdb_test_util.h"

namespace replikv::persistence {
namespace {

using testing::BuildZiplist;
using testing::BuildZipmap;

std::vector<std::string> Parse(std::string_view zl, Status* s) {
  std::vector<std::string> out;
  *s = ParseZiplist(zl, &out);
  return out;
}

TEST(Ziplist, EmptyZiplistIsElevenBytes) {
  std::string zl = BuildZiplist({});
  EXPECT_EQ(zl.size(), 11u);
  Status s;
  EXPECT_TRUE(Parse(zl, &s).empty());
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST(Ziplist, EveryEncodingRoundTrips) {
  std::vector<std::string> in = {"0", "12", "13", "-128", "127", "-32768", "32767",
                                 "8388607", "-8388608", "2147483647", "-2147483648",
                                 "9223372036854775807", "-9223372036854775808", "",
                                 std::string(63, 'a'), std::string(64, 'b'),
                                 std::string(16383, 'c'), std::string(16384, 'd'), "01"};
  // A 300-byte entry forces 5-byte prevlen on the next one.
  in.insert(in.begin() + 3, std::string(300, 'p'));
  Status s;
  auto out = Parse(BuildZiplist(in), &s);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(out, in);
}

TEST(Ziplist, PrevlenMismatchIsCorruption) {
  std::string zl = BuildZiplist({"a", "b"});
  zl[13] = 5;  // second entry's prevlen (first entry is 3 bytes)
  Status s;
  Parse(zl, &s);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find("prevlen"), std::string::npos);
}

TEST(Ziplist, ZltailMismatchIsCorruption) {
  std::string zl = BuildZiplist({"a", "b"});
  zl[4] = 10;
  Status s;
  Parse(zl, &s);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find("zltail"), std::string::npos);
}

TEST(Ziplist, ZlbytesMismatchIsCorruption) {
  std::string zl = BuildZiplist({"a"});
  zl[0] = static_cast<char>(zl[0] + 1);
  Status s;
  Parse(zl, &s);
  EXPECT_TRUE(s.IsCorruption());
}

TEST(Ziplist, ZllenMismatchIsCorruption) {
  std::string zl = BuildZiplist({"a"});
  zl[8] = 2;
  Status s;
  Parse(zl, &s);
  EXPECT_TRUE(s.IsCorruption());
}

TEST(Ziplist, InvalidEncodingIsCorruption) {
  std::string zl = BuildZiplist({"a"});
  zl[11] = static_cast<char>(0xC8);
  Status s;
  Parse(zl, &s);
  EXPECT_TRUE(s.IsCorruption());
}

TEST(Ziplist, StringPastEndIsCorruption) {
  std::string zl = BuildZiplist({"abc"});
  zl[11] = 40;
  Status s;
  Parse(zl, &s);
  EXPECT_TRUE(s.IsCorruption());
}

TEST(Ziplist, MissingEndByteIsCorruption) {
  std::string zl = BuildZiplist({"abc"});
  zl.back() = 'x';
  Status s;
  Parse(zl, &s);
  EXPECT_TRUE(s.IsCorruption());
}

TEST(Ziplist, EveryByteFlipIsHandled) {
  std::string zl = BuildZiplist({"a", "300", std::string(300, 'z'), "-5"});
  for (size_t i = 0; i < zl.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = zl;
      bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
      Status s;
      Parse(bad, &s).clear();
    }
  }
}

TEST(Zipmap, RoundTripsWithFreeBytesAndBigLengths) {
  std::vector<std::pair<std::string, std::string>> pairs = {
      {"f1", "v1"}, {"big", std::string(300, 'v')}, {"", "empty-key"}};
  std::vector<std::string> out;
  ASSERT_TRUE(ParseZipmap(BuildZipmap(pairs, 3), &out).ok());
  EXPECT_EQ(out, (std::vector<std::string>{"f1", "v1", "big", std::string(300, 'v'), "",
                                           "empty-key"}));
}

TEST(Zipmap, CountMismatchIsCorruption) {
  std::string zm = BuildZipmap({{"a", "b"}});
  zm[0] = 2;
  std::vector<std::string> out;
  EXPECT_TRUE(ParseZipmap(zm, &out).IsCorruption());
}

TEST(Zipmap, ValuePastEndIsCorruption) {
  std::string zm = BuildZipmap({{"a", "b"}});
  zm[3] = 50;
  std::vector<std::string> out;
  EXPECT_TRUE(ParseZipmap(zm, &out).IsCorruption());
}

TEST(Zipmap, MissingEndIsCorruption) {
  std::string zm = BuildZipmap({{"a", "b"}});
  zm.pop_back();
  std::vector<std::string> out;
  EXPECT_TRUE(ParseZipmap(zm, &out).IsCorruption());
}

TEST(Zipmap, EveryTruncationFails) {
  std::string zm = BuildZipmap({{"a", "b"}, {"key", std::string(260, 'v')}});
  for (size_t n = 0; n < zm.size(); ++n) {
    std::vector<std::string> out;
    std::string cut = zm.substr(0, n);
    if (!cut.empty()) cut.back() = static_cast<char>(0xff);  // pretend an end byte
    EXPECT_TRUE(ParseZipmap(cut, &out).IsCorruption()) << n;
  }
}

}  // namespace
}  // namespace replikv::persistence
