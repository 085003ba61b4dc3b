// CRC-64/Jones, the checksum of RDB files (and of DUMP payloads).
//
// Parameters: polynomial 0xad93d23594c935a9, reflected input and output,
// initial value 0, no final xor. Check value: Crc64(0, "123456789") ==
// 0xe9c6d914c4b8d9ca. The implementation is table-driven slice-by-8 because
// it runs over whole snapshots; tables are built once, thread-safely.
#pragma once

#include <cstddef>
#include <cstdint>

namespace replikv::persistence {

// Extends `crc` (the value over the bytes before `data`) with `n` more bytes.
// Crc64(0, ...) starts a new checksum; chaining calls over consecutive pieces
// gives the same value as one call over the concatenation.
uint64_t Crc64(uint64_t crc, const void* data, size_t n);

}  // namespace replikv::persistence
