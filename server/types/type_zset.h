// ZsetValue: the value of a sorted set key (member -> score, kept in
// (score, member) order).
//
// Two representations, as in Redis 7.0 (OBJECT ENCODING names them):
//   "listpack"  one packed buffer (packed.h) of member, score, member,
//               score... in order; O(n) lookups, n <= zset-max-listpack-entries.
//   "skiplist"  a Skiplist (skiplist.h) plus a hash table from member to its
//               node: O(1) score lookup, O(log n) rank and range.
// Conversion to the skiplist happens when Redis 7.0 does it (more than
// zset-max-listpack-entries members, or a member longer than
// zset-max-listpack-value), and never back.
//
// Every range command is reduced to a range of ranks: ScoreRanks() and
// LexRanks() find the ranks an interval covers, ForRange() visits a rank
// range in either direction, DeleteRange() removes one.
//
// A ZsetValue is a handle like HashValue (type_hash.h). For persistence:
// ForEach() visits (member, score) in order; Build() makes an object from
// distinct members.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/ds/packed.h"
#include "server/ds/skiplist.h"
#include "server/types/type_common.h"

namespace replikv {

struct ZNodeTraits {
  static std::string_view Key(const ZNode* n) { return n->member(); }
  static uint64_t Hash(std::string_view k) { return ElementHash(k); }
};
using ZNodeTable = HashTable<ZNode, ZNodeTraits>;

// The big form: the ordered list and the member index share the nodes.
struct ZsetSkiplist {
  Skiplist list;
  ZNodeTable index;
};

class ZsetValue {
 public:
  enum Kind : unsigned { kPacked = 0, kSkiplist = 1 };

  // ZADD's input flags and result flags (Redis's ZADD_IN_* / ZADD_OUT_*).
  enum AddFlags : int { kIncr = 1, kNx = 2, kXx = 4, kGt = 8, kLt = 16 };
  enum AddResult : int { kNan = 1, kAdded = 2, kUpdated = 4, kNop = 8 };

  // An empty zset in the form Redis 7.0's zsetTypeCreate() picks for
  // `size_hint` elements, the first `len_hint` bytes long.
  static void* NewObject(size_t size_hint, size_t len_hint, const PackLimits& limits);
  static void FreeObject(void* object);
  static void* CloneObject(const void* object);
  static const char* EncodingName(const void* object);
  // A zset of distinct (member, score) pairs, any order, encoded as Redis
  // would load it.
  static void* Build(std::span<const std::pair<std::string, double>> elements, const PackLimits& limits);
  // The same from members[i] with scores[i] (bulk loading; equal sizes):
  // one allocation for a packed zset, no sort when already in order.
  static void* Build(std::span<const std::string_view> members, std::span<const double> scores,
                     const PackLimits& limits);

  explicit ZsetValue(Entry* e) : entry_(e), obj_(TaggedPtr::FromRaw(e->object())) {}
  explicit ZsetValue(void* object) : obj_(TaggedPtr::FromRaw(object)) {}

  void* object() const { return obj_.raw(); }
  Kind kind() const { return static_cast<Kind>(obj_.tag()); }
  size_t size() const;

  bool Score(std::string_view member, double* score) const;
  // 0-based ascending rank; false if absent.
  bool Rank(std::string_view member, uint64_t* rank) const;

  // Redis's zsetAdd(): adds or updates one member under `flags`; returns a
  // mask of AddResult (kNan: the INCR result is NaN and nothing changed).
  // *newscore gets the member's score when it was added or updated.
  int Add(double score, std::string_view member, int flags, double* newscore, const PackLimits& limits);
  // Removes `member`; false if absent. The caller deletes an emptied key.
  bool Remove(std::string_view member);
  // Removes ranks [from, to] (0-based, inclusive, to < size()).
  void DeleteRange(uint64_t from, uint64_t to);
  // Moves a packed zset into a skiplist (no-op for a skiplist).
  void ConvertToSkiplist(size_t size_hint = 0);
  // Redis's zsetTypeMaybeConvert(): converts when `size_hint` elements
  // would be too many for the packed form.
  void MaybeConvert(size_t size_hint, const PackLimits& limits);

  // The ranks [*first, *last] an interval covers; false if none.
  bool ScoreRanks(const ScoreRange& r, uint64_t* first, uint64_t* last) const;
  // The same for members. Members are in byte order only when all scores
  // are equal; otherwise Redis defines the result by its walk, which
  // starts at the low end (or the high end when `reverse`), and so does
  // this.
  bool LexRanks(const LexRange& r, bool reverse, uint64_t* first, uint64_t* last) const;

  // fn(member, score) for ranks from..to (inclusive, both < size()), in
  // descending rank order when `reverse` (then from >= to).
  template <typename Fn>
  void ForRange(uint64_t from, uint64_t to, bool reverse, Fn&& fn) const {
    if (kind() == kPacked) {
      std::vector<uint32_t> offs = PackedOffsets();
      for (uint64_t i = from;; reverse ? --i : ++i) {  // |to - from| + 1 steps
        uint32_t off = offs[i];
        const char* p = obj_.get<const char>();
        std::string_view m = packed::StringAt(p, off, &off);
        fn(m, packed::ScoreAt(p, off, &off));
        if (i == to) break;
      }
      return;
    }
    const ZNode* x = skiplist()->list.ByRank(from + 1);
    for (uint64_t n = (reverse ? from - to : to - from) + 1; n > 0 && x != nullptr; --n) {
      fn(x->member(), x->score);
      x = reverse ? x->prev() : x->next();
    }
  }
  // fn(member, score) for every member in ascending order.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    if (size() > 0) ForRange(0, size() - 1, false, fn);
  }
  // fn(member, score) -> bool for the members whose score is in `r`, in
  // ascending order, until fn returns false: one walk from the first
  // member in range (geo searches read several narrow score ranges).
  template <typename Fn>
  void ForScoreRange(const ScoreRange& r, Fn&& fn) const {
    if (kind() == kPacked) {
      const char* p = obj_.get<const char>();
      for (uint32_t off = packed::kHeaderSize, end = packed::End(p); off < end;) {
        std::string_view m = packed::StringAt(p, off, &off);
        const double s = packed::ScoreAt(p, off, &off);
        if (!r.GteMin(s)) continue;
        if (!r.LteMax(s) || !fn(m, s)) return;
      }
      return;
    }
    for (const ZNode* x = skiplist()->list.FirstIn(r); x != nullptr && r.LteMax(x->score); x = x->next()) {
      if (!fn(x->member(), x->score)) return;
    }
  }

  const ZsetSkiplist* skiplist() const { return kind() == kSkiplist ? obj_.get<ZsetSkiplist>() : nullptr; }
  size_t AllocatedBytes() const;

 private:
  void Store(TaggedPtr p);
  ZsetSkiplist* mutable_skiplist() const { return obj_.get<ZsetSkiplist>(); }
  // Offset of the member's element in the packed buffer, or 0; *score gets
  // its score.
  uint32_t PackedFind(std::string_view member, double* score) const;
  void PackedInsert(std::string_view member, double score);
  void PackedErase(uint32_t member_off);
  // The offset of every member element, in order.
  std::vector<uint32_t> PackedOffsets() const;

  Entry* entry_ = nullptr;
  TaggedPtr obj_;
};

}  // namespace replikv
