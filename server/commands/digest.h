// DEBUG DIGEST and DEBUG DIGEST-VALUE, computed exactly as Redis 7.0 does so
// datasets can be compared across replikv and redis-server:
//
//   dataset = xor over keys of H(key, value) (so SHA1(H) is xored in), with
//             each non-empty db first mixed in as its index (4 bytes,
//             big-endian); H(key, value) = mix(key) then the value digest
//   mix(d, bytes)  = d := SHA1(d XOR SHA1(bytes))      (order-dependent)
//   xor(d, bytes)  = d := d XOR SHA1(bytes)            (order-independent)
//   value digest   = mix(type as 4 bytes big-endian), then per type:
//       string: mix(value as text)
//       (other types come with their families)
//     then xor("!!expire!!") when the key has a TTL.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace replikv {

class Entry;
class Keyspace;

using Digest20 = std::array<uint8_t, 20>;

void XorDigest(Digest20& d, std::string_view bytes);
void MixDigest(Digest20& d, std::string_view bytes);

// Mixes one value into d (type, contents, TTL marker).
void AppendValueDigest(Digest20& d, const Entry* e);
// The non-string families' part of AppendValueDigest (lists, sets...).
void AppendTypeDigest(Digest20& d, const Entry* e);
// The digest of one key's value (type, contents, whether it has a TTL).
Digest20 ValueDigest(const Entry* e);
// The whole dataset's digest; 20 zero bytes when empty.
Digest20 DatasetDigest(Keyspace& ks);
std::string DigestHex(const Digest20& d);

}  // namespace replikv
