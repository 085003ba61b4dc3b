#include "persistence/format/ziplist.h"

#include <cstdint>

#include "server/base/little_endian.h"

namespace replikv::persistence {
namespace {

constexpr size_t kZlHeaderSize = 10;
constexpr uint8_t kZlEnd = 0xFF;
constexpr uint8_t kZlBigPrevlen = 0xFE;
constexpr uint8_t kZmBigLen = 0xFE;
constexpr uint8_t kZmEnd = 0xFF;

std::string At(std::string_view kind, size_t off, std::string_view what) {
  return std::string(kind) + " byte " + std::to_string(off) + ": " + std::string(what);
}

int64_t SignExtend(uint64_t u, int bytes) {
  if (bytes == 8) return static_cast<int64_t>(u);
  uint64_t sign = uint64_t{1} << (8 * bytes - 1);
  return static_cast<int64_t>(u ^ sign) - static_cast<int64_t>(sign);
}

// Validates the whole ziplist and calls emit(string, is_int, int_value) for
// each entry in order.
template <typename Emit>
Status WalkZiplist(std::string_view zl, size_t max_entries, Emit&& emit) {
  const auto* p = reinterpret_cast<const unsigned char*>(zl.data());
  const size_t size = zl.size();
  auto bad = [](size_t off, std::string_view what) {
    return Status::Corruption(At("ziplist", off, what));
  };
  if (size < kZlHeaderSize + 1) return bad(0, "shorter than header and end byte");
  if (GetLe(p, 4) != size) {
    return bad(0, "zlbytes " + std::to_string(GetLe(p, 4)) + " but blob has " +
                      std::to_string(size) + " bytes");
  }
  const size_t tail = GetLe(p + 4, 4);
  if (tail > size - 1) return bad(4, "zltail points past the end");
  if (p[size - 1] != kZlEnd) return bad(size - 1, "missing end byte 0xFF");
  const size_t header_count = GetLe(p + 8, 2);
  const size_t end = size - 1;
  size_t pos = kZlHeaderSize;
  size_t prev_len = 0;
  size_t last_entry = kZlHeaderSize;
  size_t count = 0;
  // Every entry takes at least two bytes, so this loop ends.
  while (pos < end) {
    const size_t start = pos;
    size_t prevlen;
    if (p[pos] == kZlEnd) return bad(pos, "end byte before the last byte");
    if (p[pos] < kZlBigPrevlen) {
      prevlen = p[pos];
      pos += 1;
    } else {
      if (end - pos < 5) return bad(pos, "prevlen runs past the end");
      prevlen = GetLe(p + pos + 1, 4);
      pos += 5;
    }
    if (prevlen != prev_len) {
      return bad(start, "prevlen " + std::to_string(prevlen) + " but previous entry has " +
                            std::to_string(prev_len) + " bytes");
    }
    if (pos >= end) return bad(pos, "entry encoding missing");
    const uint8_t e = p[pos];
    size_t hdr = 1;
    uint64_t data_len = 0;
    bool is_int = false;
    int64_t iv = 0;
    switch (e >> 6) {
      case 0: data_len = e & 0x3F; break;
      case 1:
        hdr = 2;
        if (end - pos < 2) return bad(pos, "14-bit length runs past the end");
        data_len = (static_cast<uint64_t>(e & 0x3F) << 8) | p[pos + 1];
        break;
      case 2:
        hdr = 5;
        if (end - pos < 5) return bad(pos, "32-bit length runs past the end");
        data_len = (uint64_t{p[pos + 1]} << 24) | (uint64_t{p[pos + 2]} << 16) |
                   (uint64_t{p[pos + 3]} << 8) | p[pos + 4];
        break;
      default: {
        is_int = true;
        int width = 0;
        if (e == 0xC0) width = 2;
        else if (e == 0xD0) width = 4;
        else if (e == 0xE0) width = 8;
        else if (e == 0xF0) width = 3;
        else if (e == 0xFE) width = 1;
        else if (e >= 0xF1 && e <= 0xFD) iv = (e & 0x0F) - 1;
        else return bad(pos, "invalid entry encoding " + std::to_string(e));
        if (width > 0) {
          if (end - pos < static_cast<size_t>(1 + width)) return bad(pos, "integer runs past the end");
          iv = SignExtend(GetLe(p + pos + 1, width), width);
          hdr = 1 + width;
        }
      }
    }
    if (hdr > end - pos || data_len > end - pos - hdr) {
      return bad(pos, "entry of " + std::to_string(data_len) + " bytes runs past the end");
    }
    if (++count > max_entries) return bad(start, "too many entries");
    emit(is_int ? std::string_view() : zl.substr(pos + hdr, data_len), is_int, iv);
    pos += hdr + data_len;
    prev_len = pos - start;
    last_entry = start;
  }
  if (tail != last_entry) {
    return bad(4, "zltail " + std::to_string(tail) + " but last entry at " +
                      std::to_string(last_entry));
  }
  if (header_count != 0xFFFF && header_count != count) {
    return bad(8, "zllen " + std::to_string(header_count) + " but " + std::to_string(count) +
                      " entries");
  }
  return Status::OK();
}

// Validates the whole zipmap and calls emit(key), emit(value) for each pair.
template <typename Emit>
Status WalkZipmap(std::string_view zm, size_t max_entries, Emit&& emit) {
  const auto* p = reinterpret_cast<const unsigned char*>(zm.data());
  const size_t size = zm.size();
  auto bad = [](size_t off, std::string_view what) {
    return Status::Corruption(At("zipmap", off, what));
  };
  if (size < 2) return bad(0, "shorter than header and end byte");
  if (p[size - 1] != kZmEnd) return bad(size - 1, "missing end byte 0xFF");
  const size_t header_count = p[0];
  const size_t end = size - 1;
  size_t pos = 1;
  size_t pairs = 0;
  // Reads one length at pos; false if it runs past the end.
  auto read_len = [&](uint64_t* len) {
    if (pos >= end) return false;
    if (p[pos] < kZmBigLen) {
      *len = p[pos];
      pos += 1;
      return true;
    }
    if (p[pos] == kZmEnd || end - pos < 5) return false;
    *len = GetLe(p + pos + 1, 4);
    pos += 5;
    return true;
  };
  // Each pair takes at least three bytes, so this loop ends.
  while (pos < end) {
    size_t start = pos;
    uint64_t klen, vlen;
    if (!read_len(&klen)) return bad(start, "bad key length");
    if (klen > end - pos) return bad(start, "key runs past the end");
    std::string_view key = zm.substr(pos, klen);
    pos += klen;
    size_t vstart = pos;
    if (!read_len(&vlen)) return bad(vstart, "bad value length");
    if (pos >= end) return bad(pos, "free byte missing");
    uint64_t free = p[pos++];
    if (vlen > end - pos || free > end - pos - vlen) return bad(vstart, "value runs past the end");
    if (++pairs > max_entries) return bad(start, "too many entries");
    emit(key);
    emit(zm.substr(pos, vlen));
    pos += vlen + free;
  }
  if (header_count < 254 && header_count != pairs) {
    return bad(0, "zmlen " + std::to_string(header_count) + " but " + std::to_string(pairs) +
                      " pairs");
  }
  return Status::OK();
}

}  // namespace

Status ParseZiplist(std::string_view zl, std::vector<std::string>* out, size_t max_entries) {
  return WalkZiplist(zl, max_entries, [out](std::string_view s, bool is_int, int64_t iv) {
    if (is_int) {
      out->push_back(std::to_string(iv));
    } else {
      out->emplace_back(s);
    }
  });
}

Status ParseZiplist(std::string_view zl, RdbElementArena* out, size_t max_entries) {
  return WalkZiplist(zl, max_entries, [out](std::string_view s, bool is_int, int64_t iv) {
    if (is_int) {
      out->AddInt(iv);
    } else {
      out->AddString(s);
    }
  });
}

Status ParseZipmap(std::string_view zm, std::vector<std::string>* out, size_t max_entries) {
  return WalkZipmap(zm, max_entries, [out](std::string_view s) { out->emplace_back(s); });
}

Status ParseZipmap(std::string_view zm, RdbElementArena* out, size_t max_entries) {
  return WalkZipmap(zm, max_entries, [out](std::string_view s) { out->AddString(s); });
}

}  // namespace replikv::persistence
