// The entry-type-independent half of HashTable: bucket memory, chains, the
// resize policy, incremental rehash, SCAN cursors and random sampling.
#include "server/ds/hash_table.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "server/base/assert.h"

namespace replikv::hash_table_internal {
namespace {

// Fill = entries / slots (7 per head bucket). With random hashes a chain's
// size is Poisson(7 * fill); expected cache lines per lookup, before the
// entry itself, and bucket bytes per key (chains included) are:
//
//   fill   miss   hit    bytes/key
//   0.4    1.01   1.01   23.0
//   0.6    1.06   1.04   16.2
//   0.8    1.21   1.11   13.8
//   1.0    1.41   1.21   12.9
//
// Growing at 80% and doubling keeps the table between 40% and 80%: lookups
// stay within ~1.1 lines and memory within 13.8-23 B/key (Redis 7.0: 32-40).
// Past 80% memory hardly improves while misses (every SET of a new key)
// get a child bucket a fifth of the time.
bool OverFill(size_t entries, size_t buckets) {  // fill > 80%
  return entries * 5 > buckets * 28;
}
// Five times the limit: resize even while a fork()ed child exists (Redis
// 7.0 uses a ratio of 5 for dict_force_resize_ratio).
bool FarOverFill(size_t entries, size_t buckets) { return entries > buckets * 28; }
// Under 10% of the slots used: shrink (Redis 7.0's HASHTABLE_MIN_FILL).
bool UnderFill(size_t entries, size_t buckets) { return entries * 10 < buckets * 7; }

// The fewest buckets (a power of two) that hold `entries` at <= 40% fill,
// half the grow limit, so a resize never lands close to the next one.
size_t BucketsFor(size_t entries) {
  size_t buckets = 1;
  for (int i = 0; i < 62 && buckets * 14 < entries * 5; ++i) buckets <<= 1;
  return buckets;
}

// An empty head bucket costs a cache line to skip; one rehash unit may skip
// this many before it gives up, so a sparse table cannot stall an operation.
constexpr size_t kEmptyVisitsPerUnit = 10;
// Arrays from this size on come from calloc, which gets fresh zero pages
// from the kernel instead of writing 64 MiB of zeros at once.
constexpr size_t kCallocArrayBytes = 64 * 1024;
constexpr int kRandomTries = 64;
// Enough for a table at a tenth of its fill with chains two buckets deep
// (an accepted draw about 1 in 140) to fall back about once in a thousand.
constexpr int kUniformRandomTries = 1024;

// All bucket memory goes through these four functions.
Table AllocateTable(size_t count) {
  if (count > (SIZE_MAX / sizeof(Bucket)) - 1) OutOfMemory(SIZE_MAX);
  size_t bytes = count * sizeof(Bucket);
  Table t;
  t.count = count;
  if (bytes < kCallocArrayBytes) {
    t.raw = std::aligned_alloc(alignof(Bucket), bytes);
    if (t.raw == nullptr) OutOfMemory(bytes);
    std::memset(t.raw, 0, bytes);
    t.buckets = static_cast<Bucket*>(t.raw);
  } else {
    t.raw = std::calloc(1, bytes + alignof(Bucket));
    if (t.raw == nullptr) OutOfMemory(bytes);
    uintptr_t p = reinterpret_cast<uintptr_t>(t.raw);
    p = (p + alignof(Bucket) - 1) & ~uintptr_t{alignof(Bucket) - 1};
    t.buckets = reinterpret_cast<Bucket*>(p);
  }
  return t;
}

void FreeTable(Table* t) {
  std::free(t->raw);
  *t = Table();
}

Bucket* AllocateChild() {
  void* p = std::aligned_alloc(alignof(Bucket), sizeof(Bucket));
  if (p == nullptr) OutOfMemory(sizeof(Bucket));
  std::memset(p, 0, sizeof(Bucket));
  return static_cast<Bucket*>(p);
}

void FreeChild(Bucket* b) { std::free(b); }

// Calls visit for every entry of the chain at `head`.
void VisitChain(const Bucket* head, EntryVisitor visit) {
  for (const Bucket* b = head; b != nullptr; b = IsChained(b) ? ChildOf(b) : nullptr) {
    unsigned present = b->meta & kPresenceMask;
    while (present != 0) {
      visit(b->slots[std::countr_zero(present)]);
      present &= present - 1;
    }
  }
}

size_t CountChain(const Bucket* head) {
  size_t n = 0;
  for (const Bucket* b = head; b != nullptr; b = IsChained(b) ? ChildOf(b) : nullptr) {
    n += static_cast<size_t>(std::popcount(b->meta & kPresenceMask));
  }
  return n;
}

// The n-th entry of a chain (n < CountChain(head)).
void* NthInChain(const Bucket* head, size_t n) {
  for (const Bucket* b = head; b != nullptr; b = IsChained(b) ? ChildOf(b) : nullptr) {
    unsigned present = b->meta & kPresenceMask;
    size_t here = static_cast<size_t>(std::popcount(present));
    if (n < here) {
      for (; n > 0; --n) present &= present - 1;
      return b->slots[std::countr_zero(present)];
    }
    n -= here;
  }
  return nullptr;
}

uint64_t ReverseBits(uint64_t v) {
  v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
  v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
  v = ((v >> 4) & 0x0f0f0f0f0f0f0f0fULL) | ((v & 0x0f0f0f0f0f0f0f0fULL) << 4);
  return __builtin_bswap64(v);
}

// Increments the cursor's masked bits counting from the high bit down. A
// table of 2^k buckets and one of 2^j share the order of their bucket
// indexes' low bits, so buckets already visited at one size stay visited
// at the other: that is what lets a scan survive resizes (same idea as
// Redis's dictScan; written from its description).
uint64_t NextCursor(uint64_t cursor, uint64_t mask) {
  cursor |= ~mask;
  cursor = ReverseBits(cursor);
  ++cursor;
  return ReverseBits(cursor);
}

uint64_t SplitMix64(uint64_t* state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

RawTable::~RawTable() {
  // Child buckets belong to the chains; entries belong to the owner.
  Clear(EntryVisitor{nullptr, [](void*, void*) {}});
}

RawTable::RawTable(RawTable&& other) noexcept
    : hash_entry_(other.hash_entry_),
      main_(std::exchange(other.main_, Table())),
      rehash_(std::exchange(other.rehash_, Table())),
      rehash_index_(std::exchange(other.rehash_index_, 0)),
      size_(std::exchange(other.size_, 0)),
      child_count_(std::exchange(other.child_count_, 0)),
      max_chain_buckets_(std::exchange(other.max_chain_buckets_, 1)),
      resize_allowed_(other.resize_allowed_) {}

RawTable& RawTable::operator=(RawTable&& other) noexcept {
  if (this != &other) {
    Clear(EntryVisitor{nullptr, [](void*, void*) {}});
    hash_entry_ = other.hash_entry_;
    main_ = std::exchange(other.main_, Table());
    rehash_ = std::exchange(other.rehash_, Table());
    rehash_index_ = std::exchange(other.rehash_index_, 0);
    size_ = std::exchange(other.size_, 0);
    child_count_ = std::exchange(other.child_count_, 0);
    max_chain_buckets_ = std::exchange(other.max_chain_buckets_, 1);
    resize_allowed_ = other.resize_allowed_;
  }
  return *this;
}

// Chain invariant: every bucket but the last is full (six entries and the
// child pointer) and no child is empty; so a chain of n entries has at most
// 1 + n/6 buckets and appending only looks at the last one.
void** RawTable::AppendToChain(Bucket* head, uint8_t h8) {
  Bucket* last = head;
  size_t depth = 1;
  for (; IsChained(last); ++depth) last = ChildOf(last);
  unsigned free_slots = ~last->meta & kPresenceMask;
  int i;
  if (free_slots != 0) {
    i = std::countr_zero(free_slots);
  } else {
    // Full: slot 6's entry moves to a new child, slot 6 points to it.
    Bucket* child = AllocateChild();
    ++child_count_;
    max_chain_buckets_ = std::max(max_chain_buckets_, depth + 1);
    child->slots[0] = last->slots[kChildSlot];
    child->hashes[0] = last->hashes[kChildSlot];
    child->meta = 1;
    last->slots[kChildSlot] = child;
    last->meta = static_cast<uint8_t>((last->meta & ~(1u << kChildSlot)) | kChainedBit);
    last = child;
    i = 1;
  }
  last->meta = static_cast<uint8_t>(last->meta | (1u << i));
  last->hashes[i] = h8;
  last->slots[i] = nullptr;
  return &last->slots[i];
}

void** RawTable::AddSlot(uint64_t hash) {
  if (!IsRehashing()) MaybeGrow(size_ + 1);
  Table& t = IsRehashing() ? rehash_ : main_;
  void** slot = AppendToChain(&t.buckets[hash & t.mask()], HashByte(hash));
  ++size_;
  return slot;
}

void RawTable::Remove(const Position& pos) {
  Bucket* parent = nullptr;
  Bucket* last = pos.head;
  while (IsChained(last)) {
    parent = last;
    last = ChildOf(last);
  }
  if (last != pos.bucket) {
    // Fill the hole from the last bucket so only the last has free slots.
    int j = 31 - std::countl_zero(static_cast<unsigned>(last->meta & kPresenceMask));
    pos.bucket->slots[pos.slot] = last->slots[j];
    pos.bucket->hashes[pos.slot] = last->hashes[j];
    last->meta = static_cast<uint8_t>(last->meta & ~(1u << j));
  } else {
    pos.bucket->meta = static_cast<uint8_t>(pos.bucket->meta & ~(1u << pos.slot));
  }
  if ((last->meta & kPresenceMask) == 0 && parent != nullptr) {
    FreeChild(last);
    --child_count_;
    parent->slots[kChildSlot] = nullptr;
    parent->meta = static_cast<uint8_t>(parent->meta & ~kChainedBit);
  }
  --size_;
}

bool RawTable::ReplacePointer(uint64_t hash, void* old_entry, void* new_entry) {
  Bucket* heads[2];
  int n = Heads(hash, heads);
  for (int t = 0; t < n; ++t) {
    for (Bucket* b = heads[t]; b != nullptr; b = IsChained(b) ? ChildOf(b) : nullptr) {
      unsigned present = b->meta & kPresenceMask;
      while (present != 0) {
        int i = std::countr_zero(present);
        present &= present - 1;
        if (b->slots[i] == old_entry) {
          b->slots[i] = new_entry;
          return true;
        }
      }
    }
  }
  return false;
}

void RawTable::MaybeGrow(size_t new_size) {
  if (main_.count == 0) {
    main_ = AllocateTable(BucketsFor(new_size));
    return;
  }
  bool over = resize_allowed_ ? OverFill(new_size, main_.count)
                              : FarOverFill(new_size, main_.count);
  if (!over) return;
  // Double (more only if the table is far over): BucketsFor's 40% would
  // quadruple a table that just crossed 80% by a single entry.
  size_t target = main_.count * 2;
  for (int i = 0; i < 62 && OverFill(new_size, target); ++i) target <<= 1;
  StartResize(target);
}

void RawTable::StartResize(size_t buckets) {
  if (size_ == 0) {  // nothing to move: swap arrays at once
    FreeTable(&main_);
    main_ = AllocateTable(buckets);
    return;
  }
  rehash_ = AllocateTable(buckets);
  rehash_index_ = 0;
}

void RawTable::ShrinkIfNeeded() {
  if (IsRehashing() || !resize_allowed_ || main_.count == 0) return;
  if (size_ == 0) {
    FreeTable(&main_);
    return;
  }
  if (!UnderFill(size_, main_.count)) return;
  size_t target = BucketsFor(size_);
  if (target < main_.count) StartResize(target);
}

bool RawTable::RehashAllowed() const {
  return resize_allowed_ || FarOverFill(size_, std::min(main_.count, rehash_.count));
}

// Moves one bucket of the chain at `head` to rehash_: the head itself when
// it has no child, else its first child (the grandchild, if any, moves up).
// Either way the chain keeps its invariant, and a lookup that checks both
// arrays finds every entry at every moment.
void RawTable::MovePiece(Bucket* head) {
  Bucket* src = head;
  if (IsChained(head)) {
    src = ChildOf(head);
    if (IsChained(src)) {
      head->slots[kChildSlot] = src->slots[kChildSlot];
    } else {
      head->slots[kChildSlot] = nullptr;
      head->meta = static_cast<uint8_t>(head->meta & ~kChainedBit);
    }
  }
  unsigned present = src->meta & kPresenceMask;
  while (present != 0) {
    int i = std::countr_zero(present);
    present &= present - 1;
    void* e = src->slots[i];
    uint64_t hash = hash_entry_(e);
    *AppendToChain(&rehash_.buckets[hash & rehash_.mask()], HashByte(hash)) = e;
  }
  if (src != head) {
    FreeChild(src);
    --child_count_;
  } else {
    head->meta = 0;
  }
}

void RawTable::RehashUnits(size_t units) {
  if (!IsRehashing() || !RehashAllowed()) return;
  if (size_ == 0) rehash_index_ = main_.count;  // erased meanwhile: nothing to move
  size_t empty_budget = units * kEmptyVisitsPerUnit;
  while (units > 0 && rehash_index_ < main_.count) {
    Bucket* head = &main_.buckets[rehash_index_];
    if (head->meta == 0) {
      ++rehash_index_;
      if (--empty_budget == 0) break;
      continue;
    }
    MovePiece(head);
    if (head->meta == 0) ++rehash_index_;
    --units;
  }
  if (rehash_index_ == main_.count) {
    FreeTable(&main_);
    main_ = std::exchange(rehash_, Table());
    rehash_index_ = 0;
  }
}

uint64_t RawTable::Scan(uint64_t cursor, EntryVisitor visit) const {
  if (size_ == 0) return 0;
  if (!IsRehashing()) {
    VisitChain(&main_.buckets[cursor & main_.mask()], visit);
    return NextCursor(cursor, main_.mask());
  }
  // Visit the small array's bucket, then every bucket of the large array
  // that it expands to (they differ only in the bits the small mask lacks).
  const Table* small = &main_;
  const Table* large = &rehash_;
  if (small->count > large->count) std::swap(small, large);
  uint64_t small_mask = small->mask();
  uint64_t large_mask = large->mask();
  VisitChain(&small->buckets[cursor & small_mask], visit);
  do {  // at most large->count / small->count iterations
    VisitChain(&large->buckets[cursor & large_mask], visit);
    cursor = NextCursor(cursor, large_mask);
  } while ((cursor & (small_mask ^ large_mask)) != 0);
  return cursor;
}

void* RawTable::RandomEntry(uint64_t random_bits) const {
  if (size_ == 0) return nullptr;
  // Heads that may hold entries: main_ from rehash_index_ on, then rehash_.
  size_t live_main = main_.count - rehash_index_;
  size_t total = live_main + rehash_.count;
  auto head_at = [&](size_t k) -> const Bucket* {
    return k < live_main ? &main_.buckets[rehash_index_ + k] : &rehash_.buckets[k - live_main];
  };
  uint64_t state = random_bits;
  size_t k = 0;
  // Each (chain, depth, slot) is equally likely and holds at most one
  // entry, so an accepted draw is uniform over the entries.
  const size_t cells = kSlotsPerBucket * max_chain_buckets_;
  for (int attempt = 0; attempt < kUniformRandomTries; ++attempt) {
    k = SplitMix64(&state) % total;
    size_t cell = SplitMix64(&state) % cells;
    const Bucket* b = head_at(k);
    for (size_t d = cell / kSlotsPerBucket; d > 0 && b != nullptr; --d) b = IsChained(b) ? ChildOf(b) : nullptr;
    if (b == nullptr) continue;
    const unsigned slot = static_cast<unsigned>(cell % kSlotsPerBucket);
    if ((b->meta & kPresenceMask & (1u << slot)) != 0) return b->slots[slot];
  }
  for (int attempt = 0; attempt < kRandomTries; ++attempt) {
    k = SplitMix64(&state) % total;
    size_t n = CountChain(head_at(k));
    if (n != 0) return NthInChain(head_at(k), SplitMix64(&state) % n);
  }
  // Very sparse (the cron has not shrunk it yet): take the next non-empty
  // chain after the last pick; one exists since size_ > 0.
  for (size_t step = 1; step <= total; ++step) {
    const Bucket* head = head_at((k + step) % total);
    size_t n = CountChain(head);
    if (n != 0) return NthInChain(head, SplitMix64(&state) % n);
  }
  return nullptr;
}

size_t RawTable::SampleEntries(uint64_t random_bits, void** out, size_t n) const {
  if (size_ == 0 || n == 0) return 0;
  size_t live_main = main_.count - rehash_index_;
  size_t total = live_main + rehash_.count;
  uint64_t state = random_bits;
  size_t k = SplitMix64(&state) % total;
  size_t got = 0;
  const size_t max_steps = std::min(total, n * 10);
  for (size_t step = 0; step < max_steps && got < n; ++step, k = (k + 1) % total) {
    const Bucket* head = k < live_main ? &main_.buckets[rehash_index_ + k] : &rehash_.buckets[k - live_main];
    for (const Bucket* b = head; b != nullptr && got < n; b = IsChained(b) ? ChildOf(b) : nullptr) {
      for (unsigned present = b->meta & kPresenceMask; present != 0 && got < n; present &= present - 1) {
        out[got++] = b->slots[std::countr_zero(present)];
      }
    }
  }
  return got;
}

void RawTable::ForEach(EntryVisitor visit) const {
  for (size_t i = rehash_index_; i < main_.count; ++i) VisitChain(&main_.buckets[i], visit);
  for (size_t i = 0; i < rehash_.count; ++i) VisitChain(&rehash_.buckets[i], visit);
}

void RawTable::Clear(EntryVisitor free_entry) {
  for (Table* t : {&main_, &rehash_}) {
    for (size_t i = 0; i < t->count; ++i) {
      Bucket* b = &t->buckets[i];
      VisitChain(b, free_entry);
      Bucket* child = IsChained(b) ? ChildOf(b) : nullptr;
      while (child != nullptr) {
        Bucket* next = IsChained(child) ? ChildOf(child) : nullptr;
        FreeChild(child);
        child = next;
      }
    }
    FreeTable(t);
  }
  rehash_index_ = 0;
  size_ = 0;
  child_count_ = 0;
  max_chain_buckets_ = 1;
}

bool RawTable::VerifyTable(const Table& t, size_t first, size_t* entries, size_t* children,
                           std::string* why) const {
  auto fail = [&](const char* what, size_t index) {
    *why = std::string(what) + " at head " + std::to_string(index);
    return false;
  };
  for (size_t i = 0; i < t.count; ++i) {
    const Bucket* head = &t.buckets[i];
    if (i < first) {
      if (head->meta != 0) return fail("moved head is not empty", i);
      continue;
    }
    for (const Bucket* b = head; b != nullptr; b = IsChained(b) ? ChildOf(b) : nullptr) {
      if (b != head) ++*children;
      unsigned present = b->meta & kPresenceMask;
      if (IsChained(b)) {
        if (present != (kPresenceMask & ~(1u << kChildSlot))) return fail("chained bucket not full", i);
        if (ChildOf(b) == nullptr) return fail("chained bucket without child", i);
      }
      if (b != head && present == 0) return fail("empty child bucket", i);
      for (; present != 0; present &= present - 1) {
        int s = std::countr_zero(present);
        if (b->slots[s] == nullptr) return fail("null entry", i);
        uint64_t hash = hash_entry_(b->slots[s]);
        if (b->hashes[s] != HashByte(hash)) return fail("wrong hash byte", i);
        if ((hash & t.mask()) != i) return fail("entry in the wrong chain", i);
        ++*entries;
      }
    }
  }
  return true;
}

bool RawTable::Verify(std::string* why) const {
  size_t entries = 0;
  size_t children = 0;
  if (!VerifyTable(main_, IsRehashing() ? rehash_index_ : 0, &entries, &children, why)) return false;
  if (!VerifyTable(rehash_, 0, &entries, &children, why)) return false;
  if (entries != size_) {
    *why = "size " + std::to_string(size_) + " but " + std::to_string(entries) + " entries";
    return false;
  }
  if (children != child_count_) {
    *why = "child count " + std::to_string(child_count_) + " but " + std::to_string(children);
    return false;
  }
  if (std::popcount(main_.count) > 1 || std::popcount(rehash_.count) > 1) {
    *why = "bucket count not a power of two";
    return false;
  }
  return true;
}

}  // namespace replikv::hash_table_internal

namespace replikv::hash_table_internal {
namespace {

// One array's stats in Redis's DEBUG HTSTATS shape. A "slot" here is a head
// bucket and its "chain" the entries in that bucket and its children (up to
// 7 per 64-byte bucket), so the figures read as Redis's do: how evenly the
// keys spread over the heads.
void AppendTableStats(const Table& t, size_t first, int id, const char* label, std::string* out) {
  constexpr size_t kMaxChain = 50;
  size_t histogram[kMaxChain] = {};
  size_t used_heads = 0, max_chain = 0, entries = 0, total_chain = 0;
  for (size_t i = first; i < t.count; ++i) {
    size_t n = 0;
    VisitChain(&t.buckets[i], EntryVisitor{&n, [](void* ctx, void*) { ++*static_cast<size_t*>(ctx); }});
    ++histogram[n < kMaxChain ? n : kMaxChain - 1];
    if (n == 0) continue;
    ++used_heads;
    entries += n;
    total_chain += n;
    max_chain = std::max(max_chain, n);
  }
  char buf[256];
  std::snprintf(buf, sizeof(buf), "Hash table %d stats (%s):\n", id, label);
  *out += buf;
  if (entries == 0) {
    *out += "No stats available for empty dictionaries\n";
    return;
  }
  const size_t heads = t.count - first;
  std::snprintf(buf, sizeof(buf),
                " table size: %zu\n number of elements: %zu\n different slots: %zu\n max chain length: %zu\n"
                " avg chain length (counted): %.02f\n avg chain length (computed): %.02f\n Chain length distribution:\n",
                heads, entries, used_heads, max_chain, static_cast<double>(total_chain) / used_heads,
                static_cast<double>(entries) / used_heads);
  *out += buf;
  for (size_t n = 0; n < kMaxChain; ++n) {
    if (histogram[n] == 0) continue;
    std::snprintf(buf, sizeof(buf), "   %zu: %zu (%.02f%%)\n", n, histogram[n],
                  static_cast<double>(histogram[n]) * 100 / heads);
    *out += buf;
  }
}

}  // namespace

void RawTable::AppendStats(std::string* out) const {
  AppendTableStats(main_, IsRehashing() ? rehash_index_ : 0, 0, "main hash table", out);
  if (IsRehashing()) AppendTableStats(rehash_, 0, 1, "rehashing target", out);
}

}  // namespace replikv::hash_table_internal
