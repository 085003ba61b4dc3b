// What the server's memory holds, in the terms of INFO memory and MEMORY
// STATS: allocator totals, the fixed overhead (start-up, client buffers, the
// keyspace tables) and the dataset (the rest).
#pragma once

#include <cstddef>
#include <vector>

#include "server/memory_stats.h"

namespace replikv {

class Server;

struct MemoryReport {
  struct DbOverhead {
    int id = 0;
    size_t main_table = 0;     // the key table's index
    size_t expires_table = 0;  // the TTL table's index
  };
  AllocatorStats allocator;
  size_t used = 0;  // used_memory
  size_t rss = 0;
  size_t peak = 0;
  size_t startup = 0;
  size_t clients_normal = 0;    // normal, pub/sub and primary-link connections (tot-mem)
  size_t clients_replicas = 0;  // replica connections' own buffers, then the replication module's
  size_t replication_backlog = 0;
  size_t replication_buffers = 0;  // every block of the shared stream (mem_total_replication_buffers)
  size_t aof_buffer = 0;
  size_t not_counted_for_evict = 0;  // mem_not_counted_for_evict
  std::vector<DbOverhead> dbs;  // non-empty dbs only
  size_t overhead = 0;          // all of the above but the dataset
  size_t keys = 0;
  size_t dataset = 0;           // used - overhead

  double dataset_percentage() const;
  double peak_percentage() const;
};

// Reads the allocator (and records a new peak) and walks the clients and
// dbs: O(clients + dbs). Loop thread only.
MemoryReport BuildMemoryReport(Server& server);

}  // namespace replikv
