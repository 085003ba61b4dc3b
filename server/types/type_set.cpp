#include "server/types/type_set.h"

#include <malloc.h>

#include <algorithm>
#include <charconv>
#include <vector>

#include "server/command_table.h"

namespace replikv {
namespace {

// Redis caps set-max-intset-entries at 2^30 (intset internals).
uint64_t IntsetCap(uint64_t max_entries) { return max_entries < (1u << 30) ? max_entries : (1u << 30); }

}  // namespace

std::string_view SetValue::FormatInt(int64_t v, char* buf) {
  auto [end, ec] = std::to_chars(buf, buf + kIntBuf, v);
  (void)ec;
  return {buf, static_cast<size_t>(end - buf)};
}

void* SetValue::NewObjectFor(std::string_view first) {
  int64_t v;
  if (ParseInt64(first, &v)) return NewIntsetObject();
  return TaggedPtr(packed::New(), kPacked).raw();
}

void* SetValue::NewIntsetObject() { return TaggedPtr(intset::New(), kIntset).raw(); }

void SetValue::FreeObject(void* object) {
  TaggedPtr t = TaggedPtr::FromRaw(object);
  switch (t.tag()) {
    case kIntset: intset::Free(t.get<char>()); break;
    case kPacked: packed::Free(t.get<char>()); break;
    default: {
      auto* table = t.get<SetTable>();
      table->Clear([](SetItem* i) { SetItem::Free(i); });
      delete table;
      break;
    }
  }
}

void* SetValue::CloneObject(const void* object) {
  TaggedPtr t = TaggedPtr::FromRaw(object);
  switch (t.tag()) {
    case kIntset: return TaggedPtr(intset::Clone(t.get<const char>()), kIntset).raw();
    case kPacked: return TaggedPtr(packed::Clone(t.get<const char>()), kPacked).raw();
    default: {
      auto* copy = new SetTable();
      t.get<const SetTable>()->ForEach([&](const SetItem* i) { copy->Insert(SetItem::New(i->member())); });
      return TaggedPtr(copy, kTable).raw();
    }
  }
}

const char* SetValue::EncodingName(const void* object) {
  return TaggedPtr::FromRaw(object).tag() == kIntset ? "intset" : "hashtable";
}

void* SetValue::Build(std::span<const std::string> members, uint64_t max_intset_entries) {
  bool ints = members.size() <= IntsetCap(max_intset_entries);
  for (size_t i = 0; ints && i < members.size(); ++i) {
    int64_t v;
    ints = ParseInt64(members[i], &v);
  }
  if (ints) {
    SetValue s(NewIntsetObject());
    for (const std::string& m : members) s.Add(m, max_intset_entries);
    return s.object();
  }
  bool small = members.size() <= kPackedMaxEntries;
  for (size_t i = 0; small && i < members.size(); ++i) small = members[i].size() <= kPackedMaxValue;
  if (small) {
    char* p = packed::New();
    for (const std::string& m : members) p = packed::InsertString(p, packed::End(p), m);
    return TaggedPtr(p, kPacked).raw();
  }
  auto* table = new SetTable();
  for (const std::string& m : members) table->Insert(SetItem::New(m));
  return TaggedPtr(table, kTable).raw();
}

void* SetValue::Build(std::span<const std::string_view> members, uint64_t max_intset_entries) {
  if (members.size() <= IntsetCap(max_intset_entries)) {
    // Small sets (the common case) sort on the stack.
    constexpr size_t kStackValues = 128;
    int64_t stack_values[kStackValues];
    std::vector<int64_t> heap_values;
    int64_t* values = stack_values;
    if (members.size() > kStackValues) {
      heap_values.resize(members.size());
      values = heap_values.data();
    }
    bool ints = true;
    for (size_t i = 0; ints && i < members.size(); ++i) ints = ParseInt64(members[i], &values[i]);
    if (ints) {
      std::sort(values, values + members.size());
      // Distinct canonical texts are distinct numbers; unique() only guards
      // a caller that broke the precondition.
      size_t n = static_cast<size_t>(std::unique(values, values + members.size()) - values);
      return TaggedPtr(intset::FromSorted(values, n), kIntset).raw();
    }
  }
  bool small = members.size() <= kPackedMaxEntries;
  size_t bytes = packed::kHeaderSize;
  for (size_t i = 0; small && i < members.size(); ++i) {
    small = members[i].size() <= kPackedMaxValue;
    bytes += packed::StringSize(members[i].size());
  }
  if (small) {
    packed::Builder b(bytes);
    for (std::string_view m : members) b.AddString(m);
    return TaggedPtr(b.Finish(), kPacked).raw();
  }
  auto* table = new SetTable();
  for (std::string_view m : members) table->Insert(SetItem::New(m));
  return TaggedPtr(table, kTable).raw();
}

void SetValue::Store(TaggedPtr p) {
  obj_ = p;
  if (entry_ != nullptr) SetEntryObject(entry_, p.raw());
}

size_t SetValue::size() const {
  switch (kind()) {
    case kIntset: return intset::Count(obj_.get<const char>());
    case kPacked: return packed::Count(obj_.get<const char>());
    default: return table()->size();
  }
}

uint32_t SetValue::PackedFind(std::string_view member) const {
  const char* p = obj_.get<const char>();
  for (uint32_t off = packed::kHeaderSize, end = packed::End(p); off < end;) {
    uint32_t at = off;
    if (packed::StringAt(p, off, &off) == member) return at;
  }
  return 0;
}

bool SetValue::Contains(std::string_view member) const {
  switch (kind()) {
    case kIntset: {
      int64_t v;
      uint32_t pos;
      return ParseInt64(member, &v) && intset::Find(obj_.get<const char>(), v, &pos);
    }
    case kPacked: return PackedFind(member) != 0;
    default: return obj_.get<SetTable>()->Find(member) != nullptr;
  }
}

bool SetValue::Add(std::string_view member, uint64_t max_intset_entries) {
  if (kind() == kIntset) {
    int64_t v;
    if (ParseInt64(member, &v)) {
      bool added;
      Store(TaggedPtr(intset::Add(obj_.get<char>(), v, &added), kIntset));
      if (added && size() > IntsetCap(max_intset_entries)) ConvertFromIntset();
      return added;
    }
    ConvertFromIntset();
  }
  if (kind() == kPacked) {
    if (PackedFind(member) != 0) return false;
    char* p = obj_.get<char>();
    if (packed::Count(p) < kPackedMaxEntries && member.size() <= kPackedMaxValue) {
      Store(TaggedPtr(packed::InsertString(p, packed::End(p), member), kPacked));
      return true;
    }
    ConvertToTable();
  }
  SetTable* t = obj_.get<SetTable>();
  bool found;
  SetTable::Slot slot = t->FindOrInsert(member, &found);
  if (found) return false;
  slot.set_entry(SetItem::New(member));
  return true;
}

bool SetValue::Remove(std::string_view member) {
  switch (kind()) {
    case kIntset: {
      int64_t v;
      uint32_t pos;
      char* p = obj_.get<char>();
      if (!ParseInt64(member, &v) || !intset::Find(p, v, &pos)) return false;
      Store(TaggedPtr(intset::RemoveAt(p, pos), kIntset));
      return true;
    }
    case kPacked: {
      uint32_t at = PackedFind(member);
      if (at == 0) return false;
      char* p = obj_.get<char>();
      Store(TaggedPtr(packed::Erase(p, at, packed::Skip(p, at), 1), kPacked));
      return true;
    }
    default: {
      SetTable* t = obj_.get<SetTable>();
      SetItem* i = t->Erase(member);
      if (i == nullptr) return false;
      SetItem::Free(i);
      t->ShrinkIfNeeded();
      return true;
    }
  }
}

std::string_view SetValue::Random(uint64_t random_bits, char* buf) const {
  switch (kind()) {
    case kIntset: {
      const char* p = obj_.get<const char>();
      return FormatInt(intset::Get(p, static_cast<uint32_t>(random_bits % intset::Count(p))), buf);
    }
    case kPacked: {
      const char* p = obj_.get<const char>();
      uint32_t off = packed::kHeaderSize;
      for (uint64_t k = random_bits % packed::Count(p); k > 0; --k) off = packed::Skip(p, off);
      return packed::StringAt(p, off, &off);
    }
    default: return table()->RandomEntry(random_bits)->member();
  }
}

void SetValue::ConvertFromIntset() {
  char* p = obj_.get<char>();
  uint32_t n = intset::Count(p);
  if (n < kPackedMaxEntries) {
    char* q = packed::New();
    char buf[kIntBuf];
    for (uint32_t i = 0; i < n; ++i) q = packed::InsertString(q, packed::End(q), FormatInt(intset::Get(p, i), buf));
    intset::Free(p);
    Store(TaggedPtr(q, kPacked));
    return;
  }
  ConvertToTable();
}

void SetValue::ConvertToTable() {
  auto* table = new SetTable();
  ForEach([&](std::string_view m) { table->Insert(SetItem::New(m)); });
  if (kind() == kIntset) {
    intset::Free(obj_.get<char>());
  } else {
    packed::Free(obj_.get<char>());
  }
  Store(TaggedPtr(table, kTable));
}

size_t SetValue::AllocatedBytes() const {
  switch (kind()) {
    case kIntset: return intset::AllocatedBytes(obj_.get<const char>());
    case kPacked: return packed::AllocatedBytes(obj_.get<const char>());
    default: {
      size_t n = sizeof(SetTable) + table()->BucketMemoryBytes();
      table()->ForEach([&](const SetItem* i) { n += malloc_usable_size(const_cast<SetItem*>(i)); });
      return n;
    }
  }
}

}  // namespace replikv
