// List: the value of a list key (Redis 7.0's quicklist; OBJECT ENCODING
// answers "quicklist" for every list, as 7.0 does).
//
// A doubly linked chain of nodes, each one allocation holding a run of
// elements packed back to back:
//
//   node:    | prev | next | count (4B) | begin (4B) | end (4B) | cap (4B) | data (cap bytes) |
//   element: | len | bytes | len |     len = 1 byte (< 128) or 0x80 + 4B little-endian
//                                       (mirrored after the bytes: 4B then 0x80)
//
// The length is written on both sides so a node can be walked either way.
// Used bytes are data[begin, end): free room is kept at both ends, so
// pushing at either end of the list is amortised O(1) and never moves the
// node's other elements (Redis's listpack moves the whole node on LPUSH).
// A node grows by doubling up to the list-max-listpack-size limit (negative:
// 4..64 KiB of data; positive: that many elements within 8 KiB); past it a
// new node starts. An element bigger than the limit gets a node of its own.
// Empty nodes are freed; a node that becomes mostly empty is merged into a
// neighbour with room.
//
// A List is owned by its Entry (the object pointer is the List*; it never
// moves). Loop thread only (a fork()ed child may read it).
//
// For the blocking commands (BLPOP family) and persistence: Push/Pop at
// either end, size(), ForEach() in order, and Clone().
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace replikv {

struct ListNode;

class List {
 public:
  enum End { kHead, kTail };

  // `fill` is list-max-listpack-size at creation (Redis also fixes it per
  // list when the list is created).
  explicit List(int fill);
  ~List();
  List(const List&) = delete;
  List& operator=(const List&) = delete;
  List* Clone() const;

  size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  // The number of nodes, counted no further than `limit` (lazy freeing
  // only asks whether it is over a threshold).
  size_t NodeCountUpTo(size_t limit) const;

  void Push(End where, std::string_view value);
  // Removes the element at `where` into *out. Precondition: !empty().
  void Pop(End where, std::string* out);

  // A position in the list; valid until the list changes (except through
  // Iterator-taking calls that say otherwise).
  class Iterator {
   public:
    bool valid() const { return node_ != nullptr; }
    std::string_view value() const;
    void Next();
    void Prev();

   private:
    friend class List;
    ListNode* node_ = nullptr;
    uint32_t off_ = 0;  // start of the element in the node's data
  };
  // Up to `max` elements from `*it` towards the tail into out[], moving *it
  // past them (invalid at the end of the list); returns how many. One call
  // walks a node's elements in a tight loop, for LRANGE-style reads. The
  // views are valid until the list changes.
  size_t Read(Iterator* it, std::string_view* out, size_t max) const;
  // At `index` (0-based from the head; precondition index < size()).
  Iterator At(size_t index) const;
  Iterator Head() const;
  Iterator Tail() const;

  // Replaces the element at `it`; `it` is invalid afterwards.
  void Replace(Iterator it, std::string_view value);
  // Inserts `value` before (or after) the element at `it`; `it` is invalid
  // afterwards.
  void InsertAt(Iterator it, bool after, std::string_view value);
  // Removes the element at `it` and moves `it` to the next element in the
  // direction of walking (towards the tail when `forward`), or invalid.
  void Erase(Iterator* it, bool forward);
  // Removes `n` elements from the head (or tail) end.
  void Trim(End where, size_t n);

  // fn(element) for every element from head to tail. fn must not change
  // the list.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    for (Iterator it = Head(); it.valid(); it.Next()) fn(it.value());
  }

  size_t AllocatedBytes() const;
  // DEBUG QUICKLIST's description of the nodes (one line per node when
  // `full`).
  std::string Describe(bool full) const;

  // Redis 7.0's quicklist packed threshold (DEBUG QUICKLIST-PACKED-
  // THRESHOLD; 1 GiB by default, process-wide): an element at least this
  // long is stored alone in a "plain" node that nothing else joins.
  static void SetPackedThreshold(size_t bytes);
  static size_t packed_threshold();
  // O(n) consistency check for tests: links, counts, element framing.
  bool Verify(std::string* why) const;

 private:
  bool CanAdd(const ListNode* n, size_t entry_size) const;
  ListNode* NewNode(size_t cap, ListNode* prev, ListNode* next);
  // Reallocates `n` with `cap` bytes, its data starting at `begin`; fixes
  // the links. Returns the new node.
  ListNode* Regrow(ListNode* n, size_t cap, uint32_t begin);
  // Makes room for `size` bytes at data offset `pos` of `n` (shifting one
  // side or regrowing); returns the node (maybe moved) and *pos adjusted.
  ListNode* OpenGap(ListNode* n, uint32_t* pos, size_t size);
  void EraseBytes(ListNode* n, uint32_t a, uint32_t b);
  void Unlink(ListNode* n);
  // Frees `n` if empty; merges a sparse node into a neighbour. Returns the
  // node that now holds n's elements (nullptr if freed).
  ListNode* Tidy(ListNode* n);
  size_t NodeByteLimit() const;

  ListNode* head_ = nullptr;
  ListNode* tail_ = nullptr;
  size_t count_ = 0;
  int fill_;
};

}  // namespace replikv
