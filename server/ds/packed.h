// Packed: the compact form of small hashes, sets and sorted sets, the role
// Redis's listpack plays. One malloc'd buffer holds a header and a run of
// elements; it is reallocated to its exact size on every change, so a small
// value costs its bytes plus the header and no per-element allocation.
//
//   | used bytes (4B) | element count (4B) | element ... |
//
// Element encodings (the first byte says which):
//
//   0xxxxxxx                    string, length 0..127, bytes follow
//   10xxxxxx yyyyyyyy           string, length 128..16383 (14 bits, big-endian)
//   11000000 + 4B length        string, length up to 2^32-1 (big-endian)
//   1101nnnn + n bytes          score: an integral double as a zigzag int64
//                               in n = 0..8 little-endian bytes
//   11100000 + 8B               score: any other double (IEEE, native order)
//
// Scores appear only in sorted sets, always right after their member. An
// integral score costs 1-3 bytes as in Redis's listpack (which stores them as
// integers); other doubles take the 9-byte form. -0.0 is stored as 0: Redis
// 7.0's listpack zsets turn -0 into 0 as well (its skiplist keeps -0).
//
// A buffer is addressed by byte offsets (kHeaderSize is the first element);
// every mutation may move it and returns the new address. Not thread-safe.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace replikv::packed {

inline constexpr uint32_t kHeaderSize = 8;
// A packed value stops growing past this many bytes (its owner converts to
// the big form instead), as Redis's listpack safety limit of 1 GB.
inline constexpr size_t kMaxBytes = 1u << 30;

// A new buffer with no elements.
char* New();
// A copy of `p`.
char* Clone(const char* p);
void Free(char* p);

inline uint32_t Bytes(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline uint32_t Count(const char* p) {
  uint32_t v;
  std::memcpy(&v, p + 4, 4);
  return v;
}
// Offset one past the last element.
inline uint32_t End(const char* p) { return Bytes(p); }

// Bytes an element would take.
size_t StringSize(size_t len);
size_t ScoreSize(double score);

// Reads the string element at `off`; *next gets the following offset.
inline std::string_view StringAt(const char* p, uint32_t off, uint32_t* next) {
  auto b = static_cast<unsigned char>(p[off]);
  uint32_t len, hdr;
  if (b < 0x80) {
    len = b;
    hdr = 1;
  } else if (b < 0xC0) {
    len = ((b & 0x3Fu) << 8) | static_cast<unsigned char>(p[off + 1]);
    hdr = 2;
  } else {
    auto* u = reinterpret_cast<const unsigned char*>(p + off + 1);
    len = (uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) | (uint32_t{u[2]} << 8) | u[3];
    hdr = 5;
  }
  *next = off + hdr + len;
  return {p + off + hdr, len};
}

// Reads the score element at `off`; *next gets the following offset.
double ScoreAt(const char* p, uint32_t off, uint32_t* next);

// Offset of the element after the one at `off` (any encoding).
uint32_t Skip(const char* p, uint32_t off);

// Inserts a string (or score) element before the element at `off` (End(p)
// appends). Returns the new buffer.
char* InsertString(char* p, uint32_t off, std::string_view s);
char* InsertScore(char* p, uint32_t off, double score);
// Inserts two strings (a hash field and value) before `off`.
char* InsertPair(char* p, uint32_t off, std::string_view a, std::string_view b);
// Inserts a member and its score before `off`.
char* InsertStringScore(char* p, uint32_t off, std::string_view s, double score);
// Removes the `n` elements that occupy bytes [off, end).
char* Erase(char* p, uint32_t off, uint32_t end, uint32_t n);
// Replaces the one element at [off, end) by a string (or score) element.
char* ReplaceString(char* p, uint32_t off, uint32_t end, std::string_view s);
char* ReplaceScore(char* p, uint32_t off, uint32_t end, double score);

// Bytes of heap the buffer holds (for memory accounting).
size_t AllocatedBytes(const char* p);

// Makes a buffer whose final size is known in one allocation, instead of a
// reallocation per element (bulk loading, e.g. from an RDB file). The
// caller sums kHeaderSize and the StringSize()/ScoreSize() of every element,
// then adds exactly those elements in order. Adding past the stated size is
// a caller bug and aborts.
class Builder {
 public:
  explicit Builder(size_t bytes);
  ~Builder();
  Builder(const Builder&) = delete;
  Builder& operator=(const Builder&) = delete;

  void AddString(std::string_view s);
  void AddScore(double score);
  // The finished buffer (owned by the caller); the builder is then empty.
  char* Finish();

 private:
  char* p_;
  size_t cap_;
  size_t used_;
  uint32_t count_ = 0;
};

}  // namespace replikv::packed
