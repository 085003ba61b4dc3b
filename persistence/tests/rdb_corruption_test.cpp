// Damaged and hostile input: every case must end in a clean Status that
// names the byte offset, never a crash, a hang or a huge allocation (run this
// binary under -fsanitize=address,undefined). One test per error path, in
// the manner of leveldb's db/log_test.cc.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>

#include "persistence/format/file.h"
#include "persistence/format/listpack.h"
#include "persistence/format/rdb_decoder.h"
#include "persistence/format/rdb_encoder.h"
#include "persistence/format/rdb_format.h"
#include "persistence/tests/rdb_test_util.h"

namespace replikv::persistence {
namespace {

using namespace testing;  // NOLINT: test helpers

std::string Key(uint8_t type, std::string_view key) {
  return std::string(1, static_cast<char>(type)) + RdbRawString(key);
}

// A file holding one key of every type the encoder writes.
std::string EveryTypeFile(bool compression = true) {
  std::string out;
  StringSink sink(&out);
  RdbEncoderOptions opt;
  opt.compression = compression;
  opt.limits.list_max_listpack_size = 2;
  opt.limits.list_packed_threshold = 30;
  RdbEncoder e(&sink, opt);
  EXPECT_TRUE(e.WriteHeader().ok());
  EXPECT_TRUE(e.WriteAuxFields({}).ok());
  EXPECT_TRUE(e.WriteSelectDb(0).ok());
  EXPECT_TRUE(e.WriteResizeDb(9, 1).ok());
  EXPECT_TRUE(e.WriteStringEntry("s", std::string(40, 'a'), 1000).ok());
  EXPECT_TRUE(e.WriteStringEntry("i", "-300").ok());
  std::vector<std::string_view> list = {"a", "1", std::string_view("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"), "c"};
  EXPECT_TRUE(e.WriteListEntry("l", list).ok());
  std::vector<std::string_view> ints = {"1", "2", "70000"};
  EXPECT_TRUE(e.WriteSetEntry("is", ints).ok());
  std::vector<std::string_view> strs = {"x", "y"};
  EXPECT_TRUE(e.WriteSetEntry("ss", strs).ok());
  std::vector<std::pair<std::string_view, std::string_view>> hash = {{"f", "v"}, {"g", "1"}};
  EXPECT_TRUE(e.WriteHashEntry("hl", hash).ok());
  std::vector<std::pair<std::string_view, std::string_view>> big = {{"f", std::string_view(std::string(70, 'v'))}};
  std::string bigv(70, 'v');
  big[0].second = bigv;
  EXPECT_TRUE(e.WriteHashEntry("hp", big).ok());
  std::vector<std::pair<std::string_view, double>> z = {{"a", 1.5}, {"b", -2}};
  EXPECT_TRUE(e.WriteZsetEntry("zl", z).ok());
  std::string bigm(70, 'm');
  std::vector<std::pair<std::string_view, double>> z2 = {{bigm, 1.5}, {"b", INFINITY}};
  EXPECT_TRUE(e.WriteZsetEntry("z2", z2).ok());
  EXPECT_TRUE(e.WriteEof().ok());
  return out;
}

Status Decode(std::string_view data, bool verify = true) {
  CollectingHandler h;
  RdbDecoderOptions opt;
  opt.verify_checksum = verify;
  return DecodeRdb(data, &h, opt);
}

void ExpectCorruptionAt(const Status& s, uint64_t offset, std::string_view words) {
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  std::string want = "rdb offset " + std::to_string(offset) + ":";
  EXPECT_EQ(s.message().rfind(want, 0), 0u) << s.message();
  EXPECT_NE(s.message().find(words), std::string::npos) << s.message();
}

TEST(RdbCorruption, EveryTypeFileIsValid) {
  CollectingHandler h;
  ASSERT_TRUE(DecodeRdb(EveryTypeFile(), &h).ok());
  EXPECT_EQ(h.entries.size(), 9u);
}

TEST(RdbCorruption, TruncationAtEveryByteFails) {
  for (bool compression : {true, false}) {
    std::string file = EveryTypeFile(compression);
    for (size_t n = 0; n < file.size(); ++n) {
      Status s = Decode(std::string_view(file).substr(0, n));
      ASSERT_TRUE(s.IsCorruption()) << n << ": " << s.ToString();
      ASSERT_NE(s.message().find("rdb offset"), std::string::npos) << s.message();
    }
  }
}

TEST(RdbCorruption, TruncationWithUnknownSourceSizeFails) {
  std::string file = EveryTypeFile();
  for (size_t n = 0; n < file.size(); n += 3) {
    auto src = NewMemorySequentialFile(std::string_view(file).substr(0, n));
    CollectingHandler h;
    RdbDecoder dec(src.get(), &h);  // source_size unknown
    ASSERT_TRUE(dec.Run().IsCorruption()) << n;
  }
}

TEST(RdbCorruption, EveryByteFlipIsCaughtByTheChecksum) {
  std::string file = EveryTypeFile();
  for (size_t i = 0; i < file.size(); ++i) {
    std::string bad = file;
    bad[i] = static_cast<char>(bad[i] ^ 0x40);
    ASSERT_FALSE(Decode(bad).ok()) << i;
  }
}

TEST(RdbCorruption, EveryBitFlipWithoutChecksumFailsCleanlyOrLoads) {
  // Exercises every parser on damaged input; under ASan any out-of-bounds
  // read fails the test.
  std::string file = EveryTypeFile();
  for (size_t i = 9; i + 8 < file.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = file;
      bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
      Status s = Decode(bad, /*verify=*/false);
      if (!s.ok()) {
        ASSERT_TRUE(s.IsCorruption() || s.IsInvalidArgument()) << s.ToString();
      }
    }
  }
}

TEST(RdbCorruption, RandomMultiByteDamageFailsCleanlyOrLoads) {
  // Several bytes overwritten at random, optionally cut short: a cheap fuzz
  // run over every parser (deterministic seed; meaningful under ASan).
  std::mt19937 rng(20240601);
  for (bool compression : {true, false}) {
    const std::string file = EveryTypeFile(compression);
    for (int round = 0; round < 3000; ++round) {
      std::string bad = file;
      int damage = 1 + static_cast<int>(rng() % 6);
      for (int d = 0; d < damage; ++d) {
        size_t at = 9 + rng() % (bad.size() - 9);
        bad[at] = static_cast<char>(rng());
      }
      if (rng() % 4 == 0) bad.resize(9 + rng() % (bad.size() - 9));
      Status s = Decode(bad, /*verify=*/false);
      if (!s.ok()) {
        ASSERT_TRUE(s.IsCorruption() || s.IsInvalidArgument()) << s.ToString();
      }
    }
  }
}

TEST(RdbCorruption, BadChecksum) {
  std::string file = EveryTypeFile();
  file[file.size() - 3] ^= 1;
  CollectingHandler h;
  EXPECT_TRUE(DecodeRdb(file, &h).IsCorruption());
  EXPECT_EQ(h.ends, 0);  // no end event for a file that fails its check
  ExpectCorruptionAt(Decode(file), file.size() - 8, "RDB CRC error: Wrong RDB checksum");
  EXPECT_TRUE(Decode(file, /*verify=*/false).ok());
}

TEST(RdbCorruption, WrongMagic) {
  ExpectCorruptionAt(Decode("RADIS0010\xff"), 0, "not an RDB file");
}

TEST(RdbCorruption, VersionZero) { ExpectCorruptionAt(Decode(RdbFile(0, "")), 5, "version 0"); }

TEST(RdbCorruption, VersionTooNew) { ExpectCorruptionAt(Decode(RdbFile(13, "")), 5, "version 13"); }

TEST(RdbCorruption, VersionNotDigits) { ExpectCorruptionAt(Decode("REDIS00x0\xff"), 7, "digits"); }

TEST(RdbCorruption, UnknownObjectType) {
  ExpectCorruptionAt(Decode(RdbFile(10, Key(8, "k"))), 9, "unknown opcode or object type 8");
  ExpectCorruptionAt(Decode(RdbFile(10, Key(0x40, "k"))), 9, "type 64");
}

TEST(RdbCorruption, SlotInfoBeforeVersion12) {
  ExpectCorruptionAt(Decode(RdbFile(11, "\xf4\x01\x01\x01")), 9, "244");
}

TEST(RdbCorruption, InvalidLengthEncoding) {
  ExpectCorruptionAt(Decode(RdbFile(10, "\xfe\x82")), 10, "invalid length encoding");
}

TEST(RdbCorruption, StringEncodingWhereALengthBelongs) {
  ExpectCorruptionAt(Decode(RdbFile(10, "\xfe\xc0\x01")), 10, "where a length was expected");
}

TEST(RdbCorruption, UnknownStringEncoding) {
  ExpectCorruptionAt(Decode(RdbFile(10, std::string("\x00\xc4", 2))), 10,
                     "unknown string encoding 4");
}

TEST(RdbCorruption, LyingStringLength) {
  // A key claiming 2^31 bytes: refused from the bytes left, before any
  // allocation.
  std::string body = std::string(1, '\0') + RdbLength(uint64_t{1} << 31) + "abc";
  ExpectCorruptionAt(Decode(RdbFile(10, body)), 10, "bytes left");
  // Past the size limit (4 GiB by default) it is refused for that.
  body = std::string(1, '\0') + RdbLength(uint64_t{1} << 40) + "abc";
  ExpectCorruptionAt(Decode(RdbFile(10, body)), 10, "size limit");
}

TEST(RdbCorruption, LyingStringLengthWithUnknownSizeReadsOnlyWhatArrives) {
  std::string file = RdbFile(10, std::string(1, '\0') + RdbLength(uint64_t{1} << 40) + "abc");
  auto src = NewMemorySequentialFile(file);
  CollectingHandler h;
  RdbDecoderOptions opt;
  opt.max_string_bytes = uint64_t{1} << 62;
  RdbDecoder dec(src.get(), &h, opt);
  Status s = dec.Run();
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find("Unexpected EOF reading RDB file"), std::string::npos) << s.message();
}

TEST(RdbCorruption, StringOverTheSizeLimit) {
  RdbDecoderOptions opt;
  opt.max_string_bytes = 10;
  CollectingHandler h;
  std::string file = RdbFile(10, Key(kRdbTypeString, "k") + RdbRawString(std::string(11, 'v')));
  Status s = DecodeRdb(file, &h, opt);
  ExpectCorruptionAt(s, 12, "string size limit");
}

TEST(RdbCorruption, LyingCollectionCount) {
  std::string body = Key(kRdbTypeList, "k") + RdbLength(1000000) + RdbRawString("a");
  ExpectCorruptionAt(Decode(RdbFile(10, body)), 12, "cannot fit");
}

TEST(RdbCorruption, LyingZset2CountCountsEightByteScores) {
  // 3 members need at least 27 bytes; 10 + the 9-byte end are there.
  std::string body = Key(kRdbTypeZset2, "k") + RdbLength(3) + std::string(10, '\x01');
  ExpectCorruptionAt(Decode(RdbFile(10, body)), 12, "cannot fit");
}

TEST(RdbCorruption, LzfClaimsMoreThanPossible) {
  // 3 compressed bytes cannot expand to 1 MB.
  std::string body = Key(kRdbTypeString, "k") + "\xc3" + RdbLength(3) + RdbLength(1 << 20) + "abc";
  ExpectCorruptionAt(Decode(RdbFile(10, body)), 12, "LZF");
}

TEST(RdbCorruption, LzfInvalidData) {
  std::string body = Key(kRdbTypeString, "k") + "\xc3" + RdbLength(2) + RdbLength(3) +
                     std::string("\x20\x00", 2);
  ExpectCorruptionAt(Decode(RdbFile(10, body)), 12, "lzf");
}

TEST(RdbCorruption, ExpireNotFollowedByAKey) {
  std::string body = "\xfc" + std::string(8, '\x01');
  ExpectCorruptionAt(Decode(RdbFile(10, body)), 18, "expected the key");
}

TEST(RdbCorruption, DuplicateSetMember) {
  std::string body = Key(kRdbTypeSet, "k") + RdbLength(2) + RdbRawString("a") + RdbRawString("a");
  ExpectCorruptionAt(Decode(RdbFile(10, body)), 12, "duplicate member");
}

TEST(RdbCorruption, DuplicateHashFieldInListpack) {
  ListpackBuilder b;
  for (const char* s : {"f", "1", "f", "2"}) b.Append(s);
  std::string body = Key(kRdbTypeHashListpack, "k") + RdbRawString(b.Finish());
  ExpectCorruptionAt(Decode(RdbFile(10, body)), 12, "duplicate hash field");
}

TEST(RdbCorruption, DuplicateZsetMember) {
  std::string body = Key(kRdbTypeZset2, "k") + RdbLength(2) + RdbRawString("a") +
                     std::string(8, '\0') + RdbRawString("a") + std::string(8, '\0');
  ExpectCorruptionAt(Decode(RdbFile(10, body)), 12, "duplicate member");
}

TEST(RdbCorruption, NanBinaryScore) {
  std::string nan("\x00\x00\x00\x00\x00\x00\xf8\x7f", 8);
  std::string body = Key(kRdbTypeZset2, "k") + RdbLength(1) + RdbRawString("a") + nan;
  ExpectCorruptionAt(Decode(RdbFile(10, body)), 15, "NaN");
}

TEST(RdbCorruption, NanTextScore) {
  std::string body = Key(kRdbTypeZset, "k") + RdbLength(1) + RdbRawString("a") + "\xfd";
  ExpectCorruptionAt(Decode(RdbFile(10, body)), 15, "NaN");
}

TEST(RdbCorruption, TextScoreNotANumber) {
  std::string body = Key(kRdbTypeZset, "k") + RdbLength(1) + RdbRawString("a") + "\x03" "1x2";
  ExpectCorruptionAt(Decode(RdbFile(10, body)), 15, "not a number");
}

TEST(RdbCorruption, ListpackScoreNotANumber) {
  ListpackBuilder b;
  for (const char* s : {"m", "abc"}) b.Append(s);
  std::string body = Key(kRdbTypeZsetListpack, "k") + RdbRawString(b.Finish());
  ExpectCorruptionAt(Decode(RdbFile(10, body)), 12, "not a number");
}

TEST(RdbCorruption, OddEntryCountInHashListpack) {
  ListpackBuilder b;
  for (const char* s : {"f", "v", "g"}) b.Append(s);
  std::string body = Key(kRdbTypeHashListpack, "k") + RdbRawString(b.Finish());
  ExpectCorruptionAt(Decode(RdbFile(10, body)), 12, "odd number");
}

TEST(RdbCorruption, BadQuicklistContainer) {
  std::string body = Key(kRdbTypeListQuicklist2, "k") + RdbLength(1) + RdbLength(3) + RdbRawString("x");
  ExpectCorruptionAt(Decode(RdbFile(10, body)), 13, "container 3");
}

TEST(RdbCorruption, BrokenListpackInQuicklistNamesTheBlobAndKey) {
  ListpackBuilder b;
  b.Append("a");
  std::string lp = b.Finish();
  lp[4] = 5;  // header count
  std::string body = Key(kRdbTypeListQuicklist2, "mylist") + RdbLength(1) + RdbLength(2) + RdbRawString(lp);
  Status s = Decode(RdbFile(10, body));
  ExpectCorruptionAt(s, 19, "listpack byte 4");
  EXPECT_NE(s.message().find("key \"mylist\""), std::string::npos) << s.message();
}

TEST(RdbCorruption, BrokenZiplistBlob) {
  std::string zl = BuildZiplist({"a"});
  zl[4] = 0;  // zltail
  std::string body = Key(kRdbTypeListZiplist, "k") + RdbRawString(zl);
  ExpectCorruptionAt(Decode(RdbFile(6, body)), 12, "zltail");
}

TEST(RdbCorruption, BrokenIntsetBlob) {
  std::string body = Key(kRdbTypeSetIntset, "k") + RdbRawString(std::string("\x03\0\0\0\0\0\0\0", 8));
  ExpectCorruptionAt(Decode(RdbFile(10, body)), 12, "intset");
}

TEST(RdbCorruption, BrokenZipmapBlob) {
  std::string zm = BuildZipmap({{"a", "b"}});
  zm[0] = 7;
  std::string body = Key(kRdbTypeHashZipmap, "k") + RdbRawString(zm);
  ExpectCorruptionAt(Decode(RdbFile(6, body)), 12, "zipmap");
}

// A stream node: master entry (count, deleted, fields "a", 0), then each
// entry as flags (2: same fields), ms-diff, seq-diff, value, lp-count (4).
std::string StreamNode(int entries, int lp_count = 4, int live = -1) {
  ListpackBuilder lp;
  lp.AppendInt(live < 0 ? entries : live);
  lp.AppendInt(0);
  lp.AppendInt(1);
  lp.Append("a");
  lp.AppendInt(0);
  for (int i = 0; i < entries; ++i) {
    lp.AppendInt(2);
    lp.AppendInt(i);
    lp.AppendInt(0);
    lp.Append("v");
    lp.AppendInt(lp_count);
  }
  return lp.Finish();
}

std::string NodeKey(uint64_t ms) {
  std::string k(16, '\0');
  for (int i = 0; i < 8; ++i) k[i] = static_cast<char>(ms >> (56 - 8 * i));
  return k;
}

// A type-19 stream value: one node of `entries`, then the counters and the
// groups part as given (raw bytes).
std::string StreamValue(const std::string& key16, const std::string& node, uint64_t length,
                        const std::string& groups = RdbLength(0)) {
  return Key(kRdbTypeStreamListpacks2, "st") + RdbLength(1) + RdbRawString(key16) + RdbRawString(node) +
         RdbLength(length) + RdbLength(9) + RdbLength(0) +  // last id 9-0
         RdbLength(1) + RdbLength(0) + RdbLength(0) + RdbLength(0) + RdbLength(length) + groups;
}

TEST(RdbCorruption, WellFormedStreamLoads) {
  CollectingHandler h;
  Status s = DecodeRdb(RdbFile(10, StreamValue(NodeKey(1), StreamNode(3), 3)), &h);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(h.Find("st", 0)->value.stream.length, 3u);
}

// Types 15 (Redis 5/6: no first id, tombstone id, entries added or entries
// read) and 21 (Redis 7.2: a consumer active time after its seen time).
TEST(RdbCorruption, StreamTypes15And21Load) {
  const std::string node = StreamNode(3);
  const std::string id1 = NodeKey(1);
  std::string v15 = Key(kRdbTypeStreamListpacks, "st") + RdbLength(1) + RdbRawString(id1) + RdbRawString(node) +
                    RdbLength(3) + RdbLength(9) + RdbLength(0) +  // length, last id
                    RdbLength(1) + RdbRawString("g") + RdbLength(1) + RdbLength(0) +  // group g at 1-0
                    RdbLength(1) + id1 + std::string(8, '\0') + RdbLength(1) +      // PEL: 1-0
                    RdbLength(1) + RdbRawString("c") + std::string(8, '\0') + RdbLength(1) + id1;
  CollectingHandler h15;
  Status s = DecodeRdb(RdbFile(9, v15), &h15);
  ASSERT_TRUE(s.ok()) << s.ToString();
  const RdbStream& a = h15.Find("st", 0)->value.stream;
  EXPECT_TRUE(a.first_id_unknown);
  EXPECT_EQ(a.entries_added, 3u);
  ASSERT_EQ(a.groups.size(), 1u);
  EXPECT_EQ(a.groups[0].entries_read, -2);  // derived at load
  EXPECT_EQ(a.groups[0].consumers[0].pel.size(), 1u);

  std::string v21 = Key(kRdbTypeStreamListpacks3, "st") + RdbLength(1) + RdbRawString(id1) + RdbRawString(node) +
                    RdbLength(3) + RdbLength(9) + RdbLength(0) + RdbLength(1) + RdbLength(0) + RdbLength(0) +
                    RdbLength(0) + RdbLength(3) + RdbLength(1) + RdbRawString("g") + RdbLength(1) +
                    RdbLength(0) + RdbLength(1) + RdbLength(1) + id1 + std::string(8, '\0') + RdbLength(1) +
                    RdbLength(1) + RdbRawString("c") + std::string(8, '\0') + std::string(8, '\1') +
                    RdbLength(1) + id1;
  CollectingHandler h21;
  s = DecodeRdb(RdbFile(11, v21), &h21);
  ASSERT_TRUE(s.ok()) << s.ToString();
  const RdbStream& b = h21.Find("st", 0)->value.stream;
  EXPECT_EQ(b.groups[0].entries_read, 1);
  EXPECT_EQ(b.groups[0].consumers[0].name, "c");
}

TEST(RdbCorruption, StreamNodeKeyOfTheWrongSize) {
  Status s = Decode(RdbFile(10, StreamValue("short", StreamNode(3), 3)));
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("not the size of a stream ID"), std::string::npos) << s.message();
}

TEST(RdbCorruption, StreamNodeThatIsNoListpack) {
  std::string node = StreamNode(3);
  node[4] = 9;  // header count
  Status s = Decode(RdbFile(10, StreamValue(NodeKey(1), node, 3)));
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("stream node 0: listpack"), std::string::npos) << s.message();
}

TEST(RdbCorruption, StreamEntryWithAWrongLpCount) {
  Status s = Decode(RdbFile(10, StreamValue(NodeKey(1), StreamNode(3, /*lp_count=*/5), 3)));
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("lp-count"), std::string::npos) << s.message();
}

TEST(RdbCorruption, StreamNodeCountsThatLie) {
  Status s = Decode(RdbFile(10, StreamValue(NodeKey(1), StreamNode(3, 4, /*live=*/2), 3)));
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("counts do not match"), std::string::npos) << s.message();
}

TEST(RdbCorruption, StreamLengthThatDisagreesWithItsNodes) {
  Status s = Decode(RdbFile(10, StreamValue(NodeKey(1), StreamNode(3), 4)));
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("length does not match"), std::string::npos) << s.message();
}

TEST(RdbCorruption, StreamNodeCountBeyondTheFile) {
  std::string body = Key(kRdbTypeStreamListpacks2, "st") + RdbLength(uint64_t{1} << 40);
  Status s = Decode(RdbFile(10, body));
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
}

TEST(RdbCorruption, ConsumerPendingEntryMissingFromTheGroup) {
  std::string id16 = NodeKey(1);
  std::string other = NodeKey(2);
  // One group "g" (last id 0-0, entries read 0) with a PEL of 1-0 and a
  // consumer "c" whose PEL names 2-0.
  std::string groups = RdbLength(1) + RdbRawString("g") + RdbLength(0) + RdbLength(0) + RdbLength(0) +
                       RdbLength(1) + id16 + std::string(8, '\0') + RdbLength(1) + RdbLength(1) +
                       RdbRawString("c") + std::string(8, '\0') + RdbLength(1) + other;
  Status s = Decode(RdbFile(10, StreamValue(NodeKey(1), StreamNode(3), 3, groups)));
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("not found in the group PEL"), std::string::npos) << s.message();
}

TEST(RdbCorruption, ModuleValueIsRefusedWithTheModuleName) {
  // "ReJSON-RL", encoding version 3, packed as a module id.
  const std::string chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  uint64_t id = 0;
  for (char c : std::string("ReJSON-RL")) id = (id << 6) | chars.find(c);
  id = (id << 10) | 3;
  Status s = Decode(RdbFile(10, Key(kRdbTypeModule2, "doc") + RdbLength(id)));
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.message().find("ReJSON-RL"), std::string::npos) << s.message();
}

TEST(RdbCorruption, ModuleAuxIsRefused) {
  Status s = Decode(RdbFile(10, "\xf7" + RdbLength(12345)));
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.message().find("module aux"), std::string::npos) << s.message();
}

TEST(RdbCorruption, PreGaFunctionIsRefused) {
  Status s = Decode(RdbFile(10, "\xf6" + RdbRawString("x")));
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.message().find("pre-GA function"), std::string::npos) << s.message();
}

TEST(RdbCorruption, HashWithFieldExpiresIsRefused) {
  Status s = Decode(RdbFile(12, Key(kRdbTypeHashListpackEx, "h") + RdbLength(0)));
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.message().find("field expires"), std::string::npos) << s.message();
}

TEST(RdbCorruption, MissingFooter) {
  std::string file = RdbFile(10, "");
  ExpectCorruptionAt(Decode(std::string_view(file).substr(0, file.size() - 1)), 10, "CRC64 footer");
}

TEST(RdbCorruption, ReadErrorsFromTheSourcePassThrough) {
  struct FailingFile : SequentialFile {
    Status Read(size_t, std::string_view*, char*) override {
      return Status::IOError("disk.rdb", "Input/output error");
    }
  } src;
  CollectingHandler h;
  RdbDecoder dec(&src, &h);
  Status s = dec.Run();
  EXPECT_TRUE(s.IsIOError());
}

}  // namespace
}  // namespace replikv::persistence
