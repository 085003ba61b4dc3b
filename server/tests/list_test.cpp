// List (the quicklist-like chain of packed nodes) against a std::deque
// model, for every node fill setting and element sizes around the framing
// and node limits.
#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "server/types/type_list.h"

namespace replikv {
namespace {

std::vector<std::string> Contents(const List& l) {
  std::vector<std::string> out;
  l.ForEach([&](std::string_view v) { out.emplace_back(v); });
  return out;
}

void ExpectSame(const List& l, const std::deque<std::string>& model) {
  std::string why;
  ASSERT_TRUE(l.Verify(&why)) << why;
  ASSERT_EQ(l.size(), model.size());
  EXPECT_EQ(Contents(l), std::vector<std::string>(model.begin(), model.end()));
  // Backward walk too.
  std::vector<std::string> back;
  for (List::Iterator it = l.Tail(); it.valid(); it.Prev()) back.emplace_back(it.value());
  EXPECT_EQ(back, std::vector<std::string>(model.rbegin(), model.rend()));
}

std::string Value(std::mt19937_64& rng, int i) {
  switch (rng() % 10) {
    case 0: return std::string(rng() % 300, static_cast<char>('a' + i % 26));
    case 1: return std::string(9000 + rng() % 100, 'B');  // bigger than a node
    case 2: return "";
    default: return "v" + std::to_string(i);
  }
}

class ListModelTest : public ::testing::TestWithParam<int> {};

TEST_P(ListModelTest, RandomOperationsMatchADeque) {
  std::mt19937_64 rng(GetParam() * 7919 + 1);
  List l(GetParam());
  std::deque<std::string> model;
  for (int i = 0; i < 6000; ++i) {
    int op = static_cast<int>(rng() % 12);
    std::string v = Value(rng, i);
    if (op <= 2) {
      l.Push(List::kHead, v);
      model.push_front(v);
    } else if (op <= 5) {
      l.Push(List::kTail, v);
      model.push_back(v);
    } else if (model.empty()) {
      continue;
    } else if (op == 6) {
      std::string out;
      l.Pop(List::kHead, &out);
      EXPECT_EQ(out, model.front());
      model.pop_front();
    } else if (op == 7) {
      std::string out;
      l.Pop(List::kTail, &out);
      EXPECT_EQ(out, model.back());
      model.pop_back();
    } else if (op == 8) {
      size_t at = rng() % model.size();
      l.Replace(l.At(at), v);
      model[at] = v;
    } else if (op == 9) {
      size_t at = rng() % model.size();
      bool after = rng() % 2;
      l.InsertAt(l.At(at), after, v);
      model.insert(model.begin() + static_cast<long>(at + (after ? 1 : 0)), v);
    } else if (op == 10) {
      size_t at = rng() % model.size();
      bool forward = rng() % 2;
      List::Iterator it = l.At(at);
      l.Erase(&it, forward);
      model.erase(model.begin() + static_cast<long>(at));
      // The iterator lands on the neighbour in the walking direction.
      if (forward && at < model.size()) {
        ASSERT_TRUE(it.valid());
        EXPECT_EQ(it.value(), model[at]);
      } else if (!forward && at > 0) {
        ASSERT_TRUE(it.valid());
        EXPECT_EQ(it.value(), model[at - 1]);
      } else {
        EXPECT_FALSE(it.valid());
      }
    } else {
      size_t n = rng() % (model.size() / 4 + 2);
      bool head = rng() % 2;
      l.Trim(head ? List::kHead : List::kTail, n);
      for (size_t k = 0; k < n && !model.empty(); ++k) head ? model.pop_front() : model.pop_back();
    }
    if (i % 500 == 0) ExpectSame(l, model);
  }
  ExpectSame(l, model);
  for (size_t k = 0; k < model.size(); k += 97) EXPECT_EQ(l.At(k).value(), model[k]);
  std::unique_ptr<List> copy(l.Clone());
  ExpectSame(*copy, model);
}

INSTANTIATE_TEST_SUITE_P(Fills, ListModelTest, ::testing::Values(-1, -2, -5, 1, 3, 128));

TEST(List, ElementFramingAtLengthBoundaries) {
  List l(-2);
  std::deque<std::string> model;
  for (size_t len : {0, 126, 127, 128, 129, 8190, 8191, 8192, 70000}) {
    std::string v(len, 'x');
    l.Push(List::kTail, v);
    l.Push(List::kHead, v);
    model.push_back(v);
    model.push_front(v);
  }
  ExpectSame(l, model);
}

TEST(List, PushesAtBothEndsKeepNodesWithinTheByteLimit) {
  List l(-1);  // 4 KiB nodes
  for (int i = 0; i < 10000; ++i) l.Push(i % 2 ? List::kHead : List::kTail, "element-" + std::to_string(i));
  std::string why;
  ASSERT_TRUE(l.Verify(&why)) << why;
  EXPECT_EQ(l.size(), 10000u);
  // 10000 elements of ~14 bytes in 4 KiB nodes, each at most 8 KiB of
  // capacity: well under 2x the payload plus node headers.
  EXPECT_LT(l.AllocatedBytes(), 400000u);
}

TEST(List, EraseWhileWalkingRemovesEveryMatch) {
  List l(3);
  for (int i = 0; i < 50; ++i) l.Push(List::kTail, i % 3 == 0 ? "x" : "y");
  for (List::Iterator it = l.Head(); it.valid();) {
    if (it.value() == "x") {
      l.Erase(&it, true);
    } else {
      it.Next();
    }
  }
  std::string why;
  ASSERT_TRUE(l.Verify(&why)) << why;
  EXPECT_EQ(l.size(), 33u);
  for (List::Iterator it = l.Tail(); it.valid();) l.Erase(&it, false);
  EXPECT_TRUE(l.empty());
}

}  // namespace
}  // namespace replikv

namespace replikv {
namespace {

// Counts the nodes Describe(true) reports as PLAIN and checks each holds
// exactly one element.
size_t PlainNodes(const List& l) {
  std::string text = l.Describe(true);
  size_t plain = 0;
  for (size_t pos = 0; (pos = text.find("{node ", pos)) != std::string::npos; ++pos) {
    std::string line = text.substr(pos, text.find('\n', pos) - pos);
    if (line.find("container=PLAIN") == std::string::npos) continue;
    ++plain;
    EXPECT_NE(line.find("count=1 "), std::string::npos) << line;
  }
  return plain;
}

TEST(List, ElementsOverThePackedThresholdGetPlainNodes) {
  List::SetPackedThreshold(16);
  std::mt19937_64 rng(99);
  for (int fill : {-2, 3}) {
    List l(fill);
    std::deque<std::string> model;
    for (int i = 0; i < 3000; ++i) {
      std::string v(rng() % 3 == 0 ? 16 + rng() % 40 : rng() % 16, static_cast<char>('a' + i % 26));
      int op = static_cast<int>(rng() % 7);
      if (op == 6 && !model.empty()) {
        size_t at = rng() % model.size();
        l.Replace(l.At(at), v);
        model[at] = v;
        continue;
      }
      if (op == 0) {
        l.Push(List::kHead, v);
        model.push_front(v);
      } else if (op == 1) {
        l.Push(List::kTail, v);
        model.push_back(v);
      } else if (op == 2 && !model.empty()) {
        size_t at = rng() % model.size();
        bool after = rng() % 2;
        l.InsertAt(l.At(at), after, v);
        model.insert(model.begin() + static_cast<long>(at + (after ? 1 : 0)), v);
      } else if (op == 3 && !model.empty()) {
        std::string out;
        l.Pop(List::kHead, &out);
        EXPECT_EQ(out, model.front());
        model.pop_front();
      } else if (op == 4 && !model.empty()) {
        size_t at = rng() % model.size();
        List::Iterator it = l.At(at);
        l.Erase(&it, true);
        model.erase(model.begin() + static_cast<long>(at));
      }
    }
    ExpectSame(l, model);
    size_t big = 0;
    for (const std::string& v : model) big += v.size() >= 16;
    // Inserted ones go through InsertAt's split path too; every element at
    // the threshold is alone, and only those are.
    EXPECT_EQ(PlainNodes(l), big) << "fill " << fill;
  }
  List::SetPackedThreshold(size_t{1} << 30);
}

}  // namespace
}  // namespace replikv
