// MemUsageBuckets: objects grouped by the power of two of their memory, so
// the biggest can be found without sorting (client eviction, as Redis 7.0's
// client_mem_usage_buckets).
//
// Bucket i holds sizes in [2^(kMinLog+i-1), 2^(kMinLog+i)) bytes; everything
// under 32 KiB shares bucket 0 and everything from 8 GiB up the last one.
// Each bucket is an intrusive doubly-linked list through a MemUsageHook<T>
// member of T: placing, moving and removing are O(1), finding the biggest is
// O(kBuckets). Within a bucket the order is the order of arrival, so
// Biggest() is the first of the highest non-empty bucket, which is at most
// twice smaller than the true biggest (what Redis evicts too).
//
// The container does not own the objects; an object must be removed before
// it is destroyed. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>

namespace replikv {

template <typename T>
struct MemUsageHook {
  T* prev = nullptr;
  T* next = nullptr;
  int8_t bucket = -1;  // -1: in no bucket
};

template <typename T, MemUsageHook<T> T::*kHook>
class MemUsageBuckets {
 public:
  static constexpr int kMinLog = 15;  // 32 KiB
  static constexpr int kMaxLog = 33;  // 8 GiB
  static constexpr int kBuckets = kMaxLog - kMinLog + 1;

  MemUsageBuckets() = default;
  MemUsageBuckets(const MemUsageBuckets&) = delete;
  MemUsageBuckets& operator=(const MemUsageBuckets&) = delete;

  // The bucket for `bytes`: the bit length of the size, clamped.
  static int BucketOf(size_t bytes) {
    int bits = bytes == 0 ? 0 : 64 - __builtin_clzll(static_cast<unsigned long long>(bytes));
    if (bits < kMinLog) bits = kMinLog;
    if (bits > kMaxLog) bits = kMaxLog;
    return bits - kMinLog;
  }

  // Puts `x` in the bucket of `bytes`; it may already be in one (it stays
  // where it is if the bucket is the same, else it moves to the tail).
  void Place(T* x, size_t bytes) {
    const int b = BucketOf(bytes);
    MemUsageHook<T>& h = x->*kHook;
    if (h.bucket == b) return;
    if (h.bucket >= 0) Unlink(x);
    h.bucket = static_cast<int8_t>(b);
    h.next = nullptr;
    h.prev = tails_[b];
    if (tails_[b] != nullptr) {
      (tails_[b]->*kHook).next = x;
    } else {
      heads_[b] = x;
    }
    tails_[b] = x;
    ++count_;
  }

  // Takes `x` out of its bucket. It is not an error if it was in none.
  void Remove(T* x) {
    if ((x->*kHook).bucket >= 0) Unlink(x);
  }

  // The first object of the highest non-empty bucket; null when empty.
  T* Biggest() const {
    for (int b = kBuckets - 1; b >= 0; --b) {
      if (heads_[b] != nullptr) return heads_[b];
    }
    return nullptr;
  }

  size_t size() const { return count_; }
  bool Contains(const T* x) const { return (x->*kHook).bucket >= 0; }

 private:
  void Unlink(T* x) {
    MemUsageHook<T>& h = x->*kHook;
    const int b = h.bucket;
    if (h.prev != nullptr) {
      (h.prev->*kHook).next = h.next;
    } else {
      heads_[b] = h.next;
    }
    if (h.next != nullptr) {
      (h.next->*kHook).prev = h.prev;
    } else {
      tails_[b] = h.prev;
    }
    h.prev = h.next = nullptr;
    h.bucket = -1;
    --count_;
  }

  T* heads_[kBuckets] = {};
  T* tails_[kBuckets] = {};
  size_t count_ = 0;
};

}  // namespace replikv
