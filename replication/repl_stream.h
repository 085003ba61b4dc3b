// ReplStream: the replication stream of a node, held once for the backlog and
// for every replica's output (Redis 7.0's shared replication buffer,
// server.repl_buffer_blocks).
//
// The stream is a list of fixed-size blocks appended at the tail. Two kinds
// of owners reference blocks:
//   - the backlog: a window over at least the last backlog_size() bytes,
//     from which a PSYNC can be served;
//   - readers: one per replica, a cursor into the stream that keeps its block
//     and every later one alive until the replica has been sent them, even
//     after the backlog has moved past them.
// A block is freed once no owner references it or an earlier block, so N
// replicas cost one copy of the stream, not N.
//
// Unlike Redis 7.0, whose backlog never trims past a block a replica still
// references (a lagging replica stretches repl_backlog_histlen), the window
// here is backlog_size() rounded up to whole blocks whatever the readers
// hold; the memory held is the same, INFO's histlen stays near the setting.
//
// Offsets. Every offset in this class is a position between stream bytes:
// position P lies just after the P-th byte ever produced, so end_offset() is
// Redis's master_repl_offset and a reader at position P has been sent P bytes
// (and would report P in REPLCONF ACK). Redis's wire offsets name bytes
// instead, counting from 1: PSYNC <id> O asks for the byte after position
// O - 1, and INFO's repl_backlog_first_byte_offset is backlog_start() + 1.
// +FULLRESYNC <id> O announces position O, where the replica's reader starts.
//
// Lifecycle of a replica's reader:
//   - partial resync: CanServeFrom(psync_offset - 1), then
//     AddReader(psync_offset - 1) and send the backlog through it;
//   - full resync: AddReader(end_offset()) when the RDB child forks (the
//     reader holds every write made during the BGSAVE, however far the
//     backlog trims meanwhile); send nothing through it until the RDB is
//     out; a replica joining a running BGSAVE starts at the first replica's
//     ReaderOffset() instead;
//   - online: GatherIov() + uv_try_write()/uv_write(), then Consume() the
//     bytes once written; RemoveReader() when the link goes.
//
// Owned by the loop thread; not thread-safe.
#pragma once

#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string_view>
#include <vector>

#include "replication/repl_id.h"

namespace replikv::repl {

class ReplStream {
 public:
  using ReaderId = uint32_t;

  static constexpr size_t kDefaultBlockSize = 16 * 1024;
  // Backlog blocks released per Append() (plus one per block it filled), so
  // one write never pays for a large shrink of repl-backlog-size (Redis's
  // REPL_BACKLOG_TRIM_BLOCKS_PER_CALL); Trim() from cron does the rest.
  static constexpr size_t kTrimBlocksPerAppend = 64;

  // A stream at offset 0 without a backlog. `block_size` is for tests; the
  // server uses kDefaultBlockSize.
  explicit ReplStream(size_t backlog_size, size_t block_size = kDefaultBlockSize);
  ~ReplStream();
  ReplStream(const ReplStream&) = delete;
  ReplStream& operator=(const ReplStream&) = delete;

  // ---- The stream ---------------------------------------------------------

  // Appends `bytes` at end_offset() and advances it. With neither a backlog
  // nor a reader nobody could read the bytes, so they are only counted.
  // Redis does not advance master_repl_offset then at all; callers that
  // want its numbers do not feed the stream in that state. Trims at most
  // kTrimBlocksPerAppend + (blocks filled) backlog blocks.
  void Append(std::string_view bytes);

  // Redis's master_repl_offset: bytes ever appended (since the last
  // ResetBacklog()).
  int64_t end_offset() const { return end_; }

  // ---- The backlog --------------------------------------------------------

  // repl-backlog-size. A smaller size takes effect in steps (Append, Trim);
  // a larger one lets the window grow as new bytes arrive (history already
  // freed is not recovered). Redis clamps the directive to at least 16 KiB;
  // that is the config layer's job.
  void SetBacklogSize(size_t bytes);
  size_t backlog_size() const { return backlog_size_; }

  bool has_backlog() const { return has_backlog_; }
  // An empty backlog starting at end_offset() (Redis's
  // createReplicationBacklog()). No-op if one exists.
  void CreateBacklog();
  // Drops the backlog (repl-backlog-ttl passed without replicas; a replica
  // never frees its own). Readers keep what they still have to send.
  void FreeBacklog();
  // A new history that starts at `offset`: every block is dropped,
  // end_offset() becomes `offset` and an empty backlog starts there (a
  // replica after loading the RDB of a full sync).
  // REQUIRES: no readers (the sub-replicas were disconnected first, as Redis
  // does, since they follow the old history).
  void ResetBacklog(int64_t offset);

  // First position of the window; histlen = end_offset() - backlog_start().
  // Meaningless without a backlog.
  int64_t backlog_start() const { return backlog_start_; }
  int64_t backlog_first_byte_offset() const { return backlog_start_ + 1; }
  int64_t backlog_histlen() const { return has_backlog_ ? end_ - backlog_start_ : 0; }
  // The window in Redis's terms, for ReplIdentity::CanContinue().
  BacklogWindow window() const;
  // Whether a reader starting at position `offset` can be fed from the
  // backlog: backlog_start() <= offset <= end_offset().
  bool CanServeFrom(int64_t offset) const;

  // Releases up to `max_blocks` blocks from the front of the backlog while
  // it holds more than backlog_size() bytes without them (cron calls this
  // after a shrink). Returns the number released.
  size_t Trim(size_t max_blocks);

  // ---- Readers ------------------------------------------------------------

  // Whether a reader can start at `offset`: its bytes are still held (by the
  // backlog or by another reader), or it is end_offset().
  bool CanAddReaderAt(int64_t offset) const;
  // A cursor at position `from_offset`. REQUIRES: CanAddReaderAt(from_offset).
  ReaderId AddReader(int64_t from_offset);
  // Releases the reader's blocks. REQUIRES: no uv_write of its bytes is in
  // flight (the buffers would be freed under libuv).
  void RemoveReader(ReaderId reader);
  size_t reader_count() const { return reader_count_; }

  // Position of the next byte to send (bytes sent so far, as an offset).
  int64_t ReaderOffset(ReaderId reader) const;
  // Bytes appended but not yet consumed by the reader.
  size_t PendingBytes(ReaderId reader) const { return end_ - ReaderOffset(reader); }
  // Fills up to `max_iov` buffers, at most `max_bytes` in total, with the
  // reader's pending bytes in order; returns how many buffers were filled
  // (0 when nothing is pending). The buffers stay valid until the reader
  // consumes past them or is removed; Append() never moves them.
  int GatherIov(ReaderId reader, uv_buf_t* iov, int max_iov, size_t max_bytes) const;
  // Marks `n` bytes as sent: call it after uv_try_write() returned n, or in
  // the write callback of a uv_write(). Blocks no longer referenced are
  // freed. REQUIRES: n <= PendingBytes(reader).
  void Consume(ReaderId reader, size_t n);

  // ---- Memory -------------------------------------------------------------

  // Bytes allocated for all blocks (headers included).
  size_t memory_total() const { return blocks_.size() * block_memory(); }
  // Blocks from the backlog's first block to the tail: INFO
  // mem_replication_backlog.
  size_t backlog_memory() const;
  // Blocks before the backlog window, held only by readers: the replicas'
  // share of INFO mem_clients_slaves.
  size_t readers_only_memory() const { return memory_total() - backlog_memory(); }
  // Blocks from the reader's block to the tail, as Redis 7.0 counts a
  // replica's output buffer for client-output-buffer-limit and CLIENT LIST
  // omem (whole blocks, shared ones included).
  size_t ReaderMemory(ReaderId reader) const;
  size_t block_count() const { return blocks_.size(); }
  size_t block_size() const { return block_size_; }

 private:
  struct Block {
    int64_t start;   // position of data[0]
    size_t begin;    // index of the first byte stored (see Append)
    size_t used;     // index after the last byte stored
    uint32_t refs;   // readers (and the backlog) whose cursor is in here
    std::unique_ptr<char[]> data;
  };
  struct ReaderSlot {
    int64_t pos = 0;
    bool in_use = false;
  };

  size_t block_memory() const { return block_size_ + sizeof(Block); }
  int64_t BlockIdOf(int64_t pos) const;
  int64_t last_id() const { return first_id_ + static_cast<int64_t>(blocks_.size()) - 1; }
  int64_t FutureId() const;
  Block* BlockById(int64_t id);
  const Block* BlockById(int64_t id) const;
  void Ref(int64_t pos);
  void Unref(int64_t pos);
  void FreeUnreferencedHead();
  const ReaderSlot& Slot(ReaderId reader) const;

  const size_t block_size_;
  size_t backlog_size_;
  int64_t end_ = 0;
  // Blocks are aligned on origin_ + k * block_size_; block id k covers
  // positions [origin_ + k*B, origin_ + (k+1)*B).
  int64_t origin_ = 0;
  std::deque<Block> blocks_;
  int64_t first_id_ = 0;  // id of blocks_.front()
  // References to the block that will hold the next byte when it does not
  // exist yet (a reader or backlog at end_offset() on a block boundary).
  uint32_t future_refs_ = 0;
  bool has_backlog_ = false;
  int64_t backlog_start_ = 0;
  std::vector<ReaderSlot> readers_;
  std::vector<ReaderId> free_slots_;
  size_t reader_count_ = 0;
};

}  // namespace replikv::repl
