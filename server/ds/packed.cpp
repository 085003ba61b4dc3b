#include "server/ds/packed.h"

#include <malloc.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "server/base/assert.h"

namespace replikv::packed {
namespace {

constexpr unsigned char kLongString = 0xC0;
constexpr unsigned char kIntScore = 0xD0;
constexpr unsigned char kDoubleScore = 0xE0;
// Integral doubles in (-2^53, 2^53) convert to int64 and back exactly.
constexpr double kExactIntLimit = 9007199254740992.0;

void SetHeader(char* p, uint32_t bytes, uint32_t count) {
  std::memcpy(p, &bytes, 4);
  std::memcpy(p + 4, &count, 4);
}

bool IntegralScore(double d, int64_t* out) {
  if (!(d > -kExactIntLimit && d < kExactIntLimit)) return false;
  auto i = static_cast<int64_t>(d);
  if (static_cast<double>(i) != d) return false;
  *out = i;
  return true;
}

uint64_t ZigZag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
int64_t UnZigZag(uint64_t z) { return static_cast<int64_t>(z >> 1) ^ -static_cast<int64_t>(z & 1); }

int ZigZagBytes(uint64_t z) {
  int n = 0;
  while (z != 0) {  // at most 8 iterations
    ++n;
    z >>= 8;
  }
  return n;
}

void EncodeString(char* dst, std::string_view s) {
  size_t len = s.size();
  if (len < 0x80) {
    *dst++ = static_cast<char>(len);
  } else if (len < 0x4000) {
    *dst++ = static_cast<char>(0x80 | (len >> 8));
    *dst++ = static_cast<char>(len & 0xFF);
  } else {
    *dst++ = static_cast<char>(kLongString);
    *dst++ = static_cast<char>(len >> 24);
    *dst++ = static_cast<char>(len >> 16);
    *dst++ = static_cast<char>(len >> 8);
    *dst++ = static_cast<char>(len);
  }
  if (len != 0) std::memcpy(dst, s.data(), len);
}

void EncodeScore(char* dst, double d) {
  int64_t i;
  if (IntegralScore(d, &i)) {
    uint64_t z = ZigZag(i);
    int n = ZigZagBytes(z);
    *dst++ = static_cast<char>(kIntScore | n);
    for (int k = 0; k < n; ++k) *dst++ = static_cast<char>(z >> (8 * k));
    return;
  }
  *dst++ = static_cast<char>(kDoubleScore);
  std::memcpy(dst, &d, 8);
}

// Replaces bytes [off, end) (holding `removed` elements) by a hole of
// `hole` bytes that will hold `added` elements. Returns the buffer.
char* Splice(char* p, uint32_t off, uint32_t end, size_t hole, uint32_t removed, uint32_t added) {
  uint32_t bytes = Bytes(p);
  size_t new_bytes = static_cast<size_t>(bytes) - (end - off) + hole;
  if (new_bytes > UINT32_MAX) OutOfMemory(new_bytes);
  size_t tail = bytes - end;
  if (new_bytes > bytes) {
    char* q = static_cast<char*>(std::realloc(p, new_bytes));
    if (q == nullptr) OutOfMemory(new_bytes);
    p = q;
    std::memmove(p + off + hole, p + end, tail);
  } else {
    std::memmove(p + off + hole, p + end, tail);
    if (new_bytes < bytes) {
      char* q = static_cast<char*>(std::realloc(p, new_bytes));
      if (q != nullptr) p = q;  // a failed shrink keeps the larger block
    }
  }
  SetHeader(p, static_cast<uint32_t>(new_bytes), Count(p) - removed + added);
  return p;
}

}  // namespace

char* New() {
  char* p = static_cast<char*>(std::malloc(kHeaderSize));
  if (p == nullptr) OutOfMemory(kHeaderSize);
  SetHeader(p, kHeaderSize, 0);
  return p;
}

char* Clone(const char* p) {
  uint32_t n = Bytes(p);
  char* q = static_cast<char*>(std::malloc(n));
  if (q == nullptr) OutOfMemory(n);
  std::memcpy(q, p, n);
  return q;
}

void Free(char* p) { std::free(p); }

size_t StringSize(size_t len) { return len + (len < 0x80 ? 1 : len < 0x4000 ? 2 : 5); }

size_t ScoreSize(double score) {
  int64_t i;
  if (IntegralScore(score, &i)) return 1 + static_cast<size_t>(ZigZagBytes(ZigZag(i)));
  return 9;
}

double ScoreAt(const char* p, uint32_t off, uint32_t* next) {
  auto b = static_cast<unsigned char>(p[off]);
  if (b == kDoubleScore) {
    double d;
    std::memcpy(&d, p + off + 1, 8);
    *next = off + 9;
    return d;
  }
  int n = b & 0x0F;
  uint64_t z = 0;
  for (int k = 0; k < n; ++k) z |= uint64_t{static_cast<unsigned char>(p[off + 1 + k])} << (8 * k);
  *next = off + 1 + static_cast<uint32_t>(n);
  return static_cast<double>(UnZigZag(z));
}

uint32_t Skip(const char* p, uint32_t off) {
  auto b = static_cast<unsigned char>(p[off]);
  uint32_t next;
  if (b <= kLongString) {
    StringAt(p, off, &next);
  } else {
    ScoreAt(p, off, &next);
  }
  return next;
}

char* InsertString(char* p, uint32_t off, std::string_view s) {
  size_t n = StringSize(s.size());
  p = Splice(p, off, off, n, 0, 1);
  EncodeString(p + off, s);
  return p;
}

char* InsertScore(char* p, uint32_t off, double score) {
  size_t n = ScoreSize(score);
  p = Splice(p, off, off, n, 0, 1);
  EncodeScore(p + off, score);
  return p;
}

char* InsertPair(char* p, uint32_t off, std::string_view a, std::string_view b) {
  size_t na = StringSize(a.size()), nb = StringSize(b.size());
  p = Splice(p, off, off, na + nb, 0, 2);
  EncodeString(p + off, a);
  EncodeString(p + off + na, b);
  return p;
}

char* InsertStringScore(char* p, uint32_t off, std::string_view s, double score) {
  size_t ns = StringSize(s.size()), nd = ScoreSize(score);
  p = Splice(p, off, off, ns + nd, 0, 2);
  EncodeString(p + off, s);
  EncodeScore(p + off + ns, score);
  return p;
}

char* Erase(char* p, uint32_t off, uint32_t end, uint32_t n) { return Splice(p, off, end, 0, n, 0); }

char* ReplaceString(char* p, uint32_t off, uint32_t end, std::string_view s) {
  p = Splice(p, off, end, StringSize(s.size()), 1, 1);
  EncodeString(p + off, s);
  return p;
}

char* ReplaceScore(char* p, uint32_t off, uint32_t end, double score) {
  p = Splice(p, off, end, ScoreSize(score), 1, 1);
  EncodeScore(p + off, score);
  return p;
}

size_t AllocatedBytes(const char* p) { return malloc_usable_size(const_cast<char*>(p)); }

Builder::Builder(size_t bytes) : cap_(bytes), used_(kHeaderSize) {
  if (bytes < kHeaderSize || bytes > UINT32_MAX) OutOfMemory(bytes);
  p_ = static_cast<char*>(std::malloc(bytes));
  if (p_ == nullptr) OutOfMemory(bytes);
}

Builder::~Builder() { std::free(p_); }

void Builder::AddString(std::string_view s) {
  const size_t n = StringSize(s.size());
  RKV_ASSERT(n <= cap_ - used_);  // the builder was sized for every element
  EncodeString(p_ + used_, s);
  used_ += n;
  ++count_;
}

void Builder::AddScore(double score) {
  const size_t n = ScoreSize(score);
  RKV_ASSERT(n <= cap_ - used_);
  EncodeScore(p_ + used_, score);
  used_ += n;
  ++count_;
}

char* Builder::Finish() {
  char* p = p_;
  SetHeader(p, static_cast<uint32_t>(used_), count_);
  if (used_ < cap_) {
    // Fewer bytes than stated: keep the buffer exact, as every other
    // mutation does.
    char* q = static_cast<char*>(std::realloc(p, used_));
    if (q != nullptr) p = q;
  }
  p_ = nullptr;
  cap_ = used_ = 0;
  count_ = 0;
  return p;
}

}  // namespace replikv::packed
