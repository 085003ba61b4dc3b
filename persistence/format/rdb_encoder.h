// RdbEncoder writes an RDB file (version 10, what Redis 7.0 writes) to a
// sink, value by value, keeping the running CRC64 of everything written.
//
// A snapshot is written in this order, as Redis 7.0 does:
//   WriteHeader, WriteAuxFields (or WriteAux...), WriteFunction per library,
//   then per non-empty database: WriteSelectDb, WriteResizeDb, Write*Entry
//   per key; finally WriteEof.
// Values are encoded the way Redis 7.0 encodes them given the same limits
// (RdbEncodingLimits, the *-max-listpack-* / set-max-intset-entries configs),
// so real Redis loads the file into the same OBJECT ENCODING.
//
// Errors from the sink are sticky: after the first failure every call
// returns it and writes nothing. Not thread-safe; one encoder per file. The
// sink must outlive the encoder.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>
#include <string_view>
#include <utility>

#include "persistence/format/rdb_value_view.h"
#include "server/base/status.h"

namespace replikv::persistence {

class WritableFile;

// Where encoded bytes go.
class RdbSink {
 public:
  virtual ~RdbSink() = default;
  virtual Status Append(const char* data, size_t n) = 0;
};

// Appends to a string the caller owns (tests, DUMP-style payloads).
class StringSink final : public RdbSink {
 public:
  explicit StringSink(std::string* out) : out_(out) {}
  Status Append(const char* data, size_t n) override {
    out_->append(data, n);
    return Status::OK();
  }

 private:
  std::string* out_;
};

// Appends to a WritableFile (which buffers); Flush/Sync/Close stay with the
// caller.
class FileSink final : public RdbSink {
 public:
  explicit FileSink(WritableFile* file) : file_(file) {}
  Status Append(const char* data, size_t n) override;

 private:
  WritableFile* file_;
};

// The configs that choose compact encodings; defaults are Redis 7.0's
// built-in ones (the sample redis.conf sets hash-max-listpack-entries 128,
// but without a config file Redis 7.0 uses 512).
struct RdbEncodingLimits {
  size_t set_max_intset_entries = 512;
  size_t hash_max_listpack_entries = 512;
  size_t hash_max_listpack_value = 64;
  size_t zset_max_listpack_entries = 128;
  size_t zset_max_listpack_value = 64;
  // list-max-listpack-size: > 0 caps entries per quicklist node, -1..-5 caps
  // node bytes at 4/8/16/32/64 KiB.
  int list_max_listpack_size = -2;
  // Elements of at least this many bytes get a plain quicklist node of their
  // own (Redis's packed threshold, 1 GiB unless changed by DEBUG).
  size_t list_packed_threshold = size_t{1} << 30;
};

// What Redis 7.0 saves before each key besides its expire time: the idle
// seconds under an LRU maxmemory policy, the LFU counter under an LFU one.
enum class RdbKeyAccess { kNone, kIdle, kFreq };

struct RdbEncoderOptions {
  bool compression = true;  // rdbcompression
  bool checksum = true;     // rdbchecksum: false writes a zero footer
  RdbEncodingLimits limits;
  RdbKeyAccess key_access = RdbKeyAccess::kNone;
};

// Replication state saved with a snapshot (Redis 7.0's rdbSaveInfo), so a
// restarted replica, or a primary's replicas, can PSYNC from where the
// snapshot stands. Redis 7.0 has one only when the server is a replica or a
// primary with a replication backlog; a standalone server passes none, and
// then the file holds no repl-* fields at all.
struct RdbReplInfo {
  int64_t repl_stream_db = 0;  // the db the replication stream last selected
  std::string repl_id;         // master_replid (40 hex characters)
  int64_t repl_offset = 0;     // master_repl_offset at the snapshot
};

// The aux fields Redis 7.0 writes at the start of every RDB.
struct RdbAuxFields {
  std::string redis_ver = "7.0.15";
  int64_t ctime = 0;     // unix seconds
  int64_t used_mem = 0;  // bytes
  bool aof_base = false;  // true when the RDB is an AOF base/preamble
  // Function libraries' code, written as FUNCTION2 after the aux fields
  // (WriteKeyspace), as Redis 7.0's rdbSaveFunctions does.
  std::vector<std::string> functions;
  // The repl-* fields travel as an RdbReplInfo (WriteAuxFields,
  // WriteKeyspace), given only when there is replication state.
};

class RdbEncoder {
 public:
  // The access data of the next key written (see RdbKeyAccess); written by
  // that key's prologue when the options ask for it.
  void SetNextKeyAccess(uint64_t idle_seconds, uint8_t freq) {
    next_idle_ = idle_seconds;
    next_freq_ = freq;
  }
  RdbEncoder(RdbSink* sink, RdbEncoderOptions options);
  RdbEncoder(const RdbEncoder&) = delete;
  RdbEncoder& operator=(const RdbEncoder&) = delete;

  // "REDIS0010".
  Status WriteHeader();
  // AUX opcode, then key and value as RDB strings. The int64 form writes the
  // decimal text, which the string encoding stores as INT8/16/32 when it
  // fits: this is how Redis writes redis-bits, ctime, used-mem, aof-base,
  // repl-stream-db and repl-offset.
  Status WriteAux(std::string_view key, std::string_view value);
  Status WriteAux(std::string_view key, int64_t value);
  // redis-ver, redis-bits, ctime, used-mem, [repl-stream-db, repl-id,
  // repl-offset], aof-base: Redis 7.0's set and order. The bracketed three
  // are written only when `repl` is given (Redis writes them only with an
  // rdbSaveInfo, i.e. with replication state); nullptr writes none.
  Status WriteAuxFields(const RdbAuxFields& aux, const RdbReplInfo* repl = nullptr);
  // FUNCTION2: one function library's source code.
  Status WriteFunction(std::string_view library_code);
  Status WriteSelectDb(uint64_t db);
  Status WriteResizeDb(uint64_t db_size, uint64_t expires_size);

  // One key each. `expire_ms` is an absolute unix time in ms, or -1 for no
  // expire. Collections must not hold duplicates (sets, hashes, zsets);
  // InvalidArgument for a NaN score or duplicate intset members. Empty
  // collections are written as given; loaders (Redis's too) skip them.
  Status WriteStringEntry(std::string_view key, std::string_view value, int64_t expire_ms = -1);
  Status WriteListEntry(std::string_view key, std::span<const std::string_view> elems,
                        int64_t expire_ms = -1);
  Status WriteSetEntry(std::string_view key, std::span<const std::string_view> members,
                       int64_t expire_ms = -1);
  Status WriteHashEntry(std::string_view key,
                        std::span<const std::pair<std::string_view, std::string_view>> pairs,
                        int64_t expire_ms = -1);
  Status WriteZsetEntry(std::string_view key,
                        std::span<const std::pair<std::string_view, double>> members,
                        int64_t expire_ms = -1);
  // Any RdbValue, owned or viewed (RdbValue::viewed).
  // A stream, as Redis 7.0 writes it (RDB_TYPE_STREAM_LISTPACKS_2).
  Status WriteStreamEntry(std::string_view key, const RdbStream& s, int64_t expire_ms = -1);
  // The stream alone, without a key (a DUMP payload).
  Status WriteStreamValue(const RdbStream& s);
  Status WriteEntry(std::string_view key, const RdbValue& value, int64_t expire_ms = -1);

  // The same values without a key, expire or access prefix: | type | value |,
  // what a DUMP payload holds (dump_payload.h), in the encoding the
  // Write*Entry form would pick.
  Status WriteStringValue(std::string_view value);
  Status WriteListValue(std::span<const std::string_view> elems);
  Status WriteSetValue(std::span<const std::string_view> members);
  Status WriteHashValue(std::span<const std::pair<std::string_view, std::string_view>> pairs);
  Status WriteZsetValue(std::span<const std::pair<std::string_view, double>> members);
  Status WriteValue(const RdbValue& value);

  // EOF opcode and the CRC64 footer (zero when checksums are off), then
  // hands every buffered byte to the sink.
  Status WriteEof();

  // Building blocks, for callers that stream a value themselves.
  Status WriteExpireMs(int64_t expire_ms);  // 0xFC + 8 bytes LE
  Status WriteType(uint8_t type);
  Status WriteLength(uint64_t len);          // 6/14/32/64-bit forms
  Status WriteString(std::string_view s);    // INT8/16/32, LZF or raw
  Status WriteBinaryDouble(double v);        // 8 bytes LE IEEE 754
  Status WriteRaw(const void* data, size_t n);
  // Hands buffered bytes to the sink (WriteEof does this too).
  Status Flush();

  // Bytes produced so far, buffered ones included.
  uint64_t bytes_written() const { return bytes_written_; }
  const RdbEncoderOptions& options() const { return options_; }

 private:
  // Each object form once: with a key (an entry: prologue, type, key,
  // value) or, for a null key, the bare | type | value |.
  Status ObjectHeader(const std::string_view* key, int64_t expire_ms, uint8_t type);
  Status WriteStringObject(const std::string_view* key, std::string_view value, int64_t expire_ms);
  Status WriteListObject(const std::string_view* key, std::span<const std::string_view> elems, int64_t expire_ms);
  Status WriteSetObject(const std::string_view* key, std::span<const std::string_view> members, int64_t expire_ms);
  Status WriteHashObject(const std::string_view* key,
                         std::span<const std::pair<std::string_view, std::string_view>> pairs, int64_t expire_ms);
  Status WriteZsetObject(const std::string_view* key, std::span<const std::pair<std::string_view, double>> members,
                         int64_t expire_ms);
  Status WriteAnyObject(const std::string_view* key, const RdbValue& value, int64_t expire_ms);
  Status WriteViewedObject(const std::string_view* key, const RdbValue& value, int64_t expire_ms);
  Status WriteStreamObject(const std::string_view* key, const RdbStream& s, int64_t expire_ms);
  Status WriteQuicklistBody(std::span<const std::string_view> elems);
  uint64_t next_idle_ = 0;
  uint8_t next_freq_ = 0;
  Status Prologue(int64_t expire_ms);

  RdbSink* sink_;
  RdbEncoderOptions options_;
  std::string buf_;
  uint64_t crc_ = 0;
  uint64_t bytes_written_ = 0;
  Status error_;
};

// The score text Redis 7.0 stores in a zset listpack: an integer's decimal
// form when the score is integral and |score| < 2^52, else "%.17g"
// ("inf", "-inf"). Exposed for tests.
std::string ZsetListpackScore(double score);

}  // namespace replikv::persistence
