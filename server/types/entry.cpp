#include "server/types/entry.h"

#include "server/base/assert.h"
#include "server/access_clock.h"

#include "server/types/type_objects.h"

#include <charconv>
#include <cstdlib>
#include <malloc.h>
#include <new>

namespace replikv {

namespace {

// Greedy growth like sds: double below 1 MB, then +1 MB, so repeated APPENDs
// and SETRANGEs are amortised O(1) per byte.
size_t GreedyCapacity(size_t need) { return need < (1u << 20) ? need * 2 : need + (1u << 20); }

}  // namespace

HeapString* HeapString::New(std::string_view init, size_t cap) {
  if (cap < init.size()) cap = init.size();
  auto* s = static_cast<HeapString*>(std::malloc(sizeof(HeapString) + cap));
  if (s == nullptr) OutOfMemory(sizeof(HeapString) + cap);
  s->len = init.size();
  s->cap = cap;
  if (!init.empty()) std::memcpy(s->data, init.data(), init.size());
  return s;
}

bool ParseCanonicalInt64(std::string_view s, int64_t* out) {
  if (s.empty() || s.size() > 20) return false;
  if (s[0] == '0' && s.size() > 1) return false;
  if (s[0] == '-' && (s.size() == 1 || s[1] == '0')) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

Entry* Entry::Allocate(std::string_view key, size_t value_area, bool expire_slot) {
  if (value_area < 8) value_area = 8;
  size_t size = sizeof(Entry) + (expire_slot ? 8 : 0) + key.size() + value_area;
  void* mem = std::malloc(size);
  if (mem == nullptr) OutOfMemory(size);
  Entry* e = new (mem) Entry();
  e->type_ = 0;
  e->enc_ = 0;
  e->flags_ = expire_slot ? kHasExpireSlot : 0;
  e->pad_ = 0;
  e->lru_ = access_clock::Initial();
  e->key_len_ = static_cast<uint32_t>(key.size());
  e->val_len_ = 0;
  if (expire_slot) e->set_expire_ms(kNoExpire);
  std::memcpy(e->base() + sizeof(Entry) + e->expire_area(), key.data(), key.size());
  return e;
}

Entry* Entry::NewString(std::string_view key, std::string_view value, bool expire_slot, bool allow_int) {
  int64_t v;
  if (allow_int && ParseCanonicalInt64(value, &v)) return NewInt(key, v, expire_slot);
  Entry* e = Allocate(key, value.size(), expire_slot);
  e->type_ = static_cast<uint8_t>(ObjType::kString);
  e->enc_ = static_cast<uint8_t>(Encoding::kEmbedded);
  e->val_len_ = static_cast<uint32_t>(value.size());
  if (!value.empty()) std::memcpy(e->value_ptr(), value.data(), value.size());
  return e;
}

Entry* Entry::NewInt(std::string_view key, int64_t value, bool expire_slot) {
  Entry* e = Allocate(key, 8, expire_slot);
  e->type_ = static_cast<uint8_t>(ObjType::kString);
  e->enc_ = static_cast<uint8_t>(Encoding::kInt);
  e->set_int_value(value);
  return e;
}

Entry* Entry::NewObject(std::string_view key, ObjType type, void* object, bool expire_slot) {
  Entry* e = Allocate(key, sizeof(void*), expire_slot);
  e->type_ = static_cast<uint8_t>(type);
  e->enc_ = static_cast<uint8_t>(Encoding::kPtr);
  std::memcpy(e->value_ptr(), &object, sizeof(object));
  return e;
}

void Entry::Free(Entry* e) {
  if (e == nullptr) return;
  switch (e->encoding()) {
    case Encoding::kHeap: std::free(e->heap()); break;
    case Encoding::kPtr: FreeTypeObject(e->type(), e->object()); break;
    default: break;
  }
  std::free(e);
}

Entry* Entry::Clone(const Entry* e, std::string_view new_key, bool expire_slot) {
  Entry* copy;
  switch (e->encoding()) {
    case Encoding::kInt:
      copy = NewInt(new_key, e->int_value(), expire_slot);
      break;
    case Encoding::kEmbedded:
    case Encoding::kHeap: {
      char scratch[24];
      std::string_view v = e->StringValue(scratch);
      copy = Allocate(new_key, v.size(), expire_slot);
      copy->type_ = static_cast<uint8_t>(ObjType::kString);
      copy->enc_ = static_cast<uint8_t>(Encoding::kEmbedded);
      copy->val_len_ = static_cast<uint32_t>(v.size());
      if (!v.empty()) std::memcpy(copy->value_ptr(), v.data(), v.size());
      // A value that was modified in place keeps reporting "raw", as in Redis.
      if (e->encoding() == Encoding::kHeap) {
        HeapString* h = HeapString::New(v, v.size());
        copy->enc_ = static_cast<uint8_t>(Encoding::kHeap);
        std::memcpy(copy->value_ptr(), &h, sizeof(h));
      }
      break;
    }
    case Encoding::kPtr:
      copy = NewObject(new_key, e->type(), CloneTypeObject(e->type(), e->object()), expire_slot);
      break;
    default:
      AssertFailed("known encoding", __FILE__, __LINE__);
  }
  copy->lru_ = e->lru_;
  if (expire_slot) copy->set_expire_ms(e->expire_ms());
  return copy;
}

std::string_view Entry::StringValue(char* scratch) const {
  switch (encoding()) {
    case Encoding::kInt: {
      auto [end, ec] = std::to_chars(scratch, scratch + 21, int_value());
      (void)ec;
      return {scratch, static_cast<size_t>(end - scratch)};
    }
    case Encoding::kEmbedded: return {value_ptr(), val_len_};
    case Encoding::kHeap: return heap()->view();
    default: return {};
  }
}

HeapString* Entry::MutableString(size_t min_cap) {
  HeapString* h;
  if (encoding() == Encoding::kHeap) {
    h = heap();
    if (h->cap >= min_cap) return h;
    size_t cap = GreedyCapacity(min_cap);
    void* grown = std::realloc(h, sizeof(HeapString) + cap);
    if (grown == nullptr) OutOfMemory(sizeof(HeapString) + cap);
    h = static_cast<HeapString*>(grown);
    h->cap = cap;
  } else {
    char scratch[24];
    std::string_view v = StringValue(scratch);
    h = HeapString::New(v, GreedyCapacity(min_cap > v.size() ? min_cap : v.size()));
    enc_ = static_cast<uint8_t>(Encoding::kHeap);
  }
  std::memcpy(value_ptr(), &h, sizeof(h));
  return h;
}

const char* Entry::EncodingName() const {
  switch (encoding()) {
    case Encoding::kInt: return "int";
    case Encoding::kEmbedded: return val_len_ <= kEmbstrReportLimit ? "embstr" : "raw";
    case Encoding::kHeap: return "raw";
    case Encoding::kPtr: return "unknown";  // each type answers for itself
  }
  return "unknown";
}

const char* ObjectEncodingName(const Entry* e) {
  if (e->encoding() == Encoding::kPtr) return TypeEncodingName(e->type(), e->object());
  return e->EncodingName();
}

size_t Entry::AllocatedBytes() const {
  size_t n = malloc_usable_size(const_cast<Entry*>(this));
  if (encoding() == Encoding::kHeap) n += malloc_usable_size(heap());
  return n;
}

}  // namespace replikv
