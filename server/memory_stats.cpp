#include "server/memory_stats.h"

#include <unistd.h>
#ifndef REPLIKV_NO_JEMALLOC
#include <jemalloc/jemalloc.h>
#else
// Provided by the sanitizer runtime (libasan), which replaces malloc in
// sanitizer builds; declared here since Debian's gcc ships no header for it.
extern "C" size_t __sanitizer_get_current_allocated_bytes();
extern "C" size_t __sanitizer_get_heap_size();
#endif

#include <atomic>
#include <cstdio>

namespace replikv {
namespace {

#ifndef REPLIKV_NO_JEMALLOC
// jemalloc's running byte counters of the loop thread, and their difference
// when the allocator total was last read.
const uint64_t* g_thread_allocated = nullptr;
const uint64_t* g_thread_deallocated = nullptr;
uint64_t g_thread_net_at_refresh = 0;
size_t g_allocated_at_refresh = 0;

void BindThreadCounters() {
  if (g_thread_allocated != nullptr) return;
  uint64_t* p = nullptr;
  size_t sz = sizeof(p);
  if (mallctl("thread.allocatedp", &p, &sz, nullptr, 0) == 0) g_thread_allocated = p;
  sz = sizeof(p);
  if (mallctl("thread.deallocatedp", &p, &sz, nullptr, 0) == 0) g_thread_deallocated = p;
}

uint64_t ThreadNet() {
  if (g_thread_allocated == nullptr || g_thread_deallocated == nullptr) return 0;
  return *g_thread_allocated - *g_thread_deallocated;
}
#endif

#ifndef REPLIKV_NO_JEMALLOC
// Net bytes other threads allocated (negative: freed) as they reported it,
// and its value at the last refresh.
std::atomic<int64_t> g_other_threads_net{0};
int64_t g_other_threads_net_at_refresh = 0;
#endif

}  // namespace

bool SetAllocatorBackgroundThread(bool on) {
#ifdef REPLIKV_NO_JEMALLOC
  return true;  // the sanitizers' allocator: nothing to switch
#else
  return mallctl("background_thread", nullptr, nullptr, &on, sizeof(on)) == 0;
#endif
}

int64_t ThisThreadNetAllocated() {
#ifdef REPLIKV_NO_JEMALLOC
  return 0;
#else
  uint64_t allocated = 0, deallocated = 0;
  size_t sz = sizeof(allocated);
  mallctl("thread.allocated", &allocated, &sz, nullptr, 0);
  sz = sizeof(deallocated);
  mallctl("thread.deallocated", &deallocated, &sz, nullptr, 0);
  return static_cast<int64_t>(allocated - deallocated);
#endif
}

void NoteOtherThreadNetAllocated([[maybe_unused]] int64_t delta) {
#ifndef REPLIKV_NO_JEMALLOC
  g_other_threads_net.fetch_add(delta, std::memory_order_relaxed);
#endif
}

size_t UsedMemory() {
#ifdef REPLIKV_NO_JEMALLOC
  return __sanitizer_get_current_allocated_bytes();
#else
  if (g_thread_allocated == nullptr) ReadAllocatorStats();
  // Unsigned wrap-around makes a net decrease come out right.
  const int64_t others = g_other_threads_net.load(std::memory_order_relaxed) - g_other_threads_net_at_refresh;
  return g_allocated_at_refresh + static_cast<size_t>(ThreadNet() - g_thread_net_at_refresh) +
         static_cast<size_t>(others);
#endif
}

AllocatorStats ReadAllocatorStats() {
#ifdef REPLIKV_NO_JEMALLOC
  // Sanitizer builds (the only ones without jemalloc) ask the sanitizer's
  // allocator, which replaces malloc there.
  AllocatorStats s;
  s.allocated = __sanitizer_get_current_allocated_bytes();
  s.active = s.allocated;
  s.resident = __sanitizer_get_heap_size();
  return s;
#else
  // jemalloc's stats are snapshots refreshed by bumping the epoch.
  uint64_t epoch = 1;
  size_t sz = sizeof(epoch);
  mallctl("epoch", &epoch, &sz, &epoch, sz);
  AllocatorStats s;
  sz = sizeof(size_t);
  mallctl("stats.allocated", &s.allocated, &sz, nullptr, 0);
  sz = sizeof(size_t);
  mallctl("stats.active", &s.active, &sz, nullptr, 0);
  sz = sizeof(size_t);
  mallctl("stats.resident", &s.resident, &sz, nullptr, 0);
  BindThreadCounters();
  g_thread_net_at_refresh = ThreadNet();
  g_other_threads_net_at_refresh = g_other_threads_net.load(std::memory_order_relaxed);
  g_allocated_at_refresh = s.allocated;
  return s;
#endif
}

size_t ReadRssBytes() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long pages_total = 0, pages_rss = 0;
  int n = std::fscanf(f, "%lu %lu", &pages_total, &pages_rss);
  std::fclose(f);
  if (n != 2) return 0;
  return static_cast<size_t>(pages_rss) * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

size_t TotalSystemMemory() {
  return static_cast<size_t>(sysconf(_SC_PHYS_PAGES)) * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

void BytesToHuman(uint64_t n, char* buf, size_t len) {
  double d = static_cast<double>(n);
  if (n < 1024) {
    std::snprintf(buf, len, "%lluB", static_cast<unsigned long long>(n));
  } else if (n < 1024ull * 1024) {
    std::snprintf(buf, len, "%.2fK", d / 1024);
  } else if (n < 1024ull * 1024 * 1024) {
    std::snprintf(buf, len, "%.2fM", d / (1024 * 1024));
  } else if (n < 1024ull * 1024 * 1024 * 1024) {
    std::snprintf(buf, len, "%.2fG", d / (1024.0 * 1024 * 1024));
  } else {
    std::snprintf(buf, len, "%.2fT", d / (1024.0 * 1024 * 1024 * 1024));
  }
}

}  // namespace replikv
