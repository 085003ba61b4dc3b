#include "server/types/type_common.h"

#include <malloc.h>

#include <cmath>
#include <cstdio>

#include <spdlog/spdlog.h>

#include "server/base/assert.h"

namespace replikv {
namespace {

void* Allocate(size_t n) {
  void* p = std::malloc(n);
  if (p == nullptr) OutOfMemory(n);
  return p;
}

}  // namespace

void SetEntryObject(Entry* e, void* object) { e->set_object(object); }

SetItem* SetItem::New(std::string_view s) {
  auto* i = static_cast<SetItem*>(Allocate(sizeof(SetItem) + s.size()));
  i->len = static_cast<uint32_t>(s.size());
  if (!s.empty()) std::memcpy(i->data, s.data(), s.size());
  return i;
}

HashItem* HashItem::New(std::string_view field, std::string_view value) {
  auto* i = static_cast<HashItem*>(Allocate(sizeof(HashItem) + field.size() + value.size()));
  i->flen = static_cast<uint32_t>(field.size());
  i->vlen = static_cast<uint32_t>(value.size());
  if (!field.empty()) std::memcpy(i->data, field.data(), field.size());
  if (!value.empty()) std::memcpy(i->data + field.size(), value.data(), value.size());
  return i;
}

HashItem* HashItem::WithValue(HashItem* old, std::string_view value) {
  size_t need = sizeof(HashItem) + old->flen + value.size();
  HashItem* i = old;
  // Reuse the block when the new value fits and does not waste more than
  // half of it; `value` never points into `old` (it comes from the client).
  size_t usable = malloc_usable_size(old);
  if (need > usable || need * 2 < usable) {
    i = static_cast<HashItem*>(std::realloc(old, need));
    if (i == nullptr) OutOfMemory(need);
  }
  i->vlen = static_cast<uint32_t>(value.size());
  if (!value.empty()) std::memcpy(i->data + i->flen, value.data(), value.size());
  return i;
}

size_t FormatScore(double d, char* buf) {
  if (std::isinf(d)) {
    const char* s = d > 0 ? "inf" : "-inf";
    size_t n = std::strlen(s);
    std::memcpy(buf, s, n);
    return n;
  }
  int n = std::snprintf(buf, 32, "%.17g", d);
  return n > 0 ? static_cast<size_t>(n) : 0;
}

}  // namespace replikv
