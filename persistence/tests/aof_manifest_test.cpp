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

// The parse fails with a Corruption whose reason is `why` (Redis's words),
// naming `line` (1-based, then `text_of_line` is what Redis prints after
// ">>>"), or (line 0) failing as a whole.
void ExpectBad(std::string_view text, size_t line, std::string_view why, std::string_view text_of_line = {}) {
  AofManifestError err;
  auto m = AofManifest::Parse(text, &err);
  ASSERT_FALSE(m.ok()) << "accepted: " << text;
  EXPECT_TRUE(m.status().IsCorruption()) << m.status().ToString();
  EXPECT_EQ(err.reason, why) << text;
  EXPECT_EQ(err.line_no, line) << text;
  if (line > 0 && !text_of_line.empty()) EXPECT_EQ(err.line, text_of_line);
  EXPECT_NE(m.status().message().find(why), std::string::npos) << m.status().message();
}

constexpr std::string_view kInvalid = "Invalid AOF manifest file format";

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

TEST(AofManifest, CommentsAndCrlfAreSkipped) {
  AofManifest m = MustParse("# written by hand\r\nfile a.1.base.rdb seq 1 type b\r\nfile a.1.incr.aof seq 1 type i\n");
  ASSERT_TRUE(m.base.has_value());
  EXPECT_EQ(m.base->name, "a.1.base.rdb");
  ASSERT_EQ(m.incrs.size(), 1u);
  EXPECT_EQ(m.incrs[0].name, "a.1.incr.aof");
}

// Regression (issue 16 item 9): replikv skipped blank lines; Redis refuses them.
TEST(AofManifest, BlankLineIsInvalid) {
  ExpectBad(std::string(kRedisFresh) + "\n", 3, kInvalid, "");
  ExpectBad(std::string(kRedisFresh) + "   \t\n", 3, kInvalid, "");
}

TEST(AofManifest, CommentOnlyInTheFirstColumn) {
  // Trimmed, " # hi" is two words: not a comment, and too few.
  ExpectBad(" # hi\n" + std::string(kRedisFresh), 1, kInvalid, "# hi");
}

TEST(AofManifest, IncrOnlyManifestIsValid) {
  AofManifest m = MustParse("file a.4.incr.aof seq 4 type i\nfile a.5.incr.aof seq 5 type i\n");
  EXPECT_FALSE(m.base.has_value());
  ASSERT_EQ(m.incrs.size(), 2u);
  EXPECT_EQ(m.incr_seq, 5);
}

TEST(AofManifest, CommentOrHistoryOnlyManifestIsValidAndEmpty) {
  AofManifest m = MustParse("# nothing\n");
  EXPECT_FALSE(m.base.has_value());
  EXPECT_TRUE(m.incrs.empty());
  m = MustParse("file a.1.base.rdb seq 1 type h\n");
  EXPECT_FALSE(m.base.has_value());
  ASSERT_EQ(m.history.size(), 1u);
  EXPECT_EQ(m.base_seq, 0);
}

TEST(AofManifest, EmptyManifestIsRefused) { ExpectBad("", 0, "Found an empty AOF manifest"); }

TEST(AofManifest, MissingFileSeqOrTypeIsInvalid) {
  ExpectBad("seq 1 type b foo bar\n", 1, kInvalid);
  ExpectBad("file a.1.base.rdb type b foo bar\n", 1, kInvalid, "file a.1.base.rdb type b foo bar");
  ExpectBad("file a.1.base.rdb seq 1 type b\nfile a.1.incr.aof seq 1\n", 2, kInvalid, "file a.1.incr.aof seq 1");
}

TEST(AofManifest, FewerThanThreePairsOrOddCountIsInvalid) {
  ExpectBad("ab\n", 1, kInvalid, "ab");
  ExpectBad("file a.1.base.rdb seq 1 type\n", 1, kInvalid);
  ExpectBad("file a.1.base.rdb seq 1 type b extra\n", 1, kInvalid);
}

TEST(AofManifest, SeqIsReadLikeAtoll) {
  // Measured: "5abc" is 5, "-1" is accepted; 0 and "abc" (0) are refused.
  EXPECT_EQ(MustParse("file a.1.base.rdb seq 5abc type b\n").base->seq, 5);
  EXPECT_EQ(MustParse("file a.1.base.rdb seq -1 type b\n").base->seq, -1);
  ExpectBad("file a.1.base.rdb seq 0 type b\n", 1, kInvalid);
  ExpectBad("file a.1.base.rdb seq abc type b\n", 1, kInvalid);
}

TEST(AofManifest, TypeIsTheFirstByteAndKeysIgnoreCase) {
  AofManifest m = MustParse("FILE a.1.base.rdb SEQ 1 Type base\n");
  ASSERT_TRUE(m.base.has_value());
  EXPECT_EQ(m.base->name, "a.1.base.rdb");
  ExpectBad("file a.1.base.rdb seq 1 type x\n", 1, "Unknown AOF file type", "file a.1.base.rdb seq 1 type x");
  ExpectBad("file a.1.base.rdb seq 1 type B\n", 1, "Unknown AOF file type");
  ExpectBad("file a.1.base.rdb seq 1 type \"\"\n", 1, kInvalid);
}

TEST(AofManifest, TwoBasesAreRefused) {
  ExpectBad("file a.1.base.rdb seq 1 type b\nfile a.2.base.rdb seq 2 type b\n", 2,
            "Found duplicate base file information", "file a.2.base.rdb seq 2 type b");
}

TEST(AofManifest, NonMonotonicIncrSeqIsRefused) {
  ExpectBad("file a.2.incr.aof seq 2 type i\nfile a.1.incr.aof seq 1 type i\n", 2,
            "Found a non-monotonic sequence number");
  ExpectBad("file a.2.incr.aof seq 2 type i\nfile b.2.incr.aof seq 2 type i\n", 2,
            "Found a non-monotonic sequence number");
}

TEST(AofManifest, UnbalancedQuotesAreInvalid) {
  ExpectBad("file \"a.1.base.rdb seq 1 type b\n", 1, kInvalid, "file \"a.1.base.rdb seq 1 type b");
  ExpectBad("file a.1.base.rdb seq '1 type b\n", 1, kInvalid);
  // A closing quote must be followed by a space, as in redis.conf.
  ExpectBad("file \"a\"b seq 1 type b\n", 1, kInvalid);
}

TEST(AofManifest, FileNameWithSlashOrEmptyIsRefused) {
  ExpectBad("file ../etc/passwd seq 1 type b\n", 1, "File can't be a path, just a filename");
  ExpectBad("file \"\" seq 1 type b\n", 1, kInvalid);
}

TEST(AofManifest, LinesOf1024BytesAreRefusedAs1023AreAccepted) {
  // Measured with redis-server 7.0.15: a line of 1023 bytes before the
  // newline is read, 1024 is "too long" (reported without a line number).
  const std::string prefix = "file ";
  const std::string suffix = " seq 1 type i";
  std::string name_ok(1023 - prefix.size() - suffix.size(), 'a');
  AofManifest m = MustParse(prefix + name_ok + suffix + "\n");
  ASSERT_EQ(m.incrs.size(), 1u);
  EXPECT_EQ(m.incrs[0].name.size(), name_ok.size());
  ExpectBad(prefix + name_ok + "a" + suffix + "\n", 0, "The AOF manifest file contains too long line");
  // A long comment line is just as bad: the limit is on reading lines.
  ExpectBad(std::string(kRedisFresh) + "#" + std::string(5000, 'c') + "\n", 0,
            "The AOF manifest file contains too long line");
}

TEST(AofManifest, LastLineWithoutNewlineIsTooLong) {
  // Redis 7.0 reads it as a line that did not fit its buffer.
  ExpectBad("file a.1.base.rdb seq 1 type b", 0, "The AOF manifest file contains too long line");
}

TEST(AofManifest, ErrorNamesTheLine) {
  ExpectBad(std::string(kRedisFresh) + "# c\nfile a.3.incr.aof seq 3 type z\n", 4, "Unknown AOF file type",
            "file a.3.incr.aof seq 3 type z");
}

TEST(AofManifest, FatalLinesAreRedisBlock) {
  AofManifestError err;
  ASSERT_FALSE(AofManifest::Parse("file a.1.base.rdb seq 1 type x\n", &err).ok());
  EXPECT_EQ(err.FatalLines(), (std::vector<std::string>{"\n*** FATAL AOF MANIFEST FILE ERROR ***\n",
                                                         "Reading the manifest file, at line 1\n",
                                                         ">>> 'file a.1.base.rdb seq 1 type x'\n",
                                                         "Unknown AOF file type\n"}));
  ASSERT_FALSE(AofManifest::Parse("", &err).ok());
  EXPECT_EQ(err.FatalLines(), (std::vector<std::string>{"\n*** FATAL AOF MANIFEST FILE ERROR ***\n",
                                                         "Found an empty AOF manifest\n"}));
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
  // Redis 7.0's order: the retired incr files, then the old base.
  EXPECT_EQ(m.history[0].name, "appendonly.aof.1.incr.aof");
  EXPECT_EQ(m.history[1].name, "appendonly.aof.1.base.rdb");
  for (const AofFileInfo& h : m.history) EXPECT_EQ(h.type, AofFileType::kHistory);
  // Exactly what Redis writes after its first BGREWRITEAOF (history lines
  // aside, which the server drops before persisting).
  AofManifest persisted = m;
  persisted.history.clear();
  EXPECT_EQ(persisted.Format(),
            "file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n");
}

TEST(AofManifest, HistoryOfLaterRewritesComesFirst) {
  // As redis-server 7.0.15 wrote it with aof-disable-auto-gc yes after two
  // BGREWRITEAOF.
  AofManifest m = MustParse(kRedisFresh);
  m.AddIncr("appendonly.aof");
  m.ReplaceBase(AofFileInfo{"appendonly.aof.2.base.rdb", 2, AofFileType::kBase}, 2);
  m.AddIncr("appendonly.aof");
  m.ReplaceBase(AofFileInfo{"appendonly.aof.3.base.rdb", 3, AofFileType::kBase}, 3);
  EXPECT_EQ(m.Format(),
            "file appendonly.aof.3.base.rdb seq 3 type b\n"
            "file appendonly.aof.2.incr.aof seq 2 type h\n"
            "file appendonly.aof.2.base.rdb seq 2 type h\n"
            "file appendonly.aof.1.incr.aof seq 1 type h\n"
            "file appendonly.aof.1.base.rdb seq 1 type h\n"
            "file appendonly.aof.3.incr.aof seq 3 type i\n");
  EXPECT_TRUE(m.IsLive("appendonly.aof.3.incr.aof"));
  EXPECT_FALSE(m.IsLive("appendonly.aof.2.incr.aof"));
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
