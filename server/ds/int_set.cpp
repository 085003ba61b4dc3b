#include "server/ds/int_set.h"

#include <malloc.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "server/base/assert.h"

namespace replikv::intset {
namespace {

uint32_t WidthFor(int64_t v) {
  if (v >= INT16_MIN && v <= INT16_MAX) return 2;
  if (v >= INT32_MIN && v <= INT32_MAX) return 4;
  return 8;
}

void Put(char* p, uint32_t width, uint32_t i, int64_t v) {
  char* at = p + kHeaderSize + static_cast<size_t>(i) * width;
  switch (width) {
    case 2: {
      auto x = static_cast<int16_t>(v);
      std::memcpy(at, &x, 2);
      break;
    }
    case 4: {
      auto x = static_cast<int32_t>(v);
      std::memcpy(at, &x, 4);
      break;
    }
    default:
      std::memcpy(at, &v, 8);
      break;
  }
}

void SetHeader(char* p, uint32_t width, uint32_t count) {
  std::memcpy(p, &width, 4);
  std::memcpy(p + 4, &count, 4);
}

char* Resize(char* p, size_t bytes) {
  char* q = static_cast<char*>(std::realloc(p, bytes));
  if (q == nullptr) OutOfMemory(bytes);
  return q;
}

}  // namespace

char* New() {
  char* p = static_cast<char*>(std::malloc(kHeaderSize));
  if (p == nullptr) OutOfMemory(kHeaderSize);
  SetHeader(p, 2, 0);
  return p;
}

char* FromSorted(const int64_t* values, size_t n) {
  uint32_t width = 2;
  // Ascending: the widest value is the first or the last.
  if (n > 0) width = std::max(WidthFor(values[0]), WidthFor(values[n - 1]));
  const size_t bytes = kHeaderSize + n * width;
  if (n > UINT32_MAX) OutOfMemory(bytes);
  char* p = static_cast<char*>(std::malloc(bytes));
  if (p == nullptr) OutOfMemory(bytes);
  SetHeader(p, width, static_cast<uint32_t>(n));
  for (size_t i = 0; i < n; ++i) Put(p, width, static_cast<uint32_t>(i), values[i]);
  return p;
}

char* Clone(const char* p) {
  size_t n = kHeaderSize + static_cast<size_t>(Count(p)) * Width(p);
  char* q = static_cast<char*>(std::malloc(n));
  if (q == nullptr) OutOfMemory(n);
  std::memcpy(q, p, n);
  return q;
}

void Free(char* p) { std::free(p); }

bool Find(const char* p, int64_t v, uint32_t* pos) {
  uint32_t lo = 0, hi = Count(p);
  // Values out of the array's width cannot be present; they go at an end.
  if (WidthFor(v) > Width(p)) {
    *pos = v < 0 ? 0 : hi;
    return false;
  }
  while (lo < hi) {  // binary search: at most 32 rounds
    uint32_t mid = lo + (hi - lo) / 2;
    int64_t m = Get(p, mid);
    if (m == v) {
      *pos = mid;
      return true;
    }
    if (m < v) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  *pos = lo;
  return false;
}

char* Add(char* p, int64_t v, bool* added) {
  uint32_t width = Width(p), count = Count(p);
  uint32_t need = WidthFor(v);
  if (need > width) {
    // Upgrade: every value is re-written wider, from the back so nothing is
    // overwritten before it is read; v goes at one end (it is out of the old
    // range).
    p = Resize(p, kHeaderSize + static_cast<size_t>(count + 1) * need);
    bool front = v < 0;
    for (uint32_t i = count; i-- > 0;) {
      int64_t x;
      const char* at = p + kHeaderSize + static_cast<size_t>(i) * width;
      if (width == 2) {
        int16_t y;
        std::memcpy(&y, at, 2);
        x = y;
      } else {
        int32_t y;
        std::memcpy(&y, at, 4);
        x = y;
      }
      Put(p, need, front ? i + 1 : i, x);
    }
    Put(p, need, front ? 0 : count, v);
    SetHeader(p, need, count + 1);
    *added = true;
    return p;
  }
  uint32_t pos;
  if (Find(p, v, &pos)) {
    *added = false;
    return p;
  }
  p = Resize(p, kHeaderSize + static_cast<size_t>(count + 1) * width);
  char* at = p + kHeaderSize + static_cast<size_t>(pos) * width;
  std::memmove(at + width, at, static_cast<size_t>(count - pos) * width);
  Put(p, width, pos, v);
  SetHeader(p, width, count + 1);
  *added = true;
  return p;
}

char* RemoveAt(char* p, uint32_t pos) {
  uint32_t width = Width(p), count = Count(p);
  char* at = p + kHeaderSize + static_cast<size_t>(pos) * width;
  std::memmove(at, at + width, static_cast<size_t>(count - pos - 1) * width);
  SetHeader(p, width, count - 1);
  char* q = static_cast<char*>(std::realloc(p, kHeaderSize + static_cast<size_t>(count - 1) * width));
  return q != nullptr ? q : p;
}

size_t AllocatedBytes(const char* p) { return malloc_usable_size(const_cast<char*>(p)); }

}  // namespace replikv::intset
