// HashTable: the keyspace hash table, a set of entry pointers found by key.
//
// Each entry is ONE allocation owned by the caller (key bytes, object header,
// expire and small value together); the table stores only pointers to
// entries and never allocates per entry. Traits tell it how to see a key:
//
//   struct Traits {
//     static std::string_view Key(const Entry* e);
//     static uint64_t Hash(std::string_view key);  // mixed with nothing else
//   };
//
// Layout. An array of 64-byte, cache-line-aligned buckets, a power of two of
// them; a key lives in the chain of bucket (hash & mask). A bucket holds
// seven slots; the top byte of each entry's hash is kept beside its pointer,
// so a lookup compares hash bytes (all seven at once) and touches an entry
// (a cache miss) only on a byte match, about 1 time in 256 for a miss. A full
// bucket gets a child bucket: its last slot then points to the child.
//
//   offset  size  field
//   0       1     meta: bit i (0-6) = slot i holds an entry; bit 7 = chained
//   1       7     hash byte of slot 0..6 (top 8 bits of the entry's hash)
//   8       56    slot 0..6, 8 bytes each: an entry pointer; when chained,
//                 slot 6 is the child Bucket* (and presence bit 6 is clear)
//
// Versus Redis 7.0's dictEntry (24 B) plus 8-16 B of bucket array per key,
// the table costs 64 B per 7 slots: 13.8 to 23 B per key, chains included,
// while it grows (fill 40-80%, see hash_table.cpp). Deletions make it
// sparser until the cron's ShrinkIfNeeded (under 10% fill) resizes it to a
// fill of 20-40%.
//
// Resizing is incremental, as in Redis: a grow or shrink allocates the new
// array, then every Find/Insert/Erase/FindOrInsert moves one bucket's worth
// (at most 7 entries, after skipping at most 10 empty buckets) and
// RehashStep(n) lets the cron move more. While rehashing, lookups check both
// arrays and new entries go to the new one.
//
// Lifecycle of a resize: idle -> (load over limit on insert, or cron's
// ShrinkIfNeeded) -> rehashing -> idle. While SetResizeAllowed(false) (a
// fork()ed child exists) no resize starts and no rehash step runs unless the
// table is over 5 times its load limit, so copy-on-write stays small.
//
// Not thread-safe: the loop thread owns it; a fork()ed child may read it.
#pragma once

#include <bit>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

namespace replikv {
namespace hash_table_internal {

inline constexpr int kSlotsPerBucket = 7;
inline constexpr int kChildSlot = 6;
inline constexpr unsigned kPresenceMask = 0x7f;
inline constexpr unsigned kChainedBit = 0x80;

struct alignas(64) Bucket {
  uint8_t meta;
  uint8_t hashes[kSlotsPerBucket];
  void* slots[kSlotsPerBucket];
};
static_assert(sizeof(Bucket) == 64, "a bucket is one cache line");
static_assert(std::endian::native == std::endian::little,
              "MatchSlots reads the bucket header as a little-endian word");

inline uint8_t HashByte(uint64_t hash) { return static_cast<uint8_t>(hash >> 56); }
inline bool IsChained(const Bucket* b) { return (b->meta & kChainedBit) != 0; }
inline Bucket* ChildOf(const Bucket* b) { return static_cast<Bucket*>(b->slots[kChildSlot]); }

// Bit i set: slot i holds an entry whose hash byte is h8. Compares the seven
// hash bytes at once (SWAR): a byte of x is zero exactly where they match.
inline unsigned MatchSlots(const Bucket* b, uint8_t h8) {
  constexpr uint64_t kLow7 = 0x7f7f7f7f7f7f7f7fULL;
  uint64_t word;
  std::memcpy(&word, b, sizeof(word));
  uint64_t x = word ^ (0x0101010101010101ULL * h8);
  uint64_t zero = ~(((x & kLow7) + kLow7) | x | kLow7) & ~uint64_t{0xff};
  unsigned mask = 0;
  while (zero != 0) {  // at most 7 iterations, usually 0 or 1
    mask |= 1u << ((std::countr_zero(zero) >> 3) - 1);
    zero &= zero - 1;
  }
  return mask & b->meta & kPresenceMask;
}

// One array of head buckets.
struct Table {
  Bucket* buckets = nullptr;  // 64-byte aligned, `count` of them, zeroed
  void* raw = nullptr;        // what to free
  size_t count = 0;           // 0 or a power of two
  uint64_t mask() const { return count - 1; }
};

// Where a stored entry is: its chain's head and the bucket and slot.
struct Position {
  Bucket* head = nullptr;
  Bucket* bucket = nullptr;
  int slot = 0;
};

// A type-erased callback over entries (a function_ref), so the bulk walks
// live once in hash_table.cpp instead of in every instantiation.
struct EntryVisitor {
  void* ctx;
  void (*call)(void* ctx, void* entry);
  void operator()(void* entry) const { call(ctx, entry); }
};

// Everything that does not need the entry type: memory, chains, resize
// policy, rehash, SCAN cursors, random sampling. Defined in hash_table.cpp.
class RawTable {
 public:
  using HashEntryFn = uint64_t (*)(const void* entry);

  explicit RawTable(HashEntryFn hash_entry) : hash_entry_(hash_entry) {}
  ~RawTable();  // frees buckets, never entries
  RawTable(const RawTable&) = delete;
  RawTable& operator=(const RawTable&) = delete;
  RawTable(RawTable&& other) noexcept;
  RawTable& operator=(RawTable&& other) noexcept;

  size_t size() const { return size_; }
  bool IsRehashing() const { return rehash_.buckets != nullptr; }
  void StepIfRehashing() {
    if (IsRehashing()) RehashUnits(1);
  }
  // Moves up to `units` buckets' worth of entries (see the class comment).
  void RehashUnits(size_t units);

  // The heads of the chains that may hold `hash`: one, or two while
  // rehashing. Returns how many were stored in heads[0..1].
  int Heads(uint64_t hash, Bucket** heads) const {
    int n = 0;
    if (main_.count != 0) {
      uint64_t i = hash & main_.mask();
      if (!IsRehashing() || i >= rehash_index_) heads[n++] = &main_.buckets[i];
    }
    if (IsRehashing()) heads[n++] = &rehash_.buckets[hash & rehash_.mask()];
    return n;
  }

  // Reserves a slot for a new entry with `hash` (which may start a grow) and
  // counts it; the caller must store a non-null entry there before any
  // other call on the table.
  void** AddSlot(uint64_t hash);
  // Unlinks the entry at `pos` and uncounts it; keeps the chain compact.
  void Remove(const Position& pos);
  // Stores new_entry where old_entry is; false if old_entry is not there.
  bool ReplacePointer(uint64_t hash, void* old_entry, void* new_entry);

  uint64_t Scan(uint64_t cursor, EntryVisitor visit) const;
  void* RandomEntry(uint64_t random_bits) const;
  size_t SampleEntries(uint64_t random_bits, void** out, size_t n) const;
  void ForEach(EntryVisitor visit) const;
  void Clear(EntryVisitor free_entry);

  void SetResizeAllowed(bool allowed) { resize_allowed_ = allowed; }
  void ShrinkIfNeeded();
  size_t BucketCount() const { return main_.count; }
  // DEBUG HTSTATS's text for this table (see hash_table.cpp).
  void AppendStats(std::string* out) const;
  size_t BucketMemoryBytes() const {
    return (main_.count + rehash_.count + child_count_) * sizeof(Bucket);
  }
  bool Verify(std::string* why) const;

 private:
  void** AppendToChain(Bucket* head, uint8_t h8);
  void MaybeGrow(size_t new_size);
  void StartResize(size_t buckets);
  void MovePiece(Bucket* head);
  bool RehashAllowed() const;
  bool VerifyTable(const Table& t, size_t first, size_t* entries, size_t* children,
                   std::string* why) const;

  HashEntryFn hash_entry_;
  Table main_;                // where entries live when not rehashing
  Table rehash_;              // the resize target; empty when not rehashing
  uint64_t rehash_index_ = 0; // main_ heads below it are already moved
  size_t size_ = 0;
  size_t child_count_ = 0;
  // The most buckets any chain has had since the table was last empty: an
  // upper bound on chain depth, for uniform RandomEntry.
  size_t max_chain_buckets_ = 1;
  bool resize_allowed_ = true;
};

}  // namespace hash_table_internal

template <typename Entry, typename Traits>
class HashTable {
 public:
  // A slot found or reserved by FindOrInsert. Valid until the next call on
  // the table.
  class Slot {
   public:
    Entry* entry() const { return static_cast<Entry*>(*slot_); }
    void set_entry(Entry* e) { *slot_ = e; }

   private:
    friend class HashTable;
    explicit Slot(void** slot) : slot_(slot) {}
    void** slot_;
  };

  HashTable() : raw_(&HashEntry) {}
  ~HashTable() = default;  // does NOT free entries: the owner does (Clear)
  HashTable(const HashTable&) = delete;
  HashTable& operator=(const HashTable&) = delete;
  // The moved-from table is empty (e.g. FLUSHALL ASYNC frees it elsewhere).
  // Assigning over a table frees its buckets, not its entries: Clear first.
  HashTable(HashTable&&) noexcept = default;
  HashTable& operator=(HashTable&&) noexcept = default;

  // The entry with this key, or nullptr. `hash` must be Traits::Hash(key).
  Entry* Find(std::string_view key) { return Find(key, Traits::Hash(key)); }
  Entry* Find(std::string_view key, uint64_t hash) {
    raw_.StepIfRehashing();
    hash_table_internal::Position pos;
    return Lookup(key, hash, &pos) ? static_cast<Entry*>(pos.bucket->slots[pos.slot])
                                   : nullptr;
  }

  // Precondition: no entry has e's key (checked in debug builds).
  void Insert(Entry* e) {
    std::string_view key = Traits::Key(e);
    uint64_t hash = Traits::Hash(key);
    raw_.StepIfRehashing();
    [[maybe_unused]] hash_table_internal::Position pos;
    assert(!Lookup(key, hash, &pos));
    *raw_.AddSlot(hash) = e;
  }

  // Unlinks and returns the entry with this key; nullptr if absent.
  Entry* Erase(std::string_view key) { return Erase(key, Traits::Hash(key)); }
  Entry* Erase(std::string_view key, uint64_t hash) {
    raw_.StepIfRehashing();
    hash_table_internal::Position pos;
    if (!Lookup(key, hash, &pos)) return nullptr;
    Entry* e = static_cast<Entry*>(pos.bucket->slots[pos.slot]);
    raw_.Remove(pos);
    return e;
  }

  // Swaps the stored pointer for an entry with the same key (the caller
  // reallocated it, e.g. to add an expire). Touches no other entry.
  // Precondition: old_entry is stored.
  void Replace(Entry* old_entry, Entry* new_entry) {
    [[maybe_unused]] bool ok =
        raw_.ReplacePointer(Traits::Hash(Traits::Key(new_entry)), old_entry, new_entry);
    assert(ok);
  }

  // Find-or-make-slot in one probe, for SET. *found tells whether the slot
  // holds an entry. If not, the slot is counted in size() and the caller
  // MUST set_entry() a non-null entry with this key before any other call.
  Slot FindOrInsert(std::string_view key, bool* found) {
    return FindOrInsert(key, Traits::Hash(key), found);
  }
  Slot FindOrInsert(std::string_view key, uint64_t hash, bool* found) {
    raw_.StepIfRehashing();
    hash_table_internal::Position pos;
    *found = Lookup(key, hash, &pos);
    if (*found) return Slot(&pos.bucket->slots[pos.slot]);
    return Slot(raw_.AddSlot(hash));
  }

  // Starts loading the bucket(s) of `hash` into the cache, so a pipeline of
  // commands can overlap their first cache misses: hash the next few keys,
  // Prefetch each, then Find each. No effect on the table.
  void Prefetch(uint64_t hash) const {
    hash_table_internal::Bucket* heads[2];
    int n = raw_.Heads(hash, heads);
    for (int i = 0; i < n; ++i) __builtin_prefetch(heads[i]);
  }

  size_t size() const { return raw_.size(); }
  bool empty() const { return raw_.size() == 0; }

  // SCAN: calls fn(Entry*) for the entries of the bucket(s) at `cursor` and
  // returns the next cursor (0 = done; start with 0). As in Redis, an entry
  // present for the whole scan is returned at least once even if the table
  // grows or shrinks between calls; some may be returned twice. fn must not
  // modify the table (collect, then act).
  template <typename Fn>
  uint64_t Scan(uint64_t cursor, Fn&& fn) const {
    return raw_.Scan(cursor, Visitor(fn));
  }

  // A random entry, nullptr if empty, uniform over the entries: a random
  // (chain, bucket depth, slot) is drawn until it holds an entry. A chain of
  // seven entries is not seven times likelier to be picked than a chain of
  // one (Redis's dictGetRandomKey picks a chain first: harmless with its
  // ~1-entry chains, a 1.5x bias for some members with 7-slot buckets). A
  // table far under its fill (a shrink pending) may run out of tries and
  // fall back to a chain-first pick. The caller supplies the randomness.
  Entry* RandomEntry(uint64_t random_bits) const {
    return static_cast<Entry*>(raw_.RandomEntry(random_bits));
  }

  // Up to n entries from consecutive chains starting at a random one (as
  // Redis's dictGetSomeKeys): cheaper than n RandomEntry calls since the
  // buckets are adjacent in memory, and random enough for eviction
  // sampling. Stores them in out[] and returns how many; fewer than n only
  // when the walk (bounded at 10 chains per wanted entry) finds fewer.
  size_t SampleEntries(uint64_t random_bits, Entry** out, size_t n) const {
    return raw_.SampleEntries(random_bits, reinterpret_cast<void**>(out), n);
  }

  // Calls fn(Entry*) once for every entry. fn must not modify the table.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    raw_.ForEach(Visitor(fn));
  }

  // Calls free_entry(Entry*) for every entry, then frees every bucket.
  template <typename Fn>
  void Clear(Fn&& free_entry) {
    raw_.Clear(Visitor(free_entry));
  }

  bool IsRehashing() const { return raw_.IsRehashing(); }
  // Moves at most `buckets` buckets' worth of entries to the new array.
  void RehashStep(size_t buckets) { raw_.RehashUnits(buckets); }
  // false while a fork()ed child exists (see the class comment).
  void SetResizeAllowed(bool allowed) { raw_.SetResizeAllowed(allowed); }
  // Called by the cron: starts a shrink when under 10% of the slots are
  // used (as Redis), or frees the array of an empty table. Erase never
  // shrinks by itself.
  void ShrinkIfNeeded() { raw_.ShrinkIfNeeded(); }
  // Bytes of bucket memory (arrays and child buckets), for INFO memory.
  size_t BucketMemoryBytes() const { return raw_.BucketMemoryBytes(); }
  // Head buckets of the main array (a power of two, or 0).
  size_t BucketCount() const { return raw_.BucketCount(); }
  void AppendStats(std::string* out) const { raw_.AppendStats(out); }
  // O(n) consistency check for tests and DEBUG: chain shape, hash bytes,
  // home buckets, counts. On failure says why.
  bool Verify(std::string* why) const { return raw_.Verify(why); }

 private:
  static uint64_t HashEntry(const void* e) {
    return Traits::Hash(Traits::Key(static_cast<const Entry*>(e)));
  }

  template <typename Fn>
  static hash_table_internal::EntryVisitor Visitor(Fn& fn) {
    return {const_cast<void*>(static_cast<const void*>(&fn)),
            [](void* ctx, void* e) { (*static_cast<Fn*>(ctx))(static_cast<Entry*>(e)); }};
  }

  // Finds without a rehash step; fills *pos on success.
  bool Lookup(std::string_view key, uint64_t hash, hash_table_internal::Position* pos) const {
    namespace internal = hash_table_internal;
    internal::Bucket* heads[2];
    int n = raw_.Heads(hash, heads);
    uint8_t h8 = internal::HashByte(hash);
    for (int t = 0; t < n; ++t) {
      // Bounded by the chain's length: every child holds at least one entry.
      for (internal::Bucket* b = heads[t];; b = internal::ChildOf(b)) {
        unsigned match = internal::MatchSlots(b, h8);
        while (match != 0) {
          int i = std::countr_zero(match);
          match &= match - 1;
          if (Traits::Key(static_cast<const Entry*>(b->slots[i])) == key) {
            *pos = {heads[t], b, i};
            return true;
          }
        }
        if (!internal::IsChained(b)) break;
      }
    }
    return false;
  }

  hash_table_internal::RawTable raw_;
};

}  // namespace replikv
