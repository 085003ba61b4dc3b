// Stream: the value of a stream key, laid out as Redis 7.0's t_stream.c so
// that its nodes go to and come from RDB files byte for byte.
//
// Entries live in listpack nodes (server/ds/listpack.h) in an ordered index
// keyed by each node's master id (Redis uses a radix tree of the same keys;
// server/types/stream_node_index.h gives the same order in 24 bytes a
// node). A node:
//
//   master entry: | count | deleted | num-fields | field_1 ... field_N | 0 |
//   each entry:   | flags | ms-diff | seq-diff | [num-fields field_1] value_1
//                 ... [field_N] value_N | lp-count |
//
// flags: 1 = deleted (a tombstone, skipped by readers), 2 = same fields as
// the master entry (then num-fields and the field names are omitted). The
// id is stored as the difference from the node's master id; lp-count is the
// number of elements before it in the entry (to walk backwards). A node
// takes new entries until it holds stream-node-max-entries entries (live
// and deleted) or would pass stream-node-max-bytes; XDEL and trimming mark
// entries deleted, and a node goes when its live count reaches 0.
//
// Consumer groups (created on demand) each hold their last delivered id,
// an entries-read counter, a pending entries list (PEL: id -> NACK with
// delivery time, count and owner) and consumers, each with its own PEL of
// the same NACKs. Groups and consumers are ordered by name as in Redis's
// radix trees, so replies list them in the same order.
//
// Loop thread only; a fork child reads it for snapshots.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>

#include "server/types/stream_id.h"
#include "server/types/stream_node_index.h"

namespace replikv {

struct StreamConsumer;

// One pending entry: delivered, not yet acknowledged.
struct StreamNack {
  int64_t delivery_time = 0;  // unix ms of the last delivery
  uint64_t delivery_count = 0;
  StreamConsumer* consumer = nullptr;
};

struct StreamConsumer {
  std::string name;
  int64_t seen_time = 0;  // unix ms of the last interaction
  std::map<StreamID, StreamNack*> pel;  // shares the group's NACKs
};

// Redis's SCG_INVALID_ENTRIES_READ: the group's read counter is unknown.
inline constexpr int64_t kInvalidEntriesRead = -1;

struct StreamGroup {
  StreamID last_id;
  int64_t entries_read = kInvalidEntriesRead;
  std::map<StreamID, StreamNack*> pel;  // owns the NACKs
  std::map<std::string, StreamConsumer*, std::less<>> consumers;  // owns them
  ~StreamGroup();
};

class Stream {
 public:
  // Node master id -> listpack (the listpacks are owned by the Stream).
  using NodeMap = StreamNodeIndex;
  using GroupMap = std::map<std::string, StreamGroup*, std::less<>>;

  Stream() = default;
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  Stream* Clone() const;

  NodeMap nodes;
  uint64_t length = 0;
  StreamID last_id;
  StreamID first_id;
  StreamID max_deleted_entry_id;
  uint64_t entries_added = 0;
  GroupMap groups;

  // XADD's append. `use_id` null: the next id from now_ms (Redis's
  // streamNextID); with !seq_given only its ms part is used. Node limits are
  // stream-node-max-bytes / -entries (0 = unlimited).
  enum class AppendResult { kOk, kIdTooSmall, kTooLarge };
  AppendResult Append(std::span<const std::string_view> fields_values, const StreamID* use_id, bool seq_given,
                      int64_t now_ms, int64_t node_max_bytes, int64_t node_max_entries, StreamID* added);

  // Trimming as Redis 7.0's streamTrim: whole nodes go while they can;
  // `approx` stops at the first node that cannot go whole; `limit` (0 = no
  // limit) bounds the entries removed. Returns the number removed.
  struct TrimArgs {
    enum Strategy { kNone, kMaxlen, kMinid };
    Strategy strategy = kNone;
    bool approx = false;
    int64_t limit = 0;
    int64_t maxlen = 0;
    StreamID minid;
  };
  int64_t Trim(const TrimArgs& args);

  // Marks one entry deleted; false when it is not there.
  bool Delete(StreamID id);
  bool EntryExists(StreamID id);
  // The first or last id (tombstones skipped or not); when there is none,
  // Max() for the first and 0-0 for the last.
  StreamID EdgeID(bool first, bool skip_tombstones);
  // Recomputes first_id after deletions.
  void UpdateFirstId();

  // Consumer groups. Create returns null when the name exists.
  StreamGroup* FindGroup(std::string_view name) const;
  StreamGroup* CreateGroup(std::string_view name, StreamID id, int64_t entries_read);
  bool DestroyGroup(std::string_view name);
  static StreamConsumer* FindConsumer(StreamGroup* g, std::string_view name);
  // Null when the name exists.
  static StreamConsumer* CreateConsumer(StreamGroup* g, std::string_view name, int64_t now_ms);
  // Removes the consumer and its pending entries; returns how many it had.
  static uint64_t DeleteConsumer(StreamGroup* g, std::string_view name);

  // Lag bookkeeping (Redis's streamRangeHasTombstones and
  // streamEstimateDistanceFromFirstEverEntry).
  bool RangeHasTombstones(StreamID start, const StreamID* end) const;
  int64_t EstimateDistanceFromFirstEverEntry(StreamID id) const;
  // A group's lag as XINFO reports it; false when it cannot be known.
  bool GroupLag(const StreamGroup& g, int64_t* lag) const;

  // The node count Redis's radix tree would have for these node keys
  // (XINFO STREAM radix-tree-nodes).
  size_t RaxNodeCount() const;
  size_t AllocatedBytes() const;
};

// Walks entries in [start, end] (inclusive; null = open), forwards or
// backwards, as Redis's streamIterator. Tombstones are skipped unless
// skip_tombstones is cleared before the first GetID.
class StreamIterator {
 public:
  StreamIterator(Stream* s, const StreamID* start, const StreamID* end, bool rev);
  // The next entry: its id and number of fields; false at the end.
  bool GetID(StreamID* id, int64_t* numfields);
  // The next field and value of the current entry (call numfields times).
  void GetField(std::string_view* field, std::string_view* value);
  // Marks the current entry (id `current`) deleted and continues after it.
  void RemoveEntry(const StreamID& current);
  bool current_deleted() const { return entry_flags_ & 1; }

  bool skip_tombstones = true;

 private:
  void Seek();
  std::string_view ReadElement(uint8_t* p, char* buf);

  Stream* s_;
  StreamID start_, end_;
  bool rev_;
  Stream::NodeMap::iterator node_;
  bool node_valid_ = false;  // node_ is the current node
  bool started_ = false;
  StreamID master_id_;
  uint8_t* lp_ = nullptr;
  uint8_t* lp_ele_ = nullptr;
  uint8_t* lp_flags_ = nullptr;
  uint8_t* master_fields_start_ = nullptr;
  uint8_t* master_fields_ptr_ = nullptr;
  uint64_t master_fields_count_ = 0;
  int64_t entry_flags_ = 0;
  char field_buf_[24];
  char value_buf_[24];
};

// Entry flags inside a node.
inline constexpr int64_t kStreamItemDeleted = 1;
inline constexpr int64_t kStreamItemSameFields = 2;

}  // namespace replikv
