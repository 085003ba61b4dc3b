// RdbDecoder reads a whole RDB file (versions 1 to 12, every encoding Redis
// 7.0 and older write, plus 7.2's set listpack) from a SequentialFile and
// reports what it holds through an RdbHandler, one item at a time.
//
// Lifecycle: construct, Run() once, then read stats() / Unconsumed().
// Run() reads the source incrementally: memory use is bounded by the largest
// single value, never by the file. Every malformed input (truncation at any
// byte, bad lengths, bad compact encodings, unknown opcodes or types, wrong
// magic or version, checksum mismatch) returns Status::Corruption whose
// message starts "rdb offset <N>:" and says what was expected. Valid files
// with content replikv cannot represent (streams, module types and module
// aux data, pre-GA functions, hash field expires) return
// Status::InvalidArgument naming the type. A handler's error stops the run
// and is returned as is.
//
// Compact encodings (ziplist, zipmap, listpack, intset) are validated in full
// before use, like Redis's sanitize-dump-payload: headers, every entry's
// encoding and bounds, end markers and counts; duplicate members or fields
// in sets, hashes and zsets are Corruption, as are NaN scores. Empty
// collections are skipped (counted in stats), as Redis 7.0 does.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "persistence/format/rdb_value_view.h"
#include "server/base/status.h"

namespace replikv::persistence {

class RdbInput;
class SequentialFile;

// One key read from the file. The handler may move from any member.
struct RdbEntry {
  uint64_t db = 0;
  std::string key;
  RdbValue value;
  int64_t expire_ms = -1;  // absolute unix ms, -1 if none
  // The key's access data, saved by Redis under an LRU (IDLE: seconds idle)
  // or LFU (FREQ: the counter) maxmemory policy; -1 if absent.
  int64_t lru_idle = -1;
  int lfu_freq = -1;
};

struct RdbLoadStats {
  int version = 0;
  uint64_t keys = 0;                // passed to OnKey
  uint64_t empty_keys_skipped = 0;  // empty collections, not passed on
  uint64_t functions = 0;           // FUNCTION2 libraries passed to OnFunction
  uint64_t stored_checksum = 0;
  uint64_t computed_checksum = 0;
  bool checksum_verified = false;  // false if stored as 0, absent (< v5) or not asked
  uint64_t bytes = 0;              // up to and including the footer
};

// Receives the file's items in file order. Every method but OnKey has a
// default that accepts and ignores the item. A non-OK return stops Run().
class RdbHandler {
 public:
  virtual ~RdbHandler() = default;
  virtual Status OnAux(std::string_view key, std::string_view value);
  virtual Status OnSelectDb(uint64_t db);
  virtual Status OnResizeDb(uint64_t db_size, uint64_t expires_size);
  // FUNCTION2: a function library's source code. The default skips it and
  // sends a note.
  virtual Status OnFunction(std::string_view library_code);
  virtual Status OnKey(RdbEntry& entry) = 0;
  // Called about every progress_interval_bytes while reading, e.g. to serve
  // clients -LOADING and update loading_* INFO fields.
  virtual Status OnProgress(uint64_t bytes_read);
  // Something worth logging that is not an error ("checksum disabled").
  virtual void OnNote(std::string_view note);
  // The footer was read and (unless stored as 0 or not asked for) the
  // checksum matched: the file is complete.
  virtual Status OnEnd(const RdbLoadStats& stats);
};

struct RdbDecoderOptions {
  static constexpr uint64_t kUnknownSize = UINT64_MAX;
  // The source's size when known (files): lengths are then checked against
  // the bytes left before anything is allocated.
  uint64_t source_size = kUnknownSize;
  // Compare the footer with the computed CRC64 (rdbchecksum). A stored 0
  // always means "not computed" and is never compared.
  bool verify_checksum = true;
  // No single string (value, element, compact blob) may exceed this.
  uint64_t max_string_bytes = uint64_t{1} << 32;
  bool check_duplicates = true;
  // Deliver collections as RdbValue::views/scores (valid until OnKey
  // returns) instead of elems/pairs/zset: no std::string per element.
  bool element_views = false;
  uint64_t progress_interval_bytes = 2 << 20;
};

class RdbDecoder {
 public:
  RdbDecoder(SequentialFile* source, RdbHandler* handler, RdbDecoderOptions options = {});
  ~RdbDecoder();
  RdbDecoder(const RdbDecoder&) = delete;
  RdbDecoder& operator=(const RdbDecoder&) = delete;

  // Reads header to footer. Call once.
  Status Run();
  // Instead of Run(): reads one object as a DUMP payload holds it,
  // | type (1B) | value | (no header, key or footer), into *value; bytes
  // after the value are left unread. With element_views the views stay
  // valid while the decoder lives. An unknown type, damage, or an empty
  // collection (which RESTORE refuses, as Redis) is Corruption; types
  // replikv cannot hold are InvalidArgument as in Run(). `handler` may be
  // null for a decoder used only this way.
  Status ReadObject(RdbValue* value);
  const RdbLoadStats& stats() const { return stats_; }
  // Bytes consumed so far (the offset the next error would name).
  uint64_t offset() const;
  // Bytes the decoder read from the source past the footer (a socket source
  // may carry what follows the RDB).
  std::string_view Unconsumed() const;

 private:
  Status ReadHeader();
  Status ReadEntry(uint8_t type, int64_t expire_ms);
  Status ReadFooter();
  Status MaybeReportProgress();

  // Value decoding, one per family (rdb_value_decoder.cpp).
  Status ReadValue(uint8_t type, RdbValue* value);
  Status ReadPlainList(uint8_t type, RdbValue* v);
  Status ReadPlainHash(RdbValue* v);
  Status ReadPlainZset(uint8_t type, RdbValue* v);
  Status ReadQuicklist(uint8_t type, RdbValue* v);
  Status ReadCompact(uint8_t type, RdbValue* v);
  // Stream types 15, 19 and 21 (rdb_stream_decoder.cpp).
  Status ReadStream(uint8_t type, RdbValue* v);
  Status ReadTextDouble(double* score);
  // Reads one RDB string onto the end of arena_.
  Status ReadElement(std::string_view what);
  Status CheckUnique(RdbValue::Type type, uint64_t offset);
  void Materialize(RdbValue* v);

  RdbHandler* handler_;
  RdbDecoderOptions options_;
  std::unique_ptr<RdbInput> in_;
  RdbEntry entry_;
  RdbLoadStats stats_;
  uint64_t current_db_ = 0;
  uint64_t entry_offset_ = 0;  // of the current key's type byte
  int64_t lru_idle_ = -1;      // IDLE/FREQ prefixes of the next key
  int lfu_freq_ = -1;
  uint64_t last_progress_ = 0;
  // The current collection's elements, back to back (see RdbElementArena).
  RdbElementArena arena_;
  // A compact zset's arena interleaves members with score texts.
  bool compact_zset_ = false;
  std::string blob_;  // the current compact encoding or quicklist node
  // CheckUnique's reused table (element indices) and per-element hashes.
  std::vector<size_t> unique_slots_;
  std::vector<uint64_t> unique_hashes_;
  uint64_t hash_seed_;
};

// Decodes an RDB held in memory.
Status DecodeRdb(std::string_view data, RdbHandler* handler, RdbDecoderOptions options = {},
                 RdbLoadStats* stats = nullptr);

}  // namespace replikv::persistence
