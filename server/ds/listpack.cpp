#include "server/ds/listpack.h"

#include <charconv>
#include <cstdlib>
#include <cstring>

#include "server/base/listpack_entry.h"
#include "server/base/little_endian.h"

namespace replikv::lp {
namespace {

using listpack::BacklenSize;
using listpack::EncodeBacklen;
using listpack::IsCanonicalInt64;
using listpack::kEnd;
using listpack::kUnknownCount;
using persistence::GetLe;

void PutLe(uint8_t* p, uint64_t v, int n) { persistence::PutLe(reinterpret_cast<char*>(p), v, n); }
void SetBytes(uint8_t* lp, uint32_t n) { PutLe(lp, n, 4); }
uint16_t HeaderCount(const uint8_t* lp) { return static_cast<uint16_t>(GetLe(lp + 4, 2)); }
void SetHeaderCount(uint8_t* lp, uint32_t n) { PutLe(lp + 4, n < kUnknownCount ? n : kUnknownCount, 2); }

// Size of encoding + data of the element at p.
size_t EncodedLen(const uint8_t* p) {
  uint8_t e = p[0];
  if ((e & 0x80) == 0) return 1;
  if ((e & 0xC0) == 0x80) return 1 + (e & 0x3F);
  if ((e & 0xE0) == 0xC0) return 2;
  if ((e & 0xF0) == 0xE0) return 2 + ((static_cast<size_t>(e & 0x0F) << 8) | p[1]);
  switch (e) {
    case 0xF0: return 5 + GetLe(p + 1, 4);
    case 0xF1: return 3;
    case 0xF2: return 4;
    case 0xF3: return 5;
    case 0xF4: return 9;
    default: return 1;
  }
}

// Writes an element (already encoded in `enc`, `enc_len` bytes) at the end.
uint8_t* AppendEncoded(uint8_t* lp, const uint8_t* enc, size_t enc_len, std::string_view str) {
  uint32_t old = Bytes(lp);
  size_t back = BacklenSize(enc_len);
  size_t add = enc_len + back;
  lp = static_cast<uint8_t*>(std::realloc(lp, old + add));
  uint8_t* at = lp + old - 1;  // over the end byte
  if (enc != nullptr) {
    std::memcpy(at, enc, enc_len);
  } else {
    listpack::EncodeString(at, str);
  }
  EncodeBacklen(at + enc_len, enc_len);
  at[add] = kEnd;
  SetBytes(lp, static_cast<uint32_t>(old + add));
  uint16_t c = HeaderCount(lp);
  if (c != kUnknownCount) SetHeaderCount(lp, c + 1u);
  return lp;
}

}  // namespace

uint8_t* New() {
  auto* lp = static_cast<uint8_t*>(std::malloc(kHeaderSize + 1));
  SetBytes(lp, kHeaderSize + 1);
  SetHeaderCount(lp, 0);
  lp[kHeaderSize] = kEnd;
  return lp;
}

void Free(uint8_t* lp) { std::free(lp); }

uint8_t* Clone(const uint8_t* lp) {
  auto* c = static_cast<uint8_t*>(std::malloc(Bytes(lp)));
  std::memcpy(c, lp, Bytes(lp));
  return c;
}

uint32_t Bytes(const uint8_t* lp) { return static_cast<uint32_t>(GetLe(lp, 4)); }

uint32_t Length(const uint8_t* lp) {
  uint16_t c = HeaderCount(lp);
  if (c != kUnknownCount) return c;
  uint32_t n = 0;
  auto* m = const_cast<uint8_t*>(lp);
  for (uint8_t* p = First(m); p != nullptr; p = Next(m, p)) ++n;
  return n;
}

uint8_t* First(uint8_t* lp) {
  uint8_t* p = lp + kHeaderSize;
  return *p == kEnd ? nullptr : p;
}

uint8_t* Last(uint8_t* lp) {
  uint8_t* end = lp + Bytes(lp) - 1;
  return end == lp + kHeaderSize ? nullptr : Prev(lp, end);
}

uint8_t* Next(uint8_t* lp, uint8_t* p) {
  size_t len = EncodedLen(p);
  p += len + BacklenSize(len);
  return *p == kEnd ? nullptr : p;
}

uint8_t* Prev(uint8_t* lp, uint8_t* p) {
  if (p == lp + kHeaderSize) return nullptr;
  // Decode the previous entry's backlen from its last byte backwards.
  uint8_t* b = p - 1;
  uint64_t len = 0;
  unsigned shift = 0;
  for (;;) {
    len |= static_cast<uint64_t>(*b & 127) << shift;
    if (!(*b & 128)) break;
    shift += 7;
    --b;
  }
  return p - len - BacklenSize(len);
}

Value Get(const uint8_t* p) {
  Value v;
  uint8_t e = p[0];
  v.is_int = true;
  if ((e & 0x80) == 0) {
    v.ival = e;
  } else if ((e & 0xC0) == 0x80) {
    v.is_int = false;
    v.sval = {reinterpret_cast<const char*>(p + 1), static_cast<size_t>(e & 0x3F)};
  } else if ((e & 0xE0) == 0xC0) {
    uint64_t u = (static_cast<uint64_t>(e & 0x1F) << 8) | p[1];
    v.ival = u >= 4096 ? static_cast<int64_t>(u) - 8192 : static_cast<int64_t>(u);
  } else if ((e & 0xF0) == 0xE0) {
    v.is_int = false;
    v.sval = {reinterpret_cast<const char*>(p + 2), (static_cast<size_t>(e & 0x0F) << 8) | p[1]};
  } else if (e == 0xF0) {
    v.is_int = false;
    v.sval = {reinterpret_cast<const char*>(p + 5), static_cast<size_t>(GetLe(p + 1, 4))};
  } else {
    int w = e == 0xF1 ? 2 : e == 0xF2 ? 3 : e == 0xF3 ? 4 : 8;
    uint64_t u = GetLe(p + 1, w);
    if (w < 8) {
      uint64_t sign = uint64_t{1} << (8 * w - 1);
      v.ival = static_cast<int64_t>(u ^ sign) - static_cast<int64_t>(sign);
    } else {
      v.ival = static_cast<int64_t>(u);
    }
  }
  return v;
}

int64_t GetInt(const uint8_t* p, bool* ok) {
  Value v = Get(p);
  if (ok != nullptr) *ok = true;
  if (v.is_int) return v.ival;
  int64_t out = 0;
  if (!IsCanonicalInt64(v.sval, &out) && ok != nullptr) *ok = false;
  return out;
}

bool Equals(const uint8_t* p, std::string_view s) {
  Value v = Get(p);
  if (!v.is_int) return v.sval == s;
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v.ival);
  (void)ec;
  return std::string_view(buf, static_cast<size_t>(end - buf)) == s;
}

uint8_t* Append(uint8_t* lp, std::string_view s) {
  int64_t v;
  if (IsCanonicalInt64(s, &v)) return AppendInt(lp, v);
  return AppendEncoded(lp, nullptr, listpack::StringHeaderSize(s.size()) + s.size(), s);
}

uint8_t* AppendInt(uint8_t* lp, int64_t v) {
  uint8_t enc[9];
  listpack::EncodeInt(enc, v);
  return AppendEncoded(lp, enc, listpack::IntEncodedSize(v), {});
}

uint8_t* ReplaceInt(uint8_t* lp, uint8_t** p, int64_t v) {
  size_t off = static_cast<size_t>(*p - lp);
  size_t old_len = EncodedLen(*p);
  size_t old_total = old_len + BacklenSize(old_len);
  size_t new_len = listpack::IntEncodedSize(v);
  size_t new_total = new_len + BacklenSize(new_len);
  uint32_t bytes = Bytes(lp);
  if (new_total > old_total) {
    lp = static_cast<uint8_t*>(std::realloc(lp, bytes + new_total - old_total));
  }
  uint8_t* at = lp + off;
  if (new_total != old_total) {
    std::memmove(at + new_total, at + old_total, bytes - off - old_total);
  }
  listpack::EncodeInt(at, v);
  EncodeBacklen(at + new_len, new_len);
  uint32_t nb = static_cast<uint32_t>(bytes + new_total - old_total);
  if (new_total < old_total) lp = static_cast<uint8_t*>(std::realloc(lp, nb));
  SetBytes(lp, nb);
  *p = lp + off;
  return lp;
}

void Batch::Add(std::string_view s) {
  int64_t v;
  if (IsCanonicalInt64(s, &v)) return AddInt(v);
  size_t len = listpack::StringHeaderSize(s.size()) + s.size();
  size_t at = bytes_.size();
  bytes_.resize(at + len + BacklenSize(len));
  auto* out = reinterpret_cast<uint8_t*>(bytes_.data() + at);
  listpack::EncodeString(out, s);
  EncodeBacklen(out + len, len);
  ++count_;
}

void Batch::AddInt(int64_t v) {
  size_t len = listpack::IntEncodedSize(v);
  size_t at = bytes_.size();
  bytes_.resize(at + len + BacklenSize(len));
  auto* out = reinterpret_cast<uint8_t*>(bytes_.data() + at);
  listpack::EncodeInt(out, v);
  EncodeBacklen(out + len, len);
  ++count_;
}

uint8_t* AppendBatch(uint8_t* lp, const Batch& batch) {
  uint32_t old = Bytes(lp);
  size_t add = batch.bytes().size();
  lp = static_cast<uint8_t*>(std::realloc(lp, old + add));
  std::memcpy(lp + old - 1, batch.bytes().data(), add);
  lp[old - 1 + add] = kEnd;
  SetBytes(lp, static_cast<uint32_t>(old + add));
  uint16_t c = HeaderCount(lp);
  if (c != kUnknownCount) SetHeaderCount(lp, c + batch.count());
  return lp;
}

size_t EntrySize(std::string_view s) { return listpack::EntrySize(s); }

}  // namespace replikv::lp
