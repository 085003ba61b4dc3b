// Broken invariants and failed allocations: log and abort, as Redis's
// serverAssert and zmalloc's out-of-memory handler do. Neither is for bad
// input (that gets an error reply or a Status); both mean the process can
// not go on safely.
#pragma once

#include <cstddef>

namespace replikv {

// Writes "=== ASSERTION FAILED ===" with the expression and place to stderr
// and the log, then aborts.
[[noreturn]] void AssertFailed(const char* expr, const char* file, int line);
// Writes "Out Of Memory allocating <bytes> bytes!" (Redis's wording) to
// stderr, then aborts. Allocates nothing.
[[noreturn]] void OutOfMemory(size_t bytes);

}  // namespace replikv

#define RKV_ASSERT(cond)                                                     \
  do {                                                                       \
    if (__builtin_expect(!(cond), 0)) ::replikv::AssertFailed(#cond, __FILE__, __LINE__); \
  } while (0)
