// The Redis 7 AOF manifest: parse, format, and the bookkeeping of a rewrite.
// Texts marked "as redis-server 7.0.15 writes" were copied from manifests a
// real Redis wrote on this machine.
#include "persistence/format/aof_manifest.h"

#include <gtest/gtest.h>

#include <string>

namespace replikv::persistence {
namespace {

// As redis-server 7.0.15 writes it after start-up with appendonly yes.
constexpr std::string_view kRedisFresh =
    "file appendonly.aof.1.base.rdb seq 1 type b\n"
    "file appendonly.aof.1.incr.aof seq 1 type i\n";

AofManifest MustParse(std::string_view text) {
  auto m = AofManifest::Parse(text);
  EXPECT_TRUE(m.ok()) << m.status().ToString() << "\n" << text;
  return m.ok() ? *m : AofManifest();
}

// The parse fails with a Corruption naming `line` (1-based), or (line 0)
// failing as a whole.
void ExpectBad(std::string_view text, int line, std::string_view why) {
  auto m = AofManifest::Parse(text);
  ASSERT_FALSE(m.ok()) << "accepted: " << text;
  EXPECT_TRUE(m.status().IsCorruption()) << m.status().ToString();
  const std::string& msg = m.status().message();
  EXPECT_NE(msg.find("Invalid AOF manifest file format"), std::string::npos) << msg;
  if (line > 0) {
    EXPECT_NE(msg.find("at line " + std::to_string(line)), std::string::npos) << msg;
  }
  EXPECT_NE(msg.find(why), std::string::npos) << msg;
}

TEST(AofManifest, ParsesWhatRedisWrites) {
  AofManifest m = MustParse(kRedisFresh);
  ASSERT_TRUE(m.base.has_value());
  EXPECT_EQ(m.base->name, "appendonly.aof.1.base.rdb");
  EXPECT_EQ(m.base->seq, 1);
  EXPECT_EQ(m.base->type, AofFileType::kBase);
  ASSERT_EQ(m.incrs.size(), 1u);
  EXPECT_EQ(m.incrs[0].name, "appendonly.aof.1.incr.aof");
  EXPECT_EQ(m.incrs[0].type, AofFileType::kIncr);
  EXPECT_TRUE(m.history.empty());
  EXPECT_EQ(m.base_seq, 1);
  EXPECT_EQ(m.incr_seq, 1);
}

TEST(AofManifest, FormatIsByteIdenticalToRedis) {
  EXPECT_EQ(MustParse(kRedisFresh).Format(), kRedisFresh);
}

TEST(AofManifest, RoundTripWithHistoryAndManyIncrs) {
  AofManifest m;
  m.base = AofFileInfo{"appendonly.aof.7.base.aof", 7, AofFileType::kBase};
  m.base_seq = 7;
  m.history.push_back({"appendonly.aof.6.base.rdb", 6, AofFileType::kHistory});
  m.history.push_back({"appendonly.aof.12.incr.aof", 12, AofFileType::kHistory});
  for (int64_t s = 13; s <= 20; ++s) m.incrs.push_back({AofManifest::IncrName("appendonly.aof", s), s, AofFileType::kIncr});
  m.incr_seq = 20;
  std::string text = m.Format();
  // Base first, then history, then incr files (Redis's order).
  EXPECT_EQ(text.find("file appendonly.aof.7.base.aof seq 7 type b\n"), 0u);
  EXPECT_LT(text.find("type h"), text.find("type i"));
  AofManifest back = MustParse(text);
  EXPECT_EQ(back.base, m.base);
  EXPECT_EQ(back.incrs, m.incrs);
  EXPECT_EQ(back.history, m.history);
  EXPECT_EQ(back.base_seq, 7);
  EXPECT_EQ(back.incr_seq, 20);
  EXPECT_EQ(back.Format(), text);
}

TEST(AofManifest, NamesWithSpacesAndQuotesRoundTrip) {
  AofManifest m;
  m.base = AofFileInfo{"my aof \"x\".1.base.rdb", 1, AofFileType::kBase};
  m.incrs.push_back({"tab\there.1.incr.aof", 1, AofFileType::kIncr});
  std::string text = m.Format();
  EXPECT_NE(text.find("file \"my aof \\\"x\\\".1.base.rdb\" seq 1 type b"), std::string::npos) << text;
  AofManifest back = MustParse(text);
  EXPECT_EQ(back.base, m.base);
  EXPECT_EQ(back.incrs, m.incrs);
}

TEST(AofManifest, KeysInAnyOrderAndQuotedValues) {
  AofManifest m = MustParse("type i seq 3 file \"a.3.incr.aof\"\nseq 2 file a.2.base.rdb type b\n");
  ASSERT_TRUE(m.base.has_value());
  EXPECT_EQ(m.base->name, "a.2.base.rdb");
  EXPECT_EQ(m.base->seq, 2);
  ASSERT_EQ(m.incrs.size(), 1u);
  EXPECT_EQ(m.incrs[0].name, "a.3.incr.aof");
  EXPECT_EQ(m.incrs[0].seq, 3);
}

TEST(AofManifest, UnknownKeysAreIgnored) {
  AofManifest m = MustParse("file a.1.incr.aof seq 1 type i startoffset 100 endoffset 200\n");
  ASSERT_EQ(m.incrs.size(), 1u);
  EXPECT_EQ(m.incrs[0].name, "a.1.incr.aof");
  // Not carried over: the format only writes what it knows.
  EXPECT_EQ(m.Format(), "file a.1.incr.aof seq 1 type i\n");
}

TEST(AofManifest, CommentsCrlfAndBlankLinesAreSkipped) {
  // Redis refuses blank lines; accepting them costs nothing and Redis never
  // writes them.
  AofManifest m = MustParse("# written by hand\r\nfile a.1.base.rdb seq 1 type b\r\n\n   \nfile a.1.incr.aof seq 1 type i");
  ASSERT_TRUE(m.base.has_value());
  EXPECT_EQ(m.base->name, "a.1.base.rdb");
  ASSERT_EQ(m.incrs.size(), 1u);
  EXPECT_EQ(m.incrs[0].name, "a.1.incr.aof");
}

TEST(AofManifest, IncrOnlyManifestIsValid) {
  AofManifest m = MustParse("file a.4.incr.aof seq 4 type i\nfile a.5.incr.aof seq 5 type i\n");
  EXPECT_FALSE(m.base.has_value());
  ASSERT_EQ(m.incrs.size(), 2u);
  EXPECT_EQ(m.incr_seq, 5);
}

TEST(AofManifest, MissingFileIsRefused) { ExpectBad("seq 1 type b\n", 1, "missing"); }
TEST(AofManifest, MissingSeqIsRefused) { ExpectBad("file a.1.base.rdb type b\n", 1, "missing"); }
TEST(AofManifest, MissingTypeIsRefused) {
  ExpectBad("file a.1.base.rdb seq 1 type b\nfile a.1.incr.aof seq 1\n", 2, "missing");
}

TEST(AofManifest, KeyWithoutValueIsRefused) { ExpectBad("file a.1.base.rdb seq 1 type\n", 1, "pairs"); }

TEST(AofManifest, BadSeqIsRefused) {
  for (const char* seq : {"x", "0", "-1", "1x", "\"\"", "99999999999999999999999"}) {
    SCOPED_TRACE(seq);
    ExpectBad(std::string("file a.1.base.rdb seq ") + seq + " type b\n", 1, "bad seq");
  }
}

TEST(AofManifest, BadTypeIsRefused) {
  for (const char* type : {"x", "bb", "B", "\"\"", "base"}) {
    SCOPED_TRACE(type);
    ExpectBad(std::string("file a.1.base.rdb seq 1 type ") + type + "\n", 1, "bad type");
  }
}

TEST(AofManifest, TwoBasesAreRefused) {
  ExpectBad("file a.1.base.rdb seq 1 type b\nfile a.2.base.rdb seq 2 type b\n", 2, "more than one base");
}

TEST(AofManifest, IncrFilesOutOfOrderAreRefused) {
  ExpectBad("file a.2.incr.aof seq 2 type i\nfile a.1.incr.aof seq 1 type i\n", 2, "out of order");
  ExpectBad("file a.2.incr.aof seq 2 type i\nfile b.2.incr.aof seq 2 type i\n", 2, "out of order");
}

TEST(AofManifest, UnbalancedQuotesAreRefused) {
  ExpectBad("file \"a.1.base.rdb seq 1 type b\n", 1, "quotes");
  ExpectBad("file a.1.base.rdb seq '1 type b\n", 1, "quotes");
  // A closing quote must be followed by a space, as in redis.conf.
  ExpectBad("file \"a\"b seq 1 type b\n", 1, "quotes");
}

TEST(AofManifest, FileNameWithSlashOrEmptyIsRefused) {
  ExpectBad("file ../etc/passwd seq 1 type b\n", 1, "bad file name");
  ExpectBad("file \"\" seq 1 type b\n", 1, "bad file name");
}

TEST(AofManifest, LinesOf1024BytesAreRefusedAs1023AreAccepted) {
  // Redis's limit, measured with redis-check-aof 7.0.15: a line of 1023
  // bytes before the newline is read, 1024 is "too long".
  const std::string prefix = "file ";
  const std::string suffix = " seq 1 type i";
  std::string name_ok(1023 - prefix.size() - suffix.size(), 'a');
  AofManifest m = MustParse(prefix + name_ok + suffix + "\n");
  ASSERT_EQ(m.incrs.size(), 1u);
  EXPECT_EQ(m.incrs[0].name.size(), name_ok.size());
  ExpectBad(prefix + name_ok + "a" + suffix + "\n", 1, "too long");
  // A long comment line is just as bad: the limit is on reading lines.
  ExpectBad(std::string(kRedisFresh) + "#" + std::string(5000, 'c') + "\n", 3, "too long");
}

TEST(AofManifest, EmptyOrHistoryOnlyManifestIsRefused) {
  ExpectBad("", 0, "no base and no incr");
  ExpectBad("# nothing\n\n", 0, "no base and no incr");
  ExpectBad("file a.1.base.rdb seq 1 type h\n", 0, "no base and no incr");
}

TEST(AofManifest, ErrorNamesTheLine) {
  ExpectBad(std::string(kRedisFresh) + "# c\nfile a.3.incr.aof seq 3 type z\n", 4, "bad type");
}

TEST(AofManifest, FileNamesFollowRedis) {
  EXPECT_EQ(AofManifest::BaseName("appendonly.aof", 3, true), "appendonly.aof.3.base.rdb");
  EXPECT_EQ(AofManifest::BaseName("appendonly.aof", 3, false), "appendonly.aof.3.base.aof");
  EXPECT_EQ(AofManifest::IncrName("x.aof", 12), "x.aof.12.incr.aof");
  EXPECT_EQ(AofManifest::ManifestName("appendonly.aof"), "appendonly.aof.manifest");
}

TEST(AofManifest, AddIncrTakesTheNextSeq) {
  AofManifest m = MustParse(kRedisFresh);
  const AofFileInfo& f = m.AddIncr("appendonly.aof");
  EXPECT_EQ(f.name, "appendonly.aof.2.incr.aof");
  EXPECT_EQ(f.seq, 2);
  EXPECT_EQ(f.type, AofFileType::kIncr);
  EXPECT_EQ(m.incr_seq, 2);
  ASSERT_EQ(m.incrs.size(), 2u);
  EXPECT_EQ(m.incrs.back().name, "appendonly.aof.2.incr.aof");
}

TEST(AofManifest, ReplaceBaseMovesOldBaseAndOlderIncrsToHistory) {
  AofManifest m = MustParse(kRedisFresh);
  m.AddIncr("appendonly.aof");  // seq 2: opened when the rewrite started
  m.ReplaceBase(AofFileInfo{"appendonly.aof.2.base.rdb", 2, AofFileType::kIncr}, 2);
  ASSERT_TRUE(m.base.has_value());
  EXPECT_EQ(m.base->name, "appendonly.aof.2.base.rdb");
  EXPECT_EQ(m.base->type, AofFileType::kBase);  // whatever type it was given
  EXPECT_EQ(m.base_seq, 2);
  ASSERT_EQ(m.incrs.size(), 1u);
  EXPECT_EQ(m.incrs[0].seq, 2);
  ASSERT_EQ(m.history.size(), 2u);
  EXPECT_EQ(m.history[0].name, "appendonly.aof.1.base.rdb");
  EXPECT_EQ(m.history[1].name, "appendonly.aof.1.incr.aof");
  for (const AofFileInfo& h : m.history) EXPECT_EQ(h.type, AofFileType::kHistory);
  // Exactly what Redis writes after its first BGREWRITEAOF (history lines
  // aside, which the server drops before persisting).
  AofManifest persisted = m;
  persisted.history.clear();
  EXPECT_EQ(persisted.Format(),
            "file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n");
}

TEST(AofManifest, ReplaceBaseOnIncrOnlyManifest) {
  AofManifest m = MustParse("file a.1.incr.aof seq 1 type i\n");
  m.ReplaceBase(AofFileInfo{"a.1.base.rdb", 1, AofFileType::kBase}, 2);
  ASSERT_TRUE(m.base.has_value());
  EXPECT_TRUE(m.incrs.empty());
  ASSERT_EQ(m.history.size(), 1u);
  EXPECT_EQ(m.history[0].name, "a.1.incr.aof");
}

}  // namespace
}  // namespace replikv::persistence
