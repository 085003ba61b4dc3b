// Little-endian integers of 1 to 8 bytes, as the RDB format and its packed
// encodings (listpack, ziplist, intset) store them, independent of the host.
#pragma once

#include <cstdint>
#include <string>

namespace replikv::persistence {

inline uint64_t GetLe(const unsigned char* p, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

inline void PutLe(char* out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

inline void AppendLe(std::string* buf, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) buf->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

}  // namespace replikv::persistence
