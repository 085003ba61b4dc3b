#include "server/types/hyperloglog.h"

#include <cmath>
#include <cstring>

namespace replikv::hll {
namespace {

constexpr uint64_t kSeed = 0xadc83b19ULL;
constexpr int kRegisterMax = 63;
constexpr size_t kDenseBytes = kDenseSize - kHeaderSize;
constexpr int kZeroMaxLen = 64;
constexpr int kValMaxValue = 32;
constexpr int kValMaxLen = 4;
// 1 / (2 ln 2): the estimator's constant for m -> infinity.
constexpr double kAlphaInf = 0.721347520444481703680;

// Sparse opcodes (see the header's table).
bool IsZero(uint8_t op) { return (op & 0xc0) == 0; }
bool IsXzero(uint8_t op) { return (op & 0xc0) == 0x40; }
int ZeroLen(uint8_t op) { return (op & 0x3f) + 1; }
int XzeroLen(const uint8_t* p) { return (((p[0] & 0x3f) << 8) | p[1]) + 1; }
int ValValue(uint8_t op) { return ((op >> 2) & 0x1f) + 1; }
int ValLen(uint8_t op) { return (op & 0x3) + 1; }
uint8_t ZeroOp(int len) { return static_cast<uint8_t>(len - 1); }
void PutXzero(uint8_t* p, int len) {
  p[0] = static_cast<uint8_t>(((len - 1) >> 8) | 0x40);
  p[1] = static_cast<uint8_t>((len - 1) & 0xff);
}
uint8_t ValOp(int value, int len) { return static_cast<uint8_t>(((value - 1) << 2) | (len - 1) | 0x80); }

// Appends a zero run of `len` registers: one ZERO, or an XZERO past 64.
uint8_t* PutZeros(uint8_t* n, int len) {
  if (len > kZeroMaxLen) {
    PutXzero(n, len);
    return n + 2;
  }
  *n = ZeroOp(len);
  return n + 1;
}

// Walks a sparse value's opcodes, calling zero(run) and val(value, run).
// False if an XZERO is cut short by the end of the value.
template <typename Zero, typename Val>
bool WalkSparse(std::string_view v, Zero zero, Val val) {
  const auto* p = reinterpret_cast<const uint8_t*>(v.data()) + kHeaderSize;
  const auto* end = reinterpret_cast<const uint8_t*>(v.data()) + v.size();
  while (p < end) {
    if (IsZero(*p)) {
      if (!zero(ZeroLen(*p))) return true;
      p++;
    } else if (IsXzero(*p)) {
      if (p + 1 >= end) return false;
      if (!zero(XzeroLen(p))) return true;
      p += 2;
    } else {
      if (!val(ValValue(*p), ValLen(*p))) return true;
      p++;
    }
  }
  return true;
}

// Redis's sigma(x) and tau(x) series from Ertl, "New cardinality estimation
// algorithms for HyperLogLog sketches" (2017), iterated to a fixed point.
double Sigma(double x) {
  if (x == 1.) return INFINITY;
  double y = 1, z = x, prev;
  do {
    x *= x;
    prev = z;
    z += x * y;
    y += y;
  } while (prev != z);
  return z;
}

double Tau(double x) {
  if (x == 0. || x == 1.) return 0.;
  double y = 1.0, z = 1 - x, prev;
  do {
    x = std::sqrt(x);
    prev = z;
    y *= 0.5;
    z -= std::pow(1 - x, 2) * y;
  } while (prev != z);
  return z / 3;
}

uint64_t Estimate(const int* histo) {
  double m = kRegisters;
  double z = m * Tau((m - histo[kQ + 1]) / m);
  for (int j = kQ; j >= 1; --j) {
    z += histo[j];
    z *= 0.5;
  }
  z += m * Sigma(histo[0] / m);
  return static_cast<uint64_t>(static_cast<double>(std::llroundl(kAlphaInf * m * m / z)));
}

}  // namespace

uint64_t MurmurHash64A(const void* key, size_t len, uint64_t seed) {
  const uint64_t m = 0xc6a4a7935bd1e995ULL;
  const int r = 47;
  uint64_t h = seed ^ (len * m);
  const auto* data = static_cast<const uint8_t*>(key);
  const uint8_t* end = data + (len - (len & 7));
  for (; data != end; data += 8) {
    uint64_t k = 0;
    for (int i = 7; i >= 0; --i) k = (k << 8) | data[i];
    k *= m;
    k ^= k >> r;
    k *= m;
    h ^= k;
    h *= m;
  }
  size_t tail = len & 7;
  if (tail != 0) {
    for (size_t i = tail; i-- > 0;) h ^= static_cast<uint64_t>(data[i]) << (8 * i);
    h *= m;
  }
  h ^= h >> r;
  h *= m;
  h ^= h >> r;
  return h;
}

void HashElement(std::string_view element, int* index, int* count) {
  uint64_t hash = MurmurHash64A(element.data(), element.size(), kSeed);
  *index = static_cast<int>(hash & (kRegisters - 1));
  hash >>= kP;
  hash |= 1ULL << kQ;  // bounds the count to Q+1
  *count = __builtin_ctzll(hash) + 1;
}

std::string NewSparse() {
  std::string v(kHeaderSize, '\0');
  std::memcpy(v.data(), "HYLL", 4);
  v[4] = static_cast<char>(kSparse);
  uint8_t op[2];
  PutXzero(op, kRegisters);
  v.append(reinterpret_cast<const char*>(op), 2);
  return v;
}

bool LooksValid(std::string_view v) {
  if (v.size() < kHeaderSize || v.substr(0, 4) != "HYLL") return false;
  uint8_t enc = EncodingOf(v);
  if (enc > kSparse) return false;
  return enc != kDense || v.size() == kDenseSize;
}

bool CacheValid(std::string_view v) { return (static_cast<uint8_t>(v[15]) & 0x80) == 0; }

uint64_t CachedCardinality(std::string_view v) {
  uint64_t card = 0;
  for (int i = 7; i >= 0; --i) card = (card << 8) | static_cast<uint8_t>(v[8 + i]);
  return card;
}

void SetCachedCardinality(char* v, uint64_t card) {
  for (int i = 0; i < 8; ++i) v[8 + i] = static_cast<char>((card >> (8 * i)) & 0xff);
}

void InvalidateCache(char* v) { v[15] = static_cast<char>(static_cast<uint8_t>(v[15]) | 0x80); }

int GetDenseRegister(const char* registers, int index) {
  const auto* r = reinterpret_cast<const uint8_t*>(registers);
  size_t bit = static_cast<size_t>(index) * 6;
  size_t byte = bit / 8;
  unsigned fb = bit & 7;
  unsigned b0 = r[byte];
  // The last register ends inside the last byte: nothing to read after it.
  unsigned b1 = byte + 1 < kDenseBytes ? r[byte + 1] : 0;
  return static_cast<int>(((b0 >> fb) | (b1 << (8 - fb))) & kRegisterMax);
}

void SetDenseRegister(char* registers, int index, int value) {
  auto* r = reinterpret_cast<uint8_t*>(registers);
  size_t bit = static_cast<size_t>(index) * 6;
  size_t byte = bit / 8;
  unsigned fb = bit & 7;
  unsigned v = static_cast<unsigned>(value);
  r[byte] = static_cast<uint8_t>((r[byte] & ~(kRegisterMax << fb)) | (v << fb));
  if (byte + 1 < kDenseBytes) {
    unsigned fb8 = 8 - fb;
    r[byte + 1] = static_cast<uint8_t>((r[byte + 1] & ~(kRegisterMax >> fb8)) | (v >> fb8));
  }
}

SetResult Set(char* value, size_t* len, int index, int count, size_t sparse_max_bytes) {
  if (EncodingOf(std::string_view(value, *len)) == kDense) {
    char* regs = value + kHeaderSize;
    if (GetDenseRegister(regs, index) >= count) return SetResult::kUnchanged;
    SetDenseRegister(regs, index, count);
    return SetResult::kChanged;
  }
  if (count > kValMaxValue) return SetResult::kPromote;

  // 1. Find the opcode whose run covers `index`; `first` is the run's first
  // register, `prev` the opcode before it (where merging starts).
  auto* start = reinterpret_cast<uint8_t*>(value) + kHeaderSize;
  uint8_t* end = reinterpret_cast<uint8_t*>(value) + *len;
  uint8_t* p = start;
  uint8_t* prev = nullptr;
  long first = 0, span = 0;
  size_t oplen = 1;
  while (p < end) {
    oplen = 1;
    if (IsZero(*p)) {
      span = ZeroLen(*p);
    } else if (IsXzero(*p)) {
      if (p + 1 >= end) return SetResult::kCorrupt;
      span = XzeroLen(p);
      oplen = 2;
    } else {
      span = ValLen(*p);
    }
    if (index <= first + span - 1) break;
    prev = p;
    p += oplen;
    first += span;
  }
  if (span == 0 || p >= end) return SetResult::kCorrupt;
  uint8_t* next = p + oplen;

  // 2. A run of one register changes in place.
  bool is_val = !IsZero(*p) && !IsXzero(*p);
  if (is_val) {
    if (ValValue(*p) >= count) return SetResult::kUnchanged;
    if (span == 1) {
      *p = ValOp(count, 1);
      goto merge;
    }
  } else if (IsZero(*p) && span == 1) {
    *p = ValOp(count, 1);
    goto merge;
  }

  {
    // 3. Split the run into (before, the new value, after): up to 5 bytes.
    uint8_t seq[5];
    uint8_t* n = seq;
    long last = first + span - 1;
    if (!is_val) {
      if (index != first) n = PutZeros(n, static_cast<int>(index - first));
      *n++ = ValOp(count, 1);
      if (index != last) n = PutZeros(n, static_cast<int>(last - index));
    } else {
      int cur = ValValue(*p);
      if (index != first) *n++ = ValOp(cur, static_cast<int>(index - first));
      *n++ = ValOp(count, 1);
      if (index != last) *n++ = ValOp(cur, static_cast<int>(last - index));
    }
    long seqlen = n - seq;
    long delta = seqlen - static_cast<long>(oplen);
    if (delta > 0 && *len + static_cast<size_t>(delta) > sparse_max_bytes) return SetResult::kPromote;
    if (delta != 0 && next < end) std::memmove(next + delta, next, static_cast<size_t>(end - next));
    *len = static_cast<size_t>(static_cast<long>(*len) + delta);
    end += delta;
    std::memcpy(p, seq, static_cast<size_t>(seqlen));
  }

merge:
  // 4. Fuse neighbouring VAL opcodes of the same value (up to 4 registers),
  // looking at no more than five opcodes from the one before the change.
  p = prev != nullptr ? prev : start;
  for (int scan = 5; p < end && scan-- > 0;) {
    if (IsXzero(*p)) {
      p += 2;
      continue;
    }
    if (IsZero(*p)) {
      p++;
      continue;
    }
    if (p + 1 < end && !IsZero(p[1]) && !IsXzero(p[1]) && ValValue(*p) == ValValue(p[1])) {
      int run = ValLen(*p) + ValLen(p[1]);
      if (run <= kValMaxLen) {
        p[1] = ValOp(ValValue(*p), run);
        std::memmove(p, p + 1, static_cast<size_t>(end - p - 1));
        --*len;
        --end;
        continue;  // the fused opcode may fuse with the next one too
      }
    }
    p++;
  }
  return SetResult::kChanged;
}

bool ToDense(std::string_view sparse, std::string* dense) {
  dense->assign(kDenseSize, '\0');
  std::memcpy(dense->data(), sparse.data(), kHeaderSize);
  (*dense)[4] = static_cast<char>(kDense);
  char* regs = dense->data() + kHeaderSize;
  long idx = 0;
  bool ok = WalkSparse(
      sparse,
      [&](int run) {
        idx += run;
        return true;
      },
      [&](int value, int run) {
        if (idx + run > kRegisters) return false;
        for (int i = 0; i < run; ++i) SetDenseRegister(regs, static_cast<int>(idx++), value);
        return true;
      });
  return ok && idx == kRegisters;
}

bool MergeInto(std::string_view v, uint8_t* max) {
  if (EncodingOf(v) == kDense) {
    const char* regs = v.data() + kHeaderSize;
    for (int i = 0; i < kRegisters; ++i) {
      int r = GetDenseRegister(regs, i);
      if (r > max[i]) max[i] = static_cast<uint8_t>(r);
    }
    return true;
  }
  long idx = 0;
  bool ok = WalkSparse(
      v,
      [&](int run) {
        idx += run;
        return true;
      },
      [&](int value, int run) {
        if (idx + run > kRegisters) return false;
        for (int i = 0; i < run; ++i, ++idx) {
          if (value > max[idx]) max[idx] = static_cast<uint8_t>(value);
        }
        return true;
      });
  return ok && idx == kRegisters;
}

bool Count(std::string_view v, uint64_t* card) {
  int histo[64] = {0};
  if (EncodingOf(v) == kDense) {
    const char* regs = v.data() + kHeaderSize;
    for (int i = 0; i < kRegisters; ++i) histo[GetDenseRegister(regs, i)]++;
  } else {
    long idx = 0;
    bool ok = WalkSparse(
        v,
        [&](int run) {
          histo[0] += run;
          idx += run;
          return true;
        },
        [&](int value, int run) {
          histo[value] += run;
          idx += run;
          return true;
        });
    if (!ok || idx != kRegisters) return false;
  }
  *card = Estimate(histo);
  return true;
}

uint64_t CountRegisters(const uint8_t* registers) {
  int histo[64] = {0};
  for (int i = 0; i < kRegisters; ++i) histo[registers[i] & kRegisterMax]++;
  return Estimate(histo);
}

std::string DecodeSparse(std::string_view v) {
  std::string out;
  auto add = [&out](std::string piece) {
    if (!out.empty()) out += ' ';
    out += piece;
  };
  const auto* p = reinterpret_cast<const uint8_t*>(v.data()) + kHeaderSize;
  const auto* end = reinterpret_cast<const uint8_t*>(v.data()) + v.size();
  while (p < end) {
    if (IsZero(*p)) {
      add("z:" + std::to_string(ZeroLen(*p)));
      p++;
    } else if (IsXzero(*p)) {
      if (p + 1 >= end) break;
      add("Z:" + std::to_string(XzeroLen(p)));
      p += 2;
    } else {
      add("v:" + std::to_string(ValValue(*p)) + "," + std::to_string(ValLen(*p)));
      p++;
    }
  }
  return out;
}

}  // namespace replikv::hll
