// The DUMP payload: one value in its RDB form, sealed with the RDB version
// and a checksum, as Redis 7.0's DUMP writes it and RESTORE checks it
// (payloads move between replikv and redis-server both ways):
//
//   | RDB object: type (1B) + value | RDB version (2B LE) | CRC64 (8B LE) |
//
// The object is what RdbEncoder's Write*Value writes and
// RdbDecoder::ReadObject reads; the CRC64 is the RDB footer's (crc64.h) over
// every byte before it, the version included.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace replikv::persistence {

inline constexpr size_t kDumpFooterSize = 2 + 8;

// Appends the footer (version kRdbVersion, then the CRC64) to `payload`,
// which holds the encoded object.
void SealDumpPayload(std::string* payload);

// Checks `payload` as Redis 7.0's RESTORE does (verifyDumpPayload): at least
// the footer's 10 bytes, a version no newer than kRdbVersion, and a matching
// CRC64 unless `skip_checksum`. On success *object views the bytes before
// the footer. False means "DUMP payload version or checksum are wrong".
bool OpenDumpPayload(std::string_view payload, std::string_view* object, bool skip_checksum = false);

}  // namespace replikv::persistence
