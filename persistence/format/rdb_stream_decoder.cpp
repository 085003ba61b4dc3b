// Reading streams (RDB types 15, 19 and 21). Every count is checked against
// the bytes left before anything is reserved, and every node's listpack is
// walked whole (listpack.h) and then checked as a stream node: master entry,
// each entry's flags, id deltas, fields and lp-count, the live and deleted
// counts, and ids rising through the stream, so a server never trusts a
// node it could not iterate.
#include <string>
#include <vector>

#include "persistence/format/listpack.h"
#include "persistence/format/rdb_decoder.h"
#include "persistence/format/rdb_format.h"
#include "persistence/format/rdb_input.h"

namespace replikv::persistence {
namespace {

bool Less(const RdbStreamId& a, const RdbStreamId& b) { return a.ms < b.ms || (a.ms == b.ms && a.seq < b.seq); }

RdbStreamId DecodeKey(std::string_view k) {
  RdbStreamId id;
  for (int i = 0; i < 8; ++i) {
    id.ms = (id.ms << 8) | static_cast<uint8_t>(k[i]);
    id.seq = (id.seq << 8) | static_cast<uint8_t>(k[8 + i]);
  }
  return id;
}

// Checks one node's elements as Redis's streamValidateListpackIntegrity
// (deep) does; *live gets its live entry count, *last its last id (any
// flag), which must be above *prev (updated).
std::string CheckNode(const std::vector<std::string>& el, const RdbStreamId& master, uint64_t* live,
                      RdbStreamId* prev, bool* has_prev) {
  size_t i = 0;
  auto next_int = [&](int64_t* v) -> bool {
    if (i >= el.size()) return false;
    return IsCanonicalInt64(el[i++], v);
  };
  int64_t count, deleted, master_fields, zero;
  if (!next_int(&count) || !next_int(&deleted) || !next_int(&master_fields)) return "bad master entry";
  if (count < 0 || deleted < 0 || master_fields < 0) return "negative master entry count";
  if (static_cast<uint64_t>(master_fields) > el.size() - i) return "master fields run past the node";
  i += static_cast<size_t>(master_fields);
  if (!next_int(&zero) || zero != 0) return "master entry terminator is not 0";
  int64_t seen_live = 0, seen_deleted = 0;
  while (i < el.size()) {
    int64_t flags, ms_delta, seq_delta, lp_count;
    const size_t start = i;
    if (!next_int(&flags) || !next_int(&ms_delta) || !next_int(&seq_delta)) return "bad entry header";
    if (flags & ~int64_t{3}) return "unknown entry flags";
    int64_t fields = master_fields;
    int64_t elements;
    if (!(flags & 2)) {
      if (!next_int(&fields) || fields < 0) return "bad entry field count";
      if (static_cast<uint64_t>(fields) > (el.size() - i) / 2) return "entry fields run past the node";
      elements = fields * 2;
    } else {
      elements = fields;
      if (static_cast<uint64_t>(fields) > el.size() - i) return "entry values run past the node";
    }
    i += static_cast<size_t>(elements);
    if (!next_int(&lp_count)) return "missing lp-count";
    if (static_cast<size_t>(lp_count) != i - 1 - start) return "lp-count does not match the entry";
    RdbStreamId id{master.ms + static_cast<uint64_t>(ms_delta), master.seq + static_cast<uint64_t>(seq_delta)};
    if (Less(id, master)) return "entry id below the node's master id";
    if (*has_prev && !Less(*prev, id)) return "entry ids do not rise";
    *prev = id;
    *has_prev = true;
    (flags & 1) ? ++seen_deleted : ++seen_live;
  }
  if (seen_live + seen_deleted == 0) return "node without entries";
  if (seen_live != count || seen_deleted != deleted) return "node counts do not match its entries";
  *live = static_cast<uint64_t>(count);
  return "";
}

}  // namespace

Status RdbDecoder::ReadStream(uint8_t type, RdbValue* v) {
  v->type = RdbValue::Type::kStream;
  RdbStream& s = v->stream;
  const uint64_t at = in_->offset();
  uint64_t nodes;
  // A node is at least two strings: its 16-byte key and a listpack.
  RETURN_IF_ERROR(in_->ReadCount(&nodes, 2 + 16 + 8, "the stream node count"));
  s.nodes.reserve(nodes);
  uint64_t live_total = 0;
  RdbStreamId prev;
  bool has_prev = false;
  std::vector<std::string> elements;
  for (uint64_t n = 0; n < nodes; ++n) {
    const uint64_t node_at = in_->offset();
    RdbStream::Node node;
    RETURN_IF_ERROR(in_->ReadString(&node.key, "a stream node key"));
    if (node.key.size() != 16) return RdbInput::Corrupt(node_at, "stream node key is not the size of a stream ID");
    RETURN_IF_ERROR(in_->ReadString(&node.lp, "a stream node listpack"));
    elements.clear();
    Status ls = ParseListpack(node.lp, &elements);
    if (!ls.ok()) return RdbInput::Corrupt(node_at, "stream node " + std::to_string(n) + ": " + ls.message());
    const RdbStreamId master = DecodeKey(node.key);
    if (!s.nodes.empty() && !Less(DecodeKey(s.nodes.back().key), master)) {
      return RdbInput::Corrupt(node_at, "stream node keys are not ascending");
    }
    uint64_t live = 0;
    std::string bad = CheckNode(elements, master, &live, &prev, &has_prev);
    if (!bad.empty()) return RdbInput::Corrupt(node_at, "stream node " + std::to_string(n) + ": " + bad);
    live_total += live;
    s.nodes.push_back(std::move(node));
  }
  auto read_id = [&](RdbStreamId* id, const char* what) -> Status {
    RETURN_IF_ERROR(in_->ReadLength(&id->ms, what));
    return in_->ReadLength(&id->seq, what);
  };
  RETURN_IF_ERROR(in_->ReadLength(&s.length, "the stream length"));
  if (s.length != live_total) return RdbInput::Corrupt(at, "stream length does not match its nodes");
  RETURN_IF_ERROR(read_id(&s.last_id, "the stream last id"));
  if (has_prev && Less(s.last_id, prev)) return RdbInput::Corrupt(at, "stream last id is below its last entry");
  if (type >= kRdbTypeStreamListpacks2) {
    RETURN_IF_ERROR(read_id(&s.first_id, "the stream first id"));
    RETURN_IF_ERROR(read_id(&s.max_deleted_id, "the stream max deleted id"));
    RETURN_IF_ERROR(in_->ReadLength(&s.entries_added, "the stream entries added"));
  } else {
    // Type 15 has none of these: derived as Redis 7.0 does at load (the
    // first live id, no tombstone known, every entry counted as added).
    s.entries_added = s.length;
    s.first_id = {};
    s.max_deleted_id = {};
    s.first_id_unknown = true;
  }
  uint64_t groups;
  RETURN_IF_ERROR(in_->ReadCount(&groups, 1 + 2 + 1 + 1, "the consumer group count"));
  s.groups.reserve(groups);
  auto raw_id = [&](RdbStreamId* id, const char* what) -> Status {
    std::string b;
    RETURN_IF_ERROR(in_->ReadBytes(&b, 16, what));
    *id = DecodeKey(b);
    return Status::OK();
  };
  auto ms_time = [&](int64_t* t, const char* what) -> Status {
    uint64_t u;
    RETURN_IF_ERROR(in_->ReadLe(&u, 8, what));
    *t = static_cast<int64_t>(u);
    return Status::OK();
  };
  for (uint64_t g = 0; g < groups; ++g) {
    const uint64_t group_at = in_->offset();
    RdbStream::Group grp;
    RETURN_IF_ERROR(in_->ReadString(&grp.name, "a consumer group name"));
    for (const RdbStream::Group& other : s.groups) {
      if (other.name == grp.name) return RdbInput::Corrupt(group_at, "duplicated consumer group name");
    }
    RETURN_IF_ERROR(read_id(&grp.last_id, "a consumer group last id"));
    if (type >= kRdbTypeStreamListpacks2) {
      uint64_t read;
      RETURN_IF_ERROR(in_->ReadLength(&read, "a consumer group entries read"));
      grp.entries_read = static_cast<int64_t>(read);
    } else {
      grp.entries_read = -2;  // derived by the loader
    }
    uint64_t pel;
    RETURN_IF_ERROR(in_->ReadCount(&pel, 16 + 8 + 1, "a consumer group PEL size"));
    grp.pel.reserve(pel);
    for (uint64_t k = 0; k < pel; ++k) {
      RdbStream::Nack nack;
      const uint64_t nack_at = in_->offset();
      RETURN_IF_ERROR(raw_id(&nack.id, "a PEL entry id"));
      RETURN_IF_ERROR(ms_time(&nack.delivery_time, "a PEL delivery time"));
      RETURN_IF_ERROR(in_->ReadLength(&nack.delivery_count, "a PEL delivery count"));
      if (!grp.pel.empty() && !Less(grp.pel.back().id, nack.id)) {
        return RdbInput::Corrupt(nack_at, "group PEL ids are not ascending");
      }
      grp.pel.push_back(nack);
    }
    uint64_t consumers;
    RETURN_IF_ERROR(in_->ReadCount(&consumers, 1 + 8 + 1, "a consumer count"));
    grp.consumers.reserve(consumers);
    std::vector<bool> owned(grp.pel.size(), false);
    for (uint64_t c = 0; c < consumers; ++c) {
      RdbStream::Consumer cons;
      const uint64_t cons_at = in_->offset();
      RETURN_IF_ERROR(in_->ReadString(&cons.name, "a consumer name"));
      RETURN_IF_ERROR(ms_time(&cons.seen_time, "a consumer seen time"));
      if (type >= kRdbTypeStreamListpacks3) {
        int64_t active;
        RETURN_IF_ERROR(ms_time(&active, "a consumer active time"));
      }
      for (const RdbStream::Consumer& other : grp.consumers) {
        if (other.name == cons.name) return RdbInput::Corrupt(cons_at, "duplicated consumer name");
      }
      uint64_t cpel;
      RETURN_IF_ERROR(in_->ReadCount(&cpel, 16, "a consumer PEL size"));
      cons.pel.reserve(cpel);
      for (uint64_t k = 0; k < cpel; ++k) {
        const uint64_t id_at = in_->offset();
        RdbStreamId id;
        RETURN_IF_ERROR(raw_id(&id, "a consumer PEL id"));
        // Each id must be a group PEL entry no other consumer holds.
        size_t lo = 0, hi = grp.pel.size();
        while (lo < hi) {
          size_t mid = (lo + hi) / 2;
          if (Less(grp.pel[mid].id, id)) {
            lo = mid + 1;
          } else {
            hi = mid;
          }
        }
        if (lo == grp.pel.size() || Less(id, grp.pel[lo].id)) {
          return RdbInput::Corrupt(id_at, "consumer PEL NACK not found in the group PEL");
        }
        if (owned[lo]) return RdbInput::Corrupt(id_at, "duplicated consumer PEL entry");
        owned[lo] = true;
        cons.pel.push_back(id);
      }
      grp.consumers.push_back(std::move(cons));
    }
    for (bool o : owned) {
      if (!o) return RdbInput::Corrupt(group_at, "group PEL entry without a consumer");
    }
    s.groups.push_back(std::move(grp));
  }
  return Status::OK();
}

}  // namespace replikv::persistence
