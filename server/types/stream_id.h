// StreamID: a stream entry's id, <ms>-<seq>, ordered as Redis 7.0 orders
// them (ms first, then seq).
#pragma once

#include <compare>
#include <cstdint>
#include <string>

namespace replikv {

struct StreamID {
  uint64_t ms = 0;
  uint64_t seq = 0;
  auto operator<=>(const StreamID&) const = default;
  bool IsZero() const { return ms == 0 && seq == 0; }
  static StreamID Max() { return {UINT64_MAX, UINT64_MAX}; }
  // The next / previous id; false (and wrapping to 0-0 / max) past the ends.
  bool Incr();
  bool Decr();
  // "<ms>-<seq>".
  std::string ToString() const;
};

}  // namespace replikv
