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

#include <cstdio>

namespace replikv {

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
