// Glob-style pattern matching with the semantics of Redis's KEYS, SCAN MATCH,
// PSUBSCRIBE and CONFIG GET patterns.
//
//   *        any run of bytes, including none
//   ?        exactly one byte
//   [abc]    one byte from the set; [^abc] one byte not in it
//   [a-z]    one byte in the range; a reversed range [z-a] means the same
//   \x       the byte x itself (also inside a class); a trailing \ is literal
//
// Quirks kept because clients see them: "[]" is an empty class (matches
// nothing) and "[^]" matches any byte; a '-' range may take ']' as its end; a
// class that is never closed runs to the end of the pattern.
//
// Matching is O(pattern length x subject length) in the worst case, never
// exponential: patterns like "a*a*a*...b" against "aaaa..." cannot be used to
// stall the server (Redis 7.0.9 bounds the same case, CVE-2022-36021).
#pragma once

#include <string_view>

namespace replikv {

// Returns true if the whole of "subject" matches "pattern". With "nocase",
// letters compare without regard to ASCII case (CONFIG GET does this).
bool GlobMatch(std::string_view pattern, std::string_view subject, bool nocase = false);

}  // namespace replikv
