// A mutable listpack in Redis 7.0's exact byte format, for the values that
// keep listpacks verbatim (stream nodes), so RDB files carry them as they
// are and a real redis-server reads them back unchanged.
//
//   | total bytes (4B LE) | count (2B LE, 65535 = unknown) | entry ... | 0xFF |
//   entry: | encoding + data | backlen (1-5B, readable backwards) |
//
// Entries are encoded by server/base/listpack_entry.h, shared with the RDB
// codec (persistence/format/listpack.h); a string that is the canonical decimal text of an int64
// is stored as an integer, as Redis's lpAppend does. Elements are addressed
// by pointers into the buffer; every mutation may move the buffer and
// returns its new address. Buffers come from malloc. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "server/base/listpack_entry.h"

namespace replikv::lp {

using listpack::kHeaderSize;

// An empty listpack (7 bytes).
uint8_t* New();
void Free(uint8_t* lp);
uint8_t* Clone(const uint8_t* lp);

uint32_t Bytes(const uint8_t* lp);
// Elements (counted when the header says "unknown").
uint32_t Length(const uint8_t* lp);

// Navigation: nullptr past either end.
uint8_t* First(uint8_t* lp);
uint8_t* Last(uint8_t* lp);
uint8_t* Next(uint8_t* lp, uint8_t* p);
uint8_t* Prev(uint8_t* lp, uint8_t* p);

// The element at p: an integer (*is_int, *value) or a string view into the
// buffer.
struct Value {
  bool is_int = false;
  int64_t ival = 0;
  std::string_view sval;
};
Value Get(const uint8_t* p);
// The element as an integer (a string holding a decimal int64 is parsed;
// anything else reads as 0 with *ok false).
int64_t GetInt(const uint8_t* p, bool* ok = nullptr);
// True if the element equals `s` (an integer compares by its decimal text).
bool Equals(const uint8_t* p, std::string_view s);

// Appends at the end.
uint8_t* Append(uint8_t* lp, std::string_view s);
uint8_t* AppendInt(uint8_t* lp, int64_t v);
// Replaces the element at *p with the integer v; *p is updated to the
// replaced element in the (possibly moved) buffer.
uint8_t* ReplaceInt(uint8_t* lp, uint8_t** p, int64_t v);

// Elements encoded ahead and appended with one reallocation (an XADD adds
// a whole entry at once). Reusable: Clear() keeps the capacity.
class Batch {
 public:
  void Add(std::string_view s);
  void AddInt(int64_t v);
  void Clear() {
    bytes_.clear();
    count_ = 0;
  }
  // Gives back a large buffer (a huge entry should not stay allocated).
  void Trim() {
    if (bytes_.capacity() > (1u << 16)) std::string().swap(bytes_);
  }
  const std::string& bytes() const { return bytes_; }
  uint32_t count() const { return count_; }

 private:
  std::string bytes_;
  uint32_t count_ = 0;
};
uint8_t* AppendBatch(uint8_t* lp, const Batch& batch);

// Bytes one element would take.
size_t EntrySize(std::string_view s);

}  // namespace replikv::lp
