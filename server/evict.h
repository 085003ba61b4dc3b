// maxmemory and eviction, as Redis 7.0's evict.c.
//
// Before a command runs (when `maxmemory` is set) the dispatcher asks
// PerformEvictions() to bring used memory under the limit. Under an LRU, LFU
// or TTL policy the victim is the best of a pool: each round samples
// `maxmemory-samples` keys per db (all keys, or only those with a TTL for
// volatile-*) and keeps the 16 best candidates across rounds, so the
// approximation improves as eviction goes on; the random policies pick one
// key at random per round. Each evicted key is deleted as DEL through the
// propagation funnel (AOF, replicas), counted in evicted_keys, and seen by
// WATCH. With noeviction, or when nothing can be evicted, the command is
// refused with -OOM if it may grow memory (the dispatcher decides).
//
// Eviction work per command is bounded by `maxmemory-eviction-tenacity`
// (500 us at the default 10); past it the command runs and an idle handle
// keeps evicting between loop iterations until memory is under the limit.
//
// A replica with `replica-ignore-maxmemory yes` never evicts: its primary's
// DELs keep it in step. Loop thread only.
#pragma once

#include <uv.h>

#include <cstdint>
#include <string>
#include <vector>

namespace replikv {

class Server;
class Db;
class Entry;

struct EvictionStats {
  uint64_t evicted_keys = 0;
  // Time spent above maxmemory (INFO total/current_eviction_exceeded_time).
  uint64_t total_exceeded_us = 0;
  int64_t exceeded_since_us = 0;  // 0 = not above the limit now
};

class Evictor {
 public:
  enum class Result { kOk, kRunning, kFail };

  explicit Evictor(Server& server);
  ~Evictor();
  Evictor(const Evictor&) = delete;
  Evictor& operator=(const Evictor&) = delete;

  // Applies the policy settings and registers CONFIG SET hooks for them
  // (maxmemory, maxmemory-policy, lfu-log-factor, lfu-decay-time).
  void Install();
  // Closes the idle handle (the loop is ending).
  void Stop();

  // Evicts until used memory is at most maxmemory or the time budget is
  // spent. kFail: over the limit and nothing (more) can be evicted.
  Result PerformEvictions();

  const EvictionStats& stats() const { return stats_; }
  void ResetStats();
  // Milliseconds above the limit so far in the current episode.
  uint64_t CurrentExceededMs() const;

  // The eviction time budget per call for a tenacity (Redis's
  // evictionTimeLimitUs); UINT64_MAX means unlimited.
  static uint64_t TimeLimitUs(int tenacity);

 private:
  struct Candidate {
    uint64_t score = 0;  // larger evicts first
    int db = 0;
    const Entry* entry = nullptr;  // identity only: may be stale
    std::string key;
  };

  void ApplySettings();
  // One victim by the configured policy; false if none is left.
  bool PickVictim(int* db, std::string* key);
  void PopulatePool(Db& db, bool volatile_only, bool ttl_policy);
  void OfferCandidate(uint64_t score, int db, const Entry* e);
  void Evict(Db& db, const std::string& key);
  void StartBackgroundEviction();
  static void OnIdle(uv_idle_t* handle);

  Server& server_;
  EvictionStats stats_;
  std::vector<Candidate> pool_;  // ascending score; the best is last
  std::vector<Entry*> samples_;
  uint64_t random_state_ = 0x2545F4914F6CDD1Dull;
  int next_random_db_ = 0;
  uv_idle_t idle_;
  bool idle_active_ = false;
  bool idle_initialized_ = false;
};

}  // namespace replikv
