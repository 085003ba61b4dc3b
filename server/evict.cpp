#include "server/evict.h"

#include "server/notify.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "server/access_clock.h"
#include "server/keyspace.h"
#include "server/memory_stats.h"
#include "server/notify.h"
#include "server/server.h"

namespace replikv {
namespace {

// Redis's EVPOOL_SIZE.
constexpr size_t kPoolSize = 16;
// The time budget is checked every this many evictions.
constexpr uint64_t kKeysPerTimeCheck = 16;

bool IsVolatile(MaxmemoryPolicy p) {
  return p == MaxmemoryPolicy::kVolatileLru || p == MaxmemoryPolicy::kVolatileLfu ||
         p == MaxmemoryPolicy::kVolatileRandom || p == MaxmemoryPolicy::kVolatileTtl;
}
bool IsLfu(MaxmemoryPolicy p) { return p == MaxmemoryPolicy::kAllkeysLfu || p == MaxmemoryPolicy::kVolatileLfu; }
bool IsRandom(MaxmemoryPolicy p) {
  return p == MaxmemoryPolicy::kAllkeysRandom || p == MaxmemoryPolicy::kVolatileRandom;
}

}  // namespace

Evictor::Evictor(Server& server) : server_(server) { pool_.reserve(kPoolSize + 1); }

Evictor::~Evictor() = default;

void Evictor::Install() {
  ApplySettings();
  ConfigRegistry& registry = server_.config_registry();
  registry
      .SetApplyHook({"maxmemory-policy", "lfu-log-factor", "lfu-decay-time"},
                    [this](const ServerConfig&) {
                      ApplySettings();
                      return Status::OK();
                    })
      .IgnoreError();
  registry
      .SetApplyHook({"maxmemory"},
                    [this](const ServerConfig& cfg) {
                      if (cfg.maxmemory == 0) return Status::OK();
                      size_t used = UsedMemory();
                      if (cfg.maxmemory < used) {
                        spdlog::warn(
                            "WARNING: the new maxmemory value set via CONFIG SET ({}) is smaller than the current "
                            "memory usage ({}). This will result in key eviction and/or the inability to accept new "
                            "write commands depending on the maxmemory-policy.",
                            cfg.maxmemory, used);
                      }
                      StartBackgroundEviction();
                      return Status::OK();
                    })
      .IgnoreError();
  const uint64_t maxmemory = server_.config().maxmemory;
  if (maxmemory != 0 && maxmemory < 1024 * 1024) {
    spdlog::warn(
        "WARNING: You specified a maxmemory value that is less than 1MB (current value is {} bytes). Are you sure "
        "this is what you really want?",
        maxmemory);
  }
}

void Evictor::Stop() {
  if (idle_initialized_) {
    uv_close(reinterpret_cast<uv_handle_t*>(&idle_), nullptr);
    idle_initialized_ = false;
    idle_active_ = false;
  }
}

void Evictor::ApplySettings() {
  const ServerConfig& cfg = server_.config();
  access_clock::Configure({IsLfu(cfg.maxmemory_policy), cfg.lfu_log_factor, cfg.lfu_decay_time});
  pool_.clear();  // scores of the old policy mean nothing under the new one
}

uint64_t Evictor::TimeLimitUs(int tenacity) {
  if (tenacity <= 10) return 50ull * static_cast<uint64_t>(std::max(tenacity, 0));
  if (tenacity < 100) return static_cast<uint64_t>(500.0 * std::pow(1.15, tenacity - 10.0));
  return std::numeric_limits<uint64_t>::max();
}

void Evictor::ResetStats() {
  stats_.evicted_keys = 0;
  stats_.total_exceeded_us = 0;
}

uint64_t Evictor::CurrentExceededMs() const {
  if (stats_.exceeded_since_us == 0) return 0;
  int64_t d = MonotonicUs() - stats_.exceeded_since_us;
  return d > 0 ? static_cast<uint64_t>(d) / 1000 : 0;
}

Evictor::Result Evictor::PerformEvictions() {
  const ServerConfig& cfg = server_.config();
  // Nor while an AOF replays (server_.loading is off for its commands): an
  // eviction, or a replayed write refused with -OOM, would lose data.
  if (cfg.maxmemory == 0 || (server_.is_replica() && cfg.replica_ignore_maxmemory) || server_.loading ||
      server_.keyspace().expiry_paused()) {
    return Result::kOk;
  }
  // During a client pause the dataset stays static: Redis 7.0 skips
  // eviction as if it had succeeded (no -OOM either).
  if (server_.keyspace().deletes_frozen()) return Result::kOk;
  // The AOF buffer and replication buffers beyond the backlog are not
  // counted (Redis's freeMemoryGetNotCountedMemory): a slow replica must
  // not make the primary evict user keys.
  size_t used = UsedMemory();
  const size_t not_counted = server_.NotCountedMemory();
  used = used > not_counted ? used - not_counted : 0;
  if (used <= cfg.maxmemory) {
    if (stats_.exceeded_since_us != 0) {
      stats_.total_exceeded_us += static_cast<uint64_t>(MonotonicUs() - stats_.exceeded_since_us);
      stats_.exceeded_since_us = 0;
    }
    return Result::kOk;
  }
  Result result = Result::kFail;
  const int64_t start_all_us = MonotonicUs();
  if (cfg.maxmemory_policy != MaxmemoryPolicy::kNoEviction) {
    const size_t to_free = used - cfg.maxmemory;
    const uint64_t limit_us = TimeLimitUs(cfg.maxmemory_eviction_tenacity);
    const int64_t start = MonotonicUs();
    size_t freed = 0;
    uint64_t evicted = 0;
    int db_index = 0;
    std::string key;
    result = Result::kOk;
    while (freed < to_free) {
      if (!PickVictim(&db_index, &key)) {
        result = Result::kFail;
        break;
      }
      size_t before = UsedMemory();
      const int64_t del_start = MonotonicUs();
      Evict(server_.keyspace().db(db_index), key);
      server_.AddLatencySample("eviction-del", (MonotonicUs() - del_start) / 1000);
      size_t after = UsedMemory();
      if (before > after) freed += before - after;
      ++evicted;
      // A value freed on the job thread is not in `freed` (only its key
      // shell is); check from time to time whether the job thread has
      // brought memory under the limit, as Redis 7.0 does.
      if (cfg.lazyfree_lazy_eviction && evicted % kKeysPerTimeCheck == 0 && UsedMemory() <= cfg.maxmemory) break;
      if (evicted % kKeysPerTimeCheck == 0 && freed < to_free &&
          static_cast<uint64_t>(MonotonicUs() - start) > limit_us) {
        // Out of time: let the command run and go on between iterations.
        StartBackgroundEviction();
        result = Result::kRunning;
        break;
      }
    }
  }
  if (cfg.maxmemory_policy != MaxmemoryPolicy::kNoEviction) {
    server_.AddLatencySample("eviction-cycle", (MonotonicUs() - start_all_us) / 1000);
  }
  if (result == Result::kOk) {
    if (stats_.exceeded_since_us != 0) {
      stats_.total_exceeded_us += static_cast<uint64_t>(MonotonicUs() - stats_.exceeded_since_us);
      stats_.exceeded_since_us = 0;
    }
  } else if (stats_.exceeded_since_us == 0) {
    stats_.exceeded_since_us = MonotonicUs();
  }
  return result;
}

bool Evictor::PickVictim(int* db_out, std::string* key_out) {
  const ServerConfig& cfg = server_.config();
  Keyspace& ks = server_.keyspace();
  const bool volatile_only = IsVolatile(cfg.maxmemory_policy);
  const int dbs = ks.databases();
  if (IsRandom(cfg.maxmemory_policy)) {
    // Round robin over the dbs so that each gets its share.
    for (int i = 0; i < dbs; ++i) {
      next_random_db_ = (next_random_db_ + 1) % dbs;
      Db& db = ks.db(next_random_db_);
      KeyTable& table = volatile_only ? db.expires() : db.keys();
      if (table.size() == 0) continue;
      random_state_ = random_state_ * 6364136223846793005ull + 1442695040888963407ull;
      Entry* e = table.RandomEntry(random_state_);
      if (e == nullptr) continue;
      *db_out = next_random_db_;
      *key_out = std::string(e->key());
      return true;
    }
    return false;
  }
  const bool ttl_policy = cfg.maxmemory_policy == MaxmemoryPolicy::kVolatileTtl;
  // Bounded: each round either finds a live candidate or empties the pool
  // of stale ones; a round with no keys at all ends the search.
  for (int round = 0; round < 64; ++round) {
    size_t keys = 0;
    for (int i = 0; i < dbs; ++i) {
      Db& db = ks.db(i);
      KeyTable& table = volatile_only ? db.expires() : db.keys();
      if (table.size() == 0) continue;
      keys += table.size();
      PopulatePool(db, volatile_only, ttl_policy);
    }
    if (keys == 0) return false;
    while (!pool_.empty()) {
      Candidate best = std::move(pool_.back());
      pool_.pop_back();
      Db& db = ks.db(best.db);
      // The key may have been deleted or lost its TTL since it was sampled.
      Entry* e = volatile_only ? db.expires().Find(best.key) : db.Find(best.key);
      if (e == nullptr) continue;
      *db_out = best.db;
      *key_out = std::move(best.key);
      return true;
    }
  }
  return false;
}

void Evictor::PopulatePool(Db& db, bool volatile_only, bool ttl_policy) {
  KeyTable& table = volatile_only ? db.expires() : db.keys();
  const size_t samples = static_cast<size_t>(std::max(server_.config().maxmemory_samples, 1));
  if (samples_.size() < samples) samples_.resize(samples);
  random_state_ = random_state_ * 6364136223846793005ull + 1442695040888963407ull;
  const size_t n = table.SampleEntries(random_state_, samples_.data(), samples);
  // Each score reads its entry: start every load before the first use.
  for (size_t i = 0; i < n; ++i) __builtin_prefetch(samples_[i]);
  for (size_t i = 0; i < n; ++i) {
    const Entry* e = samples_[i];
    // volatile-ttl: the sooner a key expires, the better a victim it is.
    uint64_t score = ttl_policy ? std::numeric_limits<uint64_t>::max() - static_cast<uint64_t>(e->expire_ms())
                                : access_clock::EvictionScore(e);
    OfferCandidate(score, db.id(), e);
  }
}

void Evictor::OfferCandidate(uint64_t score, int db, const Entry* e) {
  // Sampled again: keep the copy we hold. Entries are compared by address,
  // which is never dereferenced here (it may be stale): a false match only
  // skips one candidate.
  for (const Candidate& c : pool_) {
    if (c.entry == e && c.db == db) return;
  }
  Candidate c;
  if (pool_.size() == kPoolSize) {
    if (score <= pool_.front().score) return;  // worse than all we hold
    c = std::move(pool_.front());  // reuse its key buffer
    pool_.erase(pool_.begin());
  }
  c.score = score;
  c.db = db;
  c.entry = e;
  c.key.assign(e->key());
  auto pos = std::upper_bound(pool_.begin(), pool_.end(), score,
                              [](uint64_t s, const Candidate& x) { return s < x.score; });
  pool_.insert(pos, std::move(c));
}

void Evictor::Evict(Db& db, const std::string& key) {
  const bool lazy = server_.config().lazyfree_lazy_eviction;
  db.Delete(key, lazy);
  ++stats_.evicted_keys;
  // Each eviction is its own change in the AOF and the replication stream;
  // Redis names it UNLINK when lazyfree-lazy-eviction is set.
  Propagator& p = server_.propagator();
  p.Add(db.id(), {lazy ? "UNLINK" : "DEL", key});
  NotifyKeyspaceEvent(server_, kNotifyEvicted, "evicted", key, db.id());
  p.EndCall();
}

void Evictor::StartBackgroundEviction() {
  if (!idle_initialized_) {
    uv_idle_init(server_.loop(), &idle_);
    idle_.data = this;
    idle_initialized_ = true;
  }
  if (!idle_active_) {
    uv_idle_start(&idle_, &Evictor::OnIdle);
    idle_active_ = true;
  }
}

void Evictor::OnIdle(uv_idle_t* handle) {
  auto* self = static_cast<Evictor*>(handle->data);
  self->server_.keyspace().RefreshTime();
  // Another bounded slice; stop once under the limit or out of victims.
  if (self->PerformEvictions() != Result::kRunning) {
    uv_idle_stop(handle);
    self->idle_active_ = false;
  }
}

}  // namespace replikv
