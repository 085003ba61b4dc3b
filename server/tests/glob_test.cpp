#include "server/ds/glob.h"

#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <string>
#include <vector>

namespace replikv {
namespace {

// The subjects and expected results below were produced by running KEYS
// <pattern> on a real redis-server 7.0.15 holding exactly these keys.
const std::vector<std::string> kKeys = {
    "hello", "hallo", "hxllo", "hllo", "heeello", "h]llo", "h-llo", "h\\llo", "h^llo",
    "a",     "ab",    "abc",   "",     "*",       "?",     "[",     "]",      "a[b",
    "a\\",   "ac",    "aB",    "Ab",   "x-z",     "b",     "z",     "-"};

struct Case {
  const char* pattern;
  std::set<std::string> matches;
};

const std::vector<Case> kRedisCases = {
    {"h?llo", {"h-llo", "h\\llo", "h]llo", "h^llo", "hallo", "hello", "hxllo"}},
    {"h*llo", {"h-llo", "h\\llo", "h]llo", "h^llo", "hallo", "heeello", "hello", "hllo", "hxllo"}},
    {"h[ae]llo", {"hallo", "hello"}},
    {"h[^e]llo", {"h-llo", "h\\llo", "h]llo", "h^llo", "hallo", "hxllo"}},
    {"h[a-b]llo", {"hallo"}},
    {"h[b-a]llo", {"hallo"}},
    {"h\\?llo", {}},
    {"h[\\]]llo", {"h]llo"}},
    {"h[]]llo", {}},
    {"h[-]llo", {"h-llo"}},
    {"h[a-]llo", {}},
    {"h[^]llo", {"h-llo", "h\\llo", "h]llo", "h^llo", "hallo", "hello", "hxllo"}},
    {"a[", {}},
    {"a[b", {"ab"}},
    {"a\\", {"a\\"}},
    {"\\a", {"a"}},
    {"?", {"*", "-", "?", "[", "]", "a", "b", "z"}},
    {"", {""}},
    {"\\*", {"*"}},
    {"[*]", {"*"}},
    {"a*", {"a", "aB", "a[b", "a\\", "ab", "abc", "ac"}},
    {"*c", {"abc", "ac"}},
    {"a?c", {"abc"}},
    {"a[bc", {"ab", "ac"}},
    {"[a-c]", {"a", "b"}},
    {"[^a-c]", {"*", "-", "?", "[", "]", "z"}},
    {"[a\\-c]", {"-", "a"}},
    {"[\\\\]", {}},
    {"h[\\\\]llo", {"h\\llo"}},
    {"h[e-e]llo", {"hello"}},
    {"[z-a]", {"a", "b", "z"}},
    {"?*?",
     {"Ab", "aB", "a[b", "a\\", "ab", "abc", "ac", "h-llo", "h\\llo", "h]llo", "h^llo", "hallo",
      "heeello", "hello", "hllo", "hxllo", "x-z"}},
    {"[[]", {"["}},
    {"a[\\", {"a\\"}},
    {"a[\\b", {"ab"}},
    {"[x-]", {"]", "a", "b"}},
    {"[--z]", {"-", "?", "[", "]", "a", "b", "z"}},
};

TEST(Glob, MatchesWhatRedisKeysMatches) {
  for (const Case& c : kRedisCases) {
    std::set<std::string> got;
    for (const std::string& key : kKeys) {
      if (GlobMatch(c.pattern, key)) got.insert(key);
    }
    EXPECT_EQ(got, c.matches) << "pattern '" << c.pattern << "'";
  }
}

TEST(Glob, StarMatchesEverythingIncludingEmpty) {
  for (const std::string& key : kKeys) {
    EXPECT_TRUE(GlobMatch("*", key)) << key;
    EXPECT_TRUE(GlobMatch("**", key)) << key;
    EXPECT_TRUE(GlobMatch("*?*", key) == !key.empty()) << key;
  }
}

TEST(Glob, CaseSensitiveUnlessNocase) {
  EXPECT_FALSE(GlobMatch("MAXMEMORY*", "maxmemory-policy"));
  EXPECT_TRUE(GlobMatch("MAXMEMORY*", "maxmemory-policy", true));
  EXPECT_TRUE(GlobMatch("h[A-C]llo", "hbllo", true));
  EXPECT_FALSE(GlobMatch("h[A-C]llo", "hbllo"));
  EXPECT_TRUE(GlobMatch("[^X]", "y", true));
  EXPECT_FALSE(GlobMatch("[^X]", "x", true));
  EXPECT_TRUE(GlobMatch("\\A", "a", true));
}

TEST(Glob, WholeSubjectMustMatch) {
  EXPECT_FALSE(GlobMatch("abc", "abcd"));
  EXPECT_FALSE(GlobMatch("abcd", "abc"));
  EXPECT_FALSE(GlobMatch("a*c", "abcd"));
  EXPECT_TRUE(GlobMatch("a*c*", "abcd"));
  EXPECT_TRUE(GlobMatch("*a*b*c*", "xxaxxbxxcxx"));
  EXPECT_FALSE(GlobMatch("*a*b*c*", "xxaxxcxxbxx"));
}

TEST(Glob, BytesAreNotSpecial) {
  std::string subject("a\0b\xff", 4);
  EXPECT_TRUE(GlobMatch(std::string_view("a\0*", 3), subject));
  EXPECT_TRUE(GlobMatch("a?b?", subject));
  EXPECT_TRUE(GlobMatch("a?b[\xfe-\xff]", subject));
}

TEST(Glob, BacktracksToLastStarOnly) {
  EXPECT_TRUE(GlobMatch("*ab", "aab"));
  EXPECT_TRUE(GlobMatch("*a?c*", "abxabc"));
  EXPECT_TRUE(GlobMatch("a*b*c", "aXbYbZc"));
  EXPECT_FALSE(GlobMatch("a*b*c", "aXbYbZ"));
  EXPECT_TRUE(GlobMatch("*[0-9]x", "a1b2x"));
}

// Exponential backtracking would need ~2^30 steps here; the bound is
// generous so a slow sanitizer build still passes.
TEST(Glob, PathologicalPatternIsFast) {
  std::string pattern;
  for (int i = 0; i < 30; ++i) pattern += "a*";
  pattern += "b";
  std::string subject(5000, 'a');
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(GlobMatch(pattern, subject));
  EXPECT_FALSE(GlobMatch("*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*b", subject));
  std::string long_pattern;
  for (int i = 0; i < 1000; ++i) long_pattern += "*a";
  EXPECT_FALSE(GlobMatch(long_pattern + "b", subject));
  EXPECT_TRUE(GlobMatch(long_pattern, subject));
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count(), 2000);
}

}  // namespace
}  // namespace replikv
