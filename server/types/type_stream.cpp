#include "server/types/type_stream.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <vector>

#include "server/ds/listpack.h"

namespace replikv {
namespace {

// A listpack never grows past this, whatever stream-node-max-bytes says
// (Redis's STREAM_LISTPACK_MAX_SIZE): its header holds a 32-bit size.
constexpr int64_t kListpackMaxSize = int64_t{1} << 30;

// The element after the master entry's terminator: the first entry's flags
// (or null when the node has no entries).
uint8_t* FirstEntry(uint8_t* lp, uint64_t* master_fields) {
  uint8_t* p = lp::First(lp);    // count
  p = lp::Next(lp, p);           // deleted
  p = lp::Next(lp, p);           // num fields
  int64_t n = lp::GetInt(p);
  if (master_fields != nullptr) *master_fields = static_cast<uint64_t>(n);
  p = lp::Next(lp, p);  // first field
  for (int64_t i = 0; i < n; ++i) p = lp::Next(lp, p);
  return lp::Next(lp, p);  // past the 0 terminator
}

// The first or last entry id of a node (tombstones included); false when
// the node holds no entry.
bool NodeEdgeID(uint8_t* lp, bool first, const StreamID& master, StreamID* out) {
  uint8_t* p;
  if (first) {
    p = FirstEntry(lp, nullptr);
    if (p == nullptr) return false;
  } else {
    p = lp::Last(lp);
    int64_t n = lp::GetInt(p);
    if (n == 0) return false;
    while (n--) p = lp::Prev(lp, p);
  }
  p = lp::Next(lp, p);  // ms diff
  StreamID id = master;
  id.ms += static_cast<uint64_t>(lp::GetInt(p));
  p = lp::Next(lp, p);
  id.seq += static_cast<uint64_t>(lp::GetInt(p));
  *out = id;
  return true;
}

}  // namespace

// ------------------------------------------------------------------ ids

bool StreamID::Incr() {
  if (seq == UINT64_MAX) {
    if (ms == UINT64_MAX) {
      ms = seq = 0;
      return false;
    }
    ++ms;
    seq = 0;
  } else {
    ++seq;
  }
  return true;
}

bool StreamID::Decr() {
  if (seq == 0) {
    if (ms == 0) {
      ms = seq = UINT64_MAX;
      return false;
    }
    --ms;
    seq = UINT64_MAX;
  } else {
    --seq;
  }
  return true;
}

std::string StreamID::ToString() const {
  char buf[48];
  auto r = std::to_chars(buf, buf + 24, ms);
  *r.ptr++ = '-';
  r = std::to_chars(r.ptr, buf + sizeof(buf), seq);
  return std::string(buf, static_cast<size_t>(r.ptr - buf));
}

// ------------------------------------------------------------- objects

StreamGroup::~StreamGroup() {
  for (auto& [id, nack] : pel) delete nack;
  for (auto& [name, c] : consumers) delete c;
}

Stream::~Stream() {
  for (auto& [id, lp] : nodes) lp::Free(lp);
  for (auto& [name, g] : groups) delete g;
}

Stream* Stream::Clone() const {
  auto* c = new Stream();
  for (const auto& [id, lp] : nodes) c->nodes.push_back(id, lp::Clone(lp));
  c->length = length;
  c->last_id = last_id;
  c->first_id = first_id;
  c->max_deleted_entry_id = max_deleted_entry_id;
  c->entries_added = entries_added;
  for (const auto& [name, g] : groups) {
    StreamGroup* ng = c->CreateGroup(name, g->last_id, g->entries_read);
    for (const auto& [id, nack] : g->pel) {
      auto* n = new StreamNack(*nack);
      n->consumer = nullptr;
      ng->pel.emplace_hint(ng->pel.end(), id, n);
    }
    for (const auto& [cname, cons] : g->consumers) {
      StreamConsumer* nc = CreateConsumer(ng, cname, cons->seen_time);
      for (const auto& [id, nack] : cons->pel) {
        StreamNack* n = ng->pel.at(id);
        n->consumer = nc;
        nc->pel.emplace_hint(nc->pel.end(), id, n);
      }
    }
  }
  return c;
}

// --------------------------------------------------------------- append

Stream::AppendResult Stream::Append(std::span<const std::string_view> fv, const StreamID* use_id, bool seq_given,
                                    int64_t now_ms, int64_t node_max_bytes, int64_t node_max_entries,
                                    StreamID* added) {
  StreamID id;
  if (use_id != nullptr) {
    if (seq_given) {
      id = *use_id;
    } else if (last_id.ms == use_id->ms) {
      // <ms>-*: the next sequence of the same millisecond.
      if (last_id.seq == UINT64_MAX) return AppendResult::kIdTooSmall;
      id = last_id;
      ++id.seq;
    } else {
      id = {use_id->ms, 0};
    }
  } else {
    auto ms = static_cast<uint64_t>(now_ms);
    if (ms > last_id.ms) {
      id = {ms, 0};
    } else {
      id = last_id;
      id.Incr();
    }
  }
  if (id <= last_id) return AppendResult::kIdTooSmall;

  const size_t numfields = fv.size() / 2;
  size_t total = 0;
  for (std::string_view s : fv) total += s.size();
  if (static_cast<int64_t>(total) > kListpackMaxSize) return AppendResult::kTooLarge;

  uint8_t* lp = nullptr;
  StreamID master;
  if (!nodes.empty()) {
    lp = nodes.back().lp;
    int64_t max_bytes = node_max_bytes;
    if (max_bytes == 0 || max_bytes > kListpackMaxSize) max_bytes = kListpackMaxSize;
    bool new_node = false;
    if (static_cast<int64_t>(lp::Bytes(lp) + total) >= max_bytes) {
      new_node = true;
    } else if (node_max_entries != 0) {
      uint8_t* p = lp::First(lp);
      int64_t count = lp::GetInt(p) + lp::GetInt(lp::Next(lp, p));  // live and deleted
      if (count >= node_max_entries) new_node = true;
    }
    if (new_node) lp = nullptr;
  }

  int64_t flags = 0;
  if (lp == nullptr) {
    master = id;
    lp = lp::New();
    lp = lp::AppendInt(lp, 1);
    lp = lp::AppendInt(lp, 0);
    lp = lp::AppendInt(lp, static_cast<int64_t>(numfields));
    for (size_t i = 0; i < numfields; ++i) lp = lp::Append(lp, fv[2 * i]);
    lp = lp::AppendInt(lp, 0);
    nodes.push_back(id, lp);
    flags |= kStreamItemSameFields;
  } else {
    master = nodes.back().id;
    uint8_t* p = lp::First(lp);
    int64_t count = lp::GetInt(p);
    lp = lp::ReplaceInt(lp, &p, count + 1);
    p = lp::Next(lp, p);  // deleted
    p = lp::Next(lp, p);  // num fields
    auto master_fields = static_cast<uint64_t>(lp::GetInt(p));
    p = lp::Next(lp, p);
    if (numfields == master_fields) {
      size_t i = 0;
      for (; i < master_fields; ++i) {
        if (!lp::Equals(p, fv[2 * i])) break;
        p = lp::Next(lp, p);
      }
      if (i == master_fields) flags |= kStreamItemSameFields;
    }
  }
  const bool same = flags & kStreamItemSameFields;
  // The entry is encoded ahead and appended with one reallocation.
  static thread_local lp::Batch batch;
  batch.Clear();
  batch.AddInt(flags);
  batch.AddInt(static_cast<int64_t>(id.ms - master.ms));
  batch.AddInt(static_cast<int64_t>(id.seq - master.seq));
  if (!same) batch.AddInt(static_cast<int64_t>(numfields));
  for (size_t i = 0; i < numfields; ++i) {
    if (!same) batch.Add(fv[2 * i]);
    batch.Add(fv[2 * i + 1]);
  }
  int64_t lp_count = static_cast<int64_t>(numfields) + 3;
  if (!same) lp_count += static_cast<int64_t>(numfields) + 1;
  batch.AddInt(lp_count);
  lp = lp::AppendBatch(lp, batch);
  batch.Trim();
  nodes.back().lp = lp;

  ++length;
  ++entries_added;
  last_id = id;
  if (length == 1) first_id = id;
  if (added != nullptr) *added = id;
  return AppendResult::kOk;
}

// ----------------------------------------------------------------- trim

int64_t Stream::Trim(const TrimArgs& args) {
  if (args.strategy == TrimArgs::kNone) return 0;
  const bool by_len = args.strategy == TrimArgs::kMaxlen;
  const auto maxlen = static_cast<uint64_t>(args.maxlen);
  int64_t deleted = 0;
  auto it = nodes.begin();
  while (it != nodes.end()) {
    if (by_len && length <= maxlen) break;
    uint8_t* lp = it->lp;
    uint8_t* p = lp::First(lp);
    int64_t entries = lp::GetInt(p);
    if (args.limit != 0 && deleted + entries > args.limit) break;
    const StreamID master = it->id;
    bool remove_node;
    if (by_len) {
      remove_node = length - static_cast<uint64_t>(entries) >= maxlen;
    } else {
      StreamID last;
      NodeEdgeID(lp, false, master, &last);
      remove_node = last < args.minid;
    }
    if (remove_node) {
      lp::Free(lp);
      it = nodes.erase(it);
      length -= static_cast<uint64_t>(entries);
      deleted += entries;
      continue;
    }
    if (args.approx) break;

    // Mark entries deleted inside this node, oldest first.
    int64_t deleted_here = 0;
    uint64_t master_fields;
    p = FirstEntry(lp, &master_fields);
    while (p != nullptr) {
      uint8_t* flags_at = p;
      int64_t flags = lp::GetInt(p);
      p = lp::Next(lp, p);
      int64_t ms_delta = lp::GetInt(p);
      p = lp::Next(lp, p);
      int64_t seq_delta = lp::GetInt(p);
      p = lp::Next(lp, p);
      bool stop;
      if (by_len) {
        stop = length <= maxlen;
      } else {
        StreamID cur{master.ms + static_cast<uint64_t>(ms_delta), master.seq + static_cast<uint64_t>(seq_delta)};
        stop = cur >= args.minid;
      }
      if (stop) break;
      int64_t to_skip;
      if (flags & kStreamItemSameFields) {
        to_skip = static_cast<int64_t>(master_fields);
      } else {
        to_skip = lp::GetInt(p) * 2;
        p = lp::Next(lp, p);
      }
      while (to_skip--) p = lp::Next(lp, p);
      p = lp::Next(lp, p);  // lp-count
      if (!(flags & kStreamItemDeleted)) {
        ptrdiff_t delta = p == nullptr ? -1 : p - lp;
        lp = lp::ReplaceInt(lp, &flags_at, flags | kStreamItemDeleted);  // same size: flags stay < 128
        ++deleted_here;
        --length;
        p = delta < 0 ? nullptr : lp + delta;
      }
    }
    deleted += deleted_here;
    p = lp::First(lp);
    lp = lp::ReplaceInt(lp, &p, entries - deleted_here);
    p = lp::Next(lp, p);
    int64_t marked = lp::GetInt(p);
    lp = lp::ReplaceInt(lp, &p, marked + deleted_here);
    it->lp = lp;
    break;  // this node had enough to delete
  }
  UpdateFirstId();
  return deleted;
}

void Stream::UpdateFirstId() {
  first_id = length == 0 ? StreamID{} : EdgeID(true, true);
}

bool Stream::Delete(StreamID id) {
  StreamIterator si(this, &id, &id, false);
  StreamID cur;
  int64_t n;
  if (!si.GetID(&cur, &n)) return false;
  si.RemoveEntry(cur);
  return true;
}

bool Stream::EntryExists(StreamID id) {
  StreamIterator si(this, &id, &id, false);
  StreamID cur;
  int64_t n;
  return si.GetID(&cur, &n);
}

StreamID Stream::EdgeID(bool first, bool skip_tombstones) {
  StreamIterator si(this, nullptr, nullptr, !first);
  si.skip_tombstones = skip_tombstones;
  StreamID id;
  int64_t n;
  if (!si.GetID(&id, &n)) return first ? StreamID::Max() : StreamID{};
  return id;
}

// --------------------------------------------------------------- groups

StreamGroup* Stream::FindGroup(std::string_view name) const {
  auto it = groups.find(name);
  return it == groups.end() ? nullptr : it->second;
}

StreamGroup* Stream::CreateGroup(std::string_view name, StreamID id, int64_t entries_read) {
  if (groups.find(name) != groups.end()) return nullptr;
  auto* g = new StreamGroup();
  g->last_id = id;
  g->entries_read = entries_read;
  groups.emplace(std::string(name), g);
  return g;
}

bool Stream::DestroyGroup(std::string_view name) {
  auto it = groups.find(name);
  if (it == groups.end()) return false;
  delete it->second;
  groups.erase(it);
  return true;
}

StreamConsumer* Stream::FindConsumer(StreamGroup* g, std::string_view name) {
  auto it = g->consumers.find(name);
  return it == g->consumers.end() ? nullptr : it->second;
}

StreamConsumer* Stream::CreateConsumer(StreamGroup* g, std::string_view name, int64_t now_ms) {
  if (g->consumers.find(name) != g->consumers.end()) return nullptr;
  auto* c = new StreamConsumer();
  c->name = std::string(name);
  c->seen_time = now_ms;
  g->consumers.emplace(c->name, c);
  return c;
}

uint64_t Stream::DeleteConsumer(StreamGroup* g, std::string_view name) {
  auto it = g->consumers.find(name);
  if (it == g->consumers.end()) return 0;
  StreamConsumer* c = it->second;
  uint64_t pending = c->pel.size();
  for (auto& [id, nack] : c->pel) {
    g->pel.erase(id);
    delete nack;
  }
  g->consumers.erase(it);
  delete c;
  return pending;
}

// ------------------------------------------------------------------ lag

bool Stream::RangeHasTombstones(StreamID start, const StreamID* end) const {
  if (length == 0 || max_deleted_entry_id.IsZero()) return false;
  if (first_id > max_deleted_entry_id) return false;
  StreamID end_id = end != nullptr ? *end : StreamID::Max();
  return start <= max_deleted_entry_id && max_deleted_entry_id <= end_id;
}

int64_t Stream::EstimateDistanceFromFirstEverEntry(StreamID id) const {
  if (entries_added == 0) return 0;
  if (length == 0 && id <= last_id) return static_cast<int64_t>(entries_added);
  if (id == last_id) return static_cast<int64_t>(entries_added);
  if (id > last_id) return kInvalidEntriesRead;
  if (max_deleted_entry_id.IsZero() || max_deleted_entry_id < first_id) {
    if (id < first_id) return static_cast<int64_t>(entries_added - length);
    if (id == first_id) return static_cast<int64_t>(entries_added - length + 1);
  }
  return kInvalidEntriesRead;
}

bool Stream::GroupLag(const StreamGroup& g, int64_t* lag) const {
  if (entries_added == 0) {
    *lag = 0;
    return true;
  }
  if (g.entries_read != kInvalidEntriesRead && !RangeHasTombstones(g.last_id, nullptr)) {
    *lag = static_cast<int64_t>(entries_added) - g.entries_read;
    return true;
  }
  int64_t read = EstimateDistanceFromFirstEverEntry(g.last_id);
  if (read == kInvalidEntriesRead) return false;
  *lag = static_cast<int64_t>(entries_added) - read;
  return true;
}

// ------------------------------------------------------------ rax shape

namespace {

void EncodeKey(const StreamID& id, uint8_t out[16]) {
  for (int i = 0; i < 8; ++i) {
    out[i] = static_cast<uint8_t>(id.ms >> (56 - 8 * i));
    out[8 + i] = static_cast<uint8_t>(id.seq >> (56 - 8 * i));
  }
}

// Nodes of a radix tree holding keys[lo, hi) (sorted, distinct, 16 bytes)
// below depth `d`: a maximal single-child run is one compressed node, each
// branching point one node, each key end one node.
size_t RaxNodes(const std::vector<std::array<uint8_t, 16>>& keys, size_t lo, size_t hi, size_t d) {
  if (hi - lo == 1) return (d < 16 ? 1 : 0) + 1;
  size_t p = d;
  while (p < 16 && keys[lo][p] == keys[hi - 1][p]) ++p;
  size_t n = (p > d ? 1 : 0) + 1;
  for (size_t i = lo; i < hi;) {
    size_t j = i + 1;
    while (j < hi && keys[j][p] == keys[i][p]) ++j;
    n += RaxNodes(keys, i, j, p + 1);
    i = j;
  }
  return n;
}

}  // namespace

size_t Stream::RaxNodeCount() const {
  if (nodes.empty()) return 1;  // the empty root
  std::vector<std::array<uint8_t, 16>> keys;
  keys.reserve(nodes.size());
  for (const auto& [id, lp] : nodes) {
    keys.emplace_back();
    EncodeKey(id, keys.back().data());
  }
  return RaxNodes(keys, 0, keys.size(), 0);
}

size_t Stream::AllocatedBytes() const {
  // A map node (groups, PELs) is about four pointers of tree links plus
  // its pair.
  constexpr size_t kMapNode = 32;
  size_t n = sizeof(Stream) + nodes.AllocatedBytes();
  for (const auto& [id, lp] : nodes) n += lp::Bytes(lp);
  for (const auto& [name, g] : groups) {
    n += kMapNode + sizeof(std::string) + name.size() + sizeof(StreamGroup);
    n += g->pel.size() * (kMapNode + sizeof(StreamID) + sizeof(void*) + sizeof(StreamNack));
    for (const auto& [cname, c] : g->consumers) {
      n += kMapNode + 2 * sizeof(std::string) + 2 * cname.size() + sizeof(StreamConsumer);
      n += c->pel.size() * (kMapNode + sizeof(StreamID) + sizeof(void*));
    }
  }
  return n;
}

// ------------------------------------------------------------- iterator

StreamIterator::StreamIterator(Stream* s, const StreamID* start, const StreamID* end, bool rev)
    : s_(s), start_(start != nullptr ? *start : StreamID{}), end_(end != nullptr ? *end : StreamID::Max()),
      rev_(rev) {
  Seek();
}

void StreamIterator::Seek() {
  // The node to start from: the last one whose master id is <= the start
  // (forwards) or the end (backwards), else the first / last node.
  Stream::NodeMap& m = s_->nodes;
  const StreamID& bound = rev_ ? end_ : start_;
  lp_ = nullptr;
  lp_ele_ = nullptr;
  started_ = false;
  if (m.empty()) {
    node_ = m.end();
    return;
  }
  if (!bound.IsZero()) {
    auto it = m.upper_bound(bound);
    if (it == m.begin()) {
      node_ = rev_ ? std::prev(m.end()) : m.begin();
    } else {
      node_ = std::prev(it);
    }
  } else {
    node_ = rev_ ? std::prev(m.end()) : m.begin();
  }
}

std::string_view StreamIterator::ReadElement(uint8_t* p, char* buf) {
  lp::Value v = lp::Get(p);
  if (!v.is_int) return v.sval;
  auto r = std::to_chars(buf, buf + 24, v.ival);
  return {buf, static_cast<size_t>(r.ptr - buf)};
}

bool StreamIterator::GetID(StreamID* id, int64_t* numfields) {
  Stream::NodeMap& m = s_->nodes;
  for (;;) {
    if (lp_ == nullptr || lp_ele_ == nullptr) {
      // Move to the next node (the first one on the first call).
      if (m.empty() || node_ == m.end()) return false;
      if (started_) {
        if (!rev_) {
          if (++node_ == m.end()) return false;
        } else {
          if (node_ == m.begin()) {
            node_ = m.end();
            return false;
          }
          --node_;
        }
      }
      started_ = true;
      master_id_ = node_->id;
      lp_ = node_->lp;
      lp_ele_ = lp::First(lp_);
      lp_ele_ = lp::Next(lp_, lp_ele_);
      lp_ele_ = lp::Next(lp_, lp_ele_);
      master_fields_count_ = static_cast<uint64_t>(lp::GetInt(lp_ele_));
      lp_ele_ = lp::Next(lp_, lp_ele_);
      master_fields_start_ = lp_ele_;
      if (!rev_) {
        for (uint64_t i = 0; i < master_fields_count_; ++i) lp_ele_ = lp::Next(lp_, lp_ele_);
      } else {
        lp_ele_ = lp::Last(lp_);
      }
    } else if (rev_) {
      // Back over the entry just emitted to the previous entry's lp-count.
      int64_t n = lp::GetInt(lp_ele_);
      while (n--) lp_ele_ = lp::Prev(lp_, lp_ele_);
      lp_ele_ = lp::Prev(lp_, lp_ele_);
    }

    for (;;) {
      if (!rev_) {
        lp_ele_ = lp::Next(lp_, lp_ele_);  // past the previous lp-count (or terminator)
        if (lp_ele_ == nullptr) break;
      } else {
        int64_t n = lp::GetInt(lp_ele_);
        if (n == 0) {  // the master entry
          lp_ = nullptr;
          lp_ele_ = nullptr;
          break;
        }
        while (n--) lp_ele_ = lp::Prev(lp_, lp_ele_);
      }
      lp_flags_ = lp_ele_;
      int64_t flags = lp::GetInt(lp_ele_);
      lp_ele_ = lp::Next(lp_, lp_ele_);
      *id = master_id_;
      id->ms += static_cast<uint64_t>(lp::GetInt(lp_ele_));
      lp_ele_ = lp::Next(lp_, lp_ele_);
      id->seq += static_cast<uint64_t>(lp::GetInt(lp_ele_));
      lp_ele_ = lp::Next(lp_, lp_ele_);
      if (flags & kStreamItemSameFields) {
        *numfields = static_cast<int64_t>(master_fields_count_);
      } else {
        *numfields = lp::GetInt(lp_ele_);
        lp_ele_ = lp::Next(lp_, lp_ele_);
      }
      const bool visible = !skip_tombstones || !(flags & kStreamItemDeleted);
      if (!rev_) {
        if (*id >= start_ && visible) {
          if (*id > end_) return false;
          entry_flags_ = flags;
          if (flags & kStreamItemSameFields) master_fields_ptr_ = master_fields_start_;
          return true;
        }
      } else {
        if (*id <= end_ && visible) {
          if (*id < start_) return false;
          entry_flags_ = flags;
          if (flags & kStreamItemSameFields) master_fields_ptr_ = master_fields_start_;
          return true;
        }
      }
      if (!rev_) {
        int64_t discard = (flags & kStreamItemSameFields) ? *numfields : *numfields * 2;
        for (int64_t i = 0; i < discard; ++i) lp_ele_ = lp::Next(lp_, lp_ele_);
      } else {
        int64_t back = 4;
        if (!(flags & kStreamItemSameFields)) ++back;
        while (back--) lp_ele_ = lp::Prev(lp_, lp_ele_);
      }
    }
  }
}

void StreamIterator::GetField(std::string_view* field, std::string_view* value) {
  if (entry_flags_ & kStreamItemSameFields) {
    *field = ReadElement(master_fields_ptr_, field_buf_);
    master_fields_ptr_ = lp::Next(lp_, master_fields_ptr_);
  } else {
    *field = ReadElement(lp_ele_, field_buf_);
    lp_ele_ = lp::Next(lp_, lp_ele_);
  }
  *value = ReadElement(lp_ele_, value_buf_);
  lp_ele_ = lp::Next(lp_, lp_ele_);
}

void StreamIterator::RemoveEntry(const StreamID& current) {
  uint8_t* lp = lp_;
  int64_t flags = lp::GetInt(lp_flags_);
  lp = lp::ReplaceInt(lp, &lp_flags_, flags | kStreamItemDeleted);
  uint8_t* p = lp::First(lp);
  int64_t live = lp::GetInt(p);
  if (live == 1) {
    lp::Free(lp);
    s_->nodes.erase(node_);
  } else {
    lp = lp::ReplaceInt(lp, &p, live - 1);
    p = lp::Next(lp, p);
    int64_t dead = lp::GetInt(p);
    lp = lp::ReplaceInt(lp, &p, dead + 1);
    node_->lp = lp;
  }
  --s_->length;
  // Re-seek: the node may have moved or gone.
  if (rev_) {
    end_ = current;
  } else {
    start_ = current;
  }
  skip_tombstones = true;
  Seek();
}

}  // namespace replikv
