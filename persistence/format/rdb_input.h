// RdbInput: the bounded, buffered byte reader under RdbDecoder (internal to
// persistence/). It tracks the offset of every byte, keeps the CRC64 of
// everything consumed, and turns every short read or implausible length
// into a Status::Corruption naming the offset and what was expected.
//
// Allocation bound: a string is never allocated past what the source can
// still hold (when its size is known) nor past max_string_bytes; when the
// size is unknown, strings grow as their bytes actually arrive.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "server/base/status.h"

namespace replikv::persistence {

class SequentialFile;

class RdbInput {
 public:
  static constexpr uint64_t kUnknownSize = UINT64_MAX;

  RdbInput(SequentialFile* source, uint64_t source_size, uint64_t max_string_bytes);
  RdbInput(const RdbInput&) = delete;
  RdbInput& operator=(const RdbInput&) = delete;

  // Offset of the next byte to be read, from the start of the source.
  uint64_t offset() const { return chunk_offset_ + pos_; }
  // Bytes the source can still hold, or kUnknownSize.
  uint64_t remaining() const;

  // `what` names the expected item in error messages ("key", "zset score").
  Status Read(void* dst, size_t n, std::string_view what);
  Status ReadByte(uint8_t* b, std::string_view what);
  // Little-endian fixed-width unsigned integer of `bytes` (1..8) bytes.
  Status ReadLe(uint64_t* v, int bytes, std::string_view what);
  // A length (6/14/32/64-bit forms). If the first byte is a special string
  // encoding (11xxxxxx), *encoded is set and *len holds its low 6 bits.
  Status ReadLength(uint64_t* len, bool* encoded, std::string_view what);
  // A plain length; a special encoding is Corruption.
  Status ReadLength(uint64_t* len, std::string_view what);
  // A count of items that each take at least `min_item_bytes`: Corruption if
  // the rest of the source cannot hold that many.
  Status ReadCount(uint64_t* count, uint64_t min_item_bytes, std::string_view what);
  // A string in any RDB string form; integers come back as decimal text.
  Status ReadString(std::string* out, std::string_view what);
  // ReadString, appending to *out instead of replacing it (the decoder
  // packs a collection's elements back to back this way).
  Status AppendString(std::string* out, std::string_view what);
  // Exactly n raw bytes, checked against the bounds above. Errors name
  // `item_offset` (where the string's length prefix began), or the current
  // offset if it is kUnknownSize.
  Status ReadBytes(std::string* out, uint64_t n, std::string_view what,
                   uint64_t item_offset = kUnknownSize);
  // ReadBytes, appending.
  Status AppendBytes(std::string* out, uint64_t n, std::string_view what,
                     uint64_t item_offset = kUnknownSize);

  // CRC64 of every byte consumed so far.
  uint64_t Crc() const;
  // Bytes read from the source but not consumed (after the footer).
  std::string_view Unconsumed() const { return std::string_view(chunk_ + pos_, len_ - pos_); }

  // Status::Corruption("rdb offset <offset>", detail).
  static Status Corrupt(uint64_t offset, std::string_view detail);
  // Corruption at `start` for a read of `wanted` bytes that found only
  // `got` before the end of the source.
  Status Truncated(uint64_t start, uint64_t got, uint64_t wanted, std::string_view what) const;

 private:
  // Replaces the consumed chunk with the next one; false at end of source.
  Status Refill(bool* got);

  SequentialFile* source_;
  uint64_t source_size_;
  uint64_t max_string_bytes_;
  std::vector<char> scratch_;
  const char* chunk_ = nullptr;  // current chunk (in scratch_ or the source's memory)
  size_t len_ = 0;
  size_t pos_ = 0;
  uint64_t chunk_offset_ = 0;
  uint64_t crc_ = 0;  // of every chunk before the current one
  std::string lzf_scratch_;
  std::string lzf_out_;  // AppendString's decompressed LZF string
};

// The 9-character name packed in a module id (above its 10-bit encoding
// version), for error messages.
std::string RdbModuleName(uint64_t module_id);

}  // namespace replikv::persistence
