#include "server/commands/digest.h"

#include "server/keyspace.h"
#include "server/ds/sha1.h"

namespace replikv {
namespace {

std::string_view BigEndian32(uint32_t v, char* buf) {
  buf[0] = static_cast<char>(v >> 24);
  buf[1] = static_cast<char>(v >> 16);
  buf[2] = static_cast<char>(v >> 8);
  buf[3] = static_cast<char>(v);
  return {buf, 4};
}

}  // namespace

void XorDigest(Digest20& d, std::string_view bytes) {
  Sha1::Digest h = Sha1Of(bytes);
  for (size_t i = 0; i < 20; ++i) d[i] ^= h[i];
}

void MixDigest(Digest20& d, std::string_view bytes) {
  XorDigest(d, bytes);
  d = Sha1Of(std::string_view(reinterpret_cast<const char*>(d.data()), d.size()));
}

void AppendValueDigest(Digest20& d, const Entry* e) {
  char buf[24];
  MixDigest(d, BigEndian32(static_cast<uint32_t>(e->type()), buf));
  switch (e->type()) {
    case ObjType::kString:
      MixDigest(d, e->StringValue(buf));
      break;
    default:
      AppendTypeDigest(d, e);
      break;
  }
  if (e->has_expire()) XorDigest(d, "!!expire!!");
}

Digest20 ValueDigest(const Entry* e) {
  Digest20 d{};
  AppendValueDigest(d, e);
  return d;
}

Digest20 DatasetDigest(Keyspace& ks) {
  Digest20 total{};
  for (int i = 0; i < ks.databases(); ++i) {
    Db& db = ks.db(i);
    if (db.size() == 0) continue;
    char buf[4];
    MixDigest(total, BigEndian32(static_cast<uint32_t>(i), buf));
    db.keys().ForEach([&](Entry* e) {
      // The value's mixing continues from the key's state (it does not
      // start from zero as DEBUG DIGEST-VALUE does).
      Digest20 kd{};
      MixDigest(kd, e->key());
      AppendValueDigest(kd, e);
      // Redis xors the SHA1 of the key's digest, not the digest itself.
      XorDigest(total, std::string_view(reinterpret_cast<const char*>(kd.data()), kd.size()));
    });
  }
  return total;
}

std::string DigestHex(const Digest20& d) {
  static const char kHex[] = "0123456789abcdef";
  std::string s(40, '0');
  for (size_t i = 0; i < 20; ++i) {
    s[2 * i] = kHex[d[i] >> 4];
    s[2 * i + 1] = kHex[d[i] & 15];
  }
  return s;
}

}  // namespace replikv
