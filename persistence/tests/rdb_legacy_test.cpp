// Older RDB versions and the encodings Redis 7.0 reads but no longer writes
// (ziplist, zipmap, quicklist v1, text-double zsets, second expires), plus
// the 7.2/7.4 additions the decoder knows.
//
// NOT FROM A REAL REDIS: no Redis older than 7.0 (nor 7.2+) is available
// here, so these files are assembled at test time by the writers in
// rdb_test_util.cpp, following the format description in rdb_format.h and
// ziplist.h. They check the decoder against the documented layout only.
#include <gtest/gtest.h>

#include <cmath>

#include "persistence/format/listpack.h"
#include "persistence/format/rdb_decoder.h"
#include "persistence/format/rdb_format.h"
#include "persistence/tests/rdb_test_util.h"

namespace replikv::persistence {
namespace {

using namespace testing;  // NOLINT: test helpers

std::string Key(uint8_t type, std::string_view key) {
  return std::string(1, static_cast<char>(type)) + RdbRawString(key);
}

std::string Listpack(const std::vector<std::string>& elems) {
  ListpackBuilder b;
  for (const auto& e : elems) b.Append(e);
  return b.Finish();
}

class RdbLegacyTest : public ::testing::Test {
 protected:
  void Decode(const std::string& file) {
    Status s = DecodeRdb(file, &h_, {}, &stats_);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  CollectingHandler h_;
  RdbLoadStats stats_;
};

TEST_F(RdbLegacyTest, Version6ZiplistZipmapAndTextZset) {
  std::string body;
  body += Key(kRdbTypeListZiplist, "zl:list") + RdbRawString(BuildZiplist({"a", "7", "-70000", ""}));
  body += Key(kRdbTypeHashZipmap, "zm:hash") +
          RdbRawString(BuildZipmap({{"f1", "v1"}, {"f2", std::string(300, 'v')}}, 2));
  body += Key(kRdbTypeZsetZiplist, "zl:zset") +
          RdbRawString(BuildZiplist({"m1", "1.5", "m2", "3", "m3", "-inf"}));
  body += Key(kRdbTypeHashZiplist, "zl:hash") + RdbRawString(BuildZiplist({"f", "1", "g", "x"}));
  body += Key(kRdbTypeList, "plain:list") + RdbLength(2) + RdbRawString("x") + RdbRawString("y");
  body += Key(kRdbTypeZset, "text:zset") + RdbLength(4) + RdbRawString("a") + RdbTextDouble(0.1) +
          RdbRawString("b") + RdbTextDouble(INFINITY) + RdbRawString("c") +
          RdbTextDouble(-INFINITY) + RdbRawString("d") + RdbTextDouble(-2);
  // EXPIRETIME in seconds, 4 bytes little-endian.
  body += std::string("\xfd\x00\x00\x00\x70", 5) + Key(kRdbTypeString, "sec:ttl") + RdbRawString("v");
  Decode(RdbFile(6, body));
  EXPECT_EQ(stats_.version, 6);
  EXPECT_TRUE(stats_.checksum_verified);
  EXPECT_EQ(h_.Find("zl:list")->value.elems, (std::vector<std::string>{"a", "7", "-70000", ""}));
  EXPECT_EQ(h_.Find("zm:hash")->value.pairs,
            (std::vector<std::pair<std::string, std::string>>{{"f1", "v1"},
                                                              {"f2", std::string(300, 'v')}}));
  EXPECT_EQ(h_.Find("zl:zset")->value.zset,
            (std::vector<std::pair<std::string, double>>{{"m1", 1.5}, {"m2", 3}, {"m3", -INFINITY}}));
  EXPECT_EQ(h_.Find("zl:hash")->value.pairs,
            (std::vector<std::pair<std::string, std::string>>{{"f", "1"}, {"g", "x"}}));
  EXPECT_EQ(h_.Find("plain:list")->value.elems, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(h_.Find("text:zset")->value.zset,
            (std::vector<std::pair<std::string, double>>{
                {"a", 0.1}, {"b", INFINITY}, {"c", -INFINITY}, {"d", -2}}));
  EXPECT_EQ(h_.Find("sec:ttl")->expire_ms, int64_t{0x70000000} * 1000);
}

TEST_F(RdbLegacyTest, Version7QuicklistOfZiplistsSkipsEmptyNodes) {
  std::string body = "\xfa" + RdbRawString("redis-ver") + RdbRawString("3.2.0");
  body += Key(kRdbTypeListQuicklist, "ql") + RdbLength(3) + RdbRawString(BuildZiplist({"a", "b"})) +
          RdbRawString(BuildZiplist({})) + RdbRawString(BuildZiplist({"c", "12"}));
  body += Key(kRdbTypeListQuicklist, "ql:empty") + RdbLength(1) + RdbRawString(BuildZiplist({}));
  Decode(RdbFile(7, body));
  EXPECT_EQ(h_.aux["redis-ver"], "3.2.0");
  EXPECT_EQ(h_.Find("ql")->value.elems, (std::vector<std::string>{"a", "b", "c", "12"}));
  EXPECT_EQ(h_.Find("ql:empty"), nullptr);
  EXPECT_EQ(stats_.empty_keys_skipped, 1u);
}

TEST_F(RdbLegacyTest, Version9IdleAndFreqAreDropped) {
  std::string body;
  body += "\xf8" + RdbLength(12345) + Key(kRdbTypeString, "lru") + RdbRawString("1");
  body += std::string("\xf9\x05", 2) + Key(kRdbTypeString, "lfu") + RdbRawString("2");
  // Expire and LFU together, in Redis's order.
  body += "\xfc" + std::string("\x10\x00\x00\x00\x00\x00\x00\x00", 8) + std::string("\xf9\x01", 2) +
          Key(kRdbTypeString, "both") + RdbRawString("3");
  Decode(RdbFile(9, body));
  EXPECT_EQ(h_.Find("lru")->value.str, "1");
  EXPECT_EQ(h_.Find("lru")->expire_ms, -1);
  EXPECT_EQ(h_.Find("lfu")->value.str, "2");
  EXPECT_EQ(h_.Find("both")->expire_ms, 16);
}

TEST_F(RdbLegacyTest, Version4HasNoChecksumFooter) {
  std::string file = RdbFile(4, Key(kRdbTypeSet, "s") + RdbLength(1) + RdbRawString("m"));
  Decode(file);
  EXPECT_EQ(stats_.bytes, file.size());
  EXPECT_FALSE(stats_.checksum_verified);
  EXPECT_EQ(h_.Find("s")->value.elems, (std::vector<std::string>{"m"}));
}

TEST_F(RdbLegacyTest, Version1Loads) {
  Decode(RdbFile(1, Key(kRdbTypeString, "k") + RdbRawString("v")));
  EXPECT_EQ(h_.Find("k")->value.str, "v");
}

TEST_F(RdbLegacyTest, Version11SetListpack) {
  Decode(RdbFile(11, Key(kRdbTypeSetListpack, "s") + RdbRawString(Listpack({"a", "1", "b"}))));
  EXPECT_EQ(h_.Find("s")->value.elems, (std::vector<std::string>{"a", "1", "b"}));
  EXPECT_EQ(h_.Find("s")->value.type, RdbValue::Type::kSet);
}

TEST_F(RdbLegacyTest, Version12SlotInfoIsDropped) {
  std::string body = "\xf4" + RdbLength(100) + RdbLength(1) + RdbLength(0);
  body += Key(kRdbTypeString, "k") + RdbRawString("v");
  Decode(RdbFile(12, body));
  EXPECT_EQ(h_.Find("k")->value.str, "v");
}

TEST_F(RdbLegacyTest, QuicklistOfListpacksWithPlainNodes) {
  std::string body = Key(kRdbTypeListQuicklist2, "l") + RdbLength(3) + RdbLength(2) +
                     RdbRawString(Listpack({"a", "b"})) + RdbLength(1) +
                     RdbRawString("plain element") + RdbLength(2) + RdbRawString(Listpack({}));
  Decode(RdbFile(10, body));
  EXPECT_EQ(h_.Find("l")->value.elems, (std::vector<std::string>{"a", "b", "plain element"}));
}

}  // namespace
}  // namespace replikv::persistence
