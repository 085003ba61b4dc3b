#include "persistence/format/intset_codec.h"

#include <gtest/gtest.h>

#include <vector>

namespace replikv::persistence {
namespace {

std::vector<std::string> Parse(std::string_view is, Status* s) {
  std::vector<std::string> out;
  *s = ParseIntset(is, &out);
  return out;
}

TEST(Intset, PicksSmallestWidth) {
  std::vector<int64_t> small = {-5, 3, 32767};
  EXPECT_EQ(BuildIntset(small).size(), 8u + 3 * 2);
  std::vector<int64_t> mid = {-5, 32768};
  EXPECT_EQ(BuildIntset(mid).size(), 8u + 2 * 4);
  std::vector<int64_t> big = {INT64_MIN, 0, INT64_MAX};
  EXPECT_EQ(BuildIntset(big).size(), 8u + 3 * 8);
}

TEST(Intset, RoundTripsExtremes) {
  std::vector<int64_t> v = {INT64_MIN, -1, 0, 1, INT64_MAX};
  Status s;
  auto out = Parse(BuildIntset(v), &s);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(out, (std::vector<std::string>{"-9223372036854775808", "-1", "0", "1",
                                           "9223372036854775807"}));
}

TEST(Intset, ShortHeaderIsCorruption) {
  Status s;
  Parse(std::string(7, '\0'), &s);
  EXPECT_TRUE(s.IsCorruption());
}

TEST(Intset, BadEncodingIsCorruption) {
  std::vector<int64_t> v = {1, 2};
  std::string is = BuildIntset(v);
  is[0] = 3;
  Status s;
  Parse(is, &s);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find("encoding"), std::string::npos);
}

TEST(Intset, CountNotMatchingSizeIsCorruption) {
  std::vector<int64_t> v = {1, 2};
  std::string is = BuildIntset(v);
  is[4] = 3;
  Status s;
  Parse(is, &s);
  EXPECT_TRUE(s.IsCorruption());
  // A huge count must not overflow the size check.
  is[4] = is[5] = is[6] = is[7] = '\xff';
  Parse(is, &s);
  EXPECT_TRUE(s.IsCorruption());
}

TEST(Intset, UnsortedOrDuplicateValuesAreCorruption) {
  std::vector<int64_t> v = {1, 2};
  std::string is = BuildIntset(v);
  std::string swapped = is;
  swapped[8] = 2;
  swapped[10] = 1;
  Status s;
  Parse(swapped, &s);
  EXPECT_TRUE(s.IsCorruption());
  std::string dup = is;
  dup[10] = 1;
  Parse(dup, &s);
  EXPECT_TRUE(s.IsCorruption());
}

}  // namespace
}  // namespace replikv::persistence
