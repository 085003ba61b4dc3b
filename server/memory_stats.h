// Process memory figures for INFO memory: what the allocator (jemalloc) says
// is allocated, and what the kernel says is resident.
#pragma once

#include <cstddef>
#include <cstdint>

namespace replikv {

struct AllocatorStats {
  size_t allocated = 0;  // bytes handed out (used_memory)
  size_t active = 0;     // bytes in active pages
  size_t resident = 0;   // bytes in resident allocator pages
};

// Refreshes and reads jemalloc's counters (a few microseconds: INFO, cron).
AllocatorStats ReadAllocatorStats();

// used_memory cheaply enough to ask before every command (the maxmemory
// check): the allocator total at the last ReadAllocatorStats() plus what the
// calling thread allocated minus what it freed since then, from jemalloc's
// per-thread counters. Allocations by other threads show up at the next
// refresh (the cron refreshes 10 times a second). Call from the loop thread,
// the thread that did the refresh.
size_t UsedMemory();
// For a thread other than the loop's that frees what the loop allocated (the
// lazy-free job thread): the calling thread's jemalloc net count (allocated
// minus freed bytes, wrapping), and a report of how much that changed over a
// job, which UsedMemory() adds at once instead of at the next refresh.
int64_t ThisThreadNetAllocated();
void NoteOtherThreadNetAllocated(int64_t delta);
// Turns jemalloc's background purging thread on or off (the
// jemalloc-bg-thread directive: freed pages go back to the kernel without
// waiting for the next allocation). Threads do not survive fork(), so the
// caller sets it after daemonizing. False when the allocator refused.
bool SetAllocatorBackgroundThread(bool on);
// Resident set size from /proc/self/statm.
size_t ReadRssBytes();
size_t TotalSystemMemory();
// "1.02M" style, as Redis's bytesToHuman.
void BytesToHuman(uint64_t n, char* buf, size_t len);

}  // namespace replikv
