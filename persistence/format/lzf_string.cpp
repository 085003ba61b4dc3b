#include "persistence/format/lzf_string.h"

#include <liblzf/lzf.h>

#include <cerrno>
#include <climits>
#include <cstring>

namespace replikv::persistence {

bool LzfCompress(std::string_view in, size_t max_out, std::string* out) {
  // liblzf takes unsigned int lengths; larger inputs are simply not
  // compressed rather than split.
  if (in.empty() || max_out == 0 || in.size() > UINT_MAX) return false;
  if (max_out > in.size()) max_out = in.size();
  out->resize(max_out);
  unsigned int n = lzf_compress(in.data(), static_cast<unsigned int>(in.size()),
                                out->data(), static_cast<unsigned int>(max_out));
  if (n == 0) return false;  // did not fit in max_out
  out->resize(n);
  return true;
}

Status LzfDecompress(std::string_view in, size_t raw_len, std::string* out) {
  if (in.size() > UINT_MAX || raw_len > UINT_MAX) {
    return Status::Corruption("lzf", "compressed string larger than 4 GiB");
  }
  out->resize(raw_len);
  if (raw_len == 0) {
    // Redis never writes an empty LZF string; an empty input is the only
    // stream that expands to nothing.
    if (in.empty()) return Status::OK();
    return Status::Corruption("lzf", "data for an empty string");
  }
  errno = 0;
  unsigned int n = lzf_decompress(in.data(), static_cast<unsigned int>(in.size()),
                                  out->data(), static_cast<unsigned int>(raw_len));
  if (n == 0) {
    return Status::Corruption(
        "lzf", errno == E2BIG ? "expands past the stated length" : "invalid compressed data");
  }
  if (n != raw_len) {
    return Status::Corruption("lzf", "expands to " + std::to_string(n) + " bytes, stated " +
                                         std::to_string(raw_len));
  }
  return Status::OK();
}

}  // namespace replikv::persistence
