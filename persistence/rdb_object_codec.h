// Conversions between keyspace values (Entry) and the RDB codec's forms,
// one place per value type.
#pragma once

#include <string_view>

#include "persistence/format/rdb_encoder.h"
#include "persistence/format/rdb_value_view.h"
#include "server/base/status.h"

namespace replikv {
class Entry;
}

namespace replikv::persistence {

// Writes one key (its value and TTL) with the encoder.
Status WriteEntry(RdbEncoder& enc, const Entry* e);
// Writes the value alone, | type | value |: a DUMP payload's object.
Status WriteValue(RdbEncoder& enc, const Entry* e);

// Builds a keyspace entry from a decoded value, in the encoding Redis gives
// such a value at load (the thresholds in `limits`); `expire_slot` reserves
// room for a TTL. Works from owned elements or from views (RdbValue::viewed;
// the views must still be valid). The caller owns the result.
Result<Entry*> BuildEntry(std::string_view key, RdbValue& value, const RdbEncodingLimits& limits, bool expire_slot);

}  // namespace replikv::persistence
