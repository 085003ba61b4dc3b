// Skiplist: the ordered half of a big sorted set (Redis's zskiplist), with
// spans so that rank <-> element is O(log n) in both directions.
//
// Elements are ordered by (score, member), members compared as bytes
// (memcmp, then length). Each node is ONE allocation:
//
//   | score (8B) | backward (8B) | member length (4B) | level (4B) |
//   | level x { forward (8B), span (8B) } | member bytes |
//
// Levels are drawn with p = 1/4 up to 32, as Redis. The sorted set keeps a
// hash table from member to node beside it (type_zset.h), so a node's
// address must stay stable: a score update relinks the same node. Not
// thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace replikv {

// A score interval as ZRANGEBYSCORE takes it: "(" makes a bound exclusive.
struct ScoreRange {
  double min = 0, max = 0;
  bool minex = false, maxex = false;
  bool GteMin(double v) const { return minex ? v > min : v >= min; }
  bool LteMax(double v) const { return maxex ? v < max : v <= max; }
  bool Contains(double v) const { return GteMin(v) && LteMax(v); }
  bool Empty() const { return min > max || (min == max && (minex || maxex)); }
};

// A member interval as ZRANGEBYLEX takes it: "-" and "+" are the ends of
// the byte order, "[x" includes x, "(x" excludes it.
struct LexRange {
  enum Bound : uint8_t { kNegInf, kPosInf, kValue };
  Bound min_kind = kNegInf, max_kind = kPosInf;
  std::string min, max;
  bool minex = false, maxex = false;
  bool GteMin(std::string_view v) const;
  bool LteMax(std::string_view v) const;
  bool Contains(std::string_view v) const { return GteMin(v) && LteMax(v); }
  bool Empty() const;
};

// Redis's byte order of members (sdscmp).
int CompareMembers(std::string_view a, std::string_view b);

struct ZNode {
  struct Level {
    ZNode* forward;
    uint64_t span;  // elements crossed by following `forward`
  };
  double score;
  ZNode* backward;
  uint32_t len;
  uint32_t level;

  Level* levels() { return reinterpret_cast<Level*>(this + 1); }
  const Level* levels() const { return reinterpret_cast<const Level*>(this + 1); }
  std::string_view member() const { return {reinterpret_cast<const char*>(levels() + level), len}; }
  ZNode* next() const { return levels()[0].forward; }
  ZNode* prev() const { return backward; }
};

class Skiplist {
 public:
  static constexpr int kMaxLevel = 32;

  Skiplist();
  ~Skiplist();  // frees every node
  Skiplist(const Skiplist&) = delete;
  Skiplist& operator=(const Skiplist&) = delete;

  uint64_t size() const { return length_; }
  ZNode* first() const { return header_->levels()[0].forward; }
  ZNode* last() const { return tail_; }

  // Inserts a new node. Precondition: `member` is not in the list.
  ZNode* Insert(double score, std::string_view member);
  // Unlinks the node holding (score, member) and returns it, still
  // allocated (FreeNode it); nullptr if there is none.
  ZNode* Unlink(double score, std::string_view member);
  // Moves `node` to its place for `new_score`; the node stays the same
  // allocation.
  void UpdateScore(ZNode* node, double new_score);
  // 1-based rank of (score, member); 0 if absent.
  uint64_t Rank(double score, std::string_view member) const;
  // The node at 1-based `rank`; nullptr if out of range.
  ZNode* ByRank(uint64_t rank) const;
  // First/last node inside the range; nullptr if none.
  ZNode* FirstIn(const ScoreRange& r) const;
  ZNode* LastIn(const ScoreRange& r) const;
  ZNode* FirstIn(const LexRange& r) const;
  ZNode* LastIn(const LexRange& r) const;
  // Unlinks the nodes of 1-based ranks [from, to] and calls
  // on_removed(ZNode*) for each, which must free it.
  template <typename Fn>
  void DeleteRankRange(uint64_t from, uint64_t to, Fn&& on_removed) {
    ZNode* update[kMaxLevel];
    ZNode* x = FindRankPredecessors(from, update);
    for (uint64_t rank = from; x != nullptr && rank <= to; ++rank) {  // bounded by `to`
      ZNode* next = x->next();
      UnlinkNode(x, update);
      on_removed(x);
      x = next;
    }
  }

  static void FreeNode(ZNode* n);
  // Bytes of all nodes (for memory accounting).
  size_t AllocatedBytes() const;

 private:
  static ZNode* NewNode(int level, double score, std::string_view member);
  static int RandomLevel();
  // Fills update[] with the last node before rank `rank` on each level and
  // returns the node at that rank (or nullptr).
  ZNode* FindRankPredecessors(uint64_t rank, ZNode** update) const;
  void UnlinkNode(ZNode* x, ZNode** update);
  void Link(ZNode* x);

  ZNode* header_;
  ZNode* tail_ = nullptr;
  uint64_t length_ = 0;
  int level_ = 1;
};

}  // namespace replikv
