#include "replication/repl_stream.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include <spdlog/spdlog.h>

namespace replikv::repl {

namespace {

// A broken invariant of the stream would send replicas wrong bytes at the
// right offsets, which no later check can detect: stop, as Redis's
// serverAssert does.
#define STREAM_CHECK(cond)                                                  \
  do {                                                                      \
    if (!(cond)) {                                                          \
      spdlog::critical("ReplStream invariant failed: {} ({}:{})", #cond,    \
                       __FILE__, __LINE__);                                 \
      std::abort();                                                         \
    }                                                                       \
  } while (0)

}  // namespace

ReplStream::ReplStream(size_t backlog_size, size_t block_size)
    : block_size_(block_size), backlog_size_(backlog_size) {
  STREAM_CHECK(block_size_ > 0);
}

ReplStream::~ReplStream() = default;

int64_t ReplStream::BlockIdOf(int64_t pos) const {
  STREAM_CHECK(pos >= origin_);
  return (pos - origin_) / static_cast<int64_t>(block_size_);
}

// The id of the block the next appended byte lands in when that block does
// not exist yet: after the tail, or end_'s block when no block is held.
int64_t ReplStream::FutureId() const {
  return blocks_.empty() ? BlockIdOf(end_) : last_id() + 1;
}

ReplStream::Block* ReplStream::BlockById(int64_t id) {
  if (blocks_.empty() || id < first_id_ || id > last_id()) return nullptr;
  return &blocks_[static_cast<size_t>(id - first_id_)];
}

const ReplStream::Block* ReplStream::BlockById(int64_t id) const {
  if (blocks_.empty() || id < first_id_ || id > last_id()) return nullptr;
  return &blocks_[static_cast<size_t>(id - first_id_)];
}

void ReplStream::Ref(int64_t pos) {
  int64_t id = BlockIdOf(pos);
  if (Block* b = BlockById(id)) {
    b->refs++;
    return;
  }
  // Only end_offset() can lie in a block that is not allocated yet.
  STREAM_CHECK(pos == end_ && id == FutureId());
  future_refs_++;
}

void ReplStream::Unref(int64_t pos) {
  int64_t id = BlockIdOf(pos);
  if (Block* b = BlockById(id)) {
    STREAM_CHECK(b->refs > 0);
    b->refs--;
    return;
  }
  STREAM_CHECK(id == FutureId() && future_refs_ > 0);
  future_refs_--;
}

// Only the front is freed: a reference to a block keeps every later block,
// since its owner will read them all.
void ReplStream::FreeUnreferencedHead() {
  while (!blocks_.empty() && blocks_.front().refs == 0) {
    blocks_.pop_front();
    first_id_++;
  }
}

void ReplStream::Append(std::string_view bytes) {
  if (bytes.empty()) return;
  if (!has_backlog_ && reader_count_ == 0) {
    STREAM_CHECK(blocks_.empty());
    end_ += static_cast<int64_t>(bytes.size());
    return;
  }
  size_t new_blocks = 0;
  while (!bytes.empty()) {
    Block* tail = blocks_.empty() ? nullptr : &blocks_.back();
    if (tail == nullptr || tail->used == block_size_) {
      new_blocks++;
      int64_t id = FutureId();
      Block b;
      b.start = origin_ + id * static_cast<int64_t>(block_size_);
      // Non-zero only for a block started after every block was freed, in
      // the middle of its range: the bytes before end_ were never stored
      // and nobody can ask for them.
      b.begin = static_cast<size_t>(end_ - b.start);
      b.used = b.begin;
      b.refs = future_refs_;
      b.data.reset(new char[block_size_]);
      future_refs_ = 0;
      if (blocks_.empty()) first_id_ = id;
      blocks_.push_back(std::move(b));
      tail = &blocks_.back();
    }
    size_t n = std::min(bytes.size(), block_size_ - tail->used);
    std::memcpy(tail->data.get() + tail->used, bytes.data(), n);
    tail->used += n;
    end_ += static_cast<int64_t>(n);
    bytes.remove_prefix(n);
  }
  // Redis puts a large write in one large block; here it spans many, so the
  // budget grows with them: a 100 MB value must not leave 100 MB in a 1 MB
  // backlog, and the work stays proportional to the bytes appended.
  Trim(kTrimBlocksPerAppend + new_blocks);
}

void ReplStream::SetBacklogSize(size_t bytes) {
  backlog_size_ = bytes;
  if (has_backlog_) Trim(kTrimBlocksPerAppend);
}

void ReplStream::CreateBacklog() {
  if (has_backlog_) return;
  has_backlog_ = true;
  backlog_start_ = end_;
  Ref(backlog_start_);
}

void ReplStream::FreeBacklog() {
  if (!has_backlog_) return;
  Unref(backlog_start_);
  has_backlog_ = false;
  FreeUnreferencedHead();
}

void ReplStream::ResetBacklog(int64_t offset) {
  STREAM_CHECK(reader_count_ == 0);
  blocks_.clear();
  first_id_ = 0;
  future_refs_ = 0;
  has_backlog_ = false;
  origin_ = offset;
  end_ = offset;
  CreateBacklog();
}

BacklogWindow ReplStream::window() const {
  BacklogWindow w;
  w.exists = has_backlog_;
  if (has_backlog_) {
    w.first_byte_offset = backlog_first_byte_offset();
    w.histlen = backlog_histlen();
  }
  return w;
}

bool ReplStream::CanServeFrom(int64_t offset) const {
  return has_backlog_ && offset >= backlog_start_ && offset <= end_;
}

size_t ReplStream::Trim(size_t max_blocks) {
  size_t trimmed = 0;
  while (has_backlog_ && trimmed < max_blocks &&
         static_cast<size_t>(end_ - backlog_start_) > backlog_size_) {
    int64_t id = BlockIdOf(backlog_start_);
    // The block the newest bytes go to stays: the window never drops to
    // less than one block (nor to less than backlog_size bytes, below).
    if (id >= last_id()) break;
    int64_t next_start = origin_ + (id + 1) * static_cast<int64_t>(block_size_);
    // As Redis's incrementalTrimReplicationBacklog(): release a block only
    // if the window still holds more than backlog_size bytes without it.
    if (static_cast<size_t>(end_ - next_start) <= backlog_size_) break;
    Unref(backlog_start_);
    backlog_start_ = next_start;
    Ref(backlog_start_);
    trimmed++;
  }
  if (trimmed > 0) FreeUnreferencedHead();
  return trimmed;
}

bool ReplStream::CanAddReaderAt(int64_t offset) const {
  if (offset == end_) return true;
  if (offset > end_ || offset < origin_ || blocks_.empty()) return false;
  // Blocks are contiguous from the head to end_; the head may start
  // mid-range (see Append).
  const Block& head = blocks_.front();
  return offset >= head.start + static_cast<int64_t>(head.begin);
}

ReplStream::ReaderId ReplStream::AddReader(int64_t from_offset) {
  STREAM_CHECK(CanAddReaderAt(from_offset));
  ReaderId id;
  if (!free_slots_.empty()) {
    id = free_slots_.back();
    free_slots_.pop_back();
  } else {
    id = static_cast<ReaderId>(readers_.size());
    readers_.emplace_back();
  }
  readers_[id].pos = from_offset;
  readers_[id].in_use = true;
  reader_count_++;
  Ref(from_offset);
  return id;
}

void ReplStream::RemoveReader(ReaderId reader) {
  const ReaderSlot& slot = Slot(reader);
  Unref(slot.pos);
  readers_[reader].in_use = false;
  free_slots_.push_back(reader);
  reader_count_--;
  FreeUnreferencedHead();
}

const ReplStream::ReaderSlot& ReplStream::Slot(ReaderId reader) const {
  STREAM_CHECK(reader < readers_.size() && readers_[reader].in_use);
  return readers_[reader];
}

int64_t ReplStream::ReaderOffset(ReaderId reader) const { return Slot(reader).pos; }

int ReplStream::GatherIov(ReaderId reader, uv_buf_t* iov, int max_iov,
                          size_t max_bytes) const {
  int64_t pos = Slot(reader).pos;
  int n = 0;
  while (n < max_iov && max_bytes > 0 && pos < end_) {
    const Block* b = BlockById(BlockIdOf(pos));
    STREAM_CHECK(b != nullptr);
    size_t off = static_cast<size_t>(pos - b->start);
    STREAM_CHECK(off >= b->begin && off < b->used);
    size_t len = std::min(b->used - off, max_bytes);
    iov[n] = uv_buf_init(b->data.get() + off, static_cast<unsigned int>(len));
    n++;
    pos += static_cast<int64_t>(len);
    max_bytes -= len;
  }
  return n;
}

void ReplStream::Consume(ReaderId reader, size_t n) {
  STREAM_CHECK(reader < readers_.size() && readers_[reader].in_use);
  ReaderSlot& slot = readers_[reader];
  STREAM_CHECK(n <= static_cast<size_t>(end_ - slot.pos));
  if (n == 0) return;
  int64_t old_pos = slot.pos;
  slot.pos += static_cast<int64_t>(n);
  if (BlockIdOf(old_pos) != BlockIdOf(slot.pos)) {
    Ref(slot.pos);
    Unref(old_pos);
    FreeUnreferencedHead();
  }
}

size_t ReplStream::backlog_memory() const {
  if (!has_backlog_ || blocks_.empty()) return 0;
  int64_t id = BlockIdOf(backlog_start_);
  if (id > last_id()) return 0;
  return static_cast<size_t>(last_id() - id + 1) * block_memory();
}

size_t ReplStream::ReaderMemory(ReaderId reader) const {
  int64_t id = BlockIdOf(Slot(reader).pos);
  if (blocks_.empty() || id > last_id()) return 0;
  return static_cast<size_t>(last_id() - id + 1) * block_memory();
}

}  // namespace replikv::repl
