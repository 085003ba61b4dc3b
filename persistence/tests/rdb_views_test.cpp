// The decoder's element-view mode (RdbDecoderOptions::element_views), the
// loader's direct build from views (BuildEntry), and the arena parsers of
// the compact encodings: same values as the owned-string mode, the same
// errors on damaged input, and no out-of-bounds access (run under ASan).
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "persistence/format/intset_codec.h"
#include "persistence/format/listpack.h"
#include "persistence/format/rdb_decoder.h"
#include "persistence/format/rdb_encoder.h"
#include "persistence/format/rdb_format.h"
#include "persistence/rdb_object_codec.h"
#include "persistence/tests/rdb_test_util.h"
#include "persistence/format/ziplist.h"
#include "server/types/entry.h"
#include "server/types/type_hash.h"
#include "server/types/type_list.h"
#include "server/types/type_set.h"
#include "server/types/type_zset.h"

namespace replikv::persistence {
namespace {

using namespace testing;  // NOLINT: test helpers

std::string Key(uint8_t type, std::string_view key) {
  return std::string(1, static_cast<char>(type)) + RdbRawString(key);
}

// Copies each viewed value into the owned members inside OnKey, while the
// views are valid, so a view-mode decode can be compared with a plain one.
class ViewCopyingHandler : public CollectingHandler {
 public:
  Status OnKey(RdbEntry& e) override {
    EXPECT_TRUE(e.value.viewed || e.value.type == RdbValue::Type::kString);
    RdbEntry copy;
    copy.db = e.db;
    copy.key = e.key;
    copy.expire_ms = e.expire_ms;
    copy.value.type = e.value.type;
    copy.value.rdb_type = e.value.rdb_type;
    copy.value.str = e.value.str;
    const auto& views = e.value.views;
    switch (e.value.type) {
      case RdbValue::Type::kList:
      case RdbValue::Type::kSet: copy.value.elems.assign(views.begin(), views.end()); break;
      case RdbValue::Type::kHash:
        EXPECT_EQ(views.size() % 2, 0u);
        for (size_t i = 0; i + 1 < views.size(); i += 2) copy.value.pairs.emplace_back(views[i], views[i + 1]);
        break;
      case RdbValue::Type::kZset:
        EXPECT_EQ(views.size(), e.value.scores.size());
        for (size_t i = 0; i < views.size(); ++i) copy.value.zset.emplace_back(views[i], e.value.scores[i]);
        break;
      case RdbValue::Type::kString: break;
      case RdbValue::Type::kStream: ADD_FAILURE() << "these fixtures hold no streams"; break;
    }
    entries.push_back(std::move(copy));
    return Status::OK();
  }
};

Status DecodeViews(std::string_view data, RdbHandler* h, bool verify = true) {
  RdbDecoderOptions opt;
  opt.element_views = true;
  opt.verify_checksum = verify;
  return DecodeRdb(data, h, opt);
}

// One key of every type the encoder writes, in compact and big forms.
std::string EncoderFile() {
  std::string out;
  StringSink sink(&out);
  RdbEncoderOptions opt;
  opt.limits.list_max_listpack_size = 2;
  opt.limits.list_packed_threshold = 30;
  RdbEncoder e(&sink, opt);
  EXPECT_TRUE(e.WriteHeader().ok());
  EXPECT_TRUE(e.WriteAuxFields({}).ok());
  EXPECT_TRUE(e.WriteSelectDb(0).ok());
  EXPECT_TRUE(e.WriteStringEntry("s", std::string(40, 'a'), 1000).ok());
  std::string long_elem(36, 'b');
  std::vector<std::string_view> list = {"a", "1", long_elem, "c", "-70000"};
  EXPECT_TRUE(e.WriteListEntry("l", list).ok());
  std::vector<std::string_view> ints = {"1", "-2", "70000", "5000000000"};
  EXPECT_TRUE(e.WriteSetEntry("is", ints).ok());
  std::vector<std::string> many;
  for (int i = 0; i < 20; ++i) many.push_back("m" + std::to_string(i * 7));
  std::vector<std::string_view> many_views(many.begin(), many.end());
  EXPECT_TRUE(e.WriteSetEntry("ss", many_views).ok());
  std::vector<std::pair<std::string_view, std::string_view>> hash = {{"f", "v"}, {"g", "12"}, {"h", ""}};
  EXPECT_TRUE(e.WriteHashEntry("hl", hash).ok());
  std::string bigv(70, 'v');
  std::vector<std::pair<std::string_view, std::string_view>> big = {{"f", bigv}, {"g", "1"}};
  EXPECT_TRUE(e.WriteHashEntry("hp", big).ok());
  std::vector<std::pair<std::string_view, double>> z = {{"a", 1.5}, {"b", -2}, {"c", 1e300}, {"d", -0.0}};
  EXPECT_TRUE(e.WriteZsetEntry("zl", z).ok());
  std::string bigm(70, 'm');
  std::vector<std::pair<std::string_view, double>> z2 = {{bigm, 1.5}, {"b", INFINITY}};
  EXPECT_TRUE(e.WriteZsetEntry("z2", z2).ok());
  EXPECT_TRUE(e.WriteEof().ok());
  return out;
}

// The legacy encodings (ziplist, zipmap) and plain types the encoder does
// not write.
std::string LegacyFile() {
  std::string body = Key(kRdbTypeHashZiplist, "hz") + RdbRawString(BuildZiplist({"f", "10", "g", "x"})) +
                       Key(kRdbTypeZsetZiplist, "zz") + RdbRawString(BuildZiplist({"m", "3", "n", "-0"})) +
                       Key(kRdbTypeListZiplist, "lz") + RdbRawString(BuildZiplist({"p", "12", "-129"})) +
                     Key(kRdbTypeHashZipmap, "hm") + RdbRawString(BuildZipmap({{"k", "v"}, {"k2", "v2"}}, 2)) +
                     Key(kRdbTypeZset, "zt") + RdbLength(2) + RdbRawString("a") + RdbTextDouble(2.5) +
                     RdbRawString("b") + RdbTextDouble(-INFINITY) +
                     Key(kRdbTypeListQuicklist, "q1") + RdbLength(2) + RdbRawString(BuildZiplist({"a", "1"})) +
                     RdbRawString(BuildZiplist({"b"}));
  return RdbFile(10, body);
}

std::vector<std::string> EveryEncodingFiles() { return {EncoderFile(), LegacyFile()}; }

TEST(RdbViews, EveryEncodingDecodesToTheSameValuesAsOwnedMode) {
  CollectingHandler owned;
  ViewCopyingHandler viewed;
  for (const std::string& file : EveryEncodingFiles()) {
    ASSERT_TRUE(DecodeRdb(file, &owned).ok());
    ASSERT_TRUE(DecodeViews(file, &viewed).ok());
  }
  ASSERT_EQ(owned.entries.size(), 14u);
  ASSERT_EQ(viewed.entries.size(), owned.entries.size());
  for (size_t i = 0; i < owned.entries.size(); ++i) {
    const RdbEntry& a = owned.entries[i];
    const RdbEntry& b = viewed.entries[i];
    SCOPED_TRACE(a.key);
    EXPECT_FALSE(a.value.viewed);
    EXPECT_EQ(a.key, b.key);
    EXPECT_EQ(a.expire_ms, b.expire_ms);
    EXPECT_EQ(a.value.type, b.value.type);
    EXPECT_EQ(a.value.rdb_type, b.value.rdb_type);
    EXPECT_EQ(a.value.str, b.value.str);
    EXPECT_EQ(a.value.elems, b.value.elems);
    EXPECT_EQ(a.value.pairs, b.value.pairs);
    ASSERT_EQ(a.value.zset.size(), b.value.zset.size());
    for (size_t j = 0; j < a.value.zset.size(); ++j) {
      EXPECT_EQ(a.value.zset[j].first, b.value.zset[j].first);
      EXPECT_EQ(std::signbit(a.value.zset[j].second), std::signbit(b.value.zset[j].second));
      EXPECT_EQ(a.value.zset[j].second, b.value.zset[j].second);
    }
  }
  // Spot checks of the decoded content itself.
  const RdbEntry* zz = viewed.Find("zz");
  ASSERT_NE(zz, nullptr);
  ASSERT_EQ(zz->value.zset.size(), 2u);
  EXPECT_EQ(zz->value.zset[1].first, "n");
  EXPECT_TRUE(std::signbit(zz->value.zset[1].second)) << "\"-0\" is -0.0, as strtod reads it";
  const RdbEntry* is = viewed.Find("is");
  ASSERT_NE(is, nullptr);
  EXPECT_EQ(is->value.rdb_type, kRdbTypeSetIntset);
  EXPECT_EQ(is->value.elems, (std::vector<std::string>{"-2", "1", "70000", "5000000000"}));
  const RdbEntry* lz = viewed.Find("lz");
  ASSERT_NE(lz, nullptr);
  EXPECT_EQ(lz->value.elems, (std::vector<std::string>{"p", "12", "-129"}));
}

// Re-encodes each key straight from its views.
class ViewReencodingHandler : public RdbHandler {
 public:
  explicit ViewReencodingHandler(RdbEncoder* enc) : enc_(enc) {}
  Status OnKey(RdbEntry& e) override { return enc_->WriteEntry(e.key, e.value, e.expire_ms); }

 private:
  RdbEncoder* enc_;
};

TEST(RdbViews, EncoderWritesViewedValuesLikeOwnedOnes) {
  for (const std::string& file : EveryEncodingFiles()) {
    std::string from_owned, from_views;
    StringSink a(&from_owned), b(&from_views);
    RdbEncoder ea(&a, {}), eb(&b, {});
    CollectingHandler owned;
    ASSERT_TRUE(DecodeRdb(file, &owned).ok());
    for (const RdbEntry& e : owned.entries) ASSERT_TRUE(ea.WriteEntry(e.key, e.value, e.expire_ms).ok());
    ViewReencodingHandler viewed(&eb);
    ASSERT_TRUE(DecodeViews(file, &viewed).ok());
    ASSERT_TRUE(ea.WriteEof().ok());
    ASSERT_TRUE(eb.WriteEof().ok());
    EXPECT_EQ(from_owned, from_views);
    EXPECT_GT(from_owned.size(), 100u);
  }
}

TEST(RdbViews, EveryBitFlipFailsCleanlyOrLoadsInViewMode) {
  for (const std::string& file : EveryEncodingFiles()) {
    for (size_t i = 9; i + 8 < file.size(); ++i) {
      for (int bit = 0; bit < 8; ++bit) {
        std::string bad = file;
        bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
        CollectingHandler owned;
        ViewCopyingHandler viewed;
        RdbDecoderOptions opt;
        opt.verify_checksum = false;
        Status a = DecodeRdb(bad, &owned, opt);
        Status b = DecodeViews(bad, &viewed, /*verify=*/false);
        // Both modes agree on the outcome and the message.
        ASSERT_EQ(a.ToString(), b.ToString()) << "byte " << i << " bit " << bit;
        if (!b.ok()) {
          ASSERT_TRUE(b.IsCorruption() || b.IsInvalidArgument()) << b.ToString();
        }
      }
    }
  }
}

TEST(RdbViews, TruncationAtEveryByteFailsInViewMode) {
  for (const std::string& file : EveryEncodingFiles()) {
    for (size_t n = 0; n < file.size(); ++n) {
      ViewCopyingHandler h;
      Status s = DecodeViews(std::string_view(file).substr(0, n), &h, /*verify=*/false);
      ASSERT_TRUE(s.IsCorruption()) << n << ": " << s.ToString();
    }
  }
}

TEST(RdbViews, DuplicateSetMemberFoundInSmallAndLargeSets) {
  for (size_t n : {2, 8, 9, 200}) {
    std::string body = Key(kRdbTypeSet, "k") + RdbLength(n);
    for (size_t i = 0; i + 1 < n; ++i) body += RdbRawString("m" + std::to_string(i));
    body += RdbRawString("m0");
    for (bool views : {false, true}) {
      CollectingHandler h;
      RdbDecoderOptions opt;
      opt.element_views = views;
      Status s = DecodeRdb(RdbFile(10, body), &h, opt);
      EXPECT_TRUE(s.IsCorruption()) << n;
      EXPECT_NE(s.message().find("duplicate member"), std::string::npos) << s.message();
    }
  }
}

TEST(RdbViews, DuplicateHashFieldAndZsetMemberFoundInLargeListpacks) {
  ListpackBuilder hb, zb;
  for (int i = 0; i < 20; ++i) {
    hb.Append("f" + std::to_string(i));
    hb.Append("f0");  // a value equal to a field is no duplicate
    zb.Append("m" + std::to_string(i));
    zb.Append(std::to_string(i));
  }
  std::string hash_ok = hb.Finish();
  hb.Append("f1");
  hb.Append("v");
  for (int i = 2; i < 20; ++i) {
    hb.Append("f" + std::to_string(i));
    hb.Append("v");
  }
  hb.Append("f1");
  hb.Append("v");
  std::string hash_dup = hb.Finish();
  std::string zset_ok = zb.Finish();
  for (int i = 0; i < 10; ++i) {
    zb.Append("m" + std::to_string(i % 9));
    zb.Append("1");
  }
  std::string zset_dup = zb.Finish();
  ViewCopyingHandler h;
  EXPECT_TRUE(DecodeViews(RdbFile(10, Key(kRdbTypeHashListpack, "h") + RdbRawString(hash_ok)), &h).ok());
  EXPECT_TRUE(DecodeViews(RdbFile(10, Key(kRdbTypeZsetListpack, "z") + RdbRawString(zset_ok)), &h).ok());
  Status s = DecodeViews(RdbFile(10, Key(kRdbTypeHashListpack, "h") + RdbRawString(hash_dup)), &h);
  EXPECT_NE(s.message().find("duplicate hash field"), std::string::npos) << s.ToString();
  s = DecodeViews(RdbFile(10, Key(kRdbTypeZsetListpack, "z") + RdbRawString(zset_dup)), &h);
  EXPECT_NE(s.message().find("duplicate member"), std::string::npos) << s.ToString();
}

TEST(RdbViews, ListpackScoresParseLikeStrtod) {
  // Integers (the listpack's integer forms), decimal text, exponents, inf;
  // rejected: trailing garbage, a leading '+' sign is fine for strtod.
  ListpackBuilder b;
  const std::vector<std::pair<std::string, double>> cases = {
      {"0", 0},     {"-1", -1},        {"999999999999999", 999999999999999.0},
      {"1.5", 1.5}, {"1e3", 1000},     {"-inf", -INFINITY},
      {"+7", 7},    {"0012", 12},      {"-9223372036854775808", -9223372036854775808.0}};
  for (size_t i = 0; i < cases.size(); ++i) {
    b.Append("m" + std::to_string(i));
    b.Append(cases[i].first);
  }
  ViewCopyingHandler h;
  ASSERT_TRUE(DecodeViews(RdbFile(10, Key(kRdbTypeZsetListpack, "z") + RdbRawString(b.Finish())), &h).ok());
  ASSERT_EQ(h.entries.size(), 1u);
  ASSERT_EQ(h.entries[0].value.zset.size(), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) EXPECT_EQ(h.entries[0].value.zset[i].second, cases[i].second) << i;
  for (const char* bad : {"1x", "--1", "-", "", " 1", "nan"}) {
    ListpackBuilder c;
    c.Append("m");
    c.Append(bad);
    Status s = DecodeViews(RdbFile(10, Key(kRdbTypeZsetListpack, "z") + RdbRawString(c.Finish())), &h);
    EXPECT_TRUE(s.IsCorruption()) << bad;
  }
}

TEST(RdbViews, ArenaParsersAppendAndReportErrorsLikeTheVectorForms) {
  ListpackBuilder b;
  for (const char* s : {"a", "-5", "123456789012", "xyz"}) b.Append(s);
  const std::string lp = b.Finish();
  RdbElementArena arena;
  arena.AddString("before");
  ASSERT_TRUE(ParseListpack(lp, &arena).ok());
  ASSERT_EQ(arena.size(), 5u);
  EXPECT_EQ(arena.View(0), "before");
  EXPECT_EQ(arena.View(2), "-5");
  EXPECT_EQ(arena.View(3), "123456789012");
  std::string bad = lp;
  bad[bad.size() - 2] ^= 0x01;  // the last entry's backlen
  std::vector<std::string> vec;
  Status a = ParseListpack(bad, &vec);
  Status c = ParseListpack(bad, &arena);
  EXPECT_TRUE(c.IsCorruption());
  EXPECT_EQ(a.ToString(), c.ToString());

  arena.Clear();
  ASSERT_TRUE(ParseIntset(BuildIntset(std::vector<int64_t>{-40000, 3, 9}), &arena).ok());
  ASSERT_EQ(arena.size(), 3u);
  EXPECT_EQ(arena.View(0), "-40000");
  std::string unsorted = BuildIntset(std::vector<int64_t>{3, 2});
  EXPECT_TRUE(ParseIntset(unsorted, &arena).IsCorruption());

  arena.Clear();
  ASSERT_TRUE(ParseZiplist(BuildZiplist({"q", "7", "-100000"}), &arena).ok());
  ASSERT_EQ(arena.size(), 3u);
  EXPECT_EQ(arena.View(2), "-100000");
  std::string zl = BuildZiplist({"q", "7"});
  zl[zl.size() - 1] = 0;  // no end byte
  EXPECT_TRUE(ParseZiplist(zl, &arena).IsCorruption());
}

// BuildEntry from views gives the same object (encoding and content) as
// from owned strings, for every representation the limits can pick.
void ExpectSameEntry(const RdbEntry& owned, const RdbEntry& viewed, const RdbEncodingLimits& limits) {
  Result<Entry*> a = BuildEntry(owned.key, const_cast<RdbValue&>(owned.value), limits, false);
  Result<Entry*> b = BuildEntry(viewed.key, const_cast<RdbValue&>(viewed.value), limits, true);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_STREQ(ObjectEncodingName(*a), ObjectEncodingName(*b)) << owned.key;
  std::string sa, sb;
  RdbEncoderOptions opt;
  opt.limits = limits;
  StringSink ka(&sa), kb(&sb);
  RdbEncoder ea(&ka, opt), eb(&kb, opt);
  ASSERT_TRUE(WriteEntry(ea, *a).ok());
  ASSERT_TRUE(WriteEntry(eb, *b).ok());
  EXPECT_EQ(sa, sb) << owned.key;
  Entry::Free(*a);
  Entry::Free(*b);
}

class ViewBuildingHandler : public RdbHandler {
 public:
  ViewBuildingHandler(const CollectingHandler* owned, RdbEncodingLimits limits) : owned_(owned), limits_(limits) {}
  Status OnKey(RdbEntry& e) override {
    const RdbEntry* o = owned_->Find(e.key, e.db);
    EXPECT_NE(o, nullptr) << e.key;
    if (o != nullptr) ExpectSameEntry(*o, e, limits_);
    ++keys;
    return Status::OK();
  }
  int keys = 0;

 private:
  const CollectingHandler* owned_;
  RdbEncodingLimits limits_;
};

TEST(RdbViews, BuildEntryFromViewsMatchesBuildFromOwnedStrings) {
  // Sizes on both sides of each limit: intset / packed / table sets,
  // packed / table hashes, packed / skiplist zsets (sorted and not).
  std::string body;
  std::mt19937 rng(7);
  for (int n : {1, 2, 5, 127, 128, 129, 600}) {
    std::vector<std::string> ints, words, longs;
    for (int i = 0; i < n; ++i) {
      ints.push_back(std::to_string(static_cast<int64_t>(rng()) - (1ll << 31) * (i % 3)));
      words.push_back("w" + std::to_string(i) + std::string(i % 5, 'x'));
      longs.push_back(std::string(60 + i % 10, 'a' + i % 26) + std::to_string(i));
    }
    std::string suffix = std::to_string(n);
    auto plain_set = [&](const std::string& key, const std::vector<std::string>& m) {
      body += Key(kRdbTypeSet, key) + RdbLength(m.size());
      for (const auto& s : m) body += RdbRawString(s);
    };
    plain_set("si" + suffix, ints);
    plain_set("sw" + suffix, words);
    plain_set("sl" + suffix, longs);
    body += Key(kRdbTypeHash, "h" + suffix) + RdbLength(words.size());
    for (size_t i = 0; i < words.size(); ++i) body += RdbRawString(words[i]) + RdbRawString(ints[i]);
    body += Key(kRdbTypeZset2, "z" + suffix) + RdbLength(words.size());
    for (size_t i = 0; i < words.size(); ++i) {
      double score = static_cast<double>(rng() % 100) / 4 - 10;
      std::string bits(8, '\0');
      std::memcpy(bits.data(), &score, 8);
      body += RdbRawString(words[i]) + bits;
    }
    body += Key(kRdbTypeList, "l" + suffix) + RdbLength(longs.size());
    for (const auto& s : longs) body += RdbRawString(s);
  }
  const std::string file = RdbFile(10, body);
  for (size_t intset_max : {size_t{512}, size_t{4}}) {
    RdbEncodingLimits limits;
    limits.set_max_intset_entries = intset_max;
    CollectingHandler owned;
    ASSERT_TRUE(DecodeRdb(file, &owned).ok());
    ViewBuildingHandler viewed(&owned, limits);
    RdbDecoderOptions opt;
    opt.element_views = true;
    ASSERT_TRUE(DecodeRdb(file, &viewed, opt).ok());
    EXPECT_EQ(viewed.keys, 7 * 6);
  }
}

}  // namespace
}  // namespace replikv::persistence
