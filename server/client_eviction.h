// ClientEviction: what each connection's buffers and bookkeeping hold, and
// `maxmemory-clients` (Redis 7.0's client eviction).
//
// Every connection's memory (ClientMemoryUsage: CLIENT LIST tot-mem) is
// counted anew after a read, after each command (Client::CheckOutputLimits),
// after a Pub/Sub message or MONITOR line is pushed to it, after its output
// is written and once a second from the cron; the sums per kind feed INFO
// memory (mem_clients_normal). Normal and pub/sub connections that may be
// evicted (not CLIENT NO-EVICT, not closing) sit in MemUsageBuckets by
// size. When the memory of all normal and pub/sub connections (evictable or
// not, as Redis 7.0 counts it) reaches the limit, connections are closed,
// biggest bucket first, until it is below again. Replicas, the link to a
// primary and the server's own clients (the AOF loader) are never evicted
// and never count toward the limit.
//
// The checks are where Redis 7.0 makes them: before each command (before
// key eviction) and before the loop polls, after every pending reply was
// written. Loop thread only.
#pragma once

#include <cstddef>
#include <cstdint>

#include "server/config/config.h"
#include "server/net/client.h"
#include "server/net/mem_usage_buckets.h"

namespace replikv {

class Server;

// The bytes a connection holds, as CLIENT LIST tot-mem: the Client itself,
// the query buffer's capacity (the current command's arguments are views
// into it), the reply buffer's blocks, a parked command's copy, the MULTI
// queue and WATCH list (ClientMultiMemory), and the client's side of its
// subscriptions (its channel sets' nodes and buckets; the names, as in
// Redis, are not counted).
size_t ClientMemoryUsage(const Client& c);
// CLIENT LIST multi-mem: queued arguments, the queue and the WATCH list.
size_t ClientMultiMemory(const Client& c);

class ClientEviction {
 public:
  // `config` must outlive this object.
  ClientEviction(Server& server, const ServerConfig& config) : server_(server), config_(config) {}
  ClientEviction(const ClientEviction&) = delete;
  ClientEviction& operator=(const ClientEviction&) = delete;

  // Counts `c` anew; a closing client is forgotten instead. Runs after
  // every command, read and write: the usual connection whose buffers kept
  // their size costs a few compares.
  void Update(Client& c) {
    if (!Unchanged(c)) Recount(c);
  }
  // `c` stops counting and leaves the buckets. It is not an error if it
  // was not counted.
  void Forget(Client& c);

  // maxmemory-clients in bytes: the value, or its percentage of maxmemory
  // (off while maxmemory is 0); 0 means off. As Redis 7.0, a limit under
  // 128 KiB counts as 128 KiB, so a small value cannot cut every
  // connection off.
  size_t Limit() const {
    const int64_t v = config_.maxmemory_clients;
    if (v == 0 || (v < 0 && config_.maxmemory == 0)) return 0;
    const size_t bytes = v > 0 ? static_cast<size_t>(v)
                               : static_cast<size_t>(static_cast<double>(config_.maxmemory) *
                                                     static_cast<double>(-v) / 100.0);
    return bytes < kMinLimit ? kMinLimit : bytes;
  }
  // Evicts while over the limit; returns how many were evicted. One load
  // and a compare when under it.
  size_t EvictIfNeeded() {
    const size_t limit = Limit();
    if (limit == 0 || bytes_[kEvictableKinds] < limit) {
      over_after_all_ = false;
      return 0;
    }
    return Evict(limit);
  }

  // INFO memory: mem_clients_normal (normal, pub/sub and the link to a
  // primary, as Redis 7.0) and the replicas' own buffers.
  size_t normal_bytes() const { return bytes_[kEvictableKinds] + bytes_[kPrimaryLink]; }
  size_t replica_bytes() const { return bytes_[kReplicas]; }
  // The figure compared with the limit.
  size_t evictable_kinds_bytes() const { return bytes_[kEvictableKinds]; }
  size_t evictable_clients() const { return buckets_.size(); }

 private:
  static constexpr size_t kMinLimit = 128 * 1024;
  // Client::memory_class values (-1: not counted).
  enum Class : int8_t { kEvictableKinds = 0, kPrimaryLink = 1, kReplicas = 2, kClasses = 3 };
  static int8_t ClassOf(const Client& c);
  // Whether a count now would give what was counted last, for the usual
  // connection: normal, without MULTI state, subscriptions or a parked
  // command (sizes only the full count knows), NO-EVICT as it was, and
  // buffers of the same size. False sends it to the full count.
  static bool Unchanged(const Client& c) {
    return c.memory_class == kEvictableKinds && c.kind() == ClientKind::kNormal && !c.close_pending() &&
           c.multi == nullptr && c.pubsub == nullptr && !c.paused() &&
           (c.memory_hook.bucket >= 0) == !c.no_evict &&
           sizeof(Client) + c.query_buffer_capacity() + c.output_allocated() == c.memory_counted;
  }
  void Recount(Client& c);
  size_t Evict(size_t limit);

  Server& server_;
  const ServerConfig& config_;
  MemUsageBuckets<Client, &Client::memory_hook> buckets_;
  size_t bytes_[kClasses] = {};
  // "Over client maxmemory..." was logged; quiet until under the limit.
  bool over_after_all_ = false;
};

}  // namespace replikv
