// StreamNodeIndex: a stream's listpack nodes in master-id order (the role
// of the radix tree in Redis's t_stream.c).
//
// Why not a std::map: it costs a 64-byte allocation per node (three links,
// a colour and the pair), so a 1M-entry stream of 100-entry nodes carried
// ~640 KB of index. Why not one sorted vector: XDEL can empty a node in the
// middle, and with stream-node-max-entries 1 every XDEL would move the whole
// array. So: a two-level array, close to a B+tree of height two that never
// splits (keys only ever arrive at the end):
//
//   chunks_: | Chunk* | Chunk* | ... |        (head_ = first live slot)
//   Chunk:   | begin | end | cap | Entry[cap] |   Entry = | id 16B | lp 8B |
//
// 24 bytes per node plus a chunk header per kChunkEntries nodes. Costs, for
// n nodes and K = kChunkEntries:
//   push_back (XADD, RDB load)   O(1) amortised: into the last chunk, a new
//                                chunk when it is full.
//   erase of the first node      O(1): ++begin; an emptied first chunk moves
//   (XTRIM / MAXLEN / MINID)     head_ on, and the dead prefix of chunks_ is
//                                dropped once it is half the array.
//   erase in the middle (XDEL)   O(K) within the chunk; O(n/K) pointer moves
//                                when the chunk empties or merges.
//   lower_bound / upper_bound    O(log n): binary search over chunks (by
//                                their last id), then inside one.
//   ++ / --                      O(1).
// A chunk that falls under K/4 merges with a neighbour when both fit in one,
// so deletions cannot leave the index much larger than its entries. Chunks
// grow by doubling up to K, so a small stream pays for the nodes it has.
//
// Iterators are (chunk slot, entry slot) pairs: any erase invalidates all of
// them (erase returns the next one); push_back keeps them. The listpacks are
// owned by the Stream, not by the index. Loop thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <vector>

#include "server/types/stream_id.h"

namespace replikv {

class StreamNodeIndex {
 public:
  struct Entry {
    StreamID id;  // the node's master id: never changed once inserted
    uint8_t* lp;
  };

 private:
  // A chunk's header; its `cap` entries follow it in the same allocation.
  struct Chunk {
    uint32_t begin;  // live entries are e()[begin, end)
    uint32_t end;
    uint32_t cap;
    uint32_t unused;
    Entry* e() { return reinterpret_cast<Entry*>(this + 1); }
  };
  static_assert(sizeof(Chunk) == 16 && alignof(Entry) <= 16);

 public:
  // Entries per full chunk: a 16-byte header and 127 entries are 3064 bytes,
  // inside jemalloc's 3072-byte size class.
  static constexpr uint32_t kChunkEntries = 127;

  class Iterator {
   public:
    using iterator_category = std::bidirectional_iterator_tag;
    using value_type = Entry;
    using difference_type = std::ptrdiff_t;
    using pointer = Entry*;
    using reference = Entry&;

    Iterator() = default;
    Entry& operator*() const { return idx_->chunks_[c_]->e()[s_]; }
    Entry* operator->() const { return &**this; }
    Iterator& operator++() {
      Chunk* ch = idx_->chunks_[c_];
      if (++s_ == ch->end) {
        ++c_;
        s_ = c_ < idx_->chunks_.size() ? idx_->chunks_[c_]->begin : 0;
      }
      return *this;
    }
    Iterator& operator--() {
      if (c_ == idx_->chunks_.size() || s_ == idx_->chunks_[c_]->begin) {
        --c_;
        s_ = idx_->chunks_[c_]->end;
      }
      --s_;
      return *this;
    }
    bool operator==(const Iterator& o) const { return c_ == o.c_ && s_ == o.s_; }

   private:
    friend class StreamNodeIndex;
    Iterator(const StreamNodeIndex* idx, size_t c, uint32_t s) : idx_(idx), c_(c), s_(s) {}
    const StreamNodeIndex* idx_ = nullptr;
    size_t c_ = 0;    // index into chunks_ (chunks_.size() at the end)
    uint32_t s_ = 0;  // index into that chunk's e[]
  };
  using iterator = Iterator;

  StreamNodeIndex() = default;
  ~StreamNodeIndex() { clear(); }
  StreamNodeIndex(const StreamNodeIndex&) = delete;
  StreamNodeIndex& operator=(const StreamNodeIndex&) = delete;

  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }
  Iterator begin() const { return empty() ? end() : Iterator(this, head_, chunks_[head_]->begin); }
  Iterator end() const { return Iterator(this, chunks_.size(), 0); }
  // The last node (XADD's append target). Not on an empty index.
  Entry& back() const {
    Chunk* ch = chunks_.back();
    return ch->e()[ch->end - 1];
  }

  // Adds a node after the last one; `id` must be greater than back().id.
  void push_back(StreamID id, uint8_t* lp);
  // Removes the node at `it` (not its listpack) and returns the one after it.
  Iterator erase(Iterator it);
  // The first node whose id is >= / > `id`, else end().
  Iterator lower_bound(const StreamID& id) const { return Search(id, false); }
  Iterator upper_bound(const StreamID& id) const { return Search(id, true); }
  // Drops every node (not their listpacks).
  void clear();

  // Heap bytes of the index itself (MEMORY USAGE).
  size_t AllocatedBytes() const;

 private:
  static Chunk* NewChunk(uint32_t cap);
  static Chunk* GrowChunk(Chunk* ch, uint32_t cap);
  static size_t ChunkBytes(uint32_t cap) { return sizeof(Chunk) + size_t{cap} * sizeof(Entry); }
  Iterator Search(const StreamID& id, bool strict) const;
  // Merges chunk c with a neighbour when it is small and both fit in one;
  // true when it did (the chunk slots after c then shift).
  bool MaybeMerge(size_t c);
  void RemoveChunkSlot(size_t c);

  std::vector<Chunk*> chunks_;  // [head_, size()) are live, none empty
  size_t head_ = 0;
  size_t size_ = 0;
};

}  // namespace replikv
