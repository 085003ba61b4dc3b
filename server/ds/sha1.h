// SHA-1 (FIPS 180-1), written from the specification.
//
// Used for DEBUG DIGEST / DEBUG DIGEST-VALUE, whose output must equal what
// Redis prints for the same dataset, so the hash must be exactly SHA-1.
// Not for security: SHA-1 is broken for collision resistance.
//
// A Sha1 object is a plain value with no heap memory; one thread at a time.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace replikv {

class Sha1 {
 public:
  using Digest = std::array<uint8_t, 20>;

  Sha1() { Reset(); }

  // Hashes n more bytes. Any split of a message into Update() calls gives
  // the same digest as one call with the whole message.
  void Update(const void* data, size_t n);
  void Update(std::string_view s) { Update(s.data(), s.size()); }

  // Pads the message, returns its digest and resets the object, so it can
  // hash a new message right away.
  Digest Final();

  // Forgets everything hashed so far.
  void Reset();

 private:
  void Compress(const uint8_t* block);

  uint32_t h_[5];
  uint8_t buffer_[64];     // a partial block
  size_t buffered_ = 0;    // bytes in buffer_, always < 64
  uint64_t total_len_ = 0; // message length in bytes so far
};

// The digest of one whole message.
Sha1::Digest Sha1Of(std::string_view data);

// 40 lowercase hex digits, as DEBUG DIGEST prints a digest.
std::string Sha1Hex(const Sha1::Digest& digest);

}  // namespace replikv
