// IntSet: the compact form of small all-integer sets (Redis's "intset"
// encoding, used up to set-max-intset-entries members).
//
//   | width (4B: 2, 4 or 8) | count (4B) | value ... |
//
// Values are signed, strictly ascending and all `width` bytes wide (native
// order), the smallest width that holds every value; adding a wider value
// upgrades the whole array. Membership is a binary search. Like a packed
// buffer, each change reallocates to the exact size and may move the buffer,
// so mutators return the new address. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace replikv::intset {

inline constexpr uint32_t kHeaderSize = 8;

char* New();
// An intset holding `n` values that are strictly ascending (the caller
// sorts and deduplicates), in one allocation of the narrowest width.
char* FromSorted(const int64_t* values, size_t n);
char* Clone(const char* p);
void Free(char* p);

inline uint32_t Width(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline uint32_t Count(const char* p) {
  uint32_t v;
  std::memcpy(&v, p + 4, 4);
  return v;
}

// The i-th smallest value. Precondition: i < Count(p).
inline int64_t Get(const char* p, uint32_t i) {
  const char* at = p + kHeaderSize + static_cast<size_t>(i) * Width(p);
  switch (Width(p)) {
    case 2: {
      int16_t v;
      std::memcpy(&v, at, 2);
      return v;
    }
    case 4: {
      int32_t v;
      std::memcpy(&v, at, 4);
      return v;
    }
    default: {
      int64_t v;
      std::memcpy(&v, at, 8);
      return v;
    }
  }
}

// Whether `v` is present; *pos gets its index, or where it would go.
bool Find(const char* p, int64_t v, uint32_t* pos);
// Adds `v` if absent (*added says whether). Returns the buffer.
char* Add(char* p, int64_t v, bool* added);
// Removes the value at index `pos`. Returns the buffer.
char* RemoveAt(char* p, uint32_t pos);

size_t AllocatedBytes(const char* p);

}  // namespace replikv::intset
