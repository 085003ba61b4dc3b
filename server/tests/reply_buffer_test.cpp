#include "server/reply_buffer.h"

#include <gtest/gtest.h>

#include <string>

namespace replikv {
namespace {

std::string All(const ReplyBuffer& r) {
  std::string_view pieces[128];
  size_t n = r.Pieces(pieces, 128);
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

}  // namespace
}  // namespace replikv
