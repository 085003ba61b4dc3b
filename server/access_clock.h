// The per-key access clock that LRU and LFU eviction read: Entry::lru().
//
// As in Redis 7.0 the same 32-bit field holds one of two things, chosen by
// the maxmemory policy:
//  - LRU policies (and noeviction, random, ttl): the second of the last
//    access (Redis keeps 24 bits of it; OBJECT IDLETIME answers from it);
//  - LFU policies: the minute of the last decrement in the high 16 bits and
//    a logarithmic access counter in the low 8 bits (Morris counter: the
//    more hits, the less likely the next one raises it; `lfu-log-factor`
//    sets the curve, `lfu-decay-time` the minutes per decrement).
// Switching policy at run time leaves the old meaning in existing keys until
// they are touched again, as in Redis.
//
// Process-wide state (as Redis's server.lruclock), since every Entry is
// stamped at creation wherever it is made: commands, RDB and AOF loading,
// DEBUG POPULATE. The keyspace advances the clock once per command.
// Loop thread only.
#pragma once

#include <cstdint>

namespace replikv {

class Entry;

namespace access_clock {

// Redis's LFU_INIT_VAL: a new key starts with some credit so that it is not
// evicted before it has had a chance to be accessed.
inline constexpr uint8_t kLfuInitialCounter = 5;

struct Settings {
  bool lfu = false;
  int lfu_log_factor = 10;
  int lfu_decay_time = 1;  // minutes per counter decrement; 0 = never
};
void Configure(const Settings& s);
bool lfu();

// The time the keyspace sees (Keyspace::SetNowMs calls this).
void SetNowMs(int64_t ms);

// The value a newly created entry starts with.
uint32_t Initial();
// Records an access (Redis's lookupKey: LRU stamp or LFU increment).
void Touch(Entry* e);

// Sets the clock from what a snapshot saved (Redis's objectSetLRUOrLFU):
// under LFU the saved counter (`freq` >= 0), else the saved idle time
// (`idle_seconds` >= 0); -1 leaves the creation stamp.
void Restore(Entry* e, int64_t idle_seconds, int freq);

// LRU: seconds since the last access.
uint64_t IdleSeconds(const Entry* e);
// LFU: the counter after the decay owed since its last decrement (what
// OBJECT FREQ answers; the counter itself changes only on access).
uint8_t Frequency(const Entry* e);
// The eviction score: larger means a better candidate for eviction (LRU:
// idle milliseconds; LFU: 255 - frequency).
uint64_t EvictionScore(const Entry* e);

// The LFU counter step, exposed for tests: `random01` in [0, 1).
uint8_t LogIncrement(uint8_t counter, int log_factor, double random01);

}  // namespace access_clock
}  // namespace replikv
