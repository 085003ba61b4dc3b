// Times HashTable against std::unordered_map<std::string, uint64_t> on 1M
// keys: inserts, hits (shuffled order), misses, erases; prints ns/op and
// bytes/key. Not a test. Build by hand:
//
//   g++ -std=c++20 -O2 -DNDEBUG -I. server/hash_table.cpp
//       bench/micro/hash_table_bench.cpp -o /tmp/hash_table_bench
//   /tmp/hash_table_bench [keys]
//
// Add -DBENCH_JEMALLOC -ljemalloc to measure under jemalloc, as the server
// runs.
//
// Both sides use the same hash (std::hash<std::string_view>) and malloc, and
// both hold one allocation per key: our entry embeds the key and value, the
// map's node embeds a std::string (short keys stay inline) and the value.
#include "server/ds/hash_table.h"

#ifdef BENCH_JEMALLOC
#include <jemalloc/jemalloc.h>
#else
#include <malloc.h>
#endif

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

// One allocation per key, as the keyspace does: header, value, key bytes.
struct BenchEntry {
  uint64_t value;
  uint32_t key_len;
  char key[];
};

struct BenchTraits {
  static std::string_view Key(const BenchEntry* e) { return {e->key, e->key_len}; }
  static uint64_t Hash(std::string_view key) { return std::hash<std::string_view>()(key); }
};

BenchEntry* MakeEntry(std::string_view key, uint64_t value) {
  auto* e = static_cast<BenchEntry*>(std::malloc(sizeof(BenchEntry) + key.size()));
  if (e == nullptr) std::abort();
  e->value = value;
  e->key_len = static_cast<uint32_t>(key.size());
  std::memcpy(e->key, key.data(), key.size());
  return e;
}

#ifdef BENCH_JEMALLOC
constexpr const char* kAllocator = "jemalloc";
// Bytes allocated, as jemalloc counts them (refreshed by an epoch bump).
size_t HeapInUse() {
  uint64_t epoch = 1;
  size_t len = sizeof(epoch);
  mallctl("epoch", &epoch, &len, &epoch, len);
  size_t allocated = 0;
  len = sizeof(allocated);
  mallctl("stats.allocated", &allocated, &len, nullptr, 0);
  return allocated;
}
#else
constexpr const char* kAllocator = "glibc malloc";
// Bytes handed out by malloc, from the heap and from mmap (large arrays).
size_t HeapInUse() {
  struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}
#endif

template <typename Fn>
double NsPerOp(size_t ops, Fn&& fn) {
  auto start = std::chrono::steady_clock::now();
  fn();
  auto end = std::chrono::steady_clock::now();
  return std::chrono::duration<double, std::nano>(end - start).count() / static_cast<double>(ops);
}

volatile uint64_t sink;

// The slowest single insert, timed one by one (adds ~20 ns of clock reads
// to each): shows that growth never moves the whole table at once.
template <typename Fn>
double MaxInsertUs(size_t n, Fn&& insert) {
  double worst = 0;
  for (size_t i = 0; i < n; ++i) {
    auto start = std::chrono::steady_clock::now();
    insert(i);
    auto end = std::chrono::steady_clock::now();
    worst = std::max(worst, std::chrono::duration<double, std::micro>(end - start).count());
  }
  return worst;
}

}  // namespace

int main(int argc, char** argv) {
  size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;
  std::vector<std::string> keys(n);
  std::vector<std::string> absent(n);
  for (size_t i = 0; i < n; ++i) {
    keys[i] = "key:" + std::to_string(i);
    absent[i] = "nokey:" + std::to_string(i);
  }
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), std::mt19937_64(42));
  // Lookups go in random order over the table, but read their keys in
  // sequence, as a server reads them from a hot query buffer.
  std::vector<std::string> hit_keys(n);
  std::vector<std::string> miss_keys(n);
  for (size_t i = 0; i < n; ++i) {
    hit_keys[i] = keys[order[i]];
    miss_keys[i] = absent[order[i]];
  }

  // --- replikv::HashTable ---
  size_t heap_before = HeapInUse();
  replikv::HashTable<BenchEntry, BenchTraits> table;
  double t_insert = NsPerOp(n, [&] {
    for (size_t i = 0; i < n; ++i) table.Insert(MakeEntry(keys[i], i));
  });
  size_t t_heap = HeapInUse() - heap_before;
  double t_hit = NsPerOp(n, [&] {
    uint64_t sum = 0;
    for (const std::string& k : hit_keys) sum += table.Find(k)->value;
    sink = sum;
  });
  // As a pipeline would: hash a batch of keys, prefetch their buckets,
  // then look each up.
  constexpr size_t kBatch = 16;
  double t_hit_batched = NsPerOp(n, [&] {
    uint64_t sum = 0;
    uint64_t hashes[kBatch];
    for (size_t start = 0; start + kBatch <= n; start += kBatch) {
      for (size_t j = 0; j < kBatch; ++j) {
        hashes[j] = BenchTraits::Hash(hit_keys[start + j]);
        table.Prefetch(hashes[j]);
      }
      for (size_t j = 0; j < kBatch; ++j) {
        sum += table.Find(hit_keys[start + j], hashes[j])->value;
      }
    }
    sink = sum;
  });
  double t_miss = NsPerOp(n, [&] {
    uint64_t found = 0;
    for (const std::string& k : miss_keys) found += table.Find(k) != nullptr;
    sink = found;
  });
  size_t bucket_bytes = table.BucketMemoryBytes();
  bool rehashing = table.IsRehashing();
  double t_erase = NsPerOp(n, [&] {
    for (const std::string& k : hit_keys) std::free(table.Erase(k));
  });
  // Entries made beforehand: only the table's own work is timed.
  std::vector<BenchEntry*> made(n);
  for (size_t i = 0; i < n; ++i) made[i] = MakeEntry(keys[i], i);
  replikv::HashTable<BenchEntry, BenchTraits> fresh;
  double t_worst = MaxInsertUs(n, [&](size_t i) { fresh.Insert(made[i]); });
  fresh.Clear([](BenchEntry* e) { std::free(e); });

  // --- std::unordered_map<std::string, uint64_t> ---
  heap_before = HeapInUse();
  double m_insert, m_hit, m_miss, m_erase, m_worst;
  size_t m_heap, m_index;
  {
    std::unordered_map<std::string, uint64_t> map;
    m_insert = NsPerOp(n, [&] {
      for (size_t i = 0; i < n; ++i) map.emplace(keys[i], i);
    });
    m_heap = HeapInUse() - heap_before;
    // Everything but the key and value bytes: bucket array, next pointer,
    // cached hash, std::string header beyond the key, malloc overhead.
    m_index = m_heap - n * (sizeof(uint64_t) + keys[n / 2].size());
    m_hit = NsPerOp(n, [&] {
      uint64_t sum = 0;
      for (const std::string& k : hit_keys) sum += map.find(k)->second;
      sink = sum;
    });
    m_miss = NsPerOp(n, [&] {
      uint64_t found = 0;
      for (const std::string& k : miss_keys) found += map.find(k) != map.end();
      sink = found;
    });
    m_erase = NsPerOp(n, [&] {
      for (const std::string& k : hit_keys) map.erase(k);
    });
    std::unordered_map<std::string, uint64_t> fresh;
    m_worst = MaxInsertUs(n, [&](size_t i) { fresh.emplace(keys[i], i); });
  }

  std::printf("%zu keys (\"key:N\"), std::hash<string_view>, %s\n", n, kAllocator);
  std::printf("%-28s %10s %10s %10s %10s %12s %12s\n", "", "insert", "hit", "miss", "erase",
              "heap B/key", "index B/key");
  std::printf("%-28s %10.1f %10.1f %10.1f %10.1f %12.1f %12.1f\n", "replikv::HashTable (ns/op)",
              t_insert, t_hit, t_miss, t_erase, double(t_heap) / n, double(bucket_bytes) / n);
  std::printf("%-28s %10.1f %10.1f %10.1f %10.1f %12.1f %12.1f\n", "std::unordered_map (ns/op)",
              m_insert, m_hit, m_miss, m_erase, double(m_heap) / n, double(m_index) / n);
  std::printf("HashTable hits in batches of %zu with Prefetch: %.1f ns/op\n", kBatch,
              t_hit_batched);
  std::printf("slowest single insert: HashTable %.0f us, std::unordered_map %.0f us\n", t_worst,
              m_worst);
  std::printf("(HashTable %s rehashing when measured; Redis 7.0 index: 32-40 B/key)\n",
              rehashing ? "was" : "was not");
  return 0;
}
