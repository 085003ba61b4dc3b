#include "server/types/type_zset.h"

#include <algorithm>
#include <cmath>

namespace replikv {
namespace {

bool PairLess(double as, std::string_view am, double bs, std::string_view bm) {
  return as < bs || (as == bs && CompareMembers(am, bm) < 0);
}

}  // namespace

void* ZsetValue::NewObject(size_t size_hint, size_t len_hint, const PackLimits& limits) {
  if (size_hint <= limits.max_entries && len_hint <= limits.max_value) {
    return TaggedPtr(packed::New(), kPacked).raw();
  }
  return TaggedPtr(new ZsetSkiplist(), kSkiplist).raw();
}

void ZsetValue::FreeObject(void* object) {
  TaggedPtr t = TaggedPtr::FromRaw(object);
  if (t.tag() == kPacked) {
    packed::Free(t.get<char>());
    return;
  }
  auto* z = t.get<ZsetSkiplist>();
  // The list frees the nodes; the index only points at them.
  z->index.Clear([](ZNode*) {});
  delete z;
}

void* ZsetValue::CloneObject(const void* object) {
  TaggedPtr t = TaggedPtr::FromRaw(object);
  if (t.tag() == kPacked) return TaggedPtr(packed::Clone(t.get<const char>()), kPacked).raw();
  auto* copy = new ZsetSkiplist();
  for (const ZNode* x = t.get<const ZsetSkiplist>()->list.first(); x != nullptr; x = x->next()) {
    copy->index.Insert(copy->list.Insert(x->score, x->member()));
  }
  return TaggedPtr(copy, kSkiplist).raw();
}

const char* ZsetValue::EncodingName(const void* object) {
  return TaggedPtr::FromRaw(object).tag() == kPacked ? "listpack" : "skiplist";
}

void* ZsetValue::Build(std::span<const std::pair<std::string, double>> elements, const PackLimits& limits) {
  bool small = elements.size() <= limits.max_entries;
  size_t bytes = packed::kHeaderSize;
  for (size_t i = 0; small && i < elements.size(); ++i) {
    small = elements[i].first.size() <= limits.max_value;
    bytes += packed::StringSize(elements[i].first.size()) + 9;
  }
  if (small && bytes <= packed::kMaxBytes) {
    std::vector<const std::pair<std::string, double>*> sorted;
    sorted.reserve(elements.size());
    for (const auto& e : elements) sorted.push_back(&e);
    std::sort(sorted.begin(), sorted.end(),
              [](auto* a, auto* b) { return PairLess(a->second, a->first, b->second, b->first); });
    char* p = packed::New();
    for (auto* e : sorted) p = packed::InsertStringScore(p, packed::End(p), e->first, e->second);
    return TaggedPtr(p, kPacked).raw();
  }
  auto* z = new ZsetSkiplist();
  for (const auto& [m, s] : elements) z->index.Insert(z->list.Insert(s, m));
  return TaggedPtr(z, kSkiplist).raw();
}

void* ZsetValue::Build(std::span<const std::string_view> members, std::span<const double> scores,
                       const PackLimits& limits) {
  const size_t n = std::min(members.size(), scores.size());
  bool small = n <= limits.max_entries;
  size_t bytes = packed::kHeaderSize;
  for (size_t i = 0; small && i < n; ++i) {
    small = members[i].size() <= limits.max_value;
    bytes += packed::StringSize(members[i].size()) + packed::ScoreSize(scores[i]);
  }
  if (small && bytes <= packed::kMaxBytes) {
    auto less = [&](size_t a, size_t b) { return PairLess(scores[a], members[a], scores[b], members[b]); };
    bool sorted = true;
    for (size_t i = 1; sorted && i < n; ++i) sorted = !less(i, i - 1);
    packed::Builder b(bytes);
    if (sorted) {
      // Files written by Redis (and replikv) hold compact zsets in order.
      for (size_t i = 0; i < n; ++i) {
        b.AddString(members[i]);
        b.AddScore(scores[i]);
      }
    } else {
      std::vector<size_t> order(n);
      for (size_t i = 0; i < n; ++i) order[i] = i;
      std::sort(order.begin(), order.end(), less);
      for (size_t i : order) {
        b.AddString(members[i]);
        b.AddScore(scores[i]);
      }
    }
    return TaggedPtr(b.Finish(), kPacked).raw();
  }
  auto* z = new ZsetSkiplist();
  for (size_t i = 0; i < n; ++i) z->index.Insert(z->list.Insert(scores[i], members[i]));
  return TaggedPtr(z, kSkiplist).raw();
}

void ZsetValue::Store(TaggedPtr p) {
  obj_ = p;
  if (entry_ != nullptr) SetEntryObject(entry_, p.raw());
}

size_t ZsetValue::size() const {
  if (kind() == kPacked) return packed::Count(obj_.get<const char>()) / 2;
  return skiplist()->list.size();
}

uint32_t ZsetValue::PackedFind(std::string_view member, double* score) const {
  const char* p = obj_.get<const char>();
  for (uint32_t off = packed::kHeaderSize, end = packed::End(p); off < end;) {
    uint32_t at = off;
    bool match = packed::StringAt(p, off, &off) == member;
    double s = packed::ScoreAt(p, off, &off);
    if (match) {
      *score = s;
      return at;
    }
  }
  return 0;
}

std::vector<uint32_t> ZsetValue::PackedOffsets() const {
  const char* p = obj_.get<const char>();
  std::vector<uint32_t> offs;
  offs.reserve(packed::Count(p) / 2);
  for (uint32_t off = packed::kHeaderSize, end = packed::End(p); off < end;) {
    offs.push_back(off);
    off = packed::Skip(p, packed::Skip(p, off));
  }
  return offs;
}

void ZsetValue::PackedInsert(std::string_view member, double score) {
  char* p = obj_.get<char>();
  uint32_t off = packed::kHeaderSize, end = packed::End(p);
  while (off < end) {  // to the first element that sorts after (score, member)
    uint32_t next;
    std::string_view m = packed::StringAt(p, off, &next);
    double s = packed::ScoreAt(p, next, &next);
    if (PairLess(score, member, s, m)) break;
    off = next;
  }
  Store(TaggedPtr(packed::InsertStringScore(p, off, member, score), kPacked));
}

void ZsetValue::PackedErase(uint32_t member_off) {
  char* p = obj_.get<char>();
  uint32_t end = packed::Skip(p, packed::Skip(p, member_off));
  Store(TaggedPtr(packed::Erase(p, member_off, end, 2), kPacked));
}

bool ZsetValue::Score(std::string_view member, double* score) const {
  if (kind() == kPacked) return PackedFind(member, score) != 0;
  const ZNode* n = mutable_skiplist()->index.Find(member);
  if (n == nullptr) return false;
  *score = n->score;
  return true;
}

bool ZsetValue::Rank(std::string_view member, uint64_t* rank) const {
  if (kind() == kPacked) {
    const char* p = obj_.get<const char>();
    uint64_t i = 0;
    for (uint32_t off = packed::kHeaderSize, end = packed::End(p); off < end; ++i) {
      if (packed::StringAt(p, off, &off) == member) {
        *rank = i;
        return true;
      }
      off = packed::Skip(p, off);
    }
    return false;
  }
  const ZNode* n = mutable_skiplist()->index.Find(member);
  if (n == nullptr) return false;
  *rank = skiplist()->list.Rank(n->score, n->member()) - 1;
  return true;
}

int ZsetValue::Add(double score, std::string_view member, int flags, double* newscore, const PackLimits& limits) {
  const bool incr = flags & kIncr, nx = flags & kNx, xx = flags & kXx, gt = flags & kGt, lt = flags & kLt;
  if (std::isnan(score)) return kNan;
  // Where the member is now, per representation.
  double cur = 0;
  uint32_t packed_at = 0;
  ZNode* node = nullptr;
  bool exists;
  if (kind() == kPacked) {
    packed_at = PackedFind(member, &cur);
    exists = packed_at != 0;
  } else {
    node = mutable_skiplist()->index.Find(member);
    exists = node != nullptr;
    if (exists) cur = node->score;
  }
  if (exists) {
    if (nx) return kNop;
    if (incr) {
      score += cur;
      if (std::isnan(score)) return kNan;
    }
    if ((lt && score >= cur) || (gt && score <= cur)) return kNop;
    *newscore = score;
    if (score == cur) return 0;
    if (kind() == kPacked) {
      PackedErase(packed_at);
      PackedInsert(member, score);
    } else {
      mutable_skiplist()->list.UpdateScore(node, score);
    }
    return kUpdated;
  }
  if (xx) return kNop;
  if (kind() == kPacked) {
    if (size() + 1 <= limits.max_entries && member.size() <= limits.max_value &&
        packed::Bytes(obj_.get<const char>()) + member.size() + 16 <= packed::kMaxBytes) {
      PackedInsert(member, score);
      *newscore = score;
      return kAdded;
    }
    ConvertToSkiplist();
  }
  ZsetSkiplist* z = mutable_skiplist();
  z->index.Insert(z->list.Insert(score, member));
  *newscore = score;
  return kAdded;
}

bool ZsetValue::Remove(std::string_view member) {
  if (kind() == kPacked) {
    double s;
    uint32_t at = PackedFind(member, &s);
    if (at == 0) return false;
    PackedErase(at);
    return true;
  }
  ZsetSkiplist* z = mutable_skiplist();
  ZNode* n = z->index.Erase(member);
  if (n == nullptr) return false;
  z->list.Unlink(n->score, n->member());
  Skiplist::FreeNode(n);
  z->index.ShrinkIfNeeded();
  return true;
}

void ZsetValue::DeleteRange(uint64_t from, uint64_t to) {
  if (kind() == kPacked) {
    std::vector<uint32_t> offs = PackedOffsets();
    char* p = obj_.get<char>();
    uint32_t end = to + 1 < offs.size() ? offs[to + 1] : packed::End(p);
    Store(TaggedPtr(packed::Erase(p, offs[from], end, static_cast<uint32_t>(2 * (to - from + 1))), kPacked));
    return;
  }
  ZsetSkiplist* z = mutable_skiplist();
  z->list.DeleteRankRange(from + 1, to + 1, [&](ZNode* n) {
    z->index.Erase(n->member());
    Skiplist::FreeNode(n);
  });
  z->index.ShrinkIfNeeded();
}

void ZsetValue::ConvertToSkiplist(size_t) {
  if (kind() != kPacked) return;
  auto* z = new ZsetSkiplist();
  ForEach([&](std::string_view m, double s) { z->index.Insert(z->list.Insert(s, m)); });
  packed::Free(obj_.get<char>());
  Store(TaggedPtr(z, kSkiplist));
}

void ZsetValue::MaybeConvert(size_t size_hint, const PackLimits& limits) {
  if (kind() == kPacked && size_hint > limits.max_entries) ConvertToSkiplist(size_hint);
}

bool ZsetValue::ScoreRanks(const ScoreRange& r, uint64_t* first, uint64_t* last) const {
  if (r.Empty()) return false;
  if (kind() == kPacked) {
    bool found = false;
    uint64_t i = 0;
    ForEach([&](std::string_view, double s) {
      if (r.Contains(s)) {
        if (!found) *first = i;
        found = true;
        *last = i;
      }
      ++i;
    });
    return found;
  }
  const Skiplist& l = skiplist()->list;
  const ZNode* a = l.FirstIn(r);
  if (a == nullptr) return false;
  const ZNode* b = l.LastIn(r);
  *first = l.Rank(a->score, a->member()) - 1;
  *last = l.Rank(b->score, b->member()) - 1;
  return true;
}

bool ZsetValue::LexRanks(const LexRange& r, bool reverse, uint64_t* first, uint64_t* last) const {
  if (r.Empty() || size() == 0) return false;
  if (kind() == kPacked) {
    // Redis walks the listpack linearly: from the head to the first member
    // >= min, then on while <= max (or mirrored from the tail). With mixed
    // scores the members are not in byte order and this walk is what
    // defines the result, so it is reproduced exactly.
    std::vector<std::string_view> members;
    members.reserve(size());
    ForEach([&](std::string_view m, double) { members.push_back(m); });
    const size_t n = members.size();
    if (!r.GteMin(members[n - 1]) || !r.LteMax(members[0])) return false;
    if (!reverse) {
      size_t i = 0;
      while (i < n && !r.GteMin(members[i])) ++i;
      if (i == n || !r.LteMax(members[i])) return false;
      size_t j = i;
      while (j + 1 < n && r.LteMax(members[j + 1])) ++j;
      *first = i;
      *last = j;
    } else {
      size_t j = n;
      while (j > 0 && !r.LteMax(members[j - 1])) --j;
      if (j == 0 || !r.GteMin(members[j - 1])) return false;
      size_t i = j - 1;
      while (i > 0 && r.GteMin(members[i - 1])) --i;
      *first = i;
      *last = j - 1;
    }
    return true;
  }
  const Skiplist& l = skiplist()->list;
  const ZNode* a = l.FirstIn(r);
  if (a == nullptr) return false;
  const ZNode* b = l.LastIn(r);
  if (b == nullptr) return false;
  *first = l.Rank(a->score, a->member()) - 1;
  *last = l.Rank(b->score, b->member()) - 1;
  return *first <= *last;
}

size_t ZsetValue::AllocatedBytes() const {
  if (kind() == kPacked) return packed::AllocatedBytes(obj_.get<const char>());
  return sizeof(ZsetSkiplist) + skiplist()->list.AllocatedBytes() + skiplist()->index.BucketMemoryBytes();
}

}  // namespace replikv
