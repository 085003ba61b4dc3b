#include "persistence/format/listpack.h"

#include <cstring>

#include "server/base/listpack_entry.h"
#include "server/base/little_endian.h"

namespace replikv::persistence {
namespace {

using listpack::BacklenSize;
using listpack::kEnd;
using listpack::kHeaderSize;
using listpack::kUnknownCount;

std::string At(size_t off, std::string_view what) {
  return "listpack byte " + std::to_string(off) + ": " + std::string(what);
}

}  // namespace

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
  const size_t len = listpack::IntEncodedSize(v);
  auto* out = Grow(len + BacklenSize(len));
  listpack::EncodeInt(out, v);
  listpack::EncodeBacklen(out + len, len);
  ++count_;
}

void ListpackBuilder::AppendString(std::string_view s) {
  const size_t len = listpack::StringHeaderSize(s.size()) + s.size();
  auto* out = Grow(len + BacklenSize(len));
  listpack::EncodeString(out, s);
  listpack::EncodeBacklen(out + len, len);
  ++count_;
}

uint8_t* ListpackBuilder::Grow(size_t n) {
  const size_t at = buf_.size();
  buf_.resize(at + n);
  return reinterpret_cast<uint8_t*>(buf_.data() + at);
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

size_t ListpackEntrySize(std::string_view element) { return listpack::EntrySize(element); }

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
