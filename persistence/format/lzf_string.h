// LZF compression of RDB strings, over liblzf.
//
// The RDB LZF string form is |11000011| length clen | length len | clen bytes|
// (rdb_format.h); these helpers only produce and check the compressed bytes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "server/base/status.h"

namespace replikv::persistence {

// Compresses `in` into *out if the result is at most `max_out` bytes; returns
// false (with *out unspecified) when it would be larger. Redis keeps an LZF
// string only if it saves at least 4 bytes, so callers pass in.size() - 4.
bool LzfCompress(std::string_view in, size_t max_out, std::string* out);

// Decompresses `in`, which must expand to exactly `raw_len` bytes, into *out.
// Corruption if the stream is malformed (liblzf checks input and output
// bounds) or expands to a different length. Callers must bound `raw_len`
// before calling: it is allocated up front. LzfMaxExpansion gives the bound.
Status LzfDecompress(std::string_view in, size_t raw_len, std::string* out);

// The most bytes `compressed_len` bytes of LZF can expand to: one 3-byte
// back-reference copies at most 264 bytes.
constexpr size_t LzfMaxExpansion(size_t compressed_len) { return compressed_len * 88; }

}  // namespace replikv::persistence
