#include "persistence/format/listpack.h"

#include <charconv>
#include <cstring>

#include "server/base/little_endian.h"

namespace replikv::persistence {
namespace {

constexpr size_t kHeaderSize = 6;
constexpr uint8_t kEnd = 0xFF;
constexpr uint16_t kUnknownCount = 0xFFFF;

// Bytes the backlen of an entry of `len` bytes takes. The thresholds are
// Redis's (note 16383 itself takes three bytes); a reader computes where the
// backlen ends from them, so they must match exactly.
size_t BacklenSize(size_t len) {
  if (len <= 127) return 1;
  if (len < 16383) return 2;
  if (len < 2097151) return 3;
  if (len < 268435455) return 4;
  return 5;
}

size_t IntEncodedSize(int64_t v) {
  if (v >= 0 && v <= 127) return 1;
  if (v >= -4096 && v <= 4095) return 2;
  if (v >= -32768 && v <= 32767) return 3;
  if (v >= -8388608 && v <= 8388607) return 4;
  if (v >= INT32_MIN && v <= INT32_MAX) return 5;
  return 9;
}

size_t StringHeaderSize(size_t n) {
  if (n < 64) return 1;
  if (n < 4096) return 2;
  return 5;
}

std::string At(size_t off, std::string_view what) {
  return "listpack byte " + std::to_string(off) + ": " + std::string(what);
}

}  // namespace

bool IsCanonicalInt64(std::string_view s, int64_t* value) {
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

ListpackBuilder::ListpackBuilder() { buf_.assign(kHeaderSize, '\0'); }

void ListpackBuilder::Append(std::string_view element) {
  int64_t v;
  if (IsCanonicalInt64(element, &v)) {
    AppendInt(v);
  } else {
    AppendString(element);
  }
}

void ListpackBuilder::AppendInt(int64_t v) {
  size_t start = buf_.size();
  size_t n = IntEncodedSize(v);
  auto uv = static_cast<uint64_t>(v);
  switch (n) {
    case 1: buf_.push_back(static_cast<char>(v)); break;
    case 2:
      buf_.push_back(static_cast<char>(0xC0 | ((uv >> 8) & 0x1F)));
      buf_.push_back(static_cast<char>(uv & 0xFF));
      break;
    case 3: buf_.push_back(static_cast<char>(0xF1)); AppendLe(&buf_, uv, 2); break;
    case 4: buf_.push_back(static_cast<char>(0xF2)); AppendLe(&buf_, uv, 3); break;
    case 5: buf_.push_back(static_cast<char>(0xF3)); AppendLe(&buf_, uv, 4); break;
    default: buf_.push_back(static_cast<char>(0xF4)); AppendLe(&buf_, uv, 8); break;
  }
  AppendBacklen(buf_.size() - start);
  ++count_;
}

void ListpackBuilder::AppendString(std::string_view s) {
  size_t start = buf_.size();
  size_t n = s.size();
  if (n < 64) {
    buf_.push_back(static_cast<char>(0x80 | n));
  } else if (n < 4096) {
    buf_.push_back(static_cast<char>(0xE0 | (n >> 8)));
    buf_.push_back(static_cast<char>(n & 0xFF));
  } else {
    buf_.push_back(static_cast<char>(0xF0));
    AppendLe(&buf_, n, 4);
  }
  buf_.append(s);
  AppendBacklen(buf_.size() - start);
  ++count_;
}

void ListpackBuilder::AppendBacklen(size_t len) {
  size_t n = BacklenSize(len);
  // The first byte holds the highest bits and no continuation flag; each
  // later byte holds 7 lower bits with the flag, so the last byte read
  // backwards gives the lowest 7 bits first.
  for (size_t i = 0; i < n; ++i) {
    size_t shift = 7 * (n - 1 - i);
    auto byte = static_cast<uint8_t>((len >> shift) & 127);
    if (i > 0) byte |= 128;
    buf_.push_back(static_cast<char>(byte));
  }
}

std::string ListpackBuilder::Finish() {
  buf_.push_back(static_cast<char>(kEnd));
  std::string header;
  AppendLe(&header, buf_.size(), 4);
  AppendLe(&header, count_ < kUnknownCount ? count_ : kUnknownCount, 2);
  std::memcpy(buf_.data(), header.data(), kHeaderSize);
  std::string out = std::move(buf_);
  buf_.assign(kHeaderSize, '\0');
  count_ = 0;
  return out;
}

size_t ListpackEntrySize(std::string_view element) {
  int64_t v;
  size_t len = IsCanonicalInt64(element, &v) ? IntEncodedSize(v)
                                             : StringHeaderSize(element.size()) + element.size();
  return len + BacklenSize(len);
}

namespace {

// Validates the whole listpack and calls emit(string, is_int, int_value) for
// each element in order.
template <typename Emit>
Status WalkListpack(std::string_view lp, size_t max_entries, Emit&& emit) {
  const auto* p = reinterpret_cast<const unsigned char*>(lp.data());
  const size_t size = lp.size();
  if (size < kHeaderSize + 1) {
    return Status::Corruption(At(0, "shorter than header and end byte"));
  }
  if (GetLe(p, 4) != size) {
    return Status::Corruption(At(0, "header says " + std::to_string(GetLe(p, 4)) +
                                        " bytes, blob has " + std::to_string(size)));
  }
  if (p[size - 1] != kEnd) return Status::Corruption(At(size - 1, "missing end byte 0xFF"));
  const size_t header_count = GetLe(p + 4, 2);
  const size_t end = size - 1;
  size_t pos = kHeaderSize;
  size_t count = 0;
  // Every entry takes at least two bytes, so this loop ends.
  while (pos < end) {
    const uint8_t e = p[pos];
    size_t hdr = 1;
    uint64_t data_len = 0;
    bool is_int = true;
    int64_t iv = 0;
    if ((e & 0x80) == 0) {
      iv = e;
    } else if ((e & 0xC0) == 0x80) {
      is_int = false;
      data_len = e & 0x3F;
    } else if ((e & 0xE0) == 0xC0) {
      hdr = 2;
      if (pos + 2 > end) return Status::Corruption(At(pos, "13-bit int runs past the end"));
      uint64_t u = (static_cast<uint64_t>(e & 0x1F) << 8) | p[pos + 1];
      iv = u >= 4096 ? static_cast<int64_t>(u) - 8192 : static_cast<int64_t>(u);
    } else if ((e & 0xF0) == 0xE0) {
      hdr = 2;
      is_int = false;
      if (pos + 2 > end) return Status::Corruption(At(pos, "12-bit string length runs past the end"));
      data_len = (static_cast<uint64_t>(e & 0x0F) << 8) | p[pos + 1];
    } else if (e == 0xF0) {
      hdr = 5;
      is_int = false;
      if (pos + 5 > end) return Status::Corruption(At(pos, "32-bit string length runs past the end"));
      data_len = GetLe(p + pos + 1, 4);
    } else if (e >= 0xF1 && e <= 0xF4) {
      static constexpr int kWidths[] = {2, 3, 4, 8};
      int w = kWidths[e - 0xF1];
      hdr = 1 + w;
      if (pos + hdr > end) return Status::Corruption(At(pos, "integer runs past the end"));
      uint64_t u = GetLe(p + pos + 1, w);
      if (w < 8) {
        uint64_t sign = uint64_t{1} << (8 * w - 1);
        iv = static_cast<int64_t>(u ^ sign) - static_cast<int64_t>(sign);
      } else {
        iv = static_cast<int64_t>(u);
      }
    } else if (e == kEnd) {
      return Status::Corruption(At(pos, "end byte before the last byte"));
    } else {
      return Status::Corruption(At(pos, "invalid entry encoding " + std::to_string(e)));
    }
    if (data_len > end - pos - hdr) {
      return Status::Corruption(At(pos, "string of " + std::to_string(data_len) +
                                            " bytes runs past the end"));
    }
    const size_t entry_len = hdr + data_len;
    const size_t back = BacklenSize(entry_len);
    if (back > end - pos - entry_len) {
      return Status::Corruption(At(pos, "entry backlen runs past the end"));
    }
    // Decode the backlen from its last byte backwards, as a reverse
    // iterator would, and insist it names this entry's size.
    uint64_t decoded = 0;
    for (size_t i = 0; i < back; ++i) {
      uint8_t b = p[pos + entry_len + back - 1 - i];
      decoded |= static_cast<uint64_t>(b & 127) << (7 * i);
      bool more = (b & 128) != 0;
      if (more != (i + 1 < back)) {
        return Status::Corruption(At(pos + entry_len, "malformed backlen"));
      }
    }
    if (decoded != entry_len) {
      return Status::Corruption(At(pos + entry_len, "backlen " + std::to_string(decoded) +
                                                         " does not match entry size " +
                                                         std::to_string(entry_len)));
    }
    if (++count > max_entries) {
      return Status::Corruption(At(pos, "more than " + std::to_string(max_entries) + " entries"));
    }
    emit(is_int ? std::string_view() : lp.substr(pos + hdr, data_len), is_int, iv);
    pos += entry_len + back;
  }
  if (header_count != kUnknownCount && header_count != count) {
    return Status::Corruption(At(4, "header count " + std::to_string(header_count) +
                                        " but " + std::to_string(count) + " entries"));
  }
  return Status::OK();
}

}  // namespace

Status ParseListpack(std::string_view lp, std::vector<std::string>* out, size_t max_entries) {
  return WalkListpack(lp, max_entries, [out](std::string_view s, bool is_int, int64_t iv) {
    if (is_int) {
      out->push_back(std::to_string(iv));
    } else {
      out->emplace_back(s);
    }
  });
}

Status ParseListpack(std::string_view lp, RdbElementArena* out, size_t max_entries) {
  return WalkListpack(lp, max_entries, [out](std::string_view s, bool is_int, int64_t iv) {
    if (is_int) {
      out->AddInt(iv);
    } else {
      out->AddString(s);
    }
  });
}

}  // namespace replikv::persistence
