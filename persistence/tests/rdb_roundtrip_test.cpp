// Encoder -> decoder round trips of every type and encoding, and the exact
// bytes of the primitive encodings.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "persistence/format/file.h"
#include "persistence/format/rdb_decoder.h"
#include "persistence/format/rdb_encoder.h"
#include "persistence/format/rdb_format.h"
#include "persistence/tests/rdb_test_util.h"

namespace replikv::persistence {
namespace {

using testing::CollectingHandler;

std::string Hex(std::string_view s) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out.push_back(d[c >> 4]);
    out.push_back(d[c & 15]);
  }
  return out;
}

// Sorts the members of unordered types so values compare by content.
RdbValue Canonical(RdbValue v) {
  if (v.type == RdbValue::Type::kSet) std::sort(v.elems.begin(), v.elems.end());
  std::sort(v.pairs.begin(), v.pairs.end());
  std::sort(v.zset.begin(), v.zset.end());
  v.rdb_type = 0;
  return v;
}

void ExpectSameValue(const RdbValue& a, const RdbValue& b) {
  RdbValue ca = Canonical(a), cb = Canonical(b);
  ASSERT_EQ(static_cast<int>(ca.type), static_cast<int>(cb.type));
  EXPECT_EQ(ca.str, cb.str);
  EXPECT_EQ(ca.elems, cb.elems);
  EXPECT_EQ(ca.pairs, cb.pairs);
  ASSERT_EQ(ca.zset.size(), cb.zset.size());
  for (size_t i = 0; i < ca.zset.size(); ++i) {
    EXPECT_EQ(ca.zset[i].first, cb.zset[i].first);
    EXPECT_EQ(ca.zset[i].second, cb.zset[i].second);
    EXPECT_EQ(std::signbit(ca.zset[i].second), std::signbit(cb.zset[i].second));
  }
}

class RdbRoundTripTest : public ::testing::Test {
 protected:
  // Writes header, aux, db 0 with the entries `body` writes, EOF.
  std::string Encode(const std::function<void(RdbEncoder&)>& body) {
    std::string out;
    StringSink sink(&out);
    RdbEncoder enc(&sink, options_);
    EXPECT_TRUE(enc.WriteHeader().ok());
    RdbAuxFields aux;
    aux.ctime = 1700000000;
    aux.used_mem = 123456789012;
    EXPECT_TRUE(enc.WriteAuxFields(aux).ok());
    EXPECT_TRUE(enc.WriteSelectDb(0).ok());
    body(enc);
    EXPECT_TRUE(enc.WriteEof().ok());
    EXPECT_EQ(enc.bytes_written(), out.size());
    return out;
  }

  // Encodes one key and decodes it back; returns the decoded entry.
  RdbEntry RoundTrip(const RdbValue& v, int64_t expire_ms = -1, uint8_t want_type = 0xff) {
    file_ = Encode([&](RdbEncoder& e) { ASSERT_TRUE(e.WriteEntry("k", v, expire_ms).ok()); });
    handler_ = CollectingHandler();
    Status s = DecodeRdb(file_, &handler_);
    EXPECT_TRUE(s.ok()) << s.ToString();
    if (handler_.entries.size() != 1) {
      ADD_FAILURE() << "entries: " << handler_.entries.size();
      return {};
    }
    RdbEntry e = handler_.entries[0];
    EXPECT_EQ(e.key, "k");
    EXPECT_EQ(e.expire_ms, expire_ms);
    if (want_type != 0xff) {
      EXPECT_EQ(static_cast<int>(e.value.rdb_type), want_type);
    }
    ExpectSameValue(e.value, v);
    return e;
  }

  static RdbValue List(std::vector<std::string> elems) {
    RdbValue v;
    v.type = RdbValue::Type::kList;
    v.elems = std::move(elems);
    return v;
  }
  static RdbValue Set(std::vector<std::string> elems) {
    RdbValue v = List(std::move(elems));
    v.type = RdbValue::Type::kSet;
    return v;
  }
  static RdbValue Hash(std::vector<std::pair<std::string, std::string>> pairs) {
    RdbValue v;
    v.type = RdbValue::Type::kHash;
    v.pairs = std::move(pairs);
    return v;
  }
  static RdbValue Zset(std::vector<std::pair<std::string, double>> members) {
    RdbValue v;
    v.type = RdbValue::Type::kZset;
    v.zset = std::move(members);
    return v;
  }
  static RdbValue Str(std::string s) {
    RdbValue v;
    v.str = std::move(s);
    return v;
  }

  RdbEncoderOptions options_;
  std::string file_;
  CollectingHandler handler_;
};

// The bytes one WriteString call produces.
std::string StringBytes(std::string_view s, bool compression = true) {
  std::string out;
  StringSink sink(&out);
  RdbEncoderOptions opt;
  opt.compression = compression;
  RdbEncoder enc(&sink, opt);
  EXPECT_TRUE(enc.WriteString(s).ok());
  EXPECT_TRUE(enc.Flush().ok());
  return out;
}

std::string LengthBytes(uint64_t n) {
  std::string out;
  StringSink sink(&out);
  RdbEncoder enc(&sink, {});
  EXPECT_TRUE(enc.WriteLength(n).ok());
  EXPECT_TRUE(enc.Flush().ok());
  return out;
}

TEST(RdbEncoding, LengthForms) {
  EXPECT_EQ(Hex(LengthBytes(0)), "00");
  EXPECT_EQ(Hex(LengthBytes(63)), "3f");
  EXPECT_EQ(Hex(LengthBytes(64)), "4040");
  EXPECT_EQ(Hex(LengthBytes(16383)), "7fff");
  EXPECT_EQ(Hex(LengthBytes(16384)), "8000004000");
  EXPECT_EQ(Hex(LengthBytes(4294967295u)), "80ffffffff");
  EXPECT_EQ(Hex(LengthBytes(4294967296u)), "810000000100000000");
}

TEST(RdbEncoding, IntegerStringForms) {
  EXPECT_EQ(Hex(StringBytes("0")), "c000");
  EXPECT_EQ(Hex(StringBytes("-128")), "c080");
  EXPECT_EQ(Hex(StringBytes("127")), "c07f");
  EXPECT_EQ(Hex(StringBytes("128")), "c18000");
  EXPECT_EQ(Hex(StringBytes("-32769")), "c2ff7fffff");
  EXPECT_EQ(Hex(StringBytes("2147483647")), "c2ffffff7f");
  // Not int32, or not canonical: raw.
  EXPECT_EQ(Hex(StringBytes("2147483648")), "0a" + Hex("2147483648"));
  EXPECT_EQ(Hex(StringBytes("-0")), "02" + Hex("-0"));
  EXPECT_EQ(Hex(StringBytes("007")), "03" + Hex("007"));
  EXPECT_EQ(Hex(StringBytes("")), "00");
}

TEST(RdbEncoding, LzfOnlyAboveTwentyBytesAndWhenItSavesFour) {
  std::string twenty(20, 'a');
  EXPECT_EQ(Hex(StringBytes(twenty)), "14" + Hex(twenty));
  std::string twenty_one(21, 'a');
  EXPECT_EQ(static_cast<unsigned char>(StringBytes(twenty_one)[0]), 0xc3);
  EXPECT_EQ(Hex(StringBytes(twenty_one, false)), "15" + Hex(twenty_one));
  std::string random = "q8Zk2LmP0xR7vT1nW4yB6cD9";  // 24 bytes, nothing to gain
  EXPECT_EQ(Hex(StringBytes(random)), "18" + Hex(random));
}

TEST(RdbEncoding, ZsetListpackScoreText) {
  EXPECT_EQ(ZsetListpackScore(1.0), "1");
  EXPECT_EQ(ZsetListpackScore(-0.0), "0");
  EXPECT_EQ(ZsetListpackScore(1.1), "1.1000000000000001");
  EXPECT_EQ(ZsetListpackScore(3.5e20), "3.5e+20");
  EXPECT_EQ(ZsetListpackScore(INFINITY), "inf");
  EXPECT_EQ(ZsetListpackScore(-INFINITY), "-inf");
  EXPECT_EQ(ZsetListpackScore(4503599627370495.0), "4503599627370495");
  EXPECT_EQ(ZsetListpackScore(4503599627370496.0), "4503599627370496");
}

TEST_F(RdbRoundTripTest, HeaderAndAuxFields) {
  std::string file = Encode([](RdbEncoder&) {});
  EXPECT_EQ(file.substr(0, 9), "REDIS0010");
  CollectingHandler h;
  RdbLoadStats stats;
  ASSERT_TRUE(DecodeRdb(file, &h, {}, &stats).ok());
  EXPECT_EQ(stats.version, 10);
  EXPECT_TRUE(stats.checksum_verified);
  EXPECT_EQ(stats.bytes, file.size());
  EXPECT_EQ(h.ends, 1);
  EXPECT_EQ(h.aux["redis-ver"], "7.0.15");
  EXPECT_EQ(h.aux["redis-bits"], "64");
  EXPECT_EQ(h.aux["ctime"], "1700000000");
  EXPECT_EQ(h.aux["used-mem"], "123456789012");
  EXPECT_EQ(h.aux["aof-base"], "0");
  EXPECT_EQ(h.aux.count("repl-id"), 0u);
}

TEST_F(RdbRoundTripTest, NoReplicationInfoMeansNoReplAuxFieldsAsStandaloneRedis) {
  // Redis 7.0 without replication state (no replica, no backlog) writes no
  // repl-* fields.
  std::string out;
  StringSink sink(&out);
  RdbEncoder enc(&sink, {});
  RdbAuxFields aux;
  ASSERT_TRUE(enc.WriteHeader().ok());
  ASSERT_TRUE(enc.WriteAuxFields(aux).ok());
  ASSERT_TRUE(enc.WriteEof().ok());
  CollectingHandler h;
  ASSERT_TRUE(DecodeRdb(out, &h).ok());
  EXPECT_EQ(h.aux.count("repl-id"), 0u);
  EXPECT_EQ(h.aux.count("repl-offset"), 0u);
  EXPECT_EQ(h.aux.count("repl-stream-db"), 0u);
  EXPECT_EQ(h.aux.size(), 5u);  // redis-ver, redis-bits, ctime, used-mem, aof-base
}

TEST_F(RdbRoundTripTest, ReplicationAuxFields) {
  std::string out;
  StringSink sink(&out);
  RdbEncoder enc(&sink, {});
  RdbAuxFields aux;
  RdbReplInfo repl;
  repl.repl_id = std::string(40, 'a');
  repl.repl_stream_db = 3;
  repl.repl_offset = 9876543210;
  ASSERT_TRUE(enc.WriteHeader().ok());
  ASSERT_TRUE(enc.WriteAuxFields(aux, &repl).ok());
  ASSERT_TRUE(enc.WriteEof().ok());
  CollectingHandler h;
  ASSERT_TRUE(DecodeRdb(out, &h).ok());
  EXPECT_EQ(h.aux["repl-id"], std::string(40, 'a'));
  EXPECT_EQ(h.aux["repl-stream-db"], "3");
  EXPECT_EQ(h.aux["repl-offset"], "9876543210");
}

TEST_F(RdbRoundTripTest, Strings) {
  for (const std::string& s : {std::string(""), std::string("0"), std::string("-2147483648"),
                               std::string("9223372036854775807"), std::string("hello"),
                               std::string(1 << 20, 'x'), std::string("\0\xff\n", 3)}) {
    RoundTrip(Str(s), -1, kRdbTypeString);
    RoundTrip(Str(s), 1999999999999, kRdbTypeString);
  }
}

TEST_F(RdbRoundTripTest, StringsWithoutCompression) {
  options_.compression = false;
  RoundTrip(Str(std::string(1000, 'y')));
  EXPECT_EQ(file_.find(std::string(1000, 'y')) != std::string::npos, true);
}

TEST_F(RdbRoundTripTest, CompressionShrinksTheFile) {
  RoundTrip(Str(std::string(100000, 'y')));
  EXPECT_LT(file_.size(), 5000u);
}

TEST_F(RdbRoundTripTest, SmallListIsOneListpackNode) {
  RoundTrip(List({"a", "1", "-5", "", std::string(100, 'z'), "9223372036854775807"}), -1,
            kRdbTypeListQuicklist2);
}

TEST_F(RdbRoundTripTest, LargeListSplitsIntoNodesInOrder) {
  std::vector<std::string> elems;
  for (int i = 0; i < 5000; ++i) elems.push_back("element-" + std::to_string(i * 7919));
  RoundTrip(List(elems), 1700000000123, kRdbTypeListQuicklist2);
}

TEST_F(RdbRoundTripTest, CountLimitedNodes) {
  options_.limits.list_max_listpack_size = 3;
  std::vector<std::string> elems;
  for (int i = 0; i < 10; ++i) elems.push_back(std::to_string(i));
  RoundTrip(List(elems));
  // 4 nodes: the node count byte follows type, key.
  size_t at = file_.find(std::string("\x12\x01k", 3));
  ASSERT_NE(at, std::string::npos);
  EXPECT_EQ(file_[at + 3], 4);
}

TEST_F(RdbRoundTripTest, BigElementsGetPlainNodes) {
  options_.limits.list_packed_threshold = 100;
  RoundTrip(List({"small", std::string(100, 'p'), "mid", std::string(500, 'q'), "end"}));
  size_t at = file_.find(std::string("\x12\x01k", 3));
  ASSERT_NE(at, std::string::npos);
  EXPECT_EQ(file_[at + 3], 5);  // small | plain | mid | plain | end
  EXPECT_EQ(file_[at + 4], 2);  // packed
}

TEST_F(RdbRoundTripTest, IntegerSetIsIntset) {
  RoundTrip(Set({"3", "-1", "100000", "0"}), -1, kRdbTypeSetIntset);
  RoundTrip(Set({"9223372036854775807", "-9223372036854775808"}), 5, kRdbTypeSetIntset);
}

TEST_F(RdbRoundTripTest, SetWithAStringOrTooManyIsPlain) {
  RoundTrip(Set({"1", "two", "3"}), -1, kRdbTypeSet);
  options_.limits.set_max_intset_entries = 2;
  RoundTrip(Set({"1", "2", "3"}), -1, kRdbTypeSet);
  RoundTrip(Set({"007", "1"}), -1, kRdbTypeSet);
}

TEST_F(RdbRoundTripTest, DuplicateIntsetMembersAreRefused) {
  std::string out;
  StringSink sink(&out);
  RdbEncoder enc(&sink, {});
  std::vector<std::string_view> m = {"1", "1"};
  EXPECT_TRUE(enc.WriteSetEntry("k", m).IsInvalidArgument());
}

TEST_F(RdbRoundTripTest, SmallHashIsListpack) {
  RoundTrip(Hash({{"f1", "v1"}, {"n", "12345"}, {"", ""}}), -1, kRdbTypeHashListpack);
}

TEST_F(RdbRoundTripTest, BigHashIsPlain) {
  RoundTrip(Hash({{"f1", std::string(65, 'v')}}), -1, kRdbTypeHash);
  std::vector<std::pair<std::string, std::string>> many;
  for (int i = 0; i < 513; ++i) many.emplace_back("f" + std::to_string(i), std::to_string(i));
  RoundTrip(Hash(many), 42, kRdbTypeHash);
  options_.limits.hash_max_listpack_entries = 1000;
  RoundTrip(Hash(many), 42, kRdbTypeHashListpack);
}

TEST_F(RdbRoundTripTest, SmallZsetIsSortedListpack) {
  RdbEntry e = RoundTrip(Zset({{"b", 2.5}, {"a", 2.5}, {"c", -INFINITY}, {"d", INFINITY},
                               {"e", 0.1}, {"f", -7}, {"g", 3.5e20}}),
                         -1, kRdbTypeZsetListpack);
  // The decoder returns listpack order: by score, then member.
  std::vector<std::string> order;
  for (const auto& [m, s] : e.value.zset) order.push_back(m);
  EXPECT_EQ(order, (std::vector<std::string>{"c", "f", "e", "a", "b", "g", "d"}));
}

TEST_F(RdbRoundTripTest, BigZsetIsZset2WithExactScores) {
  std::vector<std::pair<std::string, double>> many;
  for (int i = 0; i < 200; ++i) many.emplace_back("m" + std::to_string(i), i / 3.0);
  many.emplace_back("neg-zero", -0.0);
  many.emplace_back("tiny", 5e-324);
  RoundTrip(Zset(many), -1, kRdbTypeZset2);
  RoundTrip(Zset({{std::string(65, 'm'), 1}}), -1, kRdbTypeZset2);
}

TEST_F(RdbRoundTripTest, NanScoreIsRefused) {
  std::string out;
  StringSink sink(&out);
  RdbEncoder enc(&sink, {});
  std::vector<std::pair<std::string_view, double>> m = {{"a", NAN}};
  EXPECT_TRUE(enc.WriteZsetEntry("k", m).IsInvalidArgument());
}

TEST_F(RdbRoundTripTest, EmptyCollectionsAreSkippedAndCounted) {
  std::string file = Encode([](RdbEncoder& e) {
    ASSERT_TRUE(e.WriteListEntry("l", {}).ok());
    ASSERT_TRUE(e.WriteHashEntry("h", {}).ok());
    ASSERT_TRUE(e.WriteStringEntry("s", "").ok());
  });
  CollectingHandler h;
  RdbLoadStats stats;
  ASSERT_TRUE(DecodeRdb(file, &h, {}, &stats).ok());
  EXPECT_EQ(stats.keys, 1u);
  EXPECT_EQ(stats.empty_keys_skipped, 2u);
  ASSERT_EQ(h.entries.size(), 1u);
  EXPECT_EQ(h.entries[0].key, "s");
}

TEST_F(RdbRoundTripTest, DatabasesResizeAndFunctions) {
  std::string out;
  StringSink sink(&out);
  RdbEncoder enc(&sink, {});
  ASSERT_TRUE(enc.WriteHeader().ok());
  ASSERT_TRUE(enc.WriteFunction("#!lua name=lib\nredis.register_function('f', function() end)").ok());
  ASSERT_TRUE(enc.WriteSelectDb(0).ok());
  ASSERT_TRUE(enc.WriteResizeDb(1, 0).ok());
  ASSERT_TRUE(enc.WriteStringEntry("a", "0").ok());
  ASSERT_TRUE(enc.WriteSelectDb(15).ok());
  ASSERT_TRUE(enc.WriteResizeDb(1, 1).ok());
  ASSERT_TRUE(enc.WriteStringEntry("a", "15", 1234).ok());
  ASSERT_TRUE(enc.WriteEof().ok());
  CollectingHandler h;
  RdbLoadStats stats;
  ASSERT_TRUE(DecodeRdb(out, &h, {}, &stats).ok());
  EXPECT_EQ(stats.functions, 1u);
  ASSERT_EQ(h.functions.size(), 1u);
  EXPECT_EQ(h.dbs, (std::vector<uint64_t>{0, 15}));
  EXPECT_EQ(h.resizes, (std::vector<std::pair<uint64_t, uint64_t>>{{1, 0}, {1, 1}}));
  ASSERT_NE(h.Find("a", 15), nullptr);
  EXPECT_EQ(h.Find("a", 15)->value.str, "15");
  EXPECT_EQ(h.Find("a", 15)->expire_ms, 1234);
  EXPECT_EQ(h.Find("a", 0)->expire_ms, -1);
}

TEST_F(RdbRoundTripTest, DefaultHandlerSkipsFunctionsWithANote) {
  struct KeysOnly : RdbHandler {
    Status OnKey(RdbEntry&) override { return Status::OK(); }
    void OnNote(std::string_view n) override { notes.emplace_back(n); }
    std::vector<std::string> notes;
  } h;
  std::string out;
  StringSink sink(&out);
  RdbEncoder enc(&sink, {});
  ASSERT_TRUE(enc.WriteHeader().ok());
  ASSERT_TRUE(enc.WriteFunction("code").ok());
  ASSERT_TRUE(enc.WriteEof().ok());
  ASSERT_TRUE(DecodeRdb(out, &h).ok());
  ASSERT_EQ(h.notes.size(), 1u);
  EXPECT_NE(h.notes[0].find("function"), std::string::npos);
}

TEST_F(RdbRoundTripTest, ChecksumOffWritesZeroFooterAndIsNotVerified) {
  options_.checksum = false;
  std::string file = Encode([](RdbEncoder& e) { ASSERT_TRUE(e.WriteStringEntry("a", "b").ok()); });
  EXPECT_EQ(file.substr(file.size() - 8), std::string(8, '\0'));
  CollectingHandler h;
  RdbLoadStats stats;
  ASSERT_TRUE(DecodeRdb(file, &h, {}, &stats).ok());
  EXPECT_FALSE(stats.checksum_verified);
  ASSERT_EQ(h.notes.size(), 1u);
  EXPECT_NE(h.notes[0].find("checksum disabled"), std::string::npos);
}

// Hands out one byte per Read, with the size unknown to the decoder: every
// read path must cope with data arriving split at every byte.
class OneByteFile : public SequentialFile {
 public:
  explicit OneByteFile(std::string_view data) : data_(data) {}
  Status Read(size_t n, std::string_view* result, char* scratch) override {
    size_t take = std::min<size_t>({n, 1, data_.size()});
    std::copy(data_.begin(), data_.begin() + take, scratch);
    *result = std::string_view(scratch, take);
    data_.remove_prefix(take);
    return Status::OK();
  }

 private:
  std::string_view data_;
};

TEST_F(RdbRoundTripTest, DecodesWhenDataArrivesOneByteAtATime) {
  std::string file = Encode([](RdbEncoder& e) {
    ASSERT_TRUE(e.WriteStringEntry("s", std::string(5000, 'a')).ok());
    ASSERT_TRUE(e.WriteEntry("z", Zset({{"a", 1}, {"b", 2}}), 77).ok());
    std::vector<std::string_view> l = {"x", "y"};
    ASSERT_TRUE(e.WriteListEntry("l", l).ok());
  });
  file += "TRAILER";
  OneByteFile src(file);
  CollectingHandler h;
  RdbDecoder dec(&src, &h);
  ASSERT_TRUE(dec.Run().ok());
  EXPECT_EQ(h.entries.size(), 3u);
  EXPECT_EQ(dec.stats().bytes, file.size() - 7);
  EXPECT_EQ(dec.offset(), file.size() - 7);
}

TEST_F(RdbRoundTripTest, UnconsumedReturnsBytesAfterTheFooter) {
  std::string file = Encode([](RdbEncoder&) {}) + "NEXT";
  auto src = NewMemorySequentialFile(file);
  CollectingHandler h;
  RdbDecoder dec(src.get(), &h);
  ASSERT_TRUE(dec.Run().ok());
  EXPECT_EQ(dec.Unconsumed(), "NEXT");
}

TEST_F(RdbRoundTripTest, ProgressIsReported) {
  struct Progress : CollectingHandler {
    Status OnProgress(uint64_t bytes) override {
      calls.push_back(bytes);
      return Status::OK();
    }
    std::vector<uint64_t> calls;
  } h;
  options_.compression = false;
  std::string file = Encode([](RdbEncoder& e) {
    for (int i = 0; i < 10; ++i) {
      ASSERT_TRUE(e.WriteStringEntry("k" + std::to_string(i), std::string(1000, 'v')).ok());
    }
  });
  RdbDecoderOptions opt;
  opt.progress_interval_bytes = 3000;
  ASSERT_TRUE(DecodeRdb(file, &h, opt).ok());
  EXPECT_EQ(h.calls.size(), 3u);
}

TEST_F(RdbRoundTripTest, HandlerErrorStopsTheRun) {
  struct Refuse : RdbHandler {
    Status OnKey(RdbEntry&) override { return Status::InvalidArgument("no keys today"); }
  } h;
  std::string file = Encode([](RdbEncoder& e) { ASSERT_TRUE(e.WriteStringEntry("a", "b").ok()); });
  Status s = DecodeRdb(file, &h);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_EQ(s.message(), "no keys today");
}

TEST_F(RdbRoundTripTest, WritesToAFileAndReadsItBack) {
  std::string dir = ::testing::TempDir();
  std::string path = dir + "/rdb_roundtrip_file.rdb";
  {
    auto w = AtomicFileWriter::Create(path, "rdb");
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    FileSink sink((*w)->file());
    RdbEncoder enc(&sink, {});
    ASSERT_TRUE(enc.WriteHeader().ok());
    ASSERT_TRUE(enc.WriteSelectDb(0).ok());
    for (int i = 0; i < 20000; ++i) {
      ASSERT_TRUE(enc.WriteStringEntry("key:" + std::to_string(i), std::to_string(i)).ok());
    }
    ASSERT_TRUE(enc.WriteEof().ok());
    ASSERT_TRUE((*w)->Commit().ok());
  }
  auto size = GetFileSize(path);
  ASSERT_TRUE(size.ok());
  auto file = NewSequentialFile(path);
  ASSERT_TRUE(file.ok());
  CollectingHandler h;
  RdbDecoderOptions opt;
  opt.source_size = *size;
  RdbDecoder dec(file->get(), &h, opt);
  ASSERT_TRUE(dec.Run().ok());
  EXPECT_EQ(h.entries.size(), 20000u);
  EXPECT_TRUE(dec.stats().checksum_verified);
  RemoveFile(path).IgnoreError();
}

}  // namespace
}  // namespace replikv::persistence
