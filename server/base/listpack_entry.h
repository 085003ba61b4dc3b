// The encoding of one listpack entry, as Redis 7.0 lays it out: the
// element's encoding byte(s) and data, then its backlen. Shared by the
// in-memory listpack of server/ds (stream nodes) and the RDB codec's
// builder and validator (persistence/format), which must write the same
// bytes; each keeps its own container logic.
//
//   0xxxxxxx                 7-bit uint          10xxxxxx + data   6-bit-len string
//   110xxxxx yyyyyyyy        13-bit int          1110xxxx yyyyyyyy + data  12-bit-len string
//   0xF0 + 4-byte len + data 32-bit-len string   0xF1..0xF4 + 2/3/4/8 bytes  int16/24/32/64
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace replikv::listpack {

inline constexpr size_t kHeaderSize = 6;  // total bytes (4) + element count (2)
inline constexpr uint8_t kEnd = 0xFF;
inline constexpr uint16_t kUnknownCount = 0xFFFF;

// Bytes the backlen of an entry of `len` bytes takes. The thresholds are
// Redis's (note 16383 itself takes three bytes); a reader computes where the
// backlen ends from them, so they must match exactly.
inline size_t BacklenSize(size_t len) {
  if (len <= 127) return 1;
  if (len < 16383) return 2;
  if (len < 2097151) return 3;
  if (len < 268435455) return 4;
  return 5;
}

inline size_t IntEncodedSize(int64_t v) {
  if (v >= 0 && v <= 127) return 1;
  if (v >= -4096 && v <= 4095) return 2;
  if (v >= -32768 && v <= 32767) return 3;
  if (v >= -8388608 && v <= 8388607) return 4;
  if (v >= INT32_MIN && v <= INT32_MAX) return 5;
  return 9;
}

inline size_t StringHeaderSize(size_t n) { return n < 64 ? 1 : n < 4096 ? 2 : 5; }

// True if `s` is the canonical decimal text of an int64 (what Redis would
// print for that number: no sign on zero, no leading zeros, no '+'), the
// strings a listpack stores as integers (lpStringToInt64).
inline bool IsCanonicalInt64(std::string_view s, int64_t* value) {
  if (s.empty() || s.size() > 20) return false;
  size_t digits = s[0] == '-' ? 1 : 0;
  if (digits == s.size()) return false;
  if (s[digits] == '0' && (s.size() > digits + 1 || digits == 1)) return false;  // "01", "-0"
  for (size_t i = digits; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return false;  // overflow
  *value = v;
  return true;
}

namespace detail {
inline void PutLe(uint8_t* out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out[i] = static_cast<uint8_t>(v >> (8 * i));
}
}  // namespace detail

// Writes the IntEncodedSize(v) bytes of an integer element.
inline void EncodeInt(uint8_t* out, int64_t v) {
  auto uv = static_cast<uint64_t>(v);
  switch (IntEncodedSize(v)) {
    case 1: out[0] = static_cast<uint8_t>(v); break;
    case 2:
      out[0] = static_cast<uint8_t>(0xC0 | ((uv >> 8) & 0x1F));
      out[1] = static_cast<uint8_t>(uv & 0xFF);
      break;
    case 3: out[0] = 0xF1; detail::PutLe(out + 1, uv, 2); break;
    case 4: out[0] = 0xF2; detail::PutLe(out + 1, uv, 3); break;
    case 5: out[0] = 0xF3; detail::PutLe(out + 1, uv, 4); break;
    default: out[0] = 0xF4; detail::PutLe(out + 1, uv, 8); break;
  }
}

// Writes the StringHeaderSize(s.size()) + s.size() bytes of a string element.
inline void EncodeString(uint8_t* out, std::string_view s) {
  const size_t n = s.size();
  const size_t h = StringHeaderSize(n);
  if (h == 1) {
    out[0] = static_cast<uint8_t>(0x80 | n);
  } else if (h == 2) {
    out[0] = static_cast<uint8_t>(0xE0 | (n >> 8));
    out[1] = static_cast<uint8_t>(n & 0xFF);
  } else {
    out[0] = 0xF0;
    detail::PutLe(out + 1, n, 4);
  }
  if (n > 0) std::memcpy(out + h, s.data(), n);
}

// Writes the BacklenSize(len) bytes of the backlen of an entry of `len`
// bytes: the first byte holds the highest bits and no continuation flag;
// each later byte 7 lower bits with the flag, so a reader going backwards
// gets the lowest 7 bits first.
inline void EncodeBacklen(uint8_t* out, size_t len) {
  const size_t n = BacklenSize(len);
  for (size_t i = 0; i < n; ++i) {
    auto byte = static_cast<uint8_t>((len >> (7 * (n - 1 - i))) & 127);
    if (i > 0) byte |= 128;
    out[i] = byte;
  }
}

// Bytes one element adds to a listpack (encoding, data and backlen), stored
// as an integer when it is one's canonical text.
inline size_t EntrySize(std::string_view element) {
  int64_t v;
  const size_t len = IsCanonicalInt64(element, &v) ? IntEncodedSize(v)
                                                   : StringHeaderSize(element.size()) + element.size();
  return len + BacklenSize(len);
}

}  // namespace replikv::listpack
