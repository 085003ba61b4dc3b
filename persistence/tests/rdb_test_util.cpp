#include "persistence/tests/rdb_test_util.h"

#include <cstdio>

#include "persistence/format/crc64.h"
#include "persistence/format/listpack.h"

namespace replikv::persistence::testing {

std::string BuildZiplist(const std::vector<std::string>& entries) {
  std::string body;
  size_t prev_len = 0;
  size_t last = 10;
  for (const std::string& s : entries) {
    std::string entry;
    if (prev_len < 254) {
      entry.push_back(static_cast<char>(prev_len));
    } else {
      entry.push_back(static_cast<char>(0xFE));
      PutLe(&entry, prev_len, 4);
    }
    int64_t v;
    if (IsCanonicalInt64(s, &v)) {
      if (v >= 0 && v <= 12) {
        entry.push_back(static_cast<char>(0xF1 + v));
      } else if (v >= INT8_MIN && v <= INT8_MAX) {
        entry.push_back(static_cast<char>(0xFE));
        PutLe(&entry, static_cast<uint64_t>(v), 1);
      } else if (v >= INT16_MIN && v <= INT16_MAX) {
        entry.push_back(static_cast<char>(0xC0));
        PutLe(&entry, static_cast<uint64_t>(v), 2);
      } else if (v >= -(1 << 23) && v < (1 << 23)) {
        entry.push_back(static_cast<char>(0xF0));
        PutLe(&entry, static_cast<uint64_t>(v), 3);
      } else if (v >= INT32_MIN && v <= INT32_MAX) {
        entry.push_back(static_cast<char>(0xD0));
        PutLe(&entry, static_cast<uint64_t>(v), 4);
      } else {
        entry.push_back(static_cast<char>(0xE0));
        PutLe(&entry, static_cast<uint64_t>(v), 8);
      }
    } else if (s.size() < 64) {
      entry.push_back(static_cast<char>(s.size()));
      entry += s;
    } else if (s.size() < 16384) {
      entry.push_back(static_cast<char>(0x40 | (s.size() >> 8)));
      entry.push_back(static_cast<char>(s.size() & 0xff));
      entry += s;
    } else {
      entry.push_back(static_cast<char>(0x80));
      for (int i = 3; i >= 0; --i) entry.push_back(static_cast<char>((s.size() >> (8 * i)) & 0xff));
      entry += s;
    }
    last = 10 + body.size();
    body += entry;
    prev_len = entry.size();
  }
  std::string zl;
  PutLe(&zl, 10 + body.size() + 1, 4);
  PutLe(&zl, last, 4);
  PutLe(&zl, entries.size() < 0xFFFF ? entries.size() : 0xFFFF, 2);
  zl += body;
  zl.push_back(static_cast<char>(0xFF));
  return zl;
}

std::string BuildZipmap(const std::vector<std::pair<std::string, std::string>>& pairs,
                        uint8_t free) {
  auto put_len = [](std::string* out, size_t n) {
    if (n < 254) {
      out->push_back(static_cast<char>(n));
    } else {
      out->push_back(static_cast<char>(0xFE));
      PutLe(out, n, 4);
    }
  };
  std::string zm;
  zm.push_back(static_cast<char>(pairs.size() < 254 ? pairs.size() : 254));
  for (const auto& [k, v] : pairs) {
    put_len(&zm, k.size());
    zm += k;
    put_len(&zm, v.size());
    zm.push_back(static_cast<char>(free));
    zm += v;
    zm.append(free, 'x');
  }
  zm.push_back(static_cast<char>(0xFF));
  return zm;
}

std::string RdbLength(uint64_t len) {
  std::string out;
  if (len < 64) {
    out.push_back(static_cast<char>(len));
  } else if (len < 16384) {
    out.push_back(static_cast<char>(0x40 | (len >> 8)));
    out.push_back(static_cast<char>(len & 0xff));
  } else if (len <= UINT32_MAX) {
    out.push_back(static_cast<char>(0x80));
    for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>((len >> (8 * i)) & 0xff));
  } else {
    out.push_back(static_cast<char>(0x81));
    for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((len >> (8 * i)) & 0xff));
  }
  return out;
}

std::string RdbRawString(std::string_view s) { return RdbLength(s.size()) + std::string(s); }

std::string RdbTextDouble(double d) {
  if (std::isnan(d)) return std::string(1, static_cast<char>(253));
  if (std::isinf(d)) return std::string(1, static_cast<char>(d > 0 ? 254 : 255));
  char buf[64];
  int n = std::snprintf(buf, sizeof(buf), "%.17g", d);
  return std::string(1, static_cast<char>(n)) + std::string(buf, static_cast<size_t>(n));
}

std::string RdbFile(int version, std::string_view body, bool checksum) {
  char header[16];
  std::snprintf(header, sizeof(header), "REDIS%04d", version);
  std::string out = header;
  out += body;
  out.push_back(static_cast<char>(0xFF));
  if (version >= 5) PutLe(&out, checksum ? Crc64(0, out.data(), out.size()) : 0, 8);
  return out;
}

}  // namespace replikv::persistence::testing
