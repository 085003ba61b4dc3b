// Decodes RDB files written by a real Redis 7.0.15 (testdata/, made by
// testdata/make_golden.sh) and checks every value that script stored.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "persistence/format/file.h"
#include "persistence/format/rdb_decoder.h"
#include "persistence/format/rdb_encoder.h"
#include "persistence/format/rdb_format.h"
#include "persistence/tests/rdb_test_util.h"

namespace replikv::persistence {
namespace {

using testing::CollectingHandler;

constexpr int64_t kFar = 4102444800000;

std::string TestDataDir() {
#if defined(RDB_TESTDATA_DIR)
  return RDB_TESTDATA_DIR;
#elif defined(REPLIKV_SOURCE_DIR)
  return REPLIKV_SOURCE_DIR "/persistence/tests/testdata";
#else
  std::string f = __FILE__;
  return f.substr(0, f.find_last_of('/')) + "/testdata";
#endif
}

class RdbGoldenTest : public ::testing::Test {
 protected:
  void Load(const std::string& name, bool expect_checksum = true) {
    std::string path = TestDataDir() + "/" + name;
    auto size = GetFileSize(path);
    ASSERT_TRUE(size.ok()) << size.status().ToString();
    auto file = NewSequentialFile(path);
    ASSERT_TRUE(file.ok());
    RdbDecoderOptions opt;
    opt.source_size = *size;
    RdbDecoder dec(file->get(), &h_, opt);
    Status s = dec.Run();
    ASSERT_TRUE(s.ok()) << s.ToString();
    stats_ = dec.stats();
    EXPECT_EQ(stats_.version, 10);
    EXPECT_EQ(stats_.checksum_verified, expect_checksum);
    EXPECT_EQ(stats_.bytes, *size);
  }

  const RdbValue& Get(const std::string& key, uint8_t rdb_type, uint64_t db = 0,
                      int64_t expire = -1) {
    static const RdbValue kMissing;
    const RdbEntry* e = h_.Find(key, db);
    if (e == nullptr) {
      ADD_FAILURE() << "missing key " << key;
      return kMissing;
    }
    EXPECT_EQ(static_cast<int>(e->value.rdb_type), rdb_type) << key;
    EXPECT_EQ(e->expire_ms, expire) << key;
    return e->value;
  }

  static std::vector<std::string> Sorted(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
  }
  static std::vector<std::pair<std::string, std::string>> Sorted(
      std::vector<std::pair<std::string, std::string>> v) {
    std::sort(v.begin(), v.end());
    return v;
  }

  CollectingHandler h_;
  RdbLoadStats stats_;
};

TEST_F(RdbGoldenTest, SmallEncodings) {
  Load("redis70_small.rdb");
  EXPECT_EQ(stats_.keys, 15u);
  EXPECT_EQ(h_.aux["redis-ver"], "7.0.15");
  EXPECT_EQ(h_.aux["redis-bits"], "64");
  EXPECT_EQ(h_.aux["aof-base"], "0");
  EXPECT_EQ(h_.dbs, (std::vector<uint64_t>{0, 3}));
  EXPECT_EQ(h_.resizes, (std::vector<std::pair<uint64_t, uint64_t>>{{14, 2}, {1, 0}}));
  ASSERT_EQ(h_.functions.size(), 1u);
  EXPECT_NE(h_.functions[0].find("name=mylib"), std::string::npos);

  EXPECT_EQ(Get("str:int", kRdbTypeString).str, "12345");
  EXPECT_EQ(Get("str:neg", kRdbTypeString).str, "-7");
  EXPECT_EQ(Get("str:big", kRdbTypeString).str, "9223372036854775807");
  EXPECT_EQ(Get("str:text", kRdbTypeString).str, "hello world");
  std::string abc;
  for (int i = 0; i < 50; ++i) abc += "abc";
  EXPECT_EQ(Get("str:long", kRdbTypeString).str, abc);
  EXPECT_EQ(Get("str:bin", kRdbTypeString).str, std::string("\x00\x01\xff", 3));
  EXPECT_EQ(Get("str:ttl", kRdbTypeString, 0, kFar).str, "expiring");
  EXPECT_EQ(Get("list:small", kRdbTypeListQuicklist2).elems,
            (std::vector<std::string>{"a", "b", "c", "1", "2", "-3", ""}));
  EXPECT_EQ(Get("list:ttl", kRdbTypeListQuicklist2, 0, kFar + 123).elems,
            (std::vector<std::string>{"x", "y", "z"}));
  std::vector<std::string> ints;
  for (int i = 1; i <= 1500; ++i) ints.push_back(std::to_string(i));
  EXPECT_EQ(Get("list:nodes", kRdbTypeListQuicklist2).elems, ints);
  EXPECT_EQ(Get("set:ints", kRdbTypeSetIntset).elems,
            (std::vector<std::string>{"-100", "1", "2", "3", "100000"}));
  EXPECT_EQ(Sorted(Get("set:strs", kRdbTypeSet).elems), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(Get("hash:small", kRdbTypeHashListpack).pairs,
            (std::vector<std::pair<std::string, std::string>>{{"f1", "v1"}, {"f2", "2"}, {"f3", ""}}));
  const auto& z = Get("zset:small", kRdbTypeZsetListpack).zset;
  ASSERT_EQ(z.size(), 5u);
  EXPECT_EQ(z[0], (std::pair<std::string, double>{"c", -INFINITY}));
  EXPECT_EQ(z[1], (std::pair<std::string, double>{"e", 0.1}));
  EXPECT_EQ(z[2], (std::pair<std::string, double>{"a", 1}));
  EXPECT_EQ(z[3], (std::pair<std::string, double>{"b", 2.5}));
  EXPECT_EQ(z[4], (std::pair<std::string, double>{"d", INFINITY}));
  EXPECT_EQ(Get("db3:key", kRdbTypeString, 3).str, "value");
}

TEST_F(RdbGoldenTest, LargeEncodings) {
  Load("redis70_large.rdb");
  EXPECT_EQ(stats_.keys, 7u);
  std::vector<std::string> list;
  for (int i = 0; i < 10; ++i) list.push_back("e" + std::to_string(i));
  list.push_back(std::string(150, 'P'));  // the plain node
  for (int i = 10; i < 20; ++i) list.push_back("e" + std::to_string(i));
  EXPECT_EQ(Get("list:big", kRdbTypeListQuicklist2).elems, list);
  EXPECT_EQ(Sorted(Get("set:bigints", kRdbTypeSet).elems),
            Sorted({"1", "2", "3", "4", "5", "6", "7", "8", "9", "10"}));
  std::vector<std::pair<std::string, std::string>> hash;
  for (int i = 0; i < 10; ++i) hash.emplace_back("f" + std::to_string(i), "v" + std::to_string(i));
  EXPECT_EQ(Sorted(Get("hash:big", kRdbTypeHash, 0, kFar).pairs), hash);
  EXPECT_EQ(Get("hash:longval", kRdbTypeHash).pairs,
            (std::vector<std::pair<std::string, std::string>>{{"f", std::string(20, 'x')}}));
  auto zset = Get("zset:big", kRdbTypeZset2).zset;
  std::sort(zset.begin(), zset.end());
  ASSERT_EQ(zset.size(), 10u);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(zset[static_cast<size_t>(i)].first, "m" + std::to_string(i));
    EXPECT_EQ(zset[static_cast<size_t>(i)].second, i / 4.0);
  }
  EXPECT_EQ(Get("zset:longmember", kRdbTypeZset2).zset,
            (std::vector<std::pair<std::string, double>>{{std::string(20, 'm'), 1}}));
  std::string digits;
  for (int i = 0; i < 10; ++i) digits += "0123456789";
  EXPECT_EQ(Get("str:compress", kRdbTypeString).str, digits);
}

TEST_F(RdbGoldenTest, UncompressedWithoutChecksum) {
  Load("redis70_plain.rdb", /*expect_checksum=*/false);
  EXPECT_EQ(stats_.keys, 3u);
  EXPECT_EQ(stats_.stored_checksum, 0u);
  ASSERT_EQ(h_.notes.size(), 1u);
  std::string digits;
  for (int i = 0; i < 10; ++i) digits += "0123456789";
  EXPECT_EQ(Get("str:compress", kRdbTypeString).str, digits);
  EXPECT_EQ(Get("list:plain", kRdbTypeListQuicklist2).elems,
            (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(Get("hash:plain", kRdbTypeHashListpack).pairs,
            (std::vector<std::pair<std::string, std::string>>{{"f", "v"}}));
}

// Feeds every decoded item straight into an encoder: given the same configs,
// the encoder must reproduce Redis's file byte for byte.
class ReEncoder : public RdbHandler {
 public:
  explicit ReEncoder(RdbEncoder* enc) : enc_(enc) {}
  Status OnAux(std::string_view key, std::string_view value) override {
    return enc_->WriteAux(key, value);
  }
  Status OnSelectDb(uint64_t db) override { return enc_->WriteSelectDb(db); }
  Status OnResizeDb(uint64_t db_size, uint64_t expires_size) override {
    return enc_->WriteResizeDb(db_size, expires_size);
  }
  Status OnFunction(std::string_view code) override { return enc_->WriteFunction(code); }
  Status OnKey(RdbEntry& e) override { return enc_->WriteEntry(e.key, e.value, e.expire_ms); }

 private:
  RdbEncoder* enc_;
};

std::string ReEncode(const std::string& original, const RdbEncoderOptions& opt) {
  std::string out;
  StringSink sink(&out);
  RdbEncoder enc(&sink, opt);
  EXPECT_TRUE(enc.WriteHeader().ok());
  ReEncoder h(&enc);
  Status s = DecodeRdb(original, &h);
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(enc.WriteEof().ok());
  return out;
}

TEST_F(RdbGoldenTest, EncoderReproducesRedisSmallFileByteForByte) {
  std::string original;
  ASSERT_TRUE(ReadFileToString(TestDataDir() + "/redis70_small.rdb", &original).ok());
  EXPECT_TRUE(ReEncode(original, {}) == original);
}

TEST_F(RdbGoldenTest, EncoderReproducesRedisLargeFileByteForByte) {
  std::string original;
  ASSERT_TRUE(ReadFileToString(TestDataDir() + "/redis70_large.rdb", &original).ok());
  RdbEncoderOptions opt;  // the configs make_golden.sh set
  opt.limits.hash_max_listpack_entries = 4;
  opt.limits.hash_max_listpack_value = 16;
  opt.limits.zset_max_listpack_entries = 4;
  opt.limits.zset_max_listpack_value = 16;
  opt.limits.set_max_intset_entries = 4;
  opt.limits.list_max_listpack_size = 4;
  opt.limits.list_packed_threshold = 100;
  EXPECT_TRUE(ReEncode(original, opt) == original);
}

TEST_F(RdbGoldenTest, EncoderReproducesRedisUncompressedFileByteForByte) {
  std::string original;
  ASSERT_TRUE(ReadFileToString(TestDataDir() + "/redis70_plain.rdb", &original).ok());
  RdbEncoderOptions opt;
  opt.compression = false;
  opt.checksum = false;
  EXPECT_TRUE(ReEncode(original, opt) == original);
}

// make_golden.sh's make_streams.
TEST_F(RdbGoldenTest, Streams) {
  Load("redis70_streams.rdb");
  EXPECT_EQ(stats_.keys, 4u);
  const RdbStream& m = Get("stream:main", kRdbTypeStreamListpacks2).stream;
  EXPECT_EQ(m.length, 9u);  // 13 added, 2-0 3-0 9-0 6-0 deleted
  EXPECT_EQ(m.nodes.size(), 4u);  // stream-node-max-entries 4
  for (const RdbStream::Node& n : m.nodes) EXPECT_EQ(n.key.size(), 16u);
  EXPECT_EQ(m.last_id.ms, 13u);
  EXPECT_EQ(m.first_id.ms, 1u);
  EXPECT_EQ(m.max_deleted_id.ms, 9u);
  EXPECT_EQ(m.entries_added, 13u);
  ASSERT_EQ(m.groups.size(), 2u);
  const RdbStream::Group& g1 = m.groups[0];
  EXPECT_EQ(g1.name, "g1");
  // alice got 1 4 5, bob 6 7, carol 8 with NOACK (2 3 9 were deleted).
  EXPECT_EQ(g1.last_id.ms, 8u);
  EXPECT_EQ(g1.entries_read, -1);  // tombstones in the way: unknown
  ASSERT_EQ(g1.pel.size(), 5u);    // 6-0 stays pending after its XDEL
  EXPECT_EQ(g1.pel[1].id.ms, 4u);
  EXPECT_EQ(g1.pel[1].delivery_count, 5u);  // XCLAIM RETRYCOUNT 5
  ASSERT_EQ(g1.consumers.size(), 4u);  // alice bob carol dave, by name
  EXPECT_EQ(g1.consumers[0].name, "alice");
  EXPECT_EQ(g1.consumers[0].pel.size(), 2u);
  EXPECT_EQ(g1.consumers[1].name, "bob");
  EXPECT_EQ(g1.consumers[1].pel.size(), 3u);
  EXPECT_TRUE(g1.consumers[3].pel.empty());
  EXPECT_EQ(m.groups[1].entries_read, 13);
  const RdbStream& e = Get("stream:empty", kRdbTypeStreamListpacks2).stream;
  EXPECT_EQ(e.length, 0u);
  EXPECT_TRUE(e.nodes.empty());
  EXPECT_EQ(e.groups.size(), 1u);
  EXPECT_EQ(Get("stream:ttl", kRdbTypeStreamListpacks2, 0, kFar).stream.length, 1u);
  const RdbStream& t = Get("stream:trimmed", kRdbTypeStreamListpacks2).stream;
  EXPECT_EQ(t.length, 1u);
  EXPECT_EQ(t.last_id.ms, 5u);
  EXPECT_EQ(t.entries_added, 9u);
  EXPECT_EQ(t.max_deleted_id.ms, 4u);
}

TEST_F(RdbGoldenTest, EncoderReproducesRedisStreamsFileByteForByte) {
  std::string original;
  ASSERT_TRUE(ReadFileToString(TestDataDir() + "/redis70_streams.rdb", &original).ok());
  EXPECT_TRUE(ReEncode(original, {}) == original);
}

TEST_F(RdbGoldenTest, EveryTruncationOfTheStreamsFileFails) {
  std::string data;
  ASSERT_TRUE(ReadFileToString(TestDataDir() + "/redis70_streams.rdb", &data).ok());
  for (size_t n = 0; n < data.size(); ++n) {
    CollectingHandler h;
    Status s = DecodeRdb(std::string_view(data).substr(0, n), &h);
    ASSERT_TRUE(s.IsCorruption()) << n << " " << s.ToString();
  }
}

TEST_F(RdbGoldenTest, EveryTruncationOfARealFileFails) {
  std::string data;
  ASSERT_TRUE(ReadFileToString(TestDataDir() + "/redis70_small.rdb", &data).ok());
  for (size_t n = 0; n < data.size(); ++n) {
    CollectingHandler h;
    Status s = DecodeRdb(std::string_view(data).substr(0, n), &h);
    ASSERT_TRUE(s.IsCorruption()) << n << " " << s.ToString();
  }
}

// make_golden.sh's make_functions: FUNCTION2 items, one of them LZF.
TEST_F(RdbGoldenTest, FunctionLibraries) {
  Load("redis70_functions.rdb");
  ASSERT_EQ(h_.functions.size(), 3u);
  std::vector<std::string> heads;
  for (const std::string& code : h_.functions) heads.push_back(code.substr(0, code.find('\n')));
  EXPECT_EQ(Sorted(heads), (std::vector<std::string>{"#!lua name=lib_a", "#!lua name=lib_b", "#!lua name=lib_long"}));
  for (const std::string& code : h_.functions) {
    if (code.find("lib_long") != std::string::npos) EXPECT_GT(code.size(), 300u);
    if (code.find("lib_b") != std::string::npos) EXPECT_NE(code.find("description='reads one key'"), std::string::npos);
  }
  EXPECT_EQ(Get("counter", kRdbTypeString).str, "41");
}

TEST_F(RdbGoldenTest, EncoderReproducesRedisFunctionsFileByteForByte) {
  std::string original;
  ASSERT_TRUE(ReadFileToString(TestDataDir() + "/redis70_functions.rdb", &original).ok());
  EXPECT_TRUE(ReEncode(original, {}) == original);
}

}  // namespace
}  // namespace replikv::persistence
