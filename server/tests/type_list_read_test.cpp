// List::Read (the batch walk LRANGE uses) and the push fast path, against a
// std::deque model, for node fills that give one, a few and many elements
// per node.
#include <gtest/gtest.h>

#include <deque>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "server/types/type_list.h"

namespace replikv {
namespace {

// Elements of mixed framing: short (1-byte length), long (5-byte length)
// and bigger than a node.
std::string MixedValue(std::mt19937_64& rng, int i) {
  switch (rng() % 8) {
    case 0: return std::string(120 + rng() % 20, 'L');  // around the 128-byte framing switch
    case 1: return std::string(9000, 'B');               // a node of its own
    case 2: return "";
    default: return "e" + std::to_string(i);
  }
}

class ListReadTest : public ::testing::TestWithParam<int> {};

TEST_P(ListReadTest, BatchesFromEveryStartMatchTheModel) {
  std::mt19937_64 rng(static_cast<uint64_t>(GetParam()) * 31 + 5);
  List l(GetParam());
  std::deque<std::string> model;
  for (int i = 0; i < 700; ++i) {
    std::string v = MixedValue(rng, i);
    if (rng() % 2) {
      l.Push(List::kHead, v);
      model.push_front(v);
    } else {
      l.Push(List::kTail, v);
      model.push_back(v);
    }
  }
  std::string why;
  ASSERT_TRUE(l.Verify(&why)) << why;
  std::string_view out[7];
  for (size_t start = 0; start < model.size(); start += 3) {
    List::Iterator it = l.At(start);
    size_t pos = start;
    while (it.valid()) {  // each round reads at least one element
      size_t max = 1 + rng() % 7;
      size_t got = l.Read(&it, out, max);
      size_t expect = model.size() - pos < max ? model.size() - pos : max;
      ASSERT_EQ(got, expect) << "start " << start << " pos " << pos;
      for (size_t k = 0; k < got; ++k) ASSERT_EQ(out[k], model[pos + k]) << pos + k;
      pos += got;
      if (pos < model.size()) {
        ASSERT_TRUE(it.valid());
        ASSERT_EQ(it.value(), model[pos]);
      }
    }
    EXPECT_EQ(pos, model.size());
    EXPECT_EQ(l.Read(&it, out, 7), 0u);  // an exhausted iterator reads nothing
  }
}

INSTANTIATE_TEST_SUITE_P(Fills, ListReadTest, ::testing::Values(-2, -1, 1, 2, 128));

TEST(ListRead, ZeroMaxLeavesTheIteratorInPlace) {
  List l(-2);
  l.Push(List::kTail, "a");
  l.Push(List::kTail, "b");
  List::Iterator it = l.Head();
  std::string_view out[1];
  EXPECT_EQ(l.Read(&it, out, 0), 0u);
  ASSERT_TRUE(it.valid());
  EXPECT_EQ(it.value(), "a");
}

// Pushes that fit the room left at an end take it without moving the
// node's other elements; after pops at both ends and pushes refilling the
// room, the list still reads back in order and its framing checks out.
TEST(ListPush, RefillingRoomLeftByPopsKeepsOrder) {
  List l(-2);
  std::deque<std::string> model;
  std::string out;
  for (int round = 0; round < 200; ++round) {
    for (int k = 0; k < 30; ++k) {
      std::string v = std::to_string(round) + ":" + std::to_string(k);
      if (k % 2 == 0) {
        l.Push(List::kHead, v);
        model.push_front(v);
      } else {
        l.Push(List::kTail, v);
        model.push_back(v);
      }
    }
    for (int k = 0; k < 25; ++k) {
      if (k % 3 == 0) {
        l.Pop(List::kTail, &out);
        ASSERT_EQ(out, model.back());
        model.pop_back();
      } else {
        l.Pop(List::kHead, &out);
        ASSERT_EQ(out, model.front());
        model.pop_front();
      }
    }
  }
  std::string why;
  ASSERT_TRUE(l.Verify(&why)) << why;
  ASSERT_EQ(l.size(), model.size());
  std::vector<std::string> got;
  l.ForEach([&](std::string_view v) { got.emplace_back(v); });
  EXPECT_EQ(got, std::vector<std::string>(model.begin(), model.end()));
}

}  // namespace
}  // namespace replikv
