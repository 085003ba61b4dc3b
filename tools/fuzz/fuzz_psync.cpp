// libFuzzer entry point; the body is FuzzPsync() in fuzz_psync_target.cpp so that
// regression_test.cpp replays the same code without clang.
#include <cstddef>
#include <cstdint>

#include "tools/fuzz/fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return replikv::fuzz::FuzzPsync(data, size);
}
