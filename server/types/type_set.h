// SetValue: the value of a set key.
//
// Three representations:
//   intset   sorted array of integers (int_set.h), while every member is a
//            canonical integer and there are at most set-max-intset-entries
//            of them. OBJECT ENCODING "intset", exactly when Redis 7.0 says so.
//   packed   a packed buffer (packed.h) of up to kPackedMaxEntries members of
//            up to kPackedMaxValue bytes, in insertion order.
//   table    a SetTable of one-allocation members (type_common.h).
// Redis 7.0 has no compact form for sets of strings, it answers "hashtable"
// for both of the last two. The packed form is replikv's own: a set of a few
// short strings costs a few dozen bytes instead of a dict. Member order of a
// "hashtable" set is unspecified in both servers (SMEMBERS, SSCAN...), so the
// difference is not observable. Conversions go one way: intset -> packed ->
// table (intset -> table when too big for packed).
//
// A SetValue is a handle like HashValue (type_hash.h): made from an Entry it
// writes a moved object pointer back into it. For persistence: ForEach()
// visits the members; Build() makes an object from distinct members.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "server/ds/int_set.h"
#include "server/ds/packed.h"
#include "server/types/type_common.h"

namespace replikv {

class SetValue {
 public:
  enum Kind : unsigned { kIntset = 0, kPacked = 1, kTable = 2 };
  static constexpr size_t kPackedMaxEntries = 128;
  static constexpr size_t kPackedMaxValue = 64;
  // Room for an integer member formatted as text.
  static constexpr size_t kIntBuf = 24;

  // An empty set in the form Redis 7.0's setTypeCreate() picks for a set
  // whose first member is `first`: an intset when it is an integer.
  static void* NewObjectFor(std::string_view first);
  // An empty intset (Redis's createIntsetObject(), used for STORE results).
  static void* NewIntsetObject();
  static void FreeObject(void* object);
  static void* CloneObject(const void* object);
  static const char* EncodingName(const void* object);
  // A set of the distinct `members`, encoded as Redis would load it (an
  // intset if all are integers and few enough).
  static void* Build(std::span<const std::string> members, uint64_t max_intset_entries);
  // The same from views (bulk loading): one allocation for an intset or a
  // packed set, none per member.
  static void* Build(std::span<const std::string_view> members, uint64_t max_intset_entries);

  explicit SetValue(Entry* e) : entry_(e), obj_(TaggedPtr::FromRaw(e->object())) {}
  explicit SetValue(void* object) : obj_(TaggedPtr::FromRaw(object)) {}

  void* object() const { return obj_.raw(); }
  Kind kind() const { return static_cast<Kind>(obj_.tag()); }
  size_t size() const;

  bool Contains(std::string_view member) const;
  // Adds `member`; true if it was not there. `max_intset_entries` is
  // set-max-intset-entries.
  bool Add(std::string_view member, uint64_t max_intset_entries);
  // Removes `member`; true if it was there. The caller deletes the key of
  // a set that became empty.
  bool Remove(std::string_view member);
  // A uniformly random member of a non-empty set; integers are formatted
  // into buf (kIntBuf bytes). Valid until the set changes.
  std::string_view Random(uint64_t random_bits, char* buf) const;

  // fn(member) for every member: ascending for an intset, storage order
  // otherwise. fn must not change the set.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    switch (kind()) {
      case kIntset: {
        const char* p = obj_.get<const char>();
        char buf[kIntBuf];
        for (uint32_t i = 0, n = intset::Count(p); i < n; ++i) fn(FormatInt(intset::Get(p, i), buf));
        break;
      }
      case kPacked: {
        const char* p = obj_.get<const char>();
        for (uint32_t off = packed::kHeaderSize, end = packed::End(p); off < end;) fn(packed::StringAt(p, off, &off));
        break;
      }
      default:
        table()->ForEach([&](const SetItem* i) { fn(i->member()); });
        break;
    }
  }

  // The table of a table set (nullptr otherwise).
  const SetTable* table() const { return kind() == kTable ? obj_.get<SetTable>() : nullptr; }
  size_t AllocatedBytes() const;

  static std::string_view FormatInt(int64_t v, char* buf);

 private:
  void Store(TaggedPtr p);
  // Moves an intset into the packed or table form, or packed into a table.
  void ConvertFromIntset();
  void ConvertToTable();
  // Offset of `member` in the packed buffer, or 0.
  uint32_t PackedFind(std::string_view member) const;

  Entry* entry_ = nullptr;
  TaggedPtr obj_;
};

}  // namespace replikv
