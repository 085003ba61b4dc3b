#include "server/ds/sha1.h"

#include <cstring>

namespace replikv {
namespace {

// Initial hash value H(0), FIPS 180-1 section 7.
constexpr uint32_t kInit[5] = {0x67452301u, 0xEFCDAB89u, 0x98BADCFEu, 0x10325476u,
                               0xC3D2E1F0u};

// Round constants K(t) for t in 0-19, 20-39, 40-59, 60-79 (section 5).
constexpr uint32_t kK0 = 0x5A827999u;
constexpr uint32_t kK1 = 0x6ED9EBA1u;
constexpr uint32_t kK2 = 0x8F1BBCDCu;
constexpr uint32_t kK3 = 0xCA62C1D6u;

inline uint32_t Rotl(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

// SHA-1 reads words big-endian whatever the host order is.
inline uint32_t LoadBigEndian(const uint8_t* p) {
  return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) |
         (static_cast<uint32_t>(p[2]) << 8) | static_cast<uint32_t>(p[3]);
}

inline void StoreBigEndian(uint32_t v, uint8_t* p) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}

}  // namespace

void Sha1::Reset() {
  std::memcpy(h_, kInit, sizeof(h_));
  buffered_ = 0;
  total_len_ = 0;
}

// One 512-bit block, FIPS 180-1 section 7 (method 1), with the 80-word
// schedule kept as a 16-word ring (method 2's W[s]) to stay in registers.
void Sha1::Compress(const uint8_t* block) {
  uint32_t w[16];
  for (int t = 0; t < 16; ++t) w[t] = LoadBigEndian(block + 4 * t);
  uint32_t a = h_[0], b = h_[1], c = h_[2], d = h_[3], e = h_[4];

  // W(t) = S^1(W(t-3) XOR W(t-8) XOR W(t-14) XOR W(t-16)) for t >= 16.
  auto schedule = [&w](int t) {
    uint32_t v = Rotl(w[(t + 13) & 15] ^ w[(t + 8) & 15] ^ w[(t + 2) & 15] ^ w[t & 15], 1);
    w[t & 15] = v;
    return v;
  };
  auto round = [&](uint32_t f, uint32_t k, uint32_t wt) {
    uint32_t temp = Rotl(a, 5) + f + e + k + wt;
    e = d;
    d = c;
    c = Rotl(b, 30);
    b = a;
    a = temp;
  };

  for (int t = 0; t < 16; ++t) round((b & c) | (~b & d), kK0, w[t]);
  for (int t = 16; t < 20; ++t) round((b & c) | (~b & d), kK0, schedule(t));
  for (int t = 20; t < 40; ++t) round(b ^ c ^ d, kK1, schedule(t));
  for (int t = 40; t < 60; ++t) round((b & c) | (b & d) | (c & d), kK2, schedule(t));
  for (int t = 60; t < 80; ++t) round(b ^ c ^ d, kK3, schedule(t));

  h_[0] += a;
  h_[1] += b;
  h_[2] += c;
  h_[3] += d;
  h_[4] += e;
}

void Sha1::Update(const void* data, size_t n) {
  const uint8_t* p = static_cast<const uint8_t*>(data);
  total_len_ += n;
  if (buffered_ > 0) {
    size_t take = 64 - buffered_;
    if (take > n) take = n;
    std::memcpy(buffer_ + buffered_, p, take);
    buffered_ += take;
    p += take;
    n -= take;
    if (buffered_ < 64) return;
    Compress(buffer_);
    buffered_ = 0;
  }
  // Whole blocks straight from the caller's memory, without a copy.
  for (; n >= 64; p += 64, n -= 64) Compress(p);
  if (n > 0) {
    std::memcpy(buffer_, p, n);
    buffered_ = n;
  }
}

Sha1::Digest Sha1::Final() {
  // Padding (section 4): a 1 bit, zeros up to 56 mod 64 bytes, then the
  // message length in bits as a 64-bit big-endian number.
  uint64_t bit_len = total_len_ * 8;
  uint8_t pad[72] = {0x80};
  size_t pad_len = buffered_ < 56 ? 56 - buffered_ : 120 - buffered_;
  for (int i = 0; i < 8; ++i) {
    pad[pad_len + i] = static_cast<uint8_t>(bit_len >> (56 - 8 * i));
  }
  Update(pad, pad_len + 8);

  Digest digest;
  for (int i = 0; i < 5; ++i) StoreBigEndian(h_[i], digest.data() + 4 * i);
  Reset();
  return digest;
}

Sha1::Digest Sha1Of(std::string_view data) {
  Sha1 sha;
  sha.Update(data);
  return sha.Final();
}

std::string Sha1Hex(const Sha1::Digest& digest) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(40);
  for (uint8_t byte : digest) {
    out += kHex[byte >> 4];
    out += kHex[byte & 15];
  }
  return out;
}

}  // namespace replikv
