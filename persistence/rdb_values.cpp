#include "persistence/rdb_values.h"

#include "server/object.h"

namespace replikv::persistence {

Status WriteEntry(RdbEncoder& enc, const Entry* e) {
  switch (e->type()) {
    case ObjType::kString: {
      char scratch[24];
      return enc.WriteStringEntry(e->key(), e->StringValue(scratch), e->expire_ms());
    }
    default:
      return Status::InvalidArgument("RDB writer: value type not supported yet", std::to_string(static_cast<int>(e->type())));
  }
}

Result<Entry*> BuildEntry(std::string_view key, RdbValue& value, bool expire_slot) {
  switch (value.type) {
    case RdbValue::Type::kString:
      return Entry::NewString(key, value.str, expire_slot);
    default:
      return Status::InvalidArgument("RDB loader: value type not supported yet");
  }
}

}  // namespace replikv::persistence
