#include "server/memory_report.h"

#include "server/client_eviction.h"
#include "server/server.h"

namespace replikv {

double MemoryReport::dataset_percentage() const {
  size_t net = used > startup ? used - startup : 0;
  return net == 0 ? 0.0 : 100.0 * static_cast<double>(dataset) / static_cast<double>(net);
}

double MemoryReport::peak_percentage() const {
  return peak == 0 ? 0.0 : 100.0 * static_cast<double>(used) / static_cast<double>(peak);
}

MemoryReport BuildMemoryReport(Server& server) {
  MemoryReport r;
  r.allocator = ReadAllocatorStats();
  r.used = r.allocator.allocated;
  r.rss = ReadRssBytes();
  server.NoteMemoryPeak(r.used);
  r.peak = server.memory_peak();
  r.startup = server.memory_startup();
  r.clients_normal = server.client_eviction().normal_bytes();
  r.clients_replicas = server.client_eviction().replica_bytes();
  for (ServerModule* m : server.modules()) m->ReportMemory(&r);
  r.not_counted_for_evict = server.NotCountedMemory();
  r.overhead = r.startup + r.clients_normal + r.clients_replicas + r.replication_backlog + r.aof_buffer;
  Keyspace& ks = server.keyspace();
  for (int i = 0; i < ks.databases(); ++i) {
    Db& db = ks.db(i);
    if (db.size() == 0) continue;
    MemoryReport::DbOverhead d{i, db.keys().BucketMemoryBytes(), db.expires().BucketMemoryBytes()};
    r.overhead += d.main_table + d.expires_table;
    r.keys += db.size();
    r.dbs.push_back(d);
  }
  r.dataset = r.used > r.overhead ? r.used - r.overhead : 0;
  return r;
}

}  // namespace replikv
