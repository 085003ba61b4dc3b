#include "persistence/rdb_object_codec.h"

#include "server/access_clock.h"

#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "server/types/entry.h"
#include "server/types/type_common.h"
#include "server/types/type_hash.h"
#include "server/types/type_list.h"
#include "server/ds/listpack.h"
#include "server/types/type_set.h"
#include "server/types/type_stream.h"
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
    case RdbValue::Type::kString:
    case RdbValue::Type::kStream: break;  // never viewed
  }
  return Status::InvalidArgument("RDB loader: unknown value type");
}

RdbStreamId ToRdb(const StreamID& id) { return {id.ms, id.seq}; }
StreamID FromRdb(const RdbStreamId& id) { return {id.ms, id.seq}; }

std::string NodeKey(const StreamID& id) {
  std::string k(16, '\0');
  for (int i = 0; i < 8; ++i) {
    k[i] = static_cast<char>(id.ms >> (56 - 8 * i));
    k[8 + i] = static_cast<char>(id.seq >> (56 - 8 * i));
  }
  return k;
}

void ToRdbStream(const Stream& s, RdbStream* out) {
  out->nodes.reserve(s.nodes.size());
  for (const auto& [id, lp] : s.nodes) {
    out->nodes.push_back({NodeKey(id), std::string(reinterpret_cast<const char*>(lp), lp::Bytes(lp))});
  }
  out->length = s.length;
  out->last_id = ToRdb(s.last_id);
  out->first_id = ToRdb(s.first_id);
  out->max_deleted_id = ToRdb(s.max_deleted_entry_id);
  out->entries_added = s.entries_added;
  for (const auto& [name, g] : s.groups) {
    RdbStream::Group rg;
    rg.name = name;
    rg.last_id = ToRdb(g->last_id);
    rg.entries_read = g->entries_read;
    for (const auto& [id, nack] : g->pel) {
      rg.pel.push_back({ToRdb(id), nack->delivery_time, nack->delivery_count});
    }
    for (const auto& [cname, c] : g->consumers) {
      RdbStream::Consumer rc;
      rc.name = cname;
      rc.seen_time = c->seen_time;
      for (const auto& [id, nack] : c->pel) rc.pel.push_back(ToRdb(id));
      rg.consumers.push_back(std::move(rc));
    }
    out->groups.push_back(std::move(rg));
  }
}

// The decoder validated the nodes and the PEL ownership.
Stream* FromRdbStream(RdbStream& rs) {
  auto* s = new Stream();
  for (RdbStream::Node& n : rs.nodes) {
    StreamID master{};
    for (int i = 0; i < 8; ++i) {
      master.ms = (master.ms << 8) | static_cast<uint8_t>(n.key[i]);
      master.seq = (master.seq << 8) | static_cast<uint8_t>(n.key[8 + i]);
    }
    auto* lp = static_cast<uint8_t*>(std::malloc(n.lp.size()));
    std::memcpy(lp, n.lp.data(), n.lp.size());
    s->nodes.push_back(master, lp);
  }
  s->length = rs.length;
  s->last_id = FromRdb(rs.last_id);
  s->first_id = FromRdb(rs.first_id);
  s->max_deleted_entry_id = FromRdb(rs.max_deleted_id);
  s->entries_added = rs.entries_added;
  if (rs.first_id_unknown) s->UpdateFirstId();
  for (RdbStream::Group& rg : rs.groups) {
    int64_t entries_read = rg.entries_read;
    if (entries_read == -2) entries_read = s->EstimateDistanceFromFirstEverEntry(FromRdb(rg.last_id));
    StreamGroup* g = s->CreateGroup(rg.name, FromRdb(rg.last_id), entries_read);
    for (const RdbStream::Nack& n : rg.pel) {
      g->pel.emplace_hint(g->pel.end(), FromRdb(n.id),
                          new StreamNack{n.delivery_time, n.delivery_count, nullptr});
    }
    for (RdbStream::Consumer& rc : rg.consumers) {
      StreamConsumer* c = Stream::CreateConsumer(g, rc.name, rc.seen_time);
      for (const RdbStreamId& id : rc.pel) {
        StreamNack* nack = g->pel.at(FromRdb(id));
        nack->consumer = c;
        c->pel.emplace_hint(c->pel.end(), FromRdb(id), nack);
      }
    }
  }
  return s;
}

}  // namespace

namespace {

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
    case ObjType::kStream: {
      RdbStream rs;
      ToRdbStream(*static_cast<const Stream*>(e->object()), &rs);
      return with_key ? enc.WriteStreamEntry(key, rs, expire) : enc.WriteStreamValue(rs);
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
  if (value.type == RdbValue::Type::kStream) {
    return Entry::NewObject(key, ObjType::kStream, FromRdbStream(value.stream), expire_slot);
  }
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
    case RdbValue::Type::kStream: break;
  }
  return Status::InvalidArgument("RDB loader: unknown value type");
}

}  // namespace replikv::persistence
