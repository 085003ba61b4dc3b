// LazyFreer: frees big values and flushed key tables on a job thread, so
// UNLINK, FLUSHALL/FLUSHDB ASYNC and the lazyfree-* directives do not stall
// the loop (Redis 7.0's lazyfree.c and its BIO_LAZY_FREE thread).
//
// Free(e) decides by the value's free effort, as Redis's
// lazyfreeGetFreeEffort(): one for a string or a compact encoding (a single
// allocation), the node count of a list, the element count of a hash table
// set or hash and of a skiplist zset. Up to kThreshold (64) the entry is
// freed at once on the caller's thread: handing it over would cost more.
// FreeTable() always hands over (FLUSHALL ASYNC, as Redis's emptyDbAsync).
//
// Ownership: what is handed over belongs to the freer; it is unreachable
// from the keyspace, so the job thread shares no data with the loop. The
// counters are atomics (INFO lazyfree_pending_objects in objects: one per
// value, one per key of a table). The job thread reports the bytes it
// releases to memory_stats, so used_memory drops when a job ends rather than
// at the next allocator refresh.
//
// Lifecycle: the thread starts with the object and, on destruction, finishes
// every queued job before it joins. It does not survive fork(): a child never
// frees through it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "server/ds/hash_table.h"
#include "server/types/entry.h"

namespace replikv {

struct EntryTraits;
using KeyTable = HashTable<Entry, EntryTraits>;

// Redis's lazyfreeGetFreeEffort(), counted no further than `limit` + 1.
size_t FreeEffort(const Entry* e, size_t limit);

class LazyFreer {
 public:
  // Redis's LAZYFREE_THRESHOLD.
  static constexpr size_t kThreshold = 64;

  LazyFreer();
  ~LazyFreer();
  LazyFreer(const LazyFreer&) = delete;
  LazyFreer& operator=(const LazyFreer&) = delete;

  // Frees `e` (already unlinked), on the job thread if its effort is over
  // kThreshold, else at once. Returns whether it was handed over.
  bool Free(Entry* e);
  // Frees every entry `table` holds, on the job thread. `table` is left
  // empty; `expires` (the same entries) is only emptied.
  void FreeTable(KeyTable& table, KeyTable& expires);

  // Objects handed over and not freed yet; objects freed since the start
  // or the last ResetStats().
  uint64_t pending() const { return pending_.load(std::memory_order_relaxed); }
  uint64_t freed() const { return freed_.load(std::memory_order_relaxed); }
  void ResetStats() { freed_.store(0, std::memory_order_relaxed); }
  // Waits until every handed-over job has finished.
  void Drain();

 private:
  struct Job {
    Entry* entry = nullptr;             // one value, or
    std::unique_ptr<KeyTable> table;    // every entry of a table
    std::unique_ptr<KeyTable> expires;  // and its expires table (buckets only)
    uint64_t objects = 0;
  };
  void Submit(Job job);
  void Run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  bool busy_ = false;
  bool stop_ = false;
  std::atomic<uint64_t> pending_{0};
  std::atomic<uint64_t> freed_{0};
  std::thread thread_;
};

}  // namespace replikv
