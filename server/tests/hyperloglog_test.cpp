// HyperLogLog representation: bytes as redis-server 7.0.15 writes them,
// sparse/dense agreement, corruption detection.
#include "server/types/hyperloglog.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace replikv::hll {
namespace {

// Adds `elements` to `v` as PFADD does (promoting when told to).
void AddAll(std::string* v, const std::vector<std::string>& elements, size_t sparse_max = 3000) {
  for (const std::string& el : elements) {
    int index, count;
    HashElement(el, &index, &count);
    size_t len = v->size();
    v->resize(len + kSparseSetSlack);
    SetResult r = Set(v->data(), &len, index, count, sparse_max);
    v->resize(len);
    ASSERT_NE(r, SetResult::kCorrupt);
    if (r == SetResult::kPromote) {
      std::string dense;
      ASSERT_TRUE(ToDense(*v, &dense));
      *v = dense;
      ASSERT_EQ(Set(v->data(), &len, index, count, sparse_max), SetResult::kChanged);
    }
  }
  InvalidateCache(v->data());
}

std::vector<std::string> Numbered(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back("element:" + std::to_string(i));
  return out;
}

TEST(HyperLogLog, EmptyValueIsRedisBytes) {
  EXPECT_EQ(NewSparse(), std::string("HYLL\x01\0\0\0\0\0\0\0\0\0\0\0\x7f\xff", 18));
}

TEST(HyperLogLog, SparseBytesMatchRedis) {
  // redis-cli PFADD h a b c; GET h (7.0.15), cache invalidated.
  std::string v = NewSparse();
  AddAll(&v, {"a", "b", "c"});
  EXPECT_EQ(v, std::string("HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80`\xf3\x80P\xb1\x84K\xfb\x80"
                           "BZ",
                           27));
  EXPECT_EQ(DecodeSparse(v), "Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603");
  uint64_t card;
  ASSERT_TRUE(Count(v, &card));
  EXPECT_EQ(card, 3u);
}

TEST(HyperLogLog, SparseAndDenseCountTheSame) {
  std::string sparse = NewSparse();
  AddAll(&sparse, Numbered(500));
  ASSERT_EQ(EncodingOf(sparse), kSparse);
  std::string dense;
  ASSERT_TRUE(ToDense(sparse, &dense));
  ASSERT_EQ(dense.size(), kDenseSize);
  uint64_t a, b;
  ASSERT_TRUE(Count(sparse, &a));
  ASSERT_TRUE(Count(dense, &b));
  EXPECT_EQ(a, b);
  EXPECT_NEAR(static_cast<double>(a), 500, 500 * 0.05);
}

TEST(HyperLogLog, GrowsDensePastTheSparseLimit) {
  std::string v = NewSparse();
  AddAll(&v, Numbered(5000));
  EXPECT_EQ(EncodingOf(v), kDense);
  uint64_t card;
  ASSERT_TRUE(Count(v, &card));
  EXPECT_NEAR(static_cast<double>(card), 5000, 5000 * 0.05);
  std::string small = NewSparse();
  AddAll(&small, Numbered(50), /*sparse_max=*/20);
  EXPECT_EQ(EncodingOf(small), kDense);
}

TEST(HyperLogLog, DenseRegistersRoundTrip) {
  std::string dense(kDenseSize, '\0');
  char* regs = dense.data() + kHeaderSize;
  for (int i = 0; i < kRegisters; ++i) SetDenseRegister(regs, i, (i * 7) & 63);
  for (int i = 0; i < kRegisters; ++i) ASSERT_EQ(GetDenseRegister(regs, i), (i * 7) & 63) << i;
}

TEST(HyperLogLog, CachedCardinalityRoundTrips) {
  std::string v = NewSparse();
  EXPECT_TRUE(CacheValid(v));
  InvalidateCache(v.data());
  EXPECT_FALSE(CacheValid(v));
  SetCachedCardinality(v.data(), 0x0102030405060708ULL & 0x7fffffffffffffffULL);
  EXPECT_TRUE(CacheValid(v));
  EXPECT_EQ(CachedCardinality(v), 0x0102030405060708ULL);
}

TEST(HyperLogLog, HeaderChecks) {
  EXPECT_TRUE(LooksValid(NewSparse()));
  EXPECT_FALSE(LooksValid("HYLL"));
  std::string v = NewSparse();
  v[0] = 'h';
  EXPECT_FALSE(LooksValid(v));
  v = NewSparse();
  v[4] = 2;
  EXPECT_FALSE(LooksValid(v));
  v[4] = 0;  // dense of the wrong size
  EXPECT_FALSE(LooksValid(v));
}

TEST(HyperLogLog, SparseThatDoesNotCoverEveryRegisterIsCorrupt) {
  std::string v = NewSparse();
  v.back() = '\x00';  // XZERO of 16129 registers, not 16384
  uint64_t card;
  EXPECT_FALSE(Count(v, &card));
  std::string dense;
  EXPECT_FALSE(ToDense(v, &dense));
  std::vector<uint8_t> max(kRegisters);
  EXPECT_FALSE(MergeInto(v, max.data()));
  std::string cut = NewSparse();
  cut.pop_back();  // an XZERO cut in half
  EXPECT_FALSE(Count(cut, &card));
  size_t len = cut.size();
  cut.resize(len + kSparseSetSlack);
  EXPECT_EQ(Set(cut.data(), &len, 5, 3, 3000), SetResult::kCorrupt);
}

TEST(HyperLogLog, EmptyRegistersCountZero) {
  std::vector<uint8_t> regs(kRegisters, 0);
  EXPECT_EQ(CountRegisters(regs.data()), 0u);
}

}  // namespace
}  // namespace replikv::hll
