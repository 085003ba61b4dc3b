// HashValue: the value of a hash key (field -> value).
//
// Two representations, as in Redis 7.0 (OBJECT ENCODING names them):
//   "listpack"  one packed buffer (packed.h) of field, value, field, value...
//               in insertion order; an update keeps the field's position.
//   "hashtable" a HashItemTable of one-allocation items (type_common.h).
// A hash starts packed and converts to a table, for good, when it would hold
// more than hash-max-listpack-entries fields or a field or value longer than
// hash-max-listpack-value bytes (Redis never converts back).
//
// A HashValue is a handle, not the owner: the object belongs to an Entry (or
// to whoever builds it). A handle made from an Entry writes the new object
// pointer back into it when the representation moves; one made from a bare
// object pointer exposes the current pointer through object(). Handles are
// cheap; make one per command. Loop thread only (a fork()ed child may read).
//
// For persistence: ForEach() visits every (field, value); Build() makes an
// object from pairs with the encoding Redis would give it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "server/ds/packed.h"
#include "server/types/type_common.h"

namespace replikv {

class HashValue {
 public:
  enum Kind : unsigned { kPacked = 0, kTable = 1 };

  // A new empty hash (packed).
  static void* NewObject();
  static void FreeObject(void* object);
  static void* CloneObject(const void* object);
  static const char* EncodingName(const void* object);
  // A hash holding `pairs`, whose fields must be distinct, in the encoding
  // Redis gives such a hash when it loads one. Linear time.
  static void* Build(std::span<const std::pair<std::string, std::string>> pairs, const PackLimits& limits);
  // The same from field, value, field, value... views (bulk loading; an
  // even count): one allocation for a packed hash.
  static void* BuildFlat(std::span<const std::string_view> fields_and_values, const PackLimits& limits);

  explicit HashValue(Entry* e) : entry_(e), obj_(TaggedPtr::FromRaw(e->object())) {}
  explicit HashValue(void* object) : obj_(TaggedPtr::FromRaw(object)) {}

  void* object() const { return obj_.raw(); }
  Kind kind() const { return static_cast<Kind>(obj_.tag()); }
  size_t size() const;

  // The value of `field`; false if absent. The view is valid until the
  // hash changes.
  bool Get(std::string_view field, std::string_view* value) const;
  bool Exists(std::string_view field) const {
    std::string_view v;
    return Get(field, &v);
  }
  // Sets `field` to `value` (converting first if either is too long for the
  // packed form, or after if the hash has too many fields). Returns true if
  // the field is new.
  bool Set(std::string_view field, std::string_view value, const PackLimits& limits);
  // Removes `field`; false if it was absent. The caller deletes the key when
  // the hash becomes empty.
  bool Delete(std::string_view field);
  // Moves a packed hash into a table (no-op for a table).
  void ConvertToTable();

  // fn(field, value) for every field: insertion order when packed, table
  // order otherwise. fn must not change the hash.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    if (kind() == kPacked) {
      const char* p = obj_.get<const char>();
      uint32_t end = packed::End(p);
      for (uint32_t off = packed::kHeaderSize; off < end;) {
        std::string_view f = packed::StringAt(p, off, &off);
        std::string_view v = packed::StringAt(p, off, &off);
        fn(f, v);
      }
    } else {
      table()->ForEach([&](const HashItem* i) { fn(i->field(), i->value()); });
    }
  }

  // The table of a "hashtable" hash (nullptr when packed).
  const HashItemTable* table() const { return kind() == kTable ? obj_.get<HashItemTable>() : nullptr; }
  // The i-th (field, value) of a packed hash, i < size(). Linear.
  void PackedAt(size_t i, std::string_view* field, std::string_view* value) const;
  // A uniformly random field of a non-empty hash, from `random_bits`.
  void Random(uint64_t random_bits, std::string_view* field, std::string_view* value) const;

  size_t AllocatedBytes() const;

 private:
  void Store(TaggedPtr p);
  HashItemTable* mutable_table() const { return obj_.get<HashItemTable>(); }
  // Offset of the field in the packed buffer, or 0 when absent.
  uint32_t PackedFind(std::string_view field) const;

  Entry* entry_ = nullptr;
  TaggedPtr obj_;
};

}  // namespace replikv
