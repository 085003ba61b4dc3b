// HashValue and SetValue: their representations, the conversions at the
// thresholds, and random operations against std::map / std::set models.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "server/types/type_hash.h"
#include "server/types/type_set.h"

namespace replikv {
namespace {

std::map<std::string, std::string> HashContents(const HashValue& h) {
  std::map<std::string, std::string> out;
  h.ForEach([&](std::string_view f, std::string_view v) { out.emplace(f, v); });
  return out;
}

std::set<std::string> SetContents(const SetValue& s) {
  std::set<std::string> out;
  s.ForEach([&](std::string_view m) { out.emplace(m); });
  return out;
}

TEST(HashValue, ConvertsPastTheEntryLimitAndNeverBack) {
  PackLimits limits{4, 10};
  HashValue h(HashValue::NewObject());
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(h.Set("f" + std::to_string(i), "v", limits));
  EXPECT_EQ(h.kind(), HashValue::kPacked);
  EXPECT_STREQ(HashValue::EncodingName(h.object()), "listpack");
  EXPECT_FALSE(h.Set("f0", "updated", limits));
  EXPECT_EQ(h.kind(), HashValue::kPacked);
  EXPECT_TRUE(h.Set("f4", "v", limits));
  EXPECT_EQ(h.kind(), HashValue::kTable);
  EXPECT_STREQ(HashValue::EncodingName(h.object()), "hashtable");
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(h.Delete("f" + std::to_string(i)));
  EXPECT_EQ(h.kind(), HashValue::kTable);
  EXPECT_EQ(h.size(), 1u);
  HashValue::FreeObject(h.object());
}

TEST(HashValue, ConvertsForALongFieldOrValue) {
  PackLimits limits{100, 3};
  HashValue a(HashValue::NewObject());
  a.Set("abc", "xyz", limits);
  EXPECT_EQ(a.kind(), HashValue::kPacked);
  a.Set("abc", "wxyz", limits);
  EXPECT_EQ(a.kind(), HashValue::kTable);
  std::string_view v;
  ASSERT_TRUE(a.Get("abc", &v));
  EXPECT_EQ(v, "wxyz");
  HashValue b(HashValue::NewObject());
  b.Set("abcd", "x", limits);
  EXPECT_EQ(b.kind(), HashValue::kTable);
  HashValue::FreeObject(a.object());
  HashValue::FreeObject(b.object());
}

TEST(HashValue, PackedKeepsInsertionOrderAndUpdatesInPlace) {
  PackLimits limits;
  HashValue h(HashValue::NewObject());
  h.Set("z", "1", limits);
  h.Set("a", "2", limits);
  h.Set("m", "3", limits);
  h.Set("a", "22", limits);
  h.Delete("z");
  std::vector<std::string> order;
  h.ForEach([&](std::string_view f, std::string_view v) { order.push_back(std::string(f) + "=" + std::string(v)); });
  EXPECT_EQ(order, (std::vector<std::string>{"a=22", "m=3"}));
  std::string_view f, v;
  h.PackedAt(1, &f, &v);
  EXPECT_EQ(f, "m");
  HashValue::FreeObject(h.object());
}

TEST(HashValue, BuildPicksRedisEncodingAndCloneCopies) {
  PackLimits limits{3, 5};
  std::vector<std::pair<std::string, std::string>> small = {{"a", "1"}, {"b", "2"}};
  std::vector<std::pair<std::string, std::string>> many = {{"a", "1"}, {"b", "2"}, {"c", "3"}, {"d", "4"}};
  std::vector<std::pair<std::string, std::string>> longv = {{"a", "123456"}};
  HashValue s(HashValue::Build(small, limits));
  HashValue m(HashValue::Build(many, limits));
  HashValue l(HashValue::Build(longv, limits));
  EXPECT_EQ(s.kind(), HashValue::kPacked);
  EXPECT_EQ(m.kind(), HashValue::kTable);
  EXPECT_EQ(l.kind(), HashValue::kTable);
  HashValue c(HashValue::CloneObject(m.object()));
  EXPECT_EQ(HashContents(c), HashContents(m));
  EXPECT_EQ(HashContents(m).size(), 4u);
  for (void* o : {s.object(), m.object(), l.object(), c.object()}) HashValue::FreeObject(o);
}

TEST(HashValue, RandomOperationsMatchAMapInBothEncodings) {
  for (uint64_t max_entries : {8u, 1000u}) {
    std::mt19937_64 rng(max_entries);
    PackLimits limits{max_entries, 20};
    HashValue h(HashValue::NewObject());
    std::map<std::string, std::string> model;
    for (int i = 0; i < 20000; ++i) {
      std::string f = "f" + std::to_string(rng() % 300);
      if (rng() % 3 == 0) {
        EXPECT_EQ(h.Delete(f), model.erase(f) == 1);
      } else {
        std::string v(rng() % 22, 'v');
        EXPECT_EQ(h.Set(f, v, limits), model.count(f) == 0);
        model[f] = v;
      }
      if (h.size() == 0) {
        // An empty value is deleted by the commands; start over.
        HashValue::FreeObject(h.object());
        h = HashValue(HashValue::NewObject());
      }
    }
    EXPECT_EQ(h.size(), model.size());
    EXPECT_EQ(HashContents(h), model);
    for (auto& [f, v] : model) {
      std::string_view got;
      ASSERT_TRUE(h.Get(f, &got));
      EXPECT_EQ(got, v);
    }
    HashValue::FreeObject(h.object());
  }
}

TEST(SetValue, IntsetThenPackedThenTable) {
  SetValue s(SetValue::NewObjectFor("1"));
  EXPECT_EQ(s.kind(), SetValue::kIntset);
  EXPECT_TRUE(s.Add("3", 512));
  EXPECT_TRUE(s.Add("-2", 512));
  EXPECT_FALSE(s.Add("3", 512));
  EXPECT_STREQ(SetValue::EncodingName(s.object()), "intset");
  std::vector<std::string> order;
  s.ForEach([&](std::string_view m) { order.emplace_back(m); });
  EXPECT_EQ(order, (std::vector<std::string>{"-2", "3"}));
  EXPECT_TRUE(s.Add("x", 512));
  EXPECT_EQ(s.kind(), SetValue::kPacked);
  EXPECT_STREQ(SetValue::EncodingName(s.object()), "hashtable");
  EXPECT_TRUE(s.Contains("3"));
  EXPECT_TRUE(s.Contains("x"));
  EXPECT_TRUE(s.Add(std::string(SetValue::kPackedMaxValue + 1, 'y'), 512));
  EXPECT_EQ(s.kind(), SetValue::kTable);
  EXPECT_EQ(SetContents(s), (std::set<std::string>{"-2", "3", "x", std::string(65, 'y')}));
  SetValue::FreeObject(s.object());
}

TEST(SetValue, IntsetLimitConvertsAndNonCanonicalIntegersAreStrings) {
  SetValue s(SetValue::NewObjectFor("1"));
  for (int i = 0; i < 3; ++i) s.Add(std::to_string(i), 3);
  EXPECT_EQ(s.kind(), SetValue::kIntset);
  s.Add("3", 3);
  EXPECT_NE(s.kind(), SetValue::kIntset);
  SetValue t(SetValue::NewObjectFor("01"));
  EXPECT_NE(t.kind(), SetValue::kIntset);
  SetValue u(SetValue::NewObjectFor("5"));
  u.Add("-0", 512);
  EXPECT_NE(u.kind(), SetValue::kIntset);
  EXPECT_FALSE(u.Contains("0"));
  for (void* o : {s.object(), t.object(), u.object()}) SetValue::FreeObject(o);
}

TEST(SetValue, RandomOperationsMatchASet) {
  for (int variant = 0; variant < 3; ++variant) {
    std::mt19937_64 rng(variant + 5);
    SetValue s(SetValue::NewObjectFor("0"));
    std::set<std::string> model;
    for (int i = 0; i < 20000; ++i) {
      std::string m = variant == 0   ? std::to_string(rng() % 400)
                      : variant == 1 ? (rng() % 2 ? std::to_string(rng() % 100) : "m" + std::to_string(rng() % 100))
                                     : std::string(rng() % 80, 'a') + std::to_string(rng() % 50);
      if (rng() % 3 == 0) {
        EXPECT_EQ(s.Remove(m), model.erase(m) == 1);
      } else {
        EXPECT_EQ(s.Add(m, 512), model.insert(m).second);
      }
      if (!model.empty()) {
        char buf[SetValue::kIntBuf];
        EXPECT_EQ(model.count(std::string(s.Random(rng(), buf))), 1u);
      }
    }
    EXPECT_EQ(s.size(), model.size());
    EXPECT_EQ(SetContents(s), model);
    SetValue c(SetValue::CloneObject(s.object()));
    EXPECT_EQ(SetContents(c), model);
    EXPECT_EQ(c.kind(), s.kind());
    SetValue::FreeObject(c.object());
    SetValue::FreeObject(s.object());
  }
}

TEST(SetValue, BuildPicksTheEncoding) {
  std::vector<std::string> ints = {"3", "1", "2"}, strs = {"a", "1"};
  std::vector<std::string> many;
  for (int i = 0; i < 600; ++i) many.push_back(std::to_string(i));
  SetValue a(SetValue::Build(ints, 512));
  SetValue b(SetValue::Build(strs, 512));
  SetValue c(SetValue::Build(many, 512));
  EXPECT_EQ(a.kind(), SetValue::kIntset);
  EXPECT_NE(b.kind(), SetValue::kIntset);
  EXPECT_EQ(c.kind(), SetValue::kTable);
  EXPECT_EQ(c.size(), 600u);
  for (void* o : {a.object(), b.object(), c.object()}) SetValue::FreeObject(o);
}

}  // namespace
}  // namespace replikv
