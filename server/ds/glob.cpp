#include "server/ds/glob.h"

#include <cctype>
#include <cstddef>
#include <utility>

namespace replikv {
namespace {

unsigned char Fold(char c, bool nocase) {
  unsigned char u = static_cast<unsigned char>(c);
  return nocase ? static_cast<unsigned char>(std::tolower(u)) : u;
}

// Matches the character class that starts just after '[' at pattern[i]
// against "c". Sets *next to the index just past the class.
bool MatchClass(std::string_view pattern, size_t i, char c, bool nocase, size_t* next) {
  const size_t n = pattern.size();
  bool negate = false;
  if (i < n && pattern[i] == '^') {
    negate = true;
    ++i;
  }
  const unsigned char subject = Fold(c, nocase);
  bool matched = false;
  while (i < n) {  // a class left open runs to the end of the pattern
    char pc = pattern[i];
    if (pc == ']') {
      ++i;
      break;
    }
    if (pc == '\\' && i + 1 < n) {
      if (Fold(pattern[i + 1], nocase) == subject) matched = true;
      i += 2;
    } else if (i + 2 < n && pattern[i + 1] == '-') {
      // The range end is whatever follows the '-', even ']'.
      unsigned char lo = static_cast<unsigned char>(pattern[i]);
      unsigned char hi = static_cast<unsigned char>(pattern[i + 2]);
      if (lo > hi) std::swap(lo, hi);
      lo = Fold(static_cast<char>(lo), nocase);
      hi = Fold(static_cast<char>(hi), nocase);
      if (subject >= lo && subject <= hi) matched = true;
      i += 3;
    } else {
      if (Fold(pc, nocase) == subject) matched = true;
      ++i;
    }
  }
  *next = i;
  return matched != negate;
}

// Matches the single-byte atom at pattern[p] (anything but '*') against "c".
// Sets *next to the index of the following atom.
bool MatchAtom(std::string_view pattern, size_t p, char c, bool nocase, size_t* next) {
  switch (pattern[p]) {
    case '?':
      *next = p + 1;
      return true;
    case '[':
      return MatchClass(pattern, p + 1, c, nocase, next);
    case '\\':
      if (p + 1 < pattern.size()) {
        *next = p + 2;
        return Fold(pattern[p + 1], nocase) == Fold(c, nocase);
      }
      [[fallthrough]];  // a trailing backslash is a literal backslash
    default:
      *next = p + 1;
      return Fold(pattern[p], nocase) == Fold(c, nocase);
  }
}

}  // namespace

// Every atom other than '*' consumes exactly one byte, so when a match fails
// it is enough to let the most recent '*' absorb one more byte and retry from
// there: an earlier '*' taking more bytes could only leave the later one less
// to choose from. This bounds the work by pattern size x subject size.
bool GlobMatch(std::string_view pattern, std::string_view subject, bool nocase) {
  constexpr size_t kNone = static_cast<size_t>(-1);
  size_t p = 0;
  size_t s = 0;
  size_t star_p = kNone;  // pattern index just after the last '*' run
  size_t star_s = 0;      // subject index that '*' run currently stops at
  // Each pass either advances s, or advances star_s (which only grows and is
  // bounded by subject.size()), or returns: the loop ends.
  while (true) {
    if (p < pattern.size() && pattern[p] == '*') {
      while (p < pattern.size() && pattern[p] == '*') ++p;
      if (p == pattern.size()) return true;  // a trailing '*' takes the rest
      star_p = p;
      star_s = s;
      continue;
    }
    if (s == subject.size()) return p == pattern.size();
    size_t next = 0;
    if (p < pattern.size() && MatchAtom(pattern, p, subject[s], nocase, &next)) {
      p = next;
      ++s;
      continue;
    }
    if (star_p == kNone) return false;
    s = ++star_s;
    p = star_p;
  }
}

}  // namespace replikv
