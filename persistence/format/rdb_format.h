// The RDB file format: opcodes, object types, versions and byte layouts.
//
// This header is the single description of the on-disk format that
// rdb_encoder and rdb_decoder share (the role of leveldb's db/log_format.h).
// Everything here matches what Redis 7.0 writes (RDB version 10) and what
// older releases wrote; the layouts below are stated from the format, not
// from any implementation.
//
// File:
//   | "REDIS" | 4 ASCII digits version | items ... | 0xFF | CRC64 (8B LE) |
// The CRC64 (crc64.h) covers every byte before it, the 0xFF included; it is
// present from version 5 on, and a stored value of 0 means "not computed".
//
// Item (one opcode byte, then):
//   0xFA AUX            string key, string value
//   0xFB RESIZEDB       length db_size, length expires_size
//   0xFC EXPIRETIME_MS  8B little-endian unix time in ms, then a key item
//   0xFD EXPIRETIME     4B little-endian unix time in s, then a key item
//   0xFE SELECTDB       length db number
//   0xF9 FREQ           1B LFU counter, then a key item
//   0xF8 IDLE           length LRU idle seconds, then a key item
//   0xF7 MODULE_AUX     module payload (refused by replikv)
//   0xF6 FUNCTION       pre-GA 7.0 function payload (refused, as Redis 7.0)
//   0xF5 FUNCTION2      string: the library source code
//   0xF4 SLOT_INFO      (RDB 12) length slot, length size, length expires
//   0x00..0x15          key item: type byte, string key, value
//
// Length ("length" above):
//   |00xxxxxx|                        6-bit length
//   |01xxxxxx|xxxxxxxx|               14-bit length, big-endian
//   |10000000| 4B big-endian |        32-bit length
//   |10000001| 8B big-endian |        64-bit length
//   |11xxxxxx|                        special string encoding (below)
//
// String ("string" above): a length then that many raw bytes, or one of
//   |11000000| 1B  |                  INT8, little-endian signed
//   |11000001| 2B  |                  INT16
//   |11000010| 4B  |                  INT32
//   |11000011| length clen | length len | clen bytes |  LZF compressed
// An integer-encoded string reads back as its decimal text.
//
// Double in ZSET (type 3), text form: 1 byte n then n ASCII bytes ("%.17g"),
// with n = 253 NaN, 254 +inf, 255 -inf and no bytes following.
// Double in ZSET_2 (type 5): 8 bytes little-endian IEEE 754.
#pragma once

#include <cstdint>
#include <string_view>

namespace replikv::persistence {

inline constexpr std::string_view kRdbMagic = "REDIS";
// What Redis 7.0 writes, and what RdbEncoder writes.
inline constexpr int kRdbVersion = 10;
// The newest version whose layout the decoder knows (Redis 7.4 writes 12).
inline constexpr int kRdbMaxReadableVersion = 12;
// The checksum footer exists from this version on.
inline constexpr int kRdbFirstChecksumVersion = 5;

// Opcodes: a byte where a key's type byte would otherwise stand.
enum RdbOpcode : uint8_t {
  kRdbOpSlotInfo = 0xF4,  // RDB 12 (Redis 7.4 cluster): 3 lengths, dropped
  kRdbOpFunction2 = 0xF5,
  kRdbOpFunctionPreGa = 0xF6,
  kRdbOpModuleAux = 0xF7,
  kRdbOpIdle = 0xF8,
  kRdbOpFreq = 0xF9,
  kRdbOpAux = 0xFA,
  kRdbOpResizeDb = 0xFB,
  kRdbOpExpireTimeMs = 0xFC,
  kRdbOpExpireTime = 0xFD,
  kRdbOpSelectDb = 0xFE,
  kRdbOpEof = 0xFF,
};

// Object types (the byte before a key). Gaps (8) were never assigned.
enum RdbType : uint8_t {
  kRdbTypeString = 0,
  kRdbTypeList = 1,
  kRdbTypeSet = 2,
  kRdbTypeZset = 3,  // scores as text doubles
  kRdbTypeHash = 4,
  kRdbTypeZset2 = 5,  // scores as binary doubles
  kRdbTypeModulePreGa = 6,
  kRdbTypeModule2 = 7,
  kRdbTypeHashZipmap = 9,
  kRdbTypeListZiplist = 10,
  kRdbTypeSetIntset = 11,
  kRdbTypeZsetZiplist = 12,
  kRdbTypeHashZiplist = 13,
  kRdbTypeListQuicklist = 14,  // nodes are ziplists
  kRdbTypeStreamListpacks = 15,
  kRdbTypeHashListpack = 16,
  kRdbTypeZsetListpack = 17,
  kRdbTypeListQuicklist2 = 18,  // nodes are listpacks or plain elements
  kRdbTypeStreamListpacks2 = 19,
  kRdbTypeSetListpack = 20,  // RDB 11 (Redis 7.2)
  kRdbTypeStreamListpacks3 = 21,  // RDB 11 (Redis 7.2)
  kRdbTypeHashMetadataPreGa = 22,  // RDB 12 (Redis 7.4): hash field TTLs
  kRdbTypeHashListpackExPreGa = 23,
  kRdbTypeHashMetadata = 24,
  kRdbTypeHashListpackEx = 25,
};

// A human name for an object type, for error messages ("stream", "module").
constexpr std::string_view RdbTypeName(uint8_t type) {
  switch (type) {
    case kRdbTypeString: return "string";
    case kRdbTypeList: return "list";
    case kRdbTypeSet: return "set";
    case kRdbTypeZset: return "zset";
    case kRdbTypeHash: return "hash";
    case kRdbTypeZset2: return "zset_2";
    case kRdbTypeModulePreGa: return "module (pre-GA)";
    case kRdbTypeModule2: return "module";
    case kRdbTypeHashZipmap: return "hash zipmap";
    case kRdbTypeListZiplist: return "list ziplist";
    case kRdbTypeSetIntset: return "set intset";
    case kRdbTypeZsetZiplist: return "zset ziplist";
    case kRdbTypeHashZiplist: return "hash ziplist";
    case kRdbTypeListQuicklist: return "list quicklist";
    case kRdbTypeStreamListpacks: return "stream";
    case kRdbTypeHashListpack: return "hash listpack";
    case kRdbTypeZsetListpack: return "zset listpack";
    case kRdbTypeListQuicklist2: return "list quicklist_2";
    case kRdbTypeStreamListpacks2: return "stream (v2)";
    case kRdbTypeSetListpack: return "set listpack";
    case kRdbTypeStreamListpacks3: return "stream (v3)";
    case kRdbTypeHashMetadataPreGa: return "hash with field expires (pre-GA)";
    case kRdbTypeHashListpackExPreGa: return "hash listpack with field expires (pre-GA)";
    case kRdbTypeHashMetadata: return "hash with field expires";
    case kRdbTypeHashListpackEx: return "hash listpack with field expires";
    default: return "unknown";
  }
}

// Length-encoding first-byte forms.
inline constexpr uint8_t kRdbLen6Bit = 0;
inline constexpr uint8_t kRdbLen14Bit = 1;
inline constexpr uint8_t kRdbLen32Bit = 0x80;
inline constexpr uint8_t kRdbLen64Bit = 0x81;
inline constexpr uint8_t kRdbLenEncoded = 3;  // top two bits 11

// Special string encodings (the low 6 bits after 11).
inline constexpr uint8_t kRdbEncInt8 = 0;
inline constexpr uint8_t kRdbEncInt16 = 1;
inline constexpr uint8_t kRdbEncInt32 = 2;
inline constexpr uint8_t kRdbEncLzf = 3;

// Text-double markers of the type-3 zset.
inline constexpr uint8_t kRdbDoubleNan = 253;
inline constexpr uint8_t kRdbDoublePosInf = 254;
inline constexpr uint8_t kRdbDoubleNegInf = 255;

// Quicklist 2 node containers.
inline constexpr uint64_t kQuicklistNodePlain = 1;
inline constexpr uint64_t kQuicklistNodePacked = 2;

// Redis tries LZF only for strings longer than this, and keeps the result
// only when it saves at least kRdbLzfMinSaving bytes.
inline constexpr size_t kRdbLzfMinInput = 20;
inline constexpr size_t kRdbLzfMinSaving = 4;

}  // namespace replikv::persistence
