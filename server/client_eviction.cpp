#include "server/client_eviction.h"

#include <spdlog/spdlog.h>

#include <string>
#include <utility>

#include "server/acl.h"  // ClientInfoLine
#include "server/commands/multi.h"
#include "server/commands/pubsub.h"
#include "server/server.h"

namespace replikv {
namespace {

// One node of a std::unordered_set<std::string> (the string and the next
// pointer, with the cached hash), without the name's own heap bytes.
constexpr size_t kSetNodeBytes = sizeof(std::string) + 2 * sizeof(void*);

template <typename Set>
size_t SetOverhead(const Set& s) {
  return s.size() * kSetNodeBytes + s.bucket_count() * sizeof(void*);
}

}  // namespace

size_t ClientMultiMemory(const Client& c) {
  if (c.multi == nullptr) return 0;
  const MultiState& m = *c.multi;
  return m.queued_bytes + m.queued.capacity() * sizeof(QueuedCommand) +
         m.watched.capacity() * sizeof(m.watched[0]);
}

size_t ClientMemoryUsage(const Client& c) {
  size_t n = sizeof(Client) + c.query_buffer_capacity() + c.output_allocated() + c.parked_argv_bytes();
  if (c.multi != nullptr) n += sizeof(MultiState) + ClientMultiMemory(c);
  if (c.pubsub != nullptr) {
    const PubSubState& p = *c.pubsub;
    n += sizeof(PubSubState) + SetOverhead(p.channels) + SetOverhead(p.patterns) + SetOverhead(p.shard_channels);
  }
  return n;
}

int8_t ClientEviction::ClassOf(const Client& c) {
  if (c.close_pending()) return -1;
  switch (c.kind()) {
    case ClientKind::kNormal: return kEvictableKinds;
    case ClientKind::kPrimary: return kPrimaryLink;
    case ClientKind::kReplica: return kReplicas;
    case ClientKind::kInternal: return -1;
  }
  return -1;
}

void ClientEviction::Recount(Client& c) {
  const int8_t cls = ClassOf(c);
  if (cls < 0) return Forget(c);
  const size_t bytes = ClientMemoryUsage(c);
  if (c.memory_class >= 0) bytes_[c.memory_class] -= c.memory_counted;
  bytes_[cls] += bytes;
  c.memory_class = cls;
  c.memory_counted = bytes;
  // Redis 7.0's clientEvictionAllowed: normal and pub/sub connections
  // (MONITOR ones included) without NO-EVICT.
  if (cls == kEvictableKinds && !c.no_evict) {
    buckets_.Place(&c, bytes);
  } else {
    buckets_.Remove(&c);
  }
}

void ClientEviction::Forget(Client& c) {
  buckets_.Remove(&c);
  if (c.memory_class >= 0) bytes_[c.memory_class] -= c.memory_counted;
  c.memory_class = -1;
  c.memory_counted = 0;
}

size_t ClientEviction::Evict(size_t limit) {
  size_t evicted = 0;
  // Each pass forgets one client: bounded by the number of clients.
  while (bytes_[kEvictableKinds] >= limit) {
    Client* c = buckets_.Biggest();
    if (c == nullptr) {
      // Redis 7.0 logs this at every check while over; once per episode
      // here (the check runs before every command).
      if (!over_after_all_) spdlog::warn("Over client maxmemory after evicting all evictable clients");
      over_after_all_ = true;
      break;
    }
    // Redis's wording, with the CLIENT LIST line of the victim.
    spdlog::info("Evicting client: {}", ClientInfoLine(server_, *c, c->parked_argv_bytes()));
    ++server_.stats().evicted_clients;
    ++evicted;
    c->Close();
    // A client protected by a running script closes later: it stops
    // counting now (Update skips it until then).
    Forget(*c);
  }
  return evicted;
}

}  // namespace replikv
