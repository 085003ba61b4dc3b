#include "replication/psync_protocol.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace replikv::repl {
namespace {

using namespace std::string_literals;

const std::string kId = "8de1787ba490483314a4d30f1c628bc5025eb761";
const std::string kMark = "0123456789abcdef0123456789abcdef01234567";

// ---- lines and PSYNC ------------------------------------------------------

TEST(TakeLine, SplitsOnNewlineAndStripsCarriageReturn) {
  size_t consumed = 0;
  auto r = TakeLine("+OK\r\nrest", &consumed);
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r->has_value());
  EXPECT_EQ(**r, "+OK");
  EXPECT_EQ(consumed, 5u);
  r = TakeLine("\n", &consumed);
  EXPECT_EQ(**r, "");
  r = TakeLine("+PON", &consumed);
  EXPECT_FALSE(r->has_value());
  EXPECT_EQ(consumed, 0u);
}

TEST(TakeLine, LineWithoutEndPastLimitIsCorruption) {
  size_t consumed = 0;
  EXPECT_TRUE(TakeLine(std::string(10, 'x'), &consumed, 10)->has_value() == false);
  EXPECT_TRUE(TakeLine(std::string(11, 'x'), &consumed, 10).status().IsCorruption());
  EXPECT_TRUE(TakeLine(std::string(10, 'x') + "\n", &consumed, 10)->has_value());
}

TEST(PsyncArgs, ParsesReplidAndOffset) {
  auto r = ParsePsyncArgs({"PSYNC", kId, "1234"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->replid, kId);
  EXPECT_EQ(r->offset, 1234);
  EXPECT_FALSE(r->failover);
}

TEST(PsyncArgs, QuestionMarkMinusOneAsksFullSync) {
  auto r = ParsePsyncArgs({"psync", "?", "-1"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->replid, "?");
  EXPECT_EQ(r->offset, -1);
}

TEST(PsyncArgs, FailoverFlagIsCaseInsensitive) {
  EXPECT_TRUE(ParsePsyncArgs({"PSYNC", kId, "5", "failover"})->failover);
  EXPECT_TRUE(ParsePsyncArgs({"PSYNC", kId, "5", "FAILOVER"})->failover);
  EXPECT_FALSE(ParsePsyncArgs({"PSYNC", kId, "5", "other"})->failover);
}

TEST(PsyncArgs, BadOffsetIsRedisIntegerError) {
  for (const char* bad : {"", "abc", "12a", "01", "-0", "+1", " 1",
                          "9223372036854775808", "-9223372036854775809"}) {
    auto r = ParsePsyncArgs({"PSYNC", kId, bad});
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().message(), "value is not an integer or out of range");
  }
  EXPECT_EQ(ParsePsyncArgs({"PSYNC", kId, "9223372036854775807"})->offset, INT64_MAX);
  EXPECT_EQ(ParsePsyncArgs({"PSYNC", kId, "-9223372036854775808"})->offset, INT64_MIN);
}

TEST(PsyncArgs, TooFewArgumentsIsError) {
  EXPECT_FALSE(ParsePsyncArgs({"PSYNC", kId}).ok());
}

TEST(PsyncCommand, FormatsMultibulk) {
  EXPECT_EQ(FormatPsyncCommand("?", -1),
            "*3\r\n$5\r\nPSYNC\r\n$1\r\n?\r\n$2\r\n-1\r\n");
  EXPECT_EQ(FormatPsyncCommand(kId, 42, true),
            "*4\r\n$5\r\nPSYNC\r\n$40\r\n" + kId + "\r\n$2\r\n42\r\n$8\r\nFAILOVER\r\n");
}

TEST(PsyncReplyFormat, FullResyncAndContinue) {
  EXPECT_EQ(FormatFullResync(kId, 2310), "+FULLRESYNC " + kId + " 2310\r\n");
  EXPECT_EQ(FormatContinue(kId), "+CONTINUE " + kId + "\r\n");
  EXPECT_EQ(FormatContinue(""), "+CONTINUE\r\n");
}

TEST(PsyncReplyParse, FullResyncRoundTrips) {
  std::string wire = FormatFullResync(kId, 2310);
  auto r = ParsePsyncReply(wire.substr(0, wire.size() - 2));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kind, PsyncReply::Kind::kFullResync);
  EXPECT_EQ(r->replid, kId);
  EXPECT_EQ(r->offset, 2310);
}

TEST(PsyncReplyParse, MalformedFullResyncIsCorruption) {
  for (const std::string& bad : std::vector<std::string>{"+FULLRESYNC", "+FULLRESYNC " + kId, "+FULLRESYNC " + kId + " ",
                          "+FULLRESYNC abc 12", "+FULLRESYNC " + kId + " 12x",
                          "+FULLRESYNC " + kId + " -5", "+FULLRESYNC " + kId + "x 1"}) {
    auto r = ParsePsyncReply(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_TRUE(r.status().IsCorruption());
  }
}

TEST(PsyncReplyParse, ContinueWithAndWithoutId) {
  auto r = ParsePsyncReply("+CONTINUE " + kId);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kind, PsyncReply::Kind::kContinue);
  EXPECT_EQ(r->replid, kId);
  r = ParsePsyncReply("+CONTINUE");
  EXPECT_EQ(r->kind, PsyncReply::Kind::kContinue);
  EXPECT_EQ(r->replid, "");
  // An id of another length is ignored, as Redis does.
  r = ParsePsyncReply("+CONTINUE abc");
  EXPECT_EQ(r->kind, PsyncReply::Kind::kContinue);
  EXPECT_EQ(r->replid, "");
}

TEST(PsyncReplyParse, ErrorsAreClassifiedAsRedis) {
  EXPECT_EQ(ParsePsyncReply("-NOMASTERLINK Can't SYNC while not connected with my master")->kind,
            PsyncReply::Kind::kTryLater);
  EXPECT_EQ(ParsePsyncReply("-LOADING Redis is loading the dataset in memory")->kind,
            PsyncReply::Kind::kTryLater);
  EXPECT_EQ(ParsePsyncReply("-ERR unknown command 'PSYNC'")->kind,
            PsyncReply::Kind::kNotSupported);
  EXPECT_EQ(ParsePsyncReply("+OK")->kind, PsyncReply::Kind::kUnexpected);
  EXPECT_EQ(ParsePsyncReply("")->kind, PsyncReply::Kind::kKeepalive);
  EXPECT_EQ(ParsePsyncReply("-ERR x")->line, "-ERR x");
}

// ---- RDB transfer ---------------------------------------------------------

struct Outcome {
  bool ok = true;
  std::string error;
  std::string file;            // bytes written
  std::string after;           // input bytes after the payload
  int preambles = 0;
  bool done = false;
  bool eof_mark = false;
  int64_t size = -1;
  size_t keepalives = 0;
};

// Feeds `parts` in order, the way a read loop would, and records everything.
Outcome RunTransfer(const std::vector<std::string>& parts) {
  Outcome o;
  RdbTransferReader reader;
  auto write = [&o](std::string_view b) {
    o.file.append(b);
    return Status::OK();
  };
  for (const std::string& part : parts) {
    std::string_view in = part;
    while (true) {
      if (o.done) {
        o.after.append(in);
        break;
      }
      auto step = reader.Feed(in, write);
      if (!step.ok()) {
        o.ok = false;
        o.error = step.status().message();
        return o;
      }
      in.remove_prefix(step->consumed);
      if (step->event == RdbTransferReader::Event::kPreamble) {
        o.preambles++;
        continue;
      }
      if (step->event == RdbTransferReader::Event::kDone) {
        o.done = true;
        continue;
      }
      EXPECT_TRUE(in.empty());
      break;
    }
  }
  o.eof_mark = reader.uses_eof_mark();
  o.size = reader.transfer_size();
  o.keepalives = reader.keepalives();
  if (o.done) {
    EXPECT_EQ(reader.payload_written(), static_cast<int64_t>(o.file.size()));
  }
  return o;
}

// Every split of `wire` into three parts (two cut points) gives `expected`.
void ExpectSplitInvariant(const std::string& wire, const Outcome& expected) {
  for (size_t i = 0; i <= wire.size(); i++) {
    for (size_t j = i; j <= wire.size(); j++) {
      Outcome o = RunTransfer({wire.substr(0, i), wire.substr(i, j - i), wire.substr(j)});
      ASSERT_EQ(o.ok, expected.ok) << i << "," << j << " " << o.error;
      ASSERT_EQ(o.error, expected.error) << i << "," << j;
      ASSERT_EQ(o.file, expected.file) << i << "," << j;
      ASSERT_EQ(o.after, expected.after) << i << "," << j;
      ASSERT_EQ(o.done, expected.done) << i << "," << j;
      if (expected.ok) {
        ASSERT_EQ(o.preambles, 1) << i << "," << j;
      }
    }
  }
  // And one byte at a time.
  std::vector<std::string> bytes;
  for (char c : wire) bytes.emplace_back(1, c);
  Outcome o = RunTransfer(bytes);
  EXPECT_EQ(o.file, expected.file);
  EXPECT_EQ(o.after, expected.after);
}

TEST(RdbTransfer, SizedPayloadThenStream) {
  std::string rdb = "REDIS0010\xfa\x09redis-ver\x06" "7.0.15\xff\x00" "1234567"s;
  std::string wire = "\n\n$" + std::to_string(rdb.size()) + "\r\n" + rdb + "*1\r\n$4\r\nPING\r\n";
  Outcome o = RunTransfer({wire});
  ASSERT_TRUE(o.ok) << o.error;
  EXPECT_EQ(o.file, rdb);
  EXPECT_EQ(o.after, "*1\r\n$4\r\nPING\r\n");
  EXPECT_EQ(o.size, static_cast<int64_t>(rdb.size()));
  EXPECT_FALSE(o.eof_mark);
  EXPECT_EQ(o.keepalives, 2u);
  ExpectSplitInvariant(wire, o);
}

TEST(RdbTransfer, EofMarkPayloadIsWrittenWithoutTheMark) {
  std::string rdb = "REDIS0010\xfe\x00\x00\x01k\x01v\xff" "abcdefgh"s;
  std::string wire = "\n$EOF:" + kMark + "\r\n" + rdb + kMark + "*1\r\n$4\r\nPING\r\n";
  Outcome o = RunTransfer({wire});
  ASSERT_TRUE(o.ok) << o.error;
  EXPECT_TRUE(o.eof_mark);
  EXPECT_EQ(o.file, rdb);
  EXPECT_EQ(o.after, "*1\r\n$4\r\nPING\r\n");
  ExpectSplitInvariant(wire, o);
}

TEST(RdbTransfer, EofMarkWithPayloadShorterThanMark) {
  std::string wire = "$EOF:" + kMark + "\r\nab" + kMark;
  Outcome o = RunTransfer({wire});
  ASSERT_TRUE(o.ok);
  EXPECT_EQ(o.file, "ab");
  EXPECT_TRUE(o.done);
  ExpectSplitInvariant(wire, o);
}

TEST(RdbTransfer, EofMarkPrefixInsidePayloadIsData) {
  // Partial copies of the mark in the payload must be written, not held.
  std::string rdb = kMark.substr(0, 39) + "x" + kMark.substr(0, 20) + "y";
  std::string wire = "$EOF:" + kMark + "\r\n" + rdb + kMark;
  Outcome o = RunTransfer({wire});
  ASSERT_TRUE(o.ok);
  EXPECT_EQ(o.file, rdb);
  ExpectSplitInvariant(wire, o);
}

TEST(RdbTransfer, EofMarkLongerLineUsesFirstFortyChars) {
  std::string wire = "$EOF:" + kMark + "extra\r\nDATA" + kMark;
  Outcome o = RunTransfer({wire});
  ASSERT_TRUE(o.ok);
  EXPECT_EQ(o.file, "DATA");
}

TEST(RdbTransfer, UnfinishedEofPayloadHoldsBackLastFortyBytes) {
  RdbTransferReader reader;
  std::string file;
  auto write = [&file](std::string_view b) {
    file.append(b);
    return Status::OK();
  };
  std::string pre = "$EOF:" + kMark + "\r\n";
  auto s = reader.Feed(pre, write);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->event, RdbTransferReader::Event::kPreamble);
  s = reader.Feed(std::string(100, 'z'), write);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->event, RdbTransferReader::Event::kNeedMore);
  EXPECT_EQ(file.size(), 60u);
  EXPECT_FALSE(reader.done());
}

TEST(RdbTransfer, EmptySizedPayloadEndsAtOnce) {
  std::string wire = "$0\r\n+after";
  Outcome o = RunTransfer({wire});
  ASSERT_TRUE(o.ok);
  EXPECT_TRUE(o.done);
  EXPECT_EQ(o.file, "");
  EXPECT_EQ(o.after, "+after");
  ExpectSplitInvariant(wire, o);
}

TEST(RdbTransfer, ErrorLineFromPrimaryIsError) {
  std::string wire = "\n-ERR BGSAVE failed\r\n";
  Outcome o = RunTransfer({wire});
  ASSERT_FALSE(o.ok);
  EXPECT_EQ(o.error, "MASTER aborted replication with an error: -ERR BGSAVE failed");
  ExpectSplitInvariant(wire, o);
}

TEST(RdbTransfer, FirstByteNotDollarIsBadProtocol) {
  Outcome o = RunTransfer({"+OK\r\n"});
  ASSERT_FALSE(o.ok);
  EXPECT_EQ(o.error,
            "Bad protocol from MASTER, the first byte is not '$' (we received "
            "'+OK'), are you sure the host and port are right?");
}

TEST(RdbTransfer, BadLengthIsCorruption) {
  for (const std::string& bad : std::vector<std::string>{"$\r\n", "$-1\r\n", "$12a\r\n", "$99999999999999999999\r\n",
                          "$EOF:short\r\n"}) {
    Outcome o = RunTransfer({bad});
    EXPECT_FALSE(o.ok) << bad;
  }
}

TEST(RdbTransfer, OverlongPreambleLineIsError) {
  Outcome o = RunTransfer({"$" + std::string(600, '1')});
  EXPECT_FALSE(o.ok);
  o = RunTransfer({std::string(300, '1'), std::string(300, '1')});
  EXPECT_FALSE(o.ok);
}

TEST(RdbTransfer, WriteFailureStopsTheTransfer) {
  RdbTransferReader reader;
  auto fail = [](std::string_view) { return Status::IOError("write", "No space left on device"); };
  auto s = reader.Feed("$5\r\n", fail);
  ASSERT_TRUE(s.ok());
  s = reader.Feed("hello", fail);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(s.status().IsIOError());
  // The error is final.
  EXPECT_FALSE(reader.Feed("x", fail).ok());
}

TEST(RdbTransfer, FeedAfterDoneConsumesNothing) {
  RdbTransferReader reader;
  auto write = [](std::string_view) { return Status::OK(); };
  ASSERT_TRUE(reader.Feed("$1\r\n", write).ok());
  auto s = reader.Feed("xyz", write);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->event, RdbTransferReader::Event::kDone);
  EXPECT_EQ(s->consumed, 1u);
  s = reader.Feed("yz", write);
  EXPECT_EQ(s->event, RdbTransferReader::Event::kDone);
  EXPECT_EQ(s->consumed, 0u);
}

}  // namespace
}  // namespace replikv::repl
