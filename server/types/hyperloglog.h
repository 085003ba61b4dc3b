// HyperLogLog values, byte for byte as Redis 7.0 stores them in a string.
//
//   | "HYLL" (4B) | encoding (1B) | unused (3B, zero) | cached cardinality (8B LE) | registers |
//
// The cached cardinality is valid unless the top bit of its last byte is set.
// 16384 registers of 6 bits (P = 14, Q = 50). Two encodings:
//
// Dense (encoding 0): 12288 bytes, register i at bit i*6, least significant
// bit first (a register may straddle two bytes).
//
// Sparse (encoding 1): a run-length list of opcodes covering all registers:
//   00xxxxxx            ZERO:  xxxxxx+1 registers (1..64) set to 0
//   01xxxxxx yyyyyyyy   XZERO: xxxxxxyyyyyyyy+1 registers (1..16384) set to 0
//   1vvvvvxx            VAL:   xx+1 registers (1..4) set to vvvvv+1 (1..32)
// A sparse value turns dense when a register needs more than 32 or when it
// would grow past `hll-sparse-max-bytes`.
//
// Values are changed in place: the caller hands the bytes with room for at
// least kSparseSetSlack more (a sparse update grows the value by 3 bytes at
// most) and, when told kPromote, replaces the value with ToDense()'s result.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace replikv::hll {

constexpr size_t kHeaderSize = 16;
constexpr int kP = 14;
constexpr int kQ = 64 - kP;
constexpr int kRegisters = 1 << kP;
constexpr size_t kDenseSize = kHeaderSize + (kRegisters * 6 + 7) / 8;
constexpr size_t kSparseSetSlack = 3;
constexpr uint8_t kDense = 0;
constexpr uint8_t kSparse = 1;

// Austin Appleby's MurmurHash64A (the 64-bit MurmurHash2), reading the input
// as little-endian words on every host.
uint64_t MurmurHash64A(const void* key, size_t len, uint64_t seed);

// The register an element updates and the value it proposes: the low P bits
// of its hash pick the register, the run of zero bits above them plus one
// is the value (1..Q+1).
void HashElement(std::string_view element, int* index, int* count);

// A new, empty, sparse value (18 bytes) with a valid cached cardinality 0.
std::string NewSparse();

// Redis's header check: magic, a known encoding, the dense size. It does
// not walk a sparse value (that is found corrupt when used).
bool LooksValid(std::string_view v);

inline uint8_t EncodingOf(std::string_view v) { return static_cast<uint8_t>(v[4]); }
bool CacheValid(std::string_view v);
uint64_t CachedCardinality(std::string_view v);
void SetCachedCardinality(char* v, uint64_t card);
void InvalidateCache(char* v);

enum class SetResult { kUnchanged, kChanged, kPromote, kCorrupt };

// Raises register `index` to `count` if lower. `v` holds `*len` bytes and
// has room for `*len + kSparseSetSlack`. kPromote: nothing changed; the
// caller converts to dense (ToDense) and sets the register there. Does not
// touch the cached cardinality.
SetResult Set(char* v, size_t* len, int index, int count, size_t sparse_max_bytes);

// The dense form of a sparse value (the header is copied, encoding changed).
// False if the opcodes do not cover exactly kRegisters registers.
bool ToDense(std::string_view sparse, std::string* dense);

// Raises each register of `max` (kRegisters bytes) to `v`'s. False if a
// sparse `v` is corrupt.
bool MergeInto(std::string_view v, uint8_t* max);

// The estimated cardinality (Ertl's improved estimator, as Redis 7.0).
// False if a sparse `v` is corrupt.
bool Count(std::string_view v, uint64_t* card);
uint64_t CountRegisters(const uint8_t* registers);

// Dense register accessors (`registers` points past the header).
int GetDenseRegister(const char* registers, int index);
void SetDenseRegister(char* registers, int index, int value);

// PFDEBUG DECODE's text: "z:3 Z:100 v:2,1 ..." (precondition: sparse).
std::string DecodeSparse(std::string_view v);

}  // namespace replikv::hll
