// FuzzNodeState: the node-state file's decoder (see fuzz_targets.h).
#include <string>
#include <string_view>

#include "persistence/format/crc64.h"
#include "server/base/little_endian.h"
#include "replication/node_state.h"
#include "tools/fuzz/fuzz_targets.h"

namespace replikv::fuzz {
namespace {

void CheckRoundTrip(std::string_view file) {
  auto state = repl::DecodeNodeState(file);
  if (!state.ok()) return;
  const std::string again = repl::EncodeNodeState(*state);
  FuzzCheck(again.size() <= repl::kMaxNodeStateBytes + 64, "a decoded state encodes far larger than its file");
  auto back = repl::DecodeNodeState(again);
  FuzzCheck(back.ok(), "a decoded state does not decode once encoded again: " + back.status().ToString());
  FuzzCheck(*back == *state, "a decoded state changes through encode and decode");
}

}  // namespace

int FuzzNodeState(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  CheckRoundTrip(in);
  std::string file = "RKNSTATE";
  file.append(in);
  persistence::AppendLe(&file, persistence::Crc64(0, file.data(), file.size()), 8);
  CheckRoundTrip(file);
  return 0;
}

}  // namespace replikv::fuzz
