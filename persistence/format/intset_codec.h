// Intset: the sorted array of integers Redis uses for small all-integer sets
// (set-max-intset-entries), written verbatim into RDB as a string.
//
// Layout (little-endian):
//   | encoding (4B: 2, 4 or 8 = bytes per value) | count (4B) | values |
// Values are signed, strictly ascending, all in the one width, which is the
// smallest that holds every value.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "persistence/format/rdb_value_view.h"
#include "server/base/status.h"

namespace replikv::persistence {

// Builds an intset from values that must be strictly ascending.
std::string BuildIntset(std::span<const int64_t> sorted_values);

// Checks the header, that the size matches the count, and that values are
// strictly ascending; appends them to *out as decimal text. Corruption
// messages give the byte offset within `is`.
Status ParseIntset(std::string_view is, std::vector<std::string>* out);
// The same checks, appending to an arena. `is` must not point into `out`.
Status ParseIntset(std::string_view is, RdbElementArena* out);

}  // namespace replikv::persistence
