// Listpack: the compact sequence Redis 7 stores small hashes, zsets, sets
// (7.2) and quicklist nodes in, and writes verbatim into RDB as a string.
//
// Layout (all integers little-endian unless said):
//   | total bytes (4B) | count (2B, 65535 = "count it") | entry ... | 0xFF |
// Entry: | encoding + data | backlen |, where backlen is the size of
// "encoding + data" in 1-5 bytes, 7 bits per byte, written so that it can be
// read backwards from its last byte (high bit set = more bytes before).
// Encodings:
//   0xxxxxxx                          7-bit unsigned int 0..127
//   10xxxxxx + n bytes                string, n < 64
//   110xxxxx yyyyyyyy                 13-bit signed int (big-endian bits)
//   1110xxxx yyyyyyyy + n bytes       string, n < 4096 (big-endian bits)
//   11110000 + 4B n + n bytes         string, 32-bit length
//   11110001 / 0010 / 0011 / 0100     int16 / int24 / int32 / int64
//   11111111                          end of listpack
// A string that is the canonical decimal form of an int64 is stored as an
// integer, in the smallest form that holds it (as Redis does).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "persistence/format/rdb_value_view.h"
#include "server/base/listpack_entry.h"
#include "server/base/status.h"

namespace replikv::persistence {

// Builds one listpack. Not thread-safe; one builder per listpack.
class ListpackBuilder {
 public:
  ListpackBuilder();
  ListpackBuilder(const ListpackBuilder&) = delete;
  ListpackBuilder& operator=(const ListpackBuilder&) = delete;

  // Appends one element, as an integer when it is one (see above).
  void Append(std::string_view element);
  void AppendInt(int64_t value);
  // Bytes the listpack would have if finished now.
  size_t size() const { return buf_.size() + 1; }
  size_t count() const { return count_; }
  // Writes the header and end byte and returns the listpack; the builder is
  // then empty and may be reused.
  std::string Finish();

 private:
  void AppendString(std::string_view s);
  // Makes room for `n` more bytes at the end; returns where they start.
  uint8_t* Grow(size_t n);

  std::string buf_;  // header placeholder + entries, no end byte yet
  size_t count_ = 0;
};

// Bytes one element adds to a listpack (encoding, data and backlen).
size_t ListpackEntrySize(std::string_view element);

// True if `s` is the canonical decimal text of an int64 (what Redis would
// print for that number: no sign on zero, no leading zeros, no '+').
using listpack::IsCanonicalInt64;

// Checks a whole listpack (header size, every entry's encoding, bounds and
// backlen, the end byte and the header count) and appends its elements to
// *out, integers as decimal text. On Corruption *out may hold a prefix; the
// message gives the byte offset within `lp`. At most `max_entries` elements
// are accepted.
Status ParseListpack(std::string_view lp, std::vector<std::string>* out,
                     size_t max_entries = SIZE_MAX);
// The same checks, appending the elements to an arena (no allocation per
// element). `lp` must not point into `out`.
Status ParseListpack(std::string_view lp, RdbElementArena* out, size_t max_entries = SIZE_MAX);

}  // namespace replikv::persistence
