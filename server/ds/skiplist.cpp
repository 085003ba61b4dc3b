#include "server/ds/skiplist.h"

#include <malloc.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>

#include "server/base/assert.h"

namespace replikv {
namespace {

// (a_score, a_member) < (b_score, b_member)
bool Less(double as, std::string_view am, double bs, std::string_view bm) {
  return as < bs || (as == bs && CompareMembers(am, bm) < 0);
}

}  // namespace

int CompareMembers(std::string_view a, std::string_view b) {
  size_t n = a.size() < b.size() ? a.size() : b.size();
  int c = n == 0 ? 0 : std::memcmp(a.data(), b.data(), n);
  if (c != 0) return c;
  return a.size() < b.size() ? -1 : a.size() > b.size() ? 1 : 0;
}

bool LexRange::GteMin(std::string_view v) const {
  if (min_kind != kValue) return min_kind == kNegInf;
  int c = CompareMembers(v, min);
  return minex ? c > 0 : c >= 0;
}

bool LexRange::LteMax(std::string_view v) const {
  if (max_kind != kValue) return max_kind == kPosInf;
  int c = CompareMembers(v, max);
  return maxex ? c < 0 : c <= 0;
}

bool LexRange::Empty() const {
  // Redis's sdscmplex of the two bounds: the same infinity compares equal.
  int c;
  if (min_kind == max_kind && min_kind != kValue) {
    c = 0;
  } else if (min_kind == kNegInf || max_kind == kPosInf) {
    c = -1;
  } else if (min_kind == kPosInf || max_kind == kNegInf) {
    c = 1;
  } else {
    c = CompareMembers(min, max);
  }
  return c > 0 || (c == 0 && (minex || maxex));
}

ZNode* Skiplist::NewNode(int level, double score, std::string_view member) {
  size_t bytes = sizeof(ZNode) + static_cast<size_t>(level) * sizeof(ZNode::Level) + member.size();
  auto* n = static_cast<ZNode*>(std::malloc(bytes));
  if (n == nullptr) OutOfMemory(bytes);
  n->score = score;
  n->backward = nullptr;
  n->len = static_cast<uint32_t>(member.size());
  n->level = static_cast<uint32_t>(level);
  for (int i = 0; i < level; ++i) n->levels()[i] = {nullptr, 0};
  if (!member.empty()) std::memcpy(const_cast<char*>(n->member().data()), member.data(), member.size());
  return n;
}

void Skiplist::FreeNode(ZNode* n) { std::free(n); }

int Skiplist::RandomLevel() {
  static std::mt19937 rng(std::random_device{}());
  int level = 1;
  // p = 1/4: two random bits per level.
  while (level < kMaxLevel && (rng() & 3) == 0) ++level;
  return level;
}

Skiplist::Skiplist() : header_(NewNode(kMaxLevel, 0, {})) {}

Skiplist::~Skiplist() {
  ZNode* x = first();
  while (x != nullptr) {  // visits each node once
    ZNode* next = x->next();
    FreeNode(x);
    x = next;
  }
  FreeNode(header_);
}

void Skiplist::Link(ZNode* x) {
  ZNode* update[kMaxLevel];
  uint64_t rank[kMaxLevel];
  ZNode* h = header_;
  for (int i = level_ - 1; i >= 0; --i) {
    rank[i] = i == level_ - 1 ? 0 : rank[i + 1];
    ZNode* f;
    while ((f = h->levels()[i].forward) != nullptr && Less(f->score, f->member(), x->score, x->member())) {
      rank[i] += h->levels()[i].span;
      h = f;
    }
    update[i] = h;
  }
  int level = static_cast<int>(x->level);
  if (level > level_) {
    for (int i = level_; i < level; ++i) {
      rank[i] = 0;
      update[i] = header_;
      update[i]->levels()[i].span = length_;
    }
    level_ = level;
  }
  for (int i = 0; i < level; ++i) {
    x->levels()[i].forward = update[i]->levels()[i].forward;
    update[i]->levels()[i].forward = x;
    x->levels()[i].span = update[i]->levels()[i].span - (rank[0] - rank[i]);
    update[i]->levels()[i].span = (rank[0] - rank[i]) + 1;
  }
  for (int i = level; i < level_; ++i) update[i]->levels()[i].span++;
  x->backward = update[0] == header_ ? nullptr : update[0];
  if (x->next() != nullptr) {
    x->next()->backward = x;
  } else {
    tail_ = x;
  }
  ++length_;
}

ZNode* Skiplist::Insert(double score, std::string_view member) {
  ZNode* x = NewNode(RandomLevel(), score, member);
  Link(x);
  return x;
}

void Skiplist::UnlinkNode(ZNode* x, ZNode** update) {
  for (int i = 0; i < level_; ++i) {
    if (update[i]->levels()[i].forward == x) {
      update[i]->levels()[i].span += x->levels()[i].span - 1;
      update[i]->levels()[i].forward = x->levels()[i].forward;
    } else {
      update[i]->levels()[i].span -= 1;
    }
  }
  if (x->next() != nullptr) {
    x->next()->backward = x->backward;
  } else {
    tail_ = x->backward;
  }
  while (level_ > 1 && header_->levels()[level_ - 1].forward == nullptr) --level_;
  --length_;
}

ZNode* Skiplist::Unlink(double score, std::string_view member) {
  ZNode* update[kMaxLevel];
  ZNode* h = header_;
  for (int i = level_ - 1; i >= 0; --i) {
    ZNode* f;
    while ((f = h->levels()[i].forward) != nullptr && Less(f->score, f->member(), score, member)) h = f;
    update[i] = h;
  }
  ZNode* x = h->next();
  if (x == nullptr || x->score != score || x->member() != member) return nullptr;
  UnlinkNode(x, update);
  return x;
}

void Skiplist::UpdateScore(ZNode* node, double new_score) {
  // Stays in place when the neighbours still bracket it (Redis's fast path).
  ZNode* prev = node->backward;
  ZNode* next = node->next();
  if ((prev == nullptr || Less(prev->score, prev->member(), new_score, node->member())) &&
      (next == nullptr || Less(new_score, node->member(), next->score, next->member()))) {
    node->score = new_score;
    return;
  }
  ZNode* removed = Unlink(node->score, node->member());
  (void)removed;  // == node
  node->score = new_score;
  for (uint32_t i = 0; i < node->level; ++i) node->levels()[i] = {nullptr, 0};
  Link(node);
}

uint64_t Skiplist::Rank(double score, std::string_view member) const {
  uint64_t rank = 0;
  const ZNode* h = header_;
  for (int i = level_ - 1; i >= 0; --i) {
    const ZNode* f;
    while ((f = h->levels()[i].forward) != nullptr &&
           (Less(f->score, f->member(), score, member) || (f->score == score && f->member() == member))) {
      rank += h->levels()[i].span;
      h = f;
    }
    if (h != header_ && h->score == score && h->member() == member) return rank;
  }
  return 0;
}

ZNode* Skiplist::FindRankPredecessors(uint64_t rank, ZNode** update) const {
  uint64_t traversed = 0;
  ZNode* h = header_;
  for (int i = level_ - 1; i >= 0; --i) {
    while (h->levels()[i].forward != nullptr && traversed + h->levels()[i].span < rank) {
      traversed += h->levels()[i].span;
      h = h->levels()[i].forward;
    }
    update[i] = h;
  }
  return h->next();
}

ZNode* Skiplist::ByRank(uint64_t rank) const {
  if (rank == 0 || rank > length_) return nullptr;
  uint64_t traversed = 0;
  ZNode* h = header_;
  for (int i = level_ - 1; i >= 0; --i) {
    while (h->levels()[i].forward != nullptr && traversed + h->levels()[i].span <= rank) {
      traversed += h->levels()[i].span;
      h = h->levels()[i].forward;
    }
    if (traversed == rank) return h;
  }
  return nullptr;
}

ZNode* Skiplist::FirstIn(const ScoreRange& r) const {
  if (r.Empty() || tail_ == nullptr || !r.GteMin(tail_->score) || !r.LteMax(first()->score)) return nullptr;
  ZNode* h = header_;
  for (int i = level_ - 1; i >= 0; --i) {
    ZNode* f;
    while ((f = h->levels()[i].forward) != nullptr && !r.GteMin(f->score)) h = f;
  }
  ZNode* x = h->next();
  return x != nullptr && r.LteMax(x->score) ? x : nullptr;
}

ZNode* Skiplist::LastIn(const ScoreRange& r) const {
  if (r.Empty() || tail_ == nullptr || !r.GteMin(tail_->score) || !r.LteMax(first()->score)) return nullptr;
  ZNode* h = header_;
  for (int i = level_ - 1; i >= 0; --i) {
    ZNode* f;
    while ((f = h->levels()[i].forward) != nullptr && r.LteMax(f->score)) h = f;
  }
  return h != header_ && r.GteMin(h->score) ? h : nullptr;
}

ZNode* Skiplist::FirstIn(const LexRange& r) const {
  if (r.Empty() || tail_ == nullptr || !r.GteMin(tail_->member()) || !r.LteMax(first()->member())) return nullptr;
  ZNode* h = header_;
  for (int i = level_ - 1; i >= 0; --i) {
    ZNode* f;
    while ((f = h->levels()[i].forward) != nullptr && !r.GteMin(f->member())) h = f;
  }
  ZNode* x = h->next();
  return x != nullptr && r.LteMax(x->member()) ? x : nullptr;
}

ZNode* Skiplist::LastIn(const LexRange& r) const {
  if (r.Empty() || tail_ == nullptr || !r.GteMin(tail_->member()) || !r.LteMax(first()->member())) return nullptr;
  ZNode* h = header_;
  for (int i = level_ - 1; i >= 0; --i) {
    ZNode* f;
    while ((f = h->levels()[i].forward) != nullptr && r.LteMax(f->member())) h = f;
  }
  return h != header_ && r.GteMin(h->member()) ? h : nullptr;
}

size_t Skiplist::AllocatedBytes() const {
  size_t n = malloc_usable_size(header_);
  for (ZNode* x = first(); x != nullptr; x = x->next()) n += malloc_usable_size(x);
  return n;
}

}  // namespace replikv
