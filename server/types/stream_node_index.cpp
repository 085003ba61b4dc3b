#include "server/types/stream_node_index.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "server/base/assert.h"

namespace replikv {
namespace {

// Chunk capacities as a chunk grows, each chosen so that the 16-byte header
// and the entries (24 bytes each) fill a jemalloc size class: 64, 112, 256,
// 512, 1024, 2048 and 3072 bytes.
constexpr uint32_t kCaps[] = {2, 4, 10, 20, 42, 84, StreamNodeIndex::kChunkEntries};

uint32_t NextCap(uint32_t cap) {
  for (uint32_t c : kCaps) {
    if (c > cap) return c;
  }
  return StreamNodeIndex::kChunkEntries;
}

}  // namespace

StreamNodeIndex::Chunk* StreamNodeIndex::NewChunk(uint32_t cap) {
  void* p = std::malloc(ChunkBytes(cap));
  if (p == nullptr) OutOfMemory(ChunkBytes(cap));
  auto* ch = static_cast<Chunk*>(p);
  ch->begin = ch->end = 0;
  ch->cap = cap;
  ch->unused = 0;
  return ch;
}

StreamNodeIndex::Chunk* StreamNodeIndex::GrowChunk(Chunk* ch, uint32_t cap) {
  void* p = std::realloc(ch, ChunkBytes(cap));
  if (p == nullptr) OutOfMemory(ChunkBytes(cap));
  ch = static_cast<Chunk*>(p);
  ch->cap = cap;
  return ch;
}

void StreamNodeIndex::push_back(StreamID id, uint8_t* lp) {
  RKV_ASSERT(empty() || back().id < id);
  Chunk* ch = empty() ? nullptr : chunks_.back();
  if (ch != nullptr && ch->end == ch->cap) {
    if (ch->begin > 0 && ch->begin >= ch->cap / 4) {
      // Front trims freed a quarter or more: slide down rather than grow.
      std::memmove(ch->e(), ch->e() + ch->begin, (ch->end - ch->begin) * sizeof(Entry));
      ch->end -= ch->begin;
      ch->begin = 0;
    } else if (ch->cap < kChunkEntries) {
      ch = GrowChunk(ch, NextCap(ch->cap));
      chunks_.back() = ch;
    } else {
      ch = nullptr;
    }
  }
  if (ch == nullptr) {
    // The first chunk starts small; later ones follow a full chunk, so the
    // stream is already large.
    ch = NewChunk(empty() ? kCaps[0] : kChunkEntries);
    chunks_.push_back(ch);
  }
  ch->e()[ch->end++] = {id, lp};
  ++size_;
}

StreamNodeIndex::Iterator StreamNodeIndex::erase(Iterator it) {
  const size_t c = it.c_;
  const uint32_t s = it.s_;
  Chunk* ch = chunks_[c];
  Entry* e = ch->e();
  // Close the gap from the shorter side; `next` is then the slot of the
  // entry that followed the erased one.
  uint32_t next;
  if (s == ch->begin) {
    ++ch->begin;
    next = s + 1;
  } else if (s + 1 == ch->end) {
    --ch->end;
    next = s;
  } else if (s - ch->begin < ch->end - s - 1) {
    std::memmove(e + ch->begin + 1, e + ch->begin, (s - ch->begin) * sizeof(Entry));
    ++ch->begin;
    next = s + 1;
  } else {
    std::memmove(e + s, e + s + 1, (ch->end - s - 1) * sizeof(Entry));
    --ch->end;
    next = s;
  }
  if (--size_ == 0) {
    clear();
    return end();
  }
  if (ch->begin == ch->end) {
    const bool was_first = c == head_;
    std::free(ch);
    RemoveChunkSlot(c);
    // The chunk after the removed one now sits at head_ (it was the first)
    // or at c (one in the middle).
    size_t at = was_first ? head_ : c;
    return at < chunks_.size() ? Iterator(this, at, chunks_[at]->begin) : end();
  }
  Iterator following = next < ch->end ? Iterator(this, c, next)
                       : c + 1 < chunks_.size() ? Iterator(this, c + 1, chunks_[c + 1]->begin)
                                                : end();
  if (ch->end - ch->begin >= kChunkEntries / 4) return following;
  if (following == end()) {
    MaybeMerge(c);
    return end();
  }
  const StreamID next_id = following->id;
  if (!MaybeMerge(c)) return following;
  return lower_bound(next_id);
}

bool StreamNodeIndex::MaybeMerge(size_t c) {
  // Fold chunk `from` into chunk `into` (its left neighbour): compact
  // `into` to slot 0, grow it if needed, copy, drop `from`'s slot.
  auto fold = [this](size_t into, size_t from) {
    Chunk* dst = chunks_[into];
    Chunk* src = chunks_[from];
    const uint32_t n_dst = dst->end - dst->begin;
    const uint32_t n_src = src->end - src->begin;
    if (dst->begin > 0) {
      std::memmove(dst->e(), dst->e() + dst->begin, n_dst * sizeof(Entry));
      dst->begin = 0;
      dst->end = n_dst;
    }
    uint32_t cap = dst->cap;
    while (cap < n_dst + n_src) cap = NextCap(cap);
    if (cap != dst->cap) chunks_[into] = dst = GrowChunk(dst, cap);
    std::memcpy(dst->e() + dst->end, src->e() + src->begin, n_src * sizeof(Entry));
    dst->end += n_src;
    std::free(src);
    RemoveChunkSlot(from);
  };
  const uint32_t n = chunks_[c]->end - chunks_[c]->begin;
  if (c > head_ && chunks_[c - 1]->end - chunks_[c - 1]->begin + n <= kChunkEntries) {
    fold(c - 1, c);
    return true;
  }
  if (c + 1 < chunks_.size() && chunks_[c + 1]->end - chunks_[c + 1]->begin + n <= kChunkEntries) {
    fold(c, c + 1);
    return true;
  }
  return false;
}

void StreamNodeIndex::RemoveChunkSlot(size_t c) {
  if (c != head_) {
    chunks_.erase(chunks_.begin() + static_cast<std::ptrdiff_t>(c));
    return;
  }
  // The first chunk: the slot stays dead until the dead prefix is half the
  // array, so trimming from the front moves each pointer O(1) times.
  chunks_[c] = nullptr;
  ++head_;
  if (head_ * 2 >= chunks_.size()) {
    chunks_.erase(chunks_.begin(), chunks_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }
}

StreamNodeIndex::Iterator StreamNodeIndex::Search(const StreamID& id, bool strict) const {
  auto before = [&](const Entry& e) { return strict ? e.id <= id : e.id < id; };
  // The first chunk whose last node is not before `id` holds the answer.
  auto c = std::partition_point(chunks_.begin() + static_cast<std::ptrdiff_t>(head_), chunks_.end(),
                                [&](Chunk* ch) { return before(ch->e()[ch->end - 1]); });
  if (c == chunks_.end()) return end();
  Chunk* ch = *c;
  Entry* s = std::partition_point(ch->e() + ch->begin, ch->e() + ch->end, before);
  return Iterator(this, static_cast<size_t>(c - chunks_.begin()), static_cast<uint32_t>(s - ch->e()));
}

void StreamNodeIndex::clear() {
  for (size_t c = head_; c < chunks_.size(); ++c) std::free(chunks_[c]);
  std::vector<Chunk*>().swap(chunks_);
  head_ = 0;
  size_ = 0;
}

size_t StreamNodeIndex::AllocatedBytes() const {
  size_t n = chunks_.capacity() * sizeof(Chunk*);
  for (size_t c = head_; c < chunks_.size(); ++c) n += ChunkBytes(chunks_[c]->cap);
  return n;
}

}  // namespace replikv
