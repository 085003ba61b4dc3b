// FUNCTION DUMP's payload: every library's code as a FUNCTION2 item, sealed
// like a DUMP payload (dump_payload.h), as Redis 7.0 writes it and FUNCTION
// RESTORE reads it (payloads move between replikv and redis-server both
// ways):
//
//   | 0xF5 | RDB string: library code | ... | RDB version (2B LE) | CRC64 (8B LE) |
//
// The strings take the RDB's forms (LZF when `compression` and the code is
// long enough, as Redis's rdbSaveRawString).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace replikv::persistence {

// The payload for `codes` (no libraries: the footer alone).
std::string EncodeFunctionPayload(const std::vector<std::string>& codes, bool compression);

// Reads the codes out of `payload`. False with *err set to Redis 7.0's
// FUNCTION RESTORE text ("DUMP payload version or checksum are wrong",
// "given type is not a function"...).
bool DecodeFunctionPayload(std::string_view payload, std::vector<std::string>* codes, std::string* err);

}  // namespace replikv::persistence
