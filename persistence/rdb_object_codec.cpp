#include "persistence/rdb_object_codec.h"

#include "server/access_clock.h"

#include <string>
#include <utility>
#include <vector>

#include "server/types/entry.h"
#include "server/types/type_common.h"
#include "server/types/type_hash.h"
#include "server/types/type_list.h"
#include "server/types/type_set.h"
#include "server/types/type_zset.h"

namespace replikv::persistence {
namespace {

PackLimits HashLimits(const RdbEncodingLimits& l) {
  return PackLimits{l.hash_max_listpack_entries, l.hash_max_listpack_value};
}
PackLimits ZsetLimits(const RdbEncodingLimits& l) {
  return PackLimits{l.zset_max_listpack_entries, l.zset_max_listpack_value};
}

// A collection delivered as views (RdbDecoderOptions::element_views): the
// bytes go straight from the decoder's buffer into the packed forms.
Result<Entry*> BuildFromViews(std::string_view key, const RdbValue& value, const RdbEncodingLimits& limits,
                              bool expire_slot) {
  switch (value.type) {
    case RdbValue::Type::kList: {
      auto* list = new List(limits.list_max_listpack_size);
      for (std::string_view v : value.views) list->Push(List::kTail, v);
      return Entry::NewObject(key, ObjType::kList, list, expire_slot);
    }
    case RdbValue::Type::kSet:
      return Entry::NewObject(key, ObjType::kSet, SetValue::Build(value.views, limits.set_max_intset_entries),
                              expire_slot);
    case RdbValue::Type::kHash:
      if (value.views.size() % 2 != 0) return Status::InvalidArgument("RDB loader: odd hash element count");
      return Entry::NewObject(key, ObjType::kHash, HashValue::BuildFlat(value.views, HashLimits(limits)),
                              expire_slot);
    case RdbValue::Type::kZset:
      if (value.views.size() != value.scores.size()) {
        return Status::InvalidArgument("RDB loader: zset members and scores differ in number");
      }
      return Entry::NewObject(key, ObjType::kZset, ZsetValue::Build(value.views, value.scores, ZsetLimits(limits)),
                              expire_slot);
    case RdbValue::Type::kString: break;
  }
  return Status::InvalidArgument("RDB loader: unknown value type");
}

// The entry's value, with its key and prologue (`with_key`, a snapshot) or
// bare (a DUMP payload). Streams, once they exist, get their case here and
// reach both SAVE and DUMP.
Status WriteObject(RdbEncoder& enc, const Entry* e, bool with_key) {
  const int64_t expire = e->expire_ms();
  const std::string_view key = e->key();
  switch (e->type()) {
    case ObjType::kString: {
      char scratch[24];
      std::string_view v = e->StringValue(scratch);
      return with_key ? enc.WriteStringEntry(key, v, expire) : enc.WriteStringValue(v);
    }
    case ObjType::kList: {
      std::vector<std::string_view> elems;
      const List* list = static_cast<const List*>(e->object());
      elems.reserve(list->size());
      list->ForEach([&](std::string_view v) { elems.push_back(v); });
      return with_key ? enc.WriteListEntry(key, elems, expire) : enc.WriteListValue(elems);
    }
    case ObjType::kSet: {
      // Integer members are formatted into scratch storage that must outlive
      // the write, so collect copies.
      std::vector<std::string> members;
      SetValue set(e->object());
      members.reserve(set.size());
      set.ForEach([&](std::string_view m) { members.emplace_back(m); });
      std::vector<std::string_view> views(members.begin(), members.end());
      return with_key ? enc.WriteSetEntry(key, views, expire) : enc.WriteSetValue(views);
    }
    case ObjType::kHash: {
      std::vector<std::pair<std::string_view, std::string_view>> pairs;
      HashValue hash(e->object());
      pairs.reserve(hash.size());
      hash.ForEach([&](std::string_view f, std::string_view v) { pairs.emplace_back(f, v); });
      return with_key ? enc.WriteHashEntry(key, pairs, expire) : enc.WriteHashValue(pairs);
    }
    case ObjType::kZset: {
      std::vector<std::pair<std::string_view, double>> members;
      ZsetValue zset(e->object());
      members.reserve(zset.size());
      zset.ForEach([&](std::string_view m, double s) { members.emplace_back(m, s); });
      return with_key ? enc.WriteZsetEntry(key, members, expire) : enc.WriteZsetValue(members);
    }
  }
  return Status::InvalidArgument("RDB writer: unknown value type");
}


}  // namespace

Status WriteEntry(RdbEncoder& enc, const Entry* e) {
  if (enc.options().key_access != RdbKeyAccess::kNone) {
    enc.SetNextKeyAccess(access_clock::IdleSeconds(e), access_clock::Frequency(e));
  }
  return WriteObject(enc, e, /*with_key=*/true);
}

Status WriteValue(RdbEncoder& enc, const Entry* e) { return WriteObject(enc, e, /*with_key=*/false); }

Result<Entry*> BuildEntry(std::string_view key, RdbValue& value, const RdbEncodingLimits& limits, bool expire_slot) {
  if (value.type != RdbValue::Type::kString && value.viewed) return BuildFromViews(key, value, limits, expire_slot);
  switch (value.type) {
    case RdbValue::Type::kString:
      return Entry::NewString(key, value.str, expire_slot);
    case RdbValue::Type::kList: {
      auto* list = new List(limits.list_max_listpack_size);
      for (const std::string& v : value.elems) list->Push(List::kTail, v);
      return Entry::NewObject(key, ObjType::kList, list, expire_slot);
    }
    case RdbValue::Type::kSet:
      return Entry::NewObject(key, ObjType::kSet, SetValue::Build(value.elems, limits.set_max_intset_entries),
                              expire_slot);
    case RdbValue::Type::kHash:
      return Entry::NewObject(key, ObjType::kHash, HashValue::Build(value.pairs, HashLimits(limits)), expire_slot);
    case RdbValue::Type::kZset:
      return Entry::NewObject(key, ObjType::kZset, ZsetValue::Build(value.zset, ZsetLimits(limits)), expire_slot);
  }
  return Status::InvalidArgument("RDB loader: unknown value type");
}

}  // namespace replikv::persistence
