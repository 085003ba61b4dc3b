// The bookkeeping of client-side caching (CLIENT TRACKING), without any
// server type, so it can be tested alone.
//
// TrackingTable is the default mode's memory: key name -> ids of the
// clients that read it and may hold it in their cache. Like Redis 7.0's
// TrackingTable it ignores the db number (a write to "k" in any db
// invalidates every reader of "k"), and a key leaves it when it is
// invalidated: the readers are told once, then must read it again to be
// told again.
//
// BcastPrefixes is the BCAST mode's: prefix -> the clients that asked for
// it, and the keys under it changed since the last broadcast (sorted, each
// once, with the first client that changed it, so NOLOOP can leave a
// client's own writes out). The server broadcasts once per loop iteration.
// "" is the prefix of every key. Loop thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "server/ds/hash_table.h"

namespace replikv {

class TrackingTable {
 public:
  TrackingTable() = default;
  ~TrackingTable() { Clear(); }
  TrackingTable(const TrackingTable&) = delete;
  TrackingTable& operator=(const TrackingTable&) = delete;

  // Remembers that client `id` may cache `key`. Returns true if the pair
  // is new (INFO tracking_total_items counts pairs).
  bool Remember(std::string_view key, uint64_t id);
  // Removes `key` and returns its readers (empty if nobody read it).
  std::vector<uint64_t> Take(std::string_view key);
  // A key chosen at random (tracking-table-max-keys evicts such keys).
  // Precondition: not empty.
  std::string RandomKey();
  // Forgets every key (FLUSHALL, FLUSHDB).
  void Clear();

  bool empty() const { return keys_.empty(); }
  size_t keys() const { return keys_.size(); }
  size_t items() const { return items_; }
  // Cron: gives back bucket memory after many keys left.
  void Maintain() { keys_.ShrinkIfNeeded(); }

 private:
  // One key and its readers, sorted (a repeated read is a binary search).
  struct Tracked {
    std::string key;
    std::vector<uint64_t> ids;
  };
  struct Traits {
    static std::string_view Key(const Tracked* t) { return t->key; }
    static uint64_t Hash(std::string_view key) { return std::hash<std::string_view>()(key); }
  };
  // The keyspace's table (cache-line buckets): a read of a tracked key is
  // one probe there, as the key's own lookup is.
  HashTable<Tracked, Traits> keys_;
  size_t items_ = 0;
  std::mt19937_64 rng_{0x7261636b696e67ULL};
};

class BcastPrefixes {
 public:
  BcastPrefixes() = default;
  BcastPrefixes(const BcastPrefixes&) = delete;
  BcastPrefixes& operator=(const BcastPrefixes&) = delete;

  // Adds client `id` to `prefix`'s receivers. Adding twice is a no-op.
  void AddClient(std::string_view prefix, uint64_t id);
  // Removes it; a prefix left without receivers is dropped with its
  // pending keys.
  void RemoveClient(std::string_view prefix, uint64_t id);
  // `key` changed (by client `writer`, 0 for the server itself: expiry,
  // eviction): it is pending for every prefix it starts with.
  void NoteKey(std::string_view key, uint64_t writer);

  // Keys pending for one prefix: key -> the first client that changed it.
  using PendingKeys = std::map<std::string, uint64_t, std::less<>>;
  // Calls `send(keys, receivers)` for each prefix with pending keys, in
  // prefix order, and empties them.
  void Drain(const std::function<void(const PendingKeys&, const std::vector<uint64_t>&)>& send);
  bool has_pending() const { return pending_prefixes_ != 0; }
  size_t prefix_count() const { return prefixes_.size(); }

 private:
  struct Prefix {
    std::vector<uint64_t> clients;
    PendingKeys keys;
  };
  std::map<std::string, Prefix, std::less<>> prefixes_;
  size_t pending_prefixes_ = 0;  // prefixes whose `keys` is not empty
};

// Whether one of `a` and `b` starts with the other (two BCAST prefixes of
// one client must not overlap, as in Redis 7.0).
bool PrefixesOverlap(std::string_view a, std::string_view b);

// The RESP array of the keys of `pending` ("*N\r\n$len\r\nkey\r\n"...),
// leaving out those first changed by `skip_writer` when it is not 0 (a
// NOLOOP receiver). Returns false, with nothing appended, when no key is left.
bool EncodePendingKeys(const BcastPrefixes::PendingKeys& pending, uint64_t skip_writer, std::string* out);

}  // namespace replikv
