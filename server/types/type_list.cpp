#include "server/types/type_list.h"

#include <malloc.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "server/base/assert.h"

namespace replikv {

struct ListNode {
  ListNode* prev;
  ListNode* next;
  uint32_t count;
  uint32_t begin;
  uint32_t end;
  uint32_t cap;
  char* data() { return reinterpret_cast<char*>(this + 1); }
  const char* data() const { return reinterpret_cast<const char*>(this + 1); }
  uint32_t used() const { return end - begin; }
};

namespace {

constexpr size_t kMinNodeCap = 16;
// Redis's SIZE_SAFETY_LIMIT: a node of a count-limited list stays under
// this many bytes as well.
constexpr size_t kSafetyLimit = 8192;
constexpr size_t kByteLimits[] = {4096, 8192, 16384, 32768, 65536};
// Elements are framed by a 1-byte length below this size, 5 bytes above.
constexpr size_t kShortLen = 0x80;
constexpr unsigned char kLongMark = 0x80;

size_t EntrySize(size_t len) { return len < kShortLen ? len + 2 : len + 10; }

// Redis 7.0's default packed threshold: 1 GiB.
size_t g_packed_threshold = size_t{1} << 30;

void WriteEntry(char* dst, std::string_view v) {
  size_t len = v.size();
  if (len < kShortLen) {
    *dst++ = static_cast<char>(len);
    std::memcpy(dst, v.data(), len);
    dst[len] = static_cast<char>(len);
    return;
  }
  auto len32 = static_cast<uint32_t>(len);
  *dst++ = static_cast<char>(kLongMark);
  std::memcpy(dst, &len32, 4);
  dst += 4;
  std::memcpy(dst, v.data(), len);
  dst += len;
  std::memcpy(dst, &len32, 4);
  dst[4] = static_cast<char>(kLongMark);
}

// The element starting at `off`; *next gets the offset after it.
std::string_view ReadEntry(const char* data, uint32_t off, uint32_t* next) {
  auto b = static_cast<unsigned char>(data[off]);
  if (b != kLongMark) {
    *next = off + b + 2;
    return {data + off + 1, b};
  }
  uint32_t len;
  std::memcpy(&len, data + off + 1, 4);
  *next = off + len + 10;
  return {data + off + 5, len};
}

// The start of the element that ends at `end`.
uint32_t StartBefore(const char* data, uint32_t end) {
  auto b = static_cast<unsigned char>(data[end - 1]);
  if (b != kLongMark) return end - b - 2;
  uint32_t len;
  std::memcpy(&len, data + end - 5, 4);
  return end - len - 10;
}

}  // namespace

List::List(int fill) : fill_(fill) {}

List::~List() {
  ListNode* n = head_;
  while (n != nullptr) {  // each node once
    ListNode* next = n->next;
    std::free(n);
    n = next;
  }
}

size_t List::NodeCountUpTo(size_t limit) const {
  size_t n = 0;
  for (const ListNode* node = head_; node != nullptr && n < limit; node = node->next) ++n;
  return n;
}

List* List::Clone() const {
  auto* copy = new List(fill_);
  ListNode* prev = nullptr;
  for (const ListNode* n = head_; n != nullptr; n = n->next) {
    size_t bytes = sizeof(ListNode) + n->cap;
    auto* c = static_cast<ListNode*>(std::malloc(bytes));
    if (c == nullptr) OutOfMemory(bytes);
    std::memcpy(c, n, bytes);
    c->prev = prev;
    c->next = nullptr;
    if (prev != nullptr) {
      prev->next = c;
    } else {
      copy->head_ = c;
    }
    prev = c;
  }
  copy->tail_ = prev;
  copy->count_ = count_;
  return copy;
}

size_t List::NodeByteLimit() const {
  // The limit is for the whole allocation, header included (Redis counts
  // its listpack header inside the 8 KB too): a full node is exactly one
  // 8 KB allocation, not 8 KB + 32 B rounded up to 10 KB by the allocator.
  if (fill_ >= 0) return kSafetyLimit - sizeof(ListNode);
  int i = -fill_ - 1;
  return kByteLimits[i < 5 ? i : 4] - sizeof(ListNode);
}

void List::SetPackedThreshold(size_t bytes) { g_packed_threshold = bytes; }
size_t List::packed_threshold() { return g_packed_threshold; }

bool List::CanAdd(const ListNode* n, size_t entry_size) const {
  if (n == nullptr) return false;
  if (n->count == 0) return true;
  // A "plain" element (as long as the packed threshold or longer) has a
  // node to itself: neither it nor anything else may join.
  const size_t plain = EntrySize(g_packed_threshold);
  if (entry_size >= plain || (n->count == 1 && n->used() >= plain)) return false;
  if (n->used() + entry_size > NodeByteLimit()) return false;
  return fill_ < 0 || n->count < static_cast<uint32_t>(fill_ == 0 ? 1 : fill_);
}

// The data capacity of node `n` allocated for `requested` bytes of data:
// all of what the allocator really gave (its size classes round up).
static uint32_t UsableCap(ListNode* n, size_t requested) {
  size_t usable = malloc_usable_size(n);
  size_t cap = usable > sizeof(ListNode) ? usable - sizeof(ListNode) : requested;
  if (cap < requested) cap = requested;
  return static_cast<uint32_t>(cap < UINT32_MAX ? cap : UINT32_MAX);
}

ListNode* List::NewNode(size_t cap, ListNode* prev, ListNode* next) {
  if (cap > UINT32_MAX) OutOfMemory(cap);
  auto* n = static_cast<ListNode*>(std::malloc(sizeof(ListNode) + cap));
  if (n == nullptr) OutOfMemory(sizeof(ListNode) + cap);
  n->prev = prev;
  n->next = next;
  n->count = 0;
  n->begin = n->end = 0;
  n->cap = UsableCap(n, cap);
  if (prev != nullptr) {
    prev->next = n;
  } else {
    head_ = n;
  }
  if (next != nullptr) {
    next->prev = n;
  } else {
    tail_ = n;
  }
  return n;
}

ListNode* List::Regrow(ListNode* n, size_t cap, uint32_t begin) {
  if (cap > UINT32_MAX) OutOfMemory(cap);
  auto* m = static_cast<ListNode*>(std::malloc(sizeof(ListNode) + cap));
  if (m == nullptr) OutOfMemory(sizeof(ListNode) + cap);
  *m = *n;
  m->cap = UsableCap(m, cap);
  m->begin = begin;
  m->end = begin + n->used();
  std::memcpy(m->data() + begin, n->data() + n->begin, n->used());
  if (m->prev != nullptr) {
    m->prev->next = m;
  } else {
    head_ = m;
  }
  if (m->next != nullptr) {
    m->next->prev = m;
  } else {
    tail_ = m;
  }
  std::free(n);
  return m;
}

ListNode* List::OpenGap(ListNode* n, uint32_t* pos, size_t size) {
  uint32_t front = *pos - n->begin, back = n->end - *pos;
  bool front_room = n->begin >= size;
  bool back_room = n->cap - n->end >= size;
  if (!front_room && !back_room) {
    // Grow by an eighth (at least 64 bytes; the allocator then rounds up to
    // its next size class, about a quarter apart, and UsableCap takes all
    // of it), leaving the new room on the side being written: pushes at the
    // head keep all slack in front, pushes at the tail behind. Not double:
    // a list's last node is usually partly full, and its slack is memory
    // held per key.
    size_t cap = n->cap + std::max<size_t>(n->cap / 8, 64);
    if (cap < n->used() + size) cap = n->used() + size;
    if (cap < kMinNodeCap) cap = kMinNodeCap;
    size_t limit = NodeByteLimit();
    if (cap > limit && n->used() + size <= limit) cap = limit;
    size_t slack = cap - n->used();
    uint32_t begin;
    if (back == 0) {
      begin = 0;
    } else if (front == 0) {
      begin = static_cast<uint32_t>(slack);
    } else if (slack >= 2 * size) {
      begin = static_cast<uint32_t>(slack / 2);
    } else {
      // Not enough to split: all of it on the side that will shift.
      begin = front <= back ? static_cast<uint32_t>(slack) : 0;
    }
    n = Regrow(n, cap, begin);
    *pos = n->begin + front;
    front_room = n->begin >= size;
    back_room = n->cap - n->end >= size;
  }
  // Shift whichever side is shorter (and has room).
  if (front_room && (!back_room || front <= back)) {
    std::memmove(n->data() + n->begin - size, n->data() + n->begin, front);
    n->begin -= static_cast<uint32_t>(size);
    *pos -= static_cast<uint32_t>(size);
  } else {
    std::memmove(n->data() + *pos + size, n->data() + *pos, back);
    n->end += static_cast<uint32_t>(size);
  }
  return n;
}

void List::EraseBytes(ListNode* n, uint32_t a, uint32_t b) {
  uint32_t len = b - a;
  if (a - n->begin < n->end - b) {
    std::memmove(n->data() + n->begin + len, n->data() + n->begin, a - n->begin);
    n->begin += len;
  } else {
    std::memmove(n->data() + a, n->data() + b, n->end - b);
    n->end -= len;
  }
}

void List::Unlink(ListNode* n) {
  if (n->prev != nullptr) {
    n->prev->next = n->next;
  } else {
    head_ = n->next;
  }
  if (n->next != nullptr) {
    n->next->prev = n->prev;
  } else {
    tail_ = n->prev;
  }
}

ListNode* List::Tidy(ListNode* n) {
  if (n->count == 0) {
    Unlink(n);
    std::free(n);
    return nullptr;
  }
  // Give back memory of a node that emptied a lot (the room at both ends
  // is otherwise kept for future pushes).
  if (n->cap > 256 && n->used() * 4 < n->cap) {
    size_t cap = n->used() * 2;
    return Regrow(n, cap, static_cast<uint32_t>((cap - n->used()) / 2));
  }
  return n;
}

void List::Push(End where, std::string_view value) {
  size_t size = EntrySize(value.size());
  ListNode* n = where == kHead ? head_ : tail_;
  if (!CanAdd(n, size)) {
    size_t cap = size < kMinNodeCap ? kMinNodeCap : size;
    n = where == kHead ? NewNode(cap, nullptr, head_) : NewNode(cap, tail_, nullptr);
    n->begin = n->end = where == kHead ? n->cap : 0;
  }
  uint32_t pos;
  // Room at the end being pushed is the common case (nodes keep slack on
  // both sides): take it without going through OpenGap's shifting.
  if (where == kHead && n->begin >= size) {
    n->begin -= static_cast<uint32_t>(size);
    pos = n->begin;
  } else if (where == kTail && n->cap - n->end >= size) {
    pos = n->end;
    n->end += static_cast<uint32_t>(size);
  } else {
    pos = where == kHead ? n->begin : n->end;
    n = OpenGap(n, &pos, size);
  }
  WriteEntry(n->data() + pos, value);
  ++n->count;
  ++count_;
}

void List::Pop(End where, std::string* out) {
  ListNode* n = where == kHead ? head_ : tail_;
  uint32_t a, b;
  if (where == kHead) {
    a = n->begin;
    out->assign(ReadEntry(n->data(), a, &b));
  } else {
    b = n->end;
    a = StartBefore(n->data(), b);
    uint32_t unused;
    out->assign(ReadEntry(n->data(), a, &unused));
  }
  // At an end no bytes move: the freed room is kept for pushes.
  if (where == kHead) {
    n->begin = b;
  } else {
    n->end = a;
  }
  --n->count;
  --count_;
  Tidy(n);
}

std::string_view List::Iterator::value() const {
  uint32_t next;
  return ReadEntry(node_->data(), off_, &next);
}

void List::Iterator::Next() {
  uint32_t next;
  ReadEntry(node_->data(), off_, &next);
  if (next < node_->end) {
    off_ = next;
    return;
  }
  node_ = node_->next;
  if (node_ != nullptr) off_ = node_->begin;
}

void List::Iterator::Prev() {
  if (off_ > node_->begin) {
    off_ = StartBefore(node_->data(), off_);
    return;
  }
  node_ = node_->prev;
  if (node_ != nullptr) off_ = StartBefore(node_->data(), node_->end);
}

size_t List::Read(Iterator* it, std::string_view* out, size_t max) const {
  size_t n = 0;
  ListNode* node = it->node_;
  uint32_t off = it->off_;
  while (n < max && node != nullptr) {  // each round fills out[] or finishes a node
    const char* data = node->data();
    const uint32_t end = node->end;
    while (n < max && off < end) out[n++] = ReadEntry(data, off, &off);
    if (off >= end) {
      node = node->next;
      if (node != nullptr) off = node->begin;
    }
  }
  it->node_ = node;
  it->off_ = off;
  return n;
}

List::Iterator List::Head() const {
  Iterator it;
  it.node_ = head_;
  if (head_ != nullptr) it.off_ = head_->begin;
  return it;
}

List::Iterator List::Tail() const {
  Iterator it;
  it.node_ = tail_;
  if (tail_ != nullptr) it.off_ = StartBefore(tail_->data(), tail_->end);
  return it;
}

List::Iterator List::At(size_t index) const {
  Iterator it;
  // Walk whole nodes from the nearer end, then elements within the node.
  if (index < count_ / 2) {
    ListNode* n = head_;
    while (index >= n->count) {  // bounded: index < count_
      index -= n->count;
      n = n->next;
    }
    it.node_ = n;
    if (index < n->count / 2 + 1) {
      uint32_t off = n->begin;
      for (size_t i = 0; i < index; ++i) ReadEntry(n->data(), off, &off);
      it.off_ = off;
      return it;
    }
    index = n->count - 1 - index;  // from the node's end
    uint32_t off = StartBefore(n->data(), n->end);
    for (size_t i = 0; i < index; ++i) off = StartBefore(n->data(), off);
    it.off_ = off;
    return it;
  }
  size_t back = count_ - 1 - index;
  ListNode* n = tail_;
  while (back >= n->count) {
    back -= n->count;
    n = n->prev;
  }
  it.node_ = n;
  if (back < n->count / 2 + 1) {
    uint32_t off = StartBefore(n->data(), n->end);
    for (size_t i = 0; i < back; ++i) off = StartBefore(n->data(), off);
    it.off_ = off;
    return it;
  }
  size_t fwd = n->count - 1 - back;
  uint32_t off = n->begin;
  for (size_t i = 0; i < fwd; ++i) ReadEntry(n->data(), off, &off);
  it.off_ = off;
  return it;
}

void List::Replace(Iterator it, std::string_view value) {
  ListNode* n = it.node_;
  uint32_t a = it.off_, b;
  ReadEntry(n->data(), a, &b);
  size_t size = EntrySize(value.size());
  if (size >= EntrySize(g_packed_threshold) && n->count > 1) {
    // A plain element may not share its node: take the old one out and
    // insert the new one where it was (InsertAt gives it its own node).
    Erase(&it, true);
    if (it.valid()) {
      InsertAt(it, false, value);
    } else {
      Push(kTail, value);
    }
    return;
  }
  if (size == b - a) {
    WriteEntry(n->data() + a, value);
    return;
  }
  // LSET may take a node past its limit; Redis would split it, which only
  // changes how elements are grouped, never the list.
  bool front_shift = a - n->begin < n->end - b;
  EraseBytes(n, a, b);
  // The gap between the neighbours: EraseBytes moved the shorter side.
  uint32_t pos = front_shift ? b : a;
  n = OpenGap(n, &pos, size);
  WriteEntry(n->data() + pos, value);
}

void List::InsertAt(Iterator it, bool after, std::string_view value) {
  ListNode* n = it.node_;
  uint32_t pos = it.off_;
  if (after) ReadEntry(n->data(), pos, &pos);
  size_t size = EntrySize(value.size());
  if (!CanAdd(n, size)) {
    // Full: use a neighbour when inserting at the node's edge, else split
    // the node at the insertion point.
    if (pos == n->begin && CanAdd(n->prev, size)) {
      n = n->prev;
      pos = n->end;
    } else if (pos == n->end && CanAdd(n->next, size)) {
      n = n->next;
      pos = n->begin;
    } else if (pos == n->begin || pos == n->end) {
      bool before = pos == n->begin;
      size_t cap = size < kMinNodeCap ? kMinNodeCap : size;
      n = before ? NewNode(cap, n->prev, n) : NewNode(cap, n, n->next);
      pos = n->begin = n->end = 0;
    } else {
      // Split: the elements from `pos` on move to a new node after n.
      uint32_t moved = n->end - pos;
      uint32_t moved_count = 0;
      for (uint32_t o = pos; o < n->end; ++moved_count) ReadEntry(n->data(), o, &o);
      ListNode* m = NewNode(moved < kMinNodeCap ? kMinNodeCap : moved, n, n->next);
      std::memcpy(m->data(), n->data() + pos, moved);
      m->begin = 0;
      m->end = moved;
      m->count = moved_count;
      n->end = pos;
      n->count -= moved_count;
      if (!CanAdd(n, size)) {
        size_t cap = size < kMinNodeCap ? kMinNodeCap : size;
        n = NewNode(cap, n, m);
        n->begin = n->end = 0;
      }
      pos = n->end;
    }
  }
  n = OpenGap(n, &pos, size);
  WriteEntry(n->data() + pos, value);
  ++n->count;
  ++count_;
}

void List::Erase(Iterator* it, bool forward) {
  ListNode* n = it->node_;
  uint32_t a = it->off_, b;
  ReadEntry(n->data(), a, &b);
  bool front_shift = a - n->begin < n->end - b;
  EraseBytes(n, a, b);
  --n->count;
  --count_;
  // Where the neighbours are now (EraseBytes moved one side by b - a).
  uint32_t next_off = front_shift ? b : a;  // start of the following element
  uint32_t prev_end = front_shift ? a + (b - a) : a;  // end of the preceding one
  ListNode* prev_node = n->prev;
  ListNode* next_node = n->next;
  bool has_next = next_off < n->end;
  bool has_prev = prev_end > n->begin;
  if (forward) {
    it->node_ = has_next ? n : next_node;
    it->off_ = has_next ? next_off : (next_node ? next_node->begin : 0);
  } else {
    it->node_ = has_prev ? n : prev_node;
    it->off_ = has_prev ? StartBefore(n->data(), prev_end)
                        : (prev_node ? StartBefore(prev_node->data(), prev_node->end) : 0);
  }
  if (n->count == 0) {
    Unlink(n);
    std::free(n);
  }
}

void List::Trim(End where, size_t k) {
  while (k > 0 && count_ > 0) {  // each round drops a node or finishes
    ListNode* n = where == kHead ? head_ : tail_;
    if (k >= n->count) {
      k -= n->count;
      count_ -= n->count;
      Unlink(n);
      std::free(n);
      continue;
    }
    if (where == kHead) {
      uint32_t off = n->begin;
      for (size_t i = 0; i < k; ++i) ReadEntry(n->data(), off, &off);
      n->begin = off;
    } else {
      uint32_t off = n->end;
      for (size_t i = 0; i < k; ++i) off = StartBefore(n->data(), off);
      n->end = off;
    }
    n->count -= static_cast<uint32_t>(k);
    count_ -= k;
    Tidy(n);
    k = 0;
  }
}

std::string List::Describe(bool full) const {
  size_t nodes = 0;
  for (const ListNode* n = head_; n != nullptr; n = n->next) ++nodes;
  char buf[160];
  std::snprintf(buf, sizeof(buf), "{quicklist}\n{count : %zu}\n{len : %zu}\n{fill : %d}\n{packed_threshold : %zu}\n",
                count_, nodes, fill_, g_packed_threshold);
  std::string out = buf;
  if (!full) return out;
  const size_t plain = EntrySize(g_packed_threshold);
  size_t i = 0;
  for (const ListNode* n = head_; n != nullptr; n = n->next, ++i) {
    std::snprintf(buf, sizeof(buf), "{node %zu : count=%u bytes=%u capacity=%u container=%s}\n", i, n->count,
                  n->used(), n->cap, n->count == 1 && n->used() >= plain ? "PLAIN" : "PACKED");
    out += buf;
  }
  return out;
}

size_t List::AllocatedBytes() const {
  size_t total = sizeof(List);
  for (const ListNode* n = head_; n != nullptr; n = n->next) total += malloc_usable_size(const_cast<ListNode*>(n));
  return total;
}

bool List::Verify(std::string* why) const {
  size_t total = 0;
  const ListNode* prev = nullptr;
  for (const ListNode* n = head_; n != nullptr; prev = n, n = n->next) {
    if (n->prev != prev) return *why = "bad prev link", false;
    if (n->count == 0) return *why = "empty node", false;
    if (n->begin > n->end || n->end > n->cap) return *why = "bad node bounds", false;
    uint32_t c = 0, off = n->begin;
    while (off < n->end) {
      uint32_t next;
      ReadEntry(n->data(), off, &next);
      if (next > n->end || StartBefore(n->data(), next) != off) return *why = "bad element framing", false;
      off = next;
      ++c;
    }
    if (off != n->end || c != n->count) return *why = "node count mismatch", false;
    total += c;
  }
  if (prev != tail_) return *why = "bad tail", false;
  if (total != count_) return *why = "list count mismatch", false;
  return true;
}

}  // namespace replikv
