// Readers for the two compact encodings Redis wrote before listpack: ziplist
// (lists, hashes and zsets up to Redis 6.2, quicklist nodes up to 6.2) and
// zipmap (small hashes up to Redis 2.4). Redis 7.0 reads but never writes
// them, and neither does replikv: only validating readers live here.
//
// Ziplist (integers little-endian):
//   | zlbytes (4B) | zltail (4B) offset of last entry | zllen (2B, 65535 =
//   "count it") | entry ... | 0xFF |
// Entry: | prevlen | encoding | data |, prevlen is the previous entry's size,
// 1 byte if < 254 else 0xFE + 4B. Encodings:
//   00pppppp                          string, 6-bit length
//   01pppppp qqqqqqqq                 string, 14-bit length (big-endian)
//   10______ + 4B big-endian length   string, 32-bit length
//   11000000 int16, 11010000 int32, 11100000 int64, 11110000 int24,
//   11111110 int8, 1111xxxx (xxxx in 0001..1101) immediate xxxx-1 (0..12)
//
// Zipmap:
//   | zmlen (1B, 254+ = "count it") | entry ... | 0xFF |
// Entry: | len | key | len | free (1B) | value | free unused bytes |, len is
// 1 byte if < 254 else 0xFE + 4B little-endian.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "persistence/format/rdb_value_view.h"
#include "server/base/status.h"

namespace replikv::persistence {

// Checks a whole ziplist (sizes, every entry's encoding and bounds, prevlen
// chain, zltail, end byte, header count) and appends its entries to *out,
// integers as decimal text. Corruption messages give the byte offset within
// `zl`. At most `max_entries` entries are accepted.
Status ParseZiplist(std::string_view zl, std::vector<std::string>* out,
                    size_t max_entries = SIZE_MAX);
// The same checks, appending to an arena. `zl` must not point into `out`.
Status ParseZiplist(std::string_view zl, RdbElementArena* out, size_t max_entries = SIZE_MAX);

// Checks a whole zipmap and appends key, value, key, value ... to *out.
Status ParseZipmap(std::string_view zm, std::vector<std::string>* out,
                   size_t max_entries = SIZE_MAX);
Status ParseZipmap(std::string_view zm, RdbElementArena* out, size_t max_entries = SIZE_MAX);

}  // namespace replikv::persistence
