// libFuzzer entry point; the body is FuzzRestore() in fuzz_targets.cpp so
// that regression_test.cpp replays the same code without clang.
#include <cstddef>
#include <cstdint>

#include "tools/fuzz/fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return replikv::fuzz::FuzzRestore(data, size);
}
