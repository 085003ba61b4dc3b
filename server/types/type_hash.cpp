#include "server/types/type_hash.h"

#include <malloc.h>

namespace replikv {

void* HashValue::NewObject() { return TaggedPtr(packed::New(), kPacked).raw(); }

void HashValue::FreeObject(void* object) {
  TaggedPtr t = TaggedPtr::FromRaw(object);
  if (t.tag() == kPacked) {
    packed::Free(t.get<char>());
    return;
  }
  auto* table = t.get<HashItemTable>();
  table->Clear([](HashItem* i) { HashItem::Free(i); });
  delete table;
}

void* HashValue::CloneObject(const void* object) {
  TaggedPtr t = TaggedPtr::FromRaw(object);
  if (t.tag() == kPacked) return TaggedPtr(packed::Clone(t.get<const char>()), kPacked).raw();
  auto* copy = new HashItemTable();
  t.get<const HashItemTable>()->ForEach(
      [&](const HashItem* i) { copy->Insert(HashItem::New(i->field(), i->value())); });
  return TaggedPtr(copy, kTable).raw();
}

const char* HashValue::EncodingName(const void* object) {
  return TaggedPtr::FromRaw(object).tag() == kPacked ? "listpack" : "hashtable";
}

void* HashValue::Build(std::span<const std::pair<std::string, std::string>> pairs, const PackLimits& limits) {
  bool small = pairs.size() <= limits.max_entries;
  size_t bytes = packed::kHeaderSize;
  for (size_t i = 0; small && i < pairs.size(); ++i) {
    const auto& [f, v] = pairs[i];
    small = f.size() <= limits.max_value && v.size() <= limits.max_value;
    bytes += packed::StringSize(f.size()) + packed::StringSize(v.size());
  }
  if (small && bytes <= packed::kMaxBytes) {
    char* p = packed::New();
    for (const auto& [f, v] : pairs) p = packed::InsertPair(p, packed::End(p), f, v);
    return TaggedPtr(p, kPacked).raw();
  }
  auto* table = new HashItemTable();
  for (const auto& [f, v] : pairs) table->Insert(HashItem::New(f, v));
  return TaggedPtr(table, kTable).raw();
}

void* HashValue::BuildFlat(std::span<const std::string_view> fv, const PackLimits& limits) {
  bool small = fv.size() / 2 <= limits.max_entries;
  size_t bytes = packed::kHeaderSize;
  for (size_t i = 0; small && i < fv.size(); ++i) {
    small = fv[i].size() <= limits.max_value;
    bytes += packed::StringSize(fv[i].size());
  }
  if (small && bytes <= packed::kMaxBytes) {
    packed::Builder b(bytes);
    for (std::string_view s : fv) b.AddString(s);
    return TaggedPtr(b.Finish(), kPacked).raw();
  }
  auto* table = new HashItemTable();
  for (size_t i = 0; i + 1 < fv.size(); i += 2) table->Insert(HashItem::New(fv[i], fv[i + 1]));
  return TaggedPtr(table, kTable).raw();
}

void HashValue::Store(TaggedPtr p) {
  obj_ = p;
  if (entry_ != nullptr) SetEntryObject(entry_, p.raw());
}

size_t HashValue::size() const {
  if (kind() == kPacked) return packed::Count(obj_.get<const char>()) / 2;
  return table()->size();
}

uint32_t HashValue::PackedFind(std::string_view field) const {
  const char* p = obj_.get<const char>();
  uint32_t end = packed::End(p);
  for (uint32_t off = packed::kHeaderSize; off < end;) {
    uint32_t at = off;
    std::string_view f = packed::StringAt(p, off, &off);
    if (f == field) return at;
    off = packed::Skip(p, off);
  }
  return 0;
}

bool HashValue::Get(std::string_view field, std::string_view* value) const {
  if (kind() == kPacked) {
    uint32_t at = PackedFind(field);
    if (at == 0) return false;
    const char* p = obj_.get<const char>();
    uint32_t off;
    packed::StringAt(p, at, &off);
    *value = packed::StringAt(p, off, &off);
    return true;
  }
  const HashItem* i = mutable_table()->Find(field);
  if (i == nullptr) return false;
  *value = i->value();
  return true;
}

bool HashValue::Set(std::string_view field, std::string_view value, const PackLimits& limits) {
  if (kind() == kPacked) {
    char* p = obj_.get<char>();
    if (field.size() > limits.max_value || value.size() > limits.max_value ||
        packed::Bytes(p) + field.size() + value.size() + 10 > packed::kMaxBytes) {
      ConvertToTable();
    } else {
      uint32_t at = PackedFind(field);
      if (at != 0) {
        uint32_t voff;
        packed::StringAt(p, at, &voff);
        uint32_t vend = packed::Skip(p, voff);
        Store(TaggedPtr(packed::ReplaceString(p, voff, vend, value), kPacked));
        return false;
      }
      Store(TaggedPtr(packed::InsertPair(p, packed::End(p), field, value), kPacked));
      if (size() > limits.max_entries) ConvertToTable();
      return true;
    }
  }
  HashItemTable* t = mutable_table();
  bool found;
  uint64_t hash = ElementHash(field);
  HashItemTable::Slot slot = t->FindOrInsert(field, hash, &found);
  if (!found) {
    slot.set_entry(HashItem::New(field, value));
    return true;
  }
  HashItem* old = slot.entry();
  HashItem* updated = HashItem::WithValue(old, value);
  if (updated != old) slot.set_entry(updated);
  return false;
}

bool HashValue::Delete(std::string_view field) {
  if (kind() == kPacked) {
    uint32_t at = PackedFind(field);
    if (at == 0) return false;
    char* p = obj_.get<char>();
    uint32_t end = packed::Skip(p, packed::Skip(p, at));
    Store(TaggedPtr(packed::Erase(p, at, end, 2), kPacked));
    return true;
  }
  HashItemTable* t = mutable_table();
  HashItem* i = t->Erase(field);
  if (i == nullptr) return false;
  HashItem::Free(i);
  t->ShrinkIfNeeded();
  return true;
}

void HashValue::ConvertToTable() {
  if (kind() != kPacked) return;
  char* p = obj_.get<char>();
  auto* table = new HashItemTable();
  ForEach([&](std::string_view f, std::string_view v) { table->Insert(HashItem::New(f, v)); });
  packed::Free(p);
  Store(TaggedPtr(table, kTable));
}

void HashValue::PackedAt(size_t i, std::string_view* field, std::string_view* value) const {
  const char* p = obj_.get<const char>();
  uint32_t off = packed::kHeaderSize;
  for (size_t k = 0; k < i; ++k) off = packed::Skip(p, packed::Skip(p, off));
  *field = packed::StringAt(p, off, &off);
  *value = packed::StringAt(p, off, &off);
}

void HashValue::Random(uint64_t random_bits, std::string_view* field, std::string_view* value) const {
  if (kind() == kPacked) return PackedAt(random_bits % size(), field, value);
  const HashItem* i = table()->RandomEntry(random_bits);
  *field = i->field();
  *value = i->value();
}

size_t HashValue::AllocatedBytes() const {
  if (kind() == kPacked) return packed::AllocatedBytes(obj_.get<const char>());
  size_t n = sizeof(HashItemTable) + table()->BucketMemoryBytes();
  table()->ForEach([&](const HashItem* i) { n += malloc_usable_size(const_cast<HashItem*>(i)); });
  return n;
}

}  // namespace replikv
