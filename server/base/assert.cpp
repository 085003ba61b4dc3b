#include "server/base/assert.h"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>

namespace replikv {

void AssertFailed(const char* expr, const char* file, int line) {
  std::fprintf(stderr, "=== ASSERTION FAILED ===\n==> %s:%d '%s' is not true\n", file, line, expr);
  spdlog::critical("=== ASSERTION FAILED === {}:{} '{}' is not true", file, line, expr);
  std::abort();
}

void OutOfMemory(size_t bytes) {
  // No logger: it may need memory. fprintf to an unbuffered stderr does not.
  std::fprintf(stderr, "Out Of Memory allocating %zu bytes!\n", bytes);
  std::abort();
}

}  // namespace replikv
