// Pieces shared by the aggregate types (hashes, sets, sorted sets, lists):
// how their objects sit in an Entry, the one-allocation elements of their big
// (hash table) forms, and the size limits that pick a compact form.
//
// An aggregate value is one pointer in its Entry (Encoding::kPtr). Its low
// three bits say which representation the pointer is to (every object comes
// from malloc, so it is at least 8-byte aligned): a compact buffer (packed.h,
// int_set.h) or a table object. The compact form is the pointer itself, with
// no wrapper, so a small value costs one allocation, as in Redis.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "server/ds/hash_table.h"
#include "server/keyspace.h"
#include "server/types/entry.h"

namespace replikv {

// A pointer with a 3-bit representation tag.
class TaggedPtr {
 public:
  TaggedPtr() = default;
  TaggedPtr(void* p, unsigned tag) : bits_(reinterpret_cast<uintptr_t>(p) | tag) {}
  static TaggedPtr FromRaw(const void* raw) {
    TaggedPtr t;
    t.bits_ = reinterpret_cast<uintptr_t>(raw);
    return t;
  }
  unsigned tag() const { return static_cast<unsigned>(bits_ & kMask); }
  template <typename T>
  T* get() const {
    return reinterpret_cast<T*>(bits_ & ~kMask);
  }
  void* raw() const { return reinterpret_cast<void*>(bits_); }

 private:
  static constexpr uintptr_t kMask = 7;
  uintptr_t bits_ = 0;
};

// Stores a new object pointer in an entry whose value moved (a compact
// buffer was reallocated, or converted to a table). The entry keeps owning it.
// Entry has no setter for this, so the write uses its documented layout
// (object.h: the value area follows the key bytes) and checks the result.
void SetEntryObject(Entry* e, void* object);

// The thresholds of the compact forms (the *-max-listpack-* and
// set-max-intset-entries configs).
struct PackLimits {
  uint64_t max_entries = 128;
  uint64_t max_value = 64;  // longest element in bytes
};

// The hash of an element (a field or member) in the big forms' tables.
inline uint64_t ElementHash(std::string_view s) { return EntryTraits::Hash(s); }

// One member of a big set: | length (4B) | bytes |.
struct SetItem {
  uint32_t len;
  char data[];
  std::string_view member() const { return {data, len}; }
  static SetItem* New(std::string_view s);
  static void Free(SetItem* i) { std::free(i); }
};
struct SetItemTraits {
  static std::string_view Key(const SetItem* i) { return i->member(); }
  static uint64_t Hash(std::string_view k) { return ElementHash(k); }
};
using SetTable = HashTable<SetItem, SetItemTraits>;

// One field of a big hash: | field length (4B) | value length (4B) | field | value |.
struct HashItem {
  uint32_t flen;
  uint32_t vlen;
  char data[];
  std::string_view field() const { return {data, flen}; }
  std::string_view value() const { return {data + flen, vlen}; }
  static HashItem* New(std::string_view field, std::string_view value);
  // A copy with another value; `old` is freed (it may be resized in place).
  static HashItem* WithValue(HashItem* old, std::string_view value);
  static void Free(HashItem* i) { std::free(i); }
};
struct HashItemTraits {
  static std::string_view Key(const HashItem* i) { return i->field(); }
  static uint64_t Hash(std::string_view k) { return ElementHash(k); }
};
using HashItemTable = HashTable<HashItem, HashItemTraits>;

// Formats a double as Redis 7.0 replies with it and hashes it in DEBUG
// DIGEST ("%.17g", "inf", "-inf"). Returns the length written to buf (at
// least 32 bytes).
size_t FormatScore(double d, char* buf);

}  // namespace replikv
