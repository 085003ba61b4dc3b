#include "server/net/reply_buffer.h"

#include <gtest/gtest.h>

#include <climits>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace replikv {
namespace {

std::string All(const ReplyBuffer& r) {
  // Room for every block of the biggest buffer a test builds (~3.4 MB in
  // 16 KB blocks); a full array would mean pieces were left out.
  std::vector<std::string_view> pieces(4096);
  size_t n = r.Pieces(pieces.data(), pieces.size());
  EXPECT_LT(n, pieces.size());
  std::string out;
  for (size_t i = 0; i < n; ++i) out += pieces[i];
  return out;
}

TEST(ReplyBuffer, EncodesResp2Types) {
  ReplyBuffer r;
  r.AddOk();
  r.AddInt(-7);
  r.AddBulk("hi");
  r.AddNullBulk();
  r.AddArrayLen(2);
  r.AddError("boom");
  r.AddError("-WRONGTYPE bad");
  EXPECT_EQ(All(r), "+OK\r\n:-7\r\n$2\r\nhi\r\n$-1\r\n*2\r\n-ERR boom\r\n-WRONGTYPE bad\r\n");
  EXPECT_EQ(r.errors(), 2u);
  EXPECT_EQ(r.size(), All(r).size());
}

// Every protocol-aware primitive, once per protocol: RESP2 gets the form
// Redis 7.0 sends a RESP2 client, RESP3 the typed one.
void AddEachTypedReply(ReplyBuffer& r) {
  r.AddMapLen(2);
  r.AddSetLen(3);
  r.AddPushLen(3);
  r.AddPairArrayLen(2);
  r.AddPairHeader();
  r.AddNullBulk();
  r.AddNullArray();
  r.AddDouble(1.5);
  r.AddDouble(-HUGE_VAL);
  r.AddBulkDouble(0.1);
  r.AddDoubleText("13.36138933897018433");
  r.AddBool(true);
  r.AddBool(false);
  r.AddBigNumber("1234567999999999999999999999999999999");
  r.AddVerbatim("a\nb");
  r.AddVerbatim("# x", "mkd");
}

TEST(ReplyBuffer, TypedRepliesFallBackToResp2Forms) {
  ReplyBuffer r;
  EXPECT_EQ(r.resp(), 2);
  AddEachTypedReply(r);
  EXPECT_EQ(All(r),
            "*4\r\n*3\r\n*3\r\n*4\r\n$-1\r\n*-1\r\n$3\r\n1.5\r\n$4\r\n-inf\r\n"
            "$19\r\n0.10000000000000001\r\n$20\r\n13.36138933897018433\r\n:1\r\n:0\r\n"
            "$37\r\n1234567999999999999999999999999999999\r\n$3\r\na\nb\r\n$3\r\n# x\r\n");
}

TEST(ReplyBuffer, TypedRepliesInResp3) {
  ReplyBuffer r;
  r.set_resp(3);
  EXPECT_TRUE(r.resp3());
  AddEachTypedReply(r);
  EXPECT_EQ(All(r),
            "%2\r\n~3\r\n>3\r\n*2\r\n*2\r\n_\r\n_\r\n,1.5\r\n,-inf\r\n"
            "$19\r\n0.10000000000000001\r\n,13.36138933897018433\r\n#t\r\n#f\r\n"
            "(1234567999999999999999999999999999999\r\n=7\r\ntxt:a\nb\r\n=7\r\nmkd:# x\r\n");
  EXPECT_EQ(r.size(), All(r).size());
}

TEST(ReplyBuffer, ArraysAndBulksAreTheSameInBothProtocols) {
  ReplyBuffer two, three;
  three.set_resp(3);
  for (ReplyBuffer* r : {&two, &three}) {
    r->AddArrayLen(2);
    r->AddBulk("x");
    r->AddInt(5);
    r->AddSimple("OK");
    r->AddError("e");
  }
  EXPECT_EQ(All(two), All(three));
}

TEST(ReplyBuffer, ErrorTextsStayOnOneLine) {
  ReplyBuffer r;
  r.AddError("a\r\nb");
  EXPECT_EQ(All(r), "-ERR a  b\r\n");
}

TEST(ReplyBuffer, BigRepliesSpillIntoBlocksAndConsumeInOrder) {
  ReplyBuffer r;
  std::string big(ReplyBuffer::kFirstBlock * 3 + 17, 'x');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
  r.AddSimple("first");
  r.AddBulk(big);
  r.AddInt(5);
  std::string expected = "+first\r\n$" + std::to_string(big.size()) + "\r\n" + big + "\r\n:5\r\n";
  EXPECT_EQ(All(r), expected);
  // Consume in odd steps, checking what remains each time.
  size_t pos = 0;
  for (size_t step : {3u, 10000u, 1u, 40000u, 7u}) {
    if (pos + step > expected.size()) break;
    r.Consume(step);
    pos += step;
    ASSERT_EQ(All(r), expected.substr(pos));
  }
  // Appending after a partial consume keeps order.
  r.AddSimple("tail");
  EXPECT_EQ(All(r), expected.substr(pos) + "+tail\r\n");
  r.Consume(r.size());
  EXPECT_TRUE(r.empty());
  r.AddOk();
  EXPECT_EQ(All(r), "+OK\r\n");
}

TEST(ReplyBuffer, IntegersAtEveryDigitBoundary) {
  ReplyBuffer r;
  std::string expected;
  std::vector<int64_t> values = {0, 1, -1, INT64_MAX, INT64_MIN, INT64_MIN + 1};
  int64_t p10 = 1;
  for (int i = 0; i < 19; ++i) {  // 10^0 .. 10^18 and their neighbours
    for (int64_t v : {p10 - 1, p10, p10 + 1}) {
      values.push_back(v);
      values.push_back(-v);
    }
    if (i < 18) p10 *= 10;
  }
  for (int64_t v : values) {
    r.AddInt(v);
    expected += ":" + std::to_string(v) + "\r\n";
    r.AddBulkInt(v);
    std::string digits = std::to_string(v);
    expected += "$" + std::to_string(digits.size()) + "\r\n" + digits + "\r\n";
    if (v >= 0) {
      r.AddArrayLen(static_cast<size_t>(v));
      expected += "*" + std::to_string(v) + "\r\n";
    }
  }
  r.AddArrayLen(SIZE_MAX);
  expected += "*" + std::to_string(SIZE_MAX) + "\r\n";
  EXPECT_EQ(All(r), expected);
  EXPECT_EQ(r.size(), expected.size());
}

TEST(ReplyBuffer, BulkHeadersAroundTheSmallBulkLimit) {
  for (size_t len : {size_t{0}, size_t{9}, size_t{10}, size_t{99}, size_t{100}, size_t{999}, size_t{1000},
                     ReplyBuffer::kSmallBulk - 1, ReplyBuffer::kSmallBulk, ReplyBuffer::kSmallBulk + 1,
                     ReplyBuffer::kFirstBlock, ReplyBuffer::kBlock + 3}) {
    ReplyBuffer r;
    std::string v(len, 'v');
    r.AddBulk(v);
    EXPECT_EQ(All(r), "$" + std::to_string(len) + "\r\n" + v + "\r\n") << len;
  }
}

// Many small replies cross the first block's end and later blocks' ends at
// every alignment; whatever is appended and consumed in between, the bytes
// come out in order.
TEST(ReplyBuffer, SmallRepliesAcrossBlockEndsMatchAModel) {
  std::mt19937 rng(7);
  ReplyBuffer r;
  std::string model;
  size_t consumed = 0;
  for (int round = 0; round < 60000; ++round) {
    switch (rng() % 6) {
      case 0: {
        std::string v(rng() % 200, static_cast<char>('a' + round % 26));
        r.AddBulk(v);
        model += "$" + std::to_string(v.size()) + "\r\n" + v + "\r\n";
        break;
      }
      case 1: {
        auto v = static_cast<int64_t>(rng()) - (int64_t{1} << 31);
        r.AddInt(v);
        model += ":" + std::to_string(v) + "\r\n";
        break;
      }
      case 2: {
        size_t n = rng() % 100000;
        r.AddArrayLen(n);
        model += "*" + std::to_string(n) + "\r\n";
        break;
      }
      case 3: {
        std::string raw(rng() % 3000, 'r');
        r.Append(raw);
        model += raw;
        break;
      }
      case 4:
        r.AddOk();
        model += "+OK\r\n";
        break;
      default: {
        size_t n = r.size() == 0 ? 0 : rng() % (r.size() + 1);
        r.Consume(n);
        consumed += n;
        break;
      }
    }
    ASSERT_EQ(r.size(), model.size() - consumed);
    if (round % 997 == 0) {
      ASSERT_EQ(All(r), model.substr(consumed)) << round;
    }
  }
  EXPECT_EQ(All(r), model.substr(consumed));
}

TEST(ReplyBuffer, AddBulksWritesTheSameBytesAsAddBulk) {
  std::mt19937 rng(11);
  std::vector<std::string> values;
  for (size_t len = 0; len <= 40; ++len) values.emplace_back(len, static_cast<char>('a' + len % 26));
  for (int i = 0; i < 3000; ++i) {
    size_t len = rng() % 10 == 0 ? rng() % 20000 : rng() % 64;  // some past kSmallBulk
    std::string v(len, 'x');
    for (size_t k = 0; k < len; ++k) v[k] = static_cast<char>('0' + (k * 7 + i) % 75);
    values.push_back(std::move(v));
  }
  std::vector<std::string_view> views(values.begin(), values.end());
  ReplyBuffer batched, single;
  // Start at an odd offset so batches cross block ends at many alignments.
  batched.AddSimple("x");
  single.AddSimple("x");
  size_t pos = 0;
  while (pos < views.size()) {  // each round adds at least one
    size_t n = 1 + rng() % 70;
    if (n > views.size() - pos) n = views.size() - pos;
    batched.AddBulks(views.data() + pos, n);
    for (size_t k = 0; k < n; ++k) single.AddBulk(views[pos + k]);
    pos += n;
  }
  batched.AddBulks(views.data(), 0);
  std::string a = All(batched), b = All(single);
  EXPECT_EQ(a.size(), b.size());
  EXPECT_TRUE(a == b);
  EXPECT_EQ(batched.size(), b.size());
}

TEST(ReplyBuffer, AllocatedFollowsBlocksAddedAndDrained) {
  ReplyBuffer r;
  EXPECT_EQ(r.allocated(), ReplyBuffer::kFirstBlock);
  r.AddBulk(std::string(200 * 1024, 'x'));  // spills into one big block
  EXPECT_GE(r.allocated(), ReplyBuffer::kFirstBlock + 180 * 1024);
  EXPECT_GE(r.allocated(), r.size());
  r.Consume(ReplyBuffer::kFirstBlock);      // the first block drained only
  EXPECT_GE(r.allocated(), r.size());
  r.Consume(r.size());
  EXPECT_EQ(r.allocated(), ReplyBuffer::kFirstBlock);
  // Dropped tails give their blocks back too.
  const uint64_t mark = r.appended();
  r.AddBulk(std::string(300 * 1024, 'y'));
  EXPECT_GT(r.allocated(), ReplyBuffer::kFirstBlock);
  r.DropAfter(mark);
  EXPECT_EQ(r.allocated(), ReplyBuffer::kFirstBlock);
  r.AddBulk(std::string(100 * 1024, 'z'));
  r.Clear();
  EXPECT_EQ(r.allocated(), ReplyBuffer::kFirstBlock);
}

}  // namespace
}  // namespace replikv
