#include "persistence/format/dump_payload.h"

#include "persistence/format/crc64.h"
#include "persistence/format/rdb_format.h"
#include "server/base/little_endian.h"

namespace replikv::persistence {

void SealDumpPayload(std::string* payload) {
  AppendLe(payload, static_cast<uint64_t>(kRdbVersion), 2);
  AppendLe(payload, Crc64(0, payload->data(), payload->size()), 8);
}

bool OpenDumpPayload(std::string_view payload, std::string_view* object, bool skip_checksum) {
  if (payload.size() < kDumpFooterSize) return false;
  const auto* footer = reinterpret_cast<const unsigned char*>(payload.data() + payload.size() - kDumpFooterSize);
  // A payload from a newer Redis may use encodings this version's loader
  // does not know; Redis 7.0 refuses it here rather than later.
  if (GetLe(footer, 2) > static_cast<uint64_t>(kRdbVersion)) return false;
  if (!skip_checksum && GetLe(footer + 2, 8) != Crc64(0, payload.data(), payload.size() - 8)) return false;
  *object = payload.substr(0, payload.size() - kDumpFooterSize);
  return true;
}

}  // namespace replikv::persistence
