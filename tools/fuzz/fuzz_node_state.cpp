// libFuzzer entry point; the body is FuzzNodeState() in
// fuzz_node_state_target.cpp so that regression_test.cpp replays it without clang.
#include <cstddef>
#include <cstdint>

#include "tools/fuzz/fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return replikv::fuzz::FuzzNodeState(data, size);
}
