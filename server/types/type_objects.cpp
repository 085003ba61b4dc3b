// Dispatch points for non-string values: each goes to its type family.
#include "server/types/type_objects.h"

#include <spdlog/spdlog.h>

#include <cstdlib>

#include "server/base/assert.h"
#include "server/commands/digest.h"
#include "server/types/type_common.h"
#include "server/types/type_hash.h"
#include "server/types/type_list.h"
#include "server/types/type_set.h"
#include "server/types/type_stream.h"
#include "server/types/type_zset.h"

namespace replikv {
namespace {

[[noreturn]] void NoSuchType(const char* what, ObjType type) {
  spdlog::critical("{}: value type {} is not an aggregate type", what, static_cast<int>(type));
  AssertFailed("aggregate type", __FILE__, __LINE__);
}

std::string_view DigestBytes(const Digest20& d) { return {reinterpret_cast<const char*>(d.data()), d.size()}; }

}  // namespace

void FreeTypeObject(ObjType type, void* object) {
  if (object == nullptr) return;  // moved out by MoveEntryToKey
  switch (type) {
    case ObjType::kList: delete static_cast<List*>(object); return;
    case ObjType::kSet: SetValue::FreeObject(object); return;
    case ObjType::kHash: HashValue::FreeObject(object); return;
    case ObjType::kZset: ZsetValue::FreeObject(object); return;
    case ObjType::kStream: delete static_cast<Stream*>(object); return;
    default: NoSuchType("FreeTypeObject", type);
  }
}

size_t TypeFreeEffort(ObjType type, const void* object, size_t limit) {
  if (object == nullptr) return 1;
  void* obj = const_cast<void*>(object);  // the value views take a mutable pointer; nothing changes
  switch (type) {
    case ObjType::kList: return static_cast<const List*>(object)->NodeCountUpTo(limit + 1);
    case ObjType::kSet: {
      // A packed set is what Redis 7.0 holds as a hash table (OBJECT
      // ENCODING says so): counted like one, so lazyfreed_objects agrees.
      SetValue s(obj);
      return s.kind() == SetValue::kIntset ? 1 : s.size();
    }
    case ObjType::kHash: {
      HashValue h(obj);
      return h.kind() == HashValue::kTable ? h.size() : 1;
    }
    case ObjType::kZset: {
      ZsetValue z(obj);
      return z.kind() == ZsetValue::kSkiplist ? z.size() : 1;
    }
    case ObjType::kStream: {
      // Redis 7.0: the radix tree's node count, plus the group count times
      // one more than the first group's PEL size.
      const auto* s = static_cast<const Stream*>(object);
      size_t effort = s->RaxNodeCount();
      if (!s->groups.empty()) effort += s->groups.size() * (1 + s->groups.begin()->second->pel.size());
      return effort;
    }
    default: return 1;
  }
}

void* CloneTypeObject(ObjType type, const void* object) {
  switch (type) {
    case ObjType::kList: return static_cast<const List*>(object)->Clone();
    case ObjType::kSet: return SetValue::CloneObject(object);
    case ObjType::kHash: return HashValue::CloneObject(object);
    case ObjType::kZset: return ZsetValue::CloneObject(object);
    case ObjType::kStream: return static_cast<const Stream*>(object)->Clone();
    default: NoSuchType("CloneTypeObject", type);
  }
}

Entry* MoveEntryToKey(Entry* e, std::string_view new_key) {
  if (e->encoding() != Encoding::kPtr) {
    Entry* copy = Entry::Clone(e, new_key, e->has_expire());
    Entry::Free(e);
    return copy;
  }
  Entry* moved = Entry::NewObject(new_key, e->type(), e->object(), e->has_expire());
  moved->set_lru(e->lru());
  if (e->has_expire()) moved->set_expire_ms(e->expire_ms());
  SetEntryObject(e, nullptr);  // the old shell no longer owns the object
  Entry::Free(e);
  return moved;
}

const char* TypeEncodingName(ObjType type, const void* object) {
  switch (type) {
    case ObjType::kList: return "quicklist";
    case ObjType::kSet: return SetValue::EncodingName(object);
    case ObjType::kHash: return HashValue::EncodingName(object);
    case ObjType::kZset: return ZsetValue::EncodingName(object);
    case ObjType::kStream: return "stream";
    default: NoSuchType("TypeEncodingName", type);
  }
}

size_t TypeObjectBytes(ObjType type, const void* object) {
  void* obj = const_cast<void*>(object);
  switch (type) {
    case ObjType::kList: return static_cast<const List*>(object)->AllocatedBytes();
    case ObjType::kSet: return SetValue(obj).AllocatedBytes();
    case ObjType::kHash: return HashValue(obj).AllocatedBytes();
    case ObjType::kZset: return ZsetValue(obj).AllocatedBytes();
    case ObjType::kStream: return static_cast<const Stream*>(object)->AllocatedBytes();
    default: NoSuchType("TypeObjectBytes", type);
  }
}

// Redis 7.0's per-type digest (debug.c xorObjectDigest): lists mix their
// elements in order; sets xor their members; hashes and sorted sets xor, per
// element, a digest that mixes field then value (member then score, as
// %.17g).
void AppendTypeDigest(Digest20& d, const Entry* e) {
  switch (e->type()) {
    case ObjType::kList:
      static_cast<const List*>(e->object())->ForEach([&](std::string_view v) { MixDigest(d, v); });
      return;
    case ObjType::kSet:
      SetValue(e->object()).ForEach([&](std::string_view m) { XorDigest(d, m); });
      return;
    case ObjType::kHash:
      HashValue(e->object()).ForEach([&](std::string_view f, std::string_view v) {
        Digest20 el{};
        MixDigest(el, f);
        MixDigest(el, v);
        XorDigest(d, DigestBytes(el));
      });
      return;
    case ObjType::kZset: {
      char buf[32];
      ZsetValue(e->object()).ForEach([&](std::string_view m, double score) {
        Digest20 el{};
        MixDigest(el, m);
        MixDigest(el, std::string_view(buf, FormatScore(score, buf)));
        XorDigest(d, DigestBytes(el));
      });
      return;
    }
    case ObjType::kStream: {
      // Per entry in id order: mix("<ms>.<seq>"), then each field and value.
      StreamIterator si(static_cast<Stream*>(e->object()), nullptr, nullptr, false);
      StreamID id;
      int64_t n;
      while (si.GetID(&id, &n)) {
        std::string itemid = std::to_string(id.ms) + "." + std::to_string(id.seq);
        MixDigest(d, itemid);
        while (n--) {
          std::string_view f, v;
          si.GetField(&f, &v);
          MixDigest(d, f);
          MixDigest(d, v);
        }
      }
      return;
    }
    default:
      NoSuchType("AppendTypeDigest", e->type());
  }
}

}  // namespace replikv
