#include "server/access_clock.h"

#include "server/types/entry.h"

namespace replikv::access_clock {
namespace {

Settings g_settings;
int64_t g_now_ms = 0;
uint64_t g_random_state = 0x9E3779B97F4A7C15ull;

uint32_t NowSeconds() { return static_cast<uint32_t>(g_now_ms / 1000); }
// Redis's LFUGetTimeInMinutes: 16 bits of minutes, wrapping every ~45 days.
uint32_t NowMinutes16() { return static_cast<uint32_t>(g_now_ms / 60000) & 0xFFFF; }

double NextRandom01() {
  // xorshift64*: cheap and good enough for a probabilistic counter.
  g_random_state ^= g_random_state >> 12;
  g_random_state ^= g_random_state << 25;
  g_random_state ^= g_random_state >> 27;
  uint64_t r = g_random_state * 0x2545F4914F6CDD1Dull;
  return static_cast<double>(r >> 11) * (1.0 / 9007199254740992.0);
}

// Minutes since `then` (16-bit minutes), across one wrap.
uint32_t MinutesSince(uint32_t then) {
  uint32_t now = NowMinutes16();
  return now >= then ? now - then : 65535 - then + now;
}

uint8_t Decayed(uint32_t lru) {
  uint32_t last_decrement = lru >> 8;
  uint32_t counter = lru & 0xFF;
  if (g_settings.lfu_decay_time <= 0) return static_cast<uint8_t>(counter);
  uint32_t periods = MinutesSince(last_decrement) / static_cast<uint32_t>(g_settings.lfu_decay_time);
  return static_cast<uint8_t>(periods >= counter ? 0 : counter - periods);
}

}  // namespace

void Configure(const Settings& s) { g_settings = s; }
bool lfu() { return g_settings.lfu; }
void SetNowMs(int64_t ms) { g_now_ms = ms; }

uint32_t Initial() {
  if (g_settings.lfu) return (NowMinutes16() << 8) | kLfuInitialCounter;
  return NowSeconds();
}

uint8_t LogIncrement(uint8_t counter, int log_factor, double random01) {
  if (counter == 255) return 255;
  double base = counter > kLfuInitialCounter ? counter - kLfuInitialCounter : 0;
  double p = 1.0 / (base * log_factor + 1);
  return random01 < p ? counter + 1 : counter;
}

void Touch(Entry* e) {
  if (!g_settings.lfu) {
    e->set_lru(NowSeconds());
    return;
  }
  uint8_t counter = LogIncrement(Decayed(e->lru()), g_settings.lfu_log_factor, NextRandom01());
  e->set_lru((NowMinutes16() << 8) | counter);
}

void Restore(Entry* e, int64_t idle_seconds, int freq) {
  if (g_settings.lfu) {
    if (freq >= 0) e->set_lru((NowMinutes16() << 8) | static_cast<uint32_t>(freq & 0xFF));
    return;
  }
  if (idle_seconds < 0) return;
  // Redis keeps a 24-bit clock of seconds (wrapping every ~194 days): the
  // saved idle time is taken from it, the result truncated to 24 bits, and
  // OBJECT IDLETIME later reads the distance back across at most one wrap
  // (off by one there, as Redis's estimate is). Idle times past the wrap
  // therefore read back as Redis reads them; this key's clock is set to
  // give that idle time now.
  constexpr int64_t kClockMax = (1 << 24) - 1;
  const int64_t clock = NowSeconds() & kClockMax;
  // Redis scales by its clock resolution (x1000/1000), wrapping as its
  // 64-bit arithmetic does.
  const int64_t idle = static_cast<int64_t>(static_cast<uint64_t>(idle_seconds) * 1000) / 1000;
  int64_t stamp = static_cast<int64_t>(static_cast<uint64_t>(clock) - static_cast<uint64_t>(idle));
  if (stamp < 0) stamp += kClockMax;
  const int64_t lru24 = stamp & kClockMax;
  const int64_t estimate = clock >= lru24 ? clock - lru24 : clock + (kClockMax - lru24);
  const uint32_t now = NowSeconds();
  e->set_lru(static_cast<uint64_t>(estimate) < now ? now - static_cast<uint32_t>(estimate) : 0);
}

uint64_t IdleSeconds(const Entry* e) {
  uint32_t now = NowSeconds();
  return now >= e->lru() ? now - e->lru() : 0;
}

uint8_t Frequency(const Entry* e) { return Decayed(e->lru()); }

uint64_t EvictionScore(const Entry* e) {
  if (g_settings.lfu) return 255 - Frequency(e);
  return IdleSeconds(e) * 1000;
}

}  // namespace replikv::access_clock
