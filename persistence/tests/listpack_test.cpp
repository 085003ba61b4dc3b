#include "persistence/format/listpack.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace replikv::persistence {
namespace {

std::string Build(const std::vector<std::string>& elems) {
  ListpackBuilder b;
  for (const auto& e : elems) b.Append(e);
  return b.Finish();
}

std::vector<std::string> Parse(std::string_view lp, Status* s) {
  std::vector<std::string> out;
  *s = ParseListpack(lp, &out);
  return out;
}

std::string Hex(std::string_view s) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out.push_back(d[c >> 4]);
    out.push_back(d[c & 15]);
  }
  return out;
}

TEST(Listpack, EmptyListpackIsSevenBytes) {
  EXPECT_EQ(Hex(Build({})), "07000000" "0000" "ff");
}

TEST(Listpack, ExactBytesOfEachSmallForm) {
  // 7-bit uint, 13-bit int, 6-bit string: encoding, data, 1-byte backlen.
  EXPECT_EQ(Hex(Build({"5"})), "09000000" "0100" "0501" "ff");
  EXPECT_EQ(Hex(Build({"-1"})), "0a000000" "0100" "dfff02" "ff");
  EXPECT_EQ(Hex(Build({"4095"})), "0a000000" "0100" "cfff02" "ff");
  EXPECT_EQ(Hex(Build({"abc"})), "0c000000" "0100" "8361626304" "ff");
  EXPECT_EQ(Hex(Build({"32767"})), "0b000000" "0100" "f1ff7f03" "ff");
}

TEST(Listpack, TwoByteBacklenHasContinuationOnLastByte) {
  std::string s(200, 'x');  // header e0 c8, entry 202 bytes
  std::string lp = Build({s});
  ASSERT_EQ(lp.size(), 6u + 202 + 2 + 1);
  EXPECT_EQ(Hex(lp.substr(6, 2)), "e0c8");
  EXPECT_EQ(Hex(lp.substr(6 + 202, 2)), "01ca");  // 202 = 1<<7 | 74
}

TEST(Listpack, IntegerBoundariesRoundTripAndUseSmallestForm) {
  struct Case {
    const char* text;
    size_t entry_bytes;  // encoding + data + backlen
  } cases[] = {
      {"0", 2}, {"127", 2}, {"128", 3}, {"-4096", 3}, {"4096", 4}, {"-32768", 4},
      {"32768", 5}, {"8388607", 5}, {"-8388608", 5}, {"8388608", 6}, {"2147483647", 6},
      {"-2147483648", 6}, {"2147483648", 10}, {"9223372036854775807", 10},
      {"-9223372036854775808", 10},
  };
  for (const auto& c : cases) {
    std::string lp = Build({c.text});
    EXPECT_EQ(lp.size(), 7 + c.entry_bytes) << c.text;
    EXPECT_EQ(ListpackEntrySize(c.text), c.entry_bytes) << c.text;
    Status s;
    auto out = Parse(lp, &s);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(out, std::vector<std::string>{c.text});
  }
}

TEST(Listpack, NonCanonicalNumbersStayStrings) {
  for (const char* text : {"007", "-0", "+1", " 1", "1 ", "9223372036854775808", "1.0", ""}) {
    std::string lp = Build({text});
    EXPECT_EQ(lp.size(), 7 + ListpackEntrySize(text));
    EXPECT_EQ(static_cast<unsigned char>(lp[6]) & 0xC0, 0x80) << text;
    Status s;
    EXPECT_EQ(Parse(lp, &s), std::vector<std::string>{text});
  }
}

TEST(Listpack, StringLengthFormsRoundTrip) {
  for (size_t n : {size_t{0}, size_t{63}, size_t{64}, size_t{4095}, size_t{4096}, size_t{16378},
                   size_t{16379}, size_t{70000}}) {
    std::string s(n, 'q');
    std::string lp = Build({s, "x"});
    Status st;
    auto out = Parse(lp, &st);
    ASSERT_TRUE(st.ok()) << n << " " << st.ToString();
    EXPECT_EQ(out, (std::vector<std::string>{s, "x"}));
    EXPECT_EQ(lp.size(), 7 + ListpackEntrySize(s) + ListpackEntrySize("x"));
  }
}

TEST(Listpack, CountSaturatesAt65535) {
  ListpackBuilder b;
  for (int i = 0; i < 70000; ++i) b.AppendInt(i % 100);
  std::string lp = b.Finish();
  EXPECT_EQ(static_cast<unsigned char>(lp[4]), 0xff);
  EXPECT_EQ(static_cast<unsigned char>(lp[5]), 0xff);
  Status s;
  EXPECT_EQ(Parse(lp, &s).size(), 70000u);
  EXPECT_TRUE(s.ok());
}

TEST(Listpack, CanonicalIntDetection) {
  int64_t v;
  EXPECT_TRUE(IsCanonicalInt64("0", &v));
  EXPECT_TRUE(IsCanonicalInt64("-9223372036854775808", &v));
  EXPECT_EQ(v, INT64_MIN);
  EXPECT_FALSE(IsCanonicalInt64("-0", &v));
  EXPECT_FALSE(IsCanonicalInt64("01", &v));
  EXPECT_FALSE(IsCanonicalInt64("-", &v));
  EXPECT_FALSE(IsCanonicalInt64("+5", &v));
  EXPECT_FALSE(IsCanonicalInt64("99999999999999999999", &v));
}

class ListpackCorruption : public ::testing::Test {
 protected:
  std::string lp_ = Build({"a", "1000", std::string(100, 'b')});
  Status Check(const std::string& lp) {
    std::vector<std::string> out;
    return ParseListpack(lp, &out);
  }
};

TEST_F(ListpackCorruption, ValidInputParses) { EXPECT_TRUE(Check(lp_).ok()); }

TEST_F(ListpackCorruption, ShorterThanHeader) {
  EXPECT_TRUE(Check(lp_.substr(0, 6)).IsCorruption());
}

TEST_F(ListpackCorruption, TotalBytesMismatch) {
  lp_[0] = static_cast<char>(lp_[0] + 1);
  Status s = Check(lp_);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find("byte 0"), std::string::npos) << s.message();
}

TEST_F(ListpackCorruption, MissingEndByte) {
  lp_.back() = 0;
  EXPECT_TRUE(Check(lp_).IsCorruption());
}

TEST_F(ListpackCorruption, EndByteInTheMiddle) {
  lp_[6] = static_cast<char>(0xff);
  EXPECT_TRUE(Check(lp_).IsCorruption());
}

TEST_F(ListpackCorruption, UnusedEncodingByte) {
  lp_[6] = static_cast<char>(0xf5);
  Status s = Check(lp_);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find("byte 6"), std::string::npos) << s.message();
}

TEST_F(ListpackCorruption, StringLengthPastTheEnd) {
  lp_[6] = static_cast<char>(0x80 | 63);
  EXPECT_TRUE(Check(lp_).IsCorruption());
}

TEST_F(ListpackCorruption, BacklenMismatch) {
  lp_[8] = 3;  // "a" entry is 2 bytes
  Status s = Check(lp_);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find("backlen"), std::string::npos) << s.message();
}

TEST_F(ListpackCorruption, HeaderCountMismatch) {
  lp_[4] = 4;
  EXPECT_TRUE(Check(lp_).IsCorruption());
}

TEST_F(ListpackCorruption, ThirtyTwoBitLengthLies) {
  std::string lp = Build({std::string(5000, 'z')});
  lp[7] = static_cast<char>(0xff);  // length now ~ 0xff88 + ...
  lp[9] = static_cast<char>(0x7f);
  EXPECT_TRUE(Check(lp).IsCorruption());
}

TEST_F(ListpackCorruption, EveryTruncationFails) {
  for (size_t n = 0; n < lp_.size(); ++n) {
    std::string cut = lp_.substr(0, n);
    // Keep the header's size honest so the walk itself meets the cut.
    if (n >= 4) {
      for (int i = 0; i < 4; ++i) cut[i] = static_cast<char>((n >> (8 * i)) & 0xff);
    }
    EXPECT_TRUE(Check(cut).IsCorruption()) << n;
  }
}

TEST_F(ListpackCorruption, EverySingleByteFlipFailsOrParsesCleanly) {
  // No flip may crash or read out of bounds (run under ASan); most fail.
  for (size_t i = 0; i < lp_.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = lp_;
      bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
      Check(bad).IgnoreError();
    }
  }
}

}  // namespace
}  // namespace replikv::persistence
