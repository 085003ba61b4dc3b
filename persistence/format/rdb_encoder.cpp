#include "persistence/format/rdb_encoder.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#include "persistence/format/crc64.h"
#include "persistence/format/file.h"
#include "server/base/little_endian.h"
#include "persistence/format/intset_codec.h"
#include "persistence/format/listpack.h"
#include "persistence/format/lzf_string.h"
#include "persistence/format/rdb_format.h"

namespace replikv::persistence {
namespace {

constexpr size_t kBufferSize = 64 * 1024;
// Redis never lets a listpack grow past 1 GiB (lpSafeToAdd); a value that
// would need a bigger one is written in its plain encoding instead.
constexpr size_t kListpackSafetySize = size_t{1} << 30;
// Quicklist node byte caps for list-max-listpack-size -1..-5, and the cap
// that applies to count-limited nodes.
constexpr size_t kNodeSizeLevels[] = {4096, 8192, 16384, 32768, 65536};
constexpr size_t kNodeSafetyLimit = 8192;
// Redis estimates an element's cost in a node as its length plus this,
// whatever its real encoding; matching the estimate gives the same nodes.
constexpr size_t kNodeEntryEstimate = 8;
constexpr size_t kListpackOverhead = 7;  // header + end byte

// Whether a quicklist node of `count` entries may take one more, given the
// estimate `new_bytes` of its size after it, per list-max-listpack-size
// `fill` (clamped to -5..32768 as Redis does). Node boundaries then fall
// where Redis puts them when a list is built by RPUSH.
bool NodeAllows(int fill, size_t new_bytes, size_t count) {
  if (fill < 0) return new_bytes <= kNodeSizeLevels[std::min(-fill, 5) - 1];
  return new_bytes <= kNodeSafetyLimit && count < static_cast<size_t>(std::min(fill, 1 << 15));
}

}  // namespace

Status FileSink::Append(const char* data, size_t n) {
  return file_->Append(std::string_view(data, n));
}

std::string ZsetListpackScore(double score) {
  if (std::isinf(score)) return score > 0 ? "inf" : "-inf";
  // Within +-2^52 every integral double converts exactly; -0.0 becomes "0"
  // as in Redis 7.0.
  if (score > -4503599627370495.0 && score < 4503599627370496.0 &&
      score == static_cast<double>(static_cast<long long>(score))) {
    return std::to_string(static_cast<long long>(score));
  }
  char buf[64];
  int n = std::snprintf(buf, sizeof(buf), "%.17g", score);
  return std::string(buf, static_cast<size_t>(n));
}

RdbEncoder::RdbEncoder(RdbSink* sink, RdbEncoderOptions options)
    : sink_(sink), options_(options) {
  buf_.reserve(kBufferSize);
}

Status RdbEncoder::Flush() {
  if (!error_.ok()) return error_;
  if (buf_.empty()) return Status::OK();
  crc_ = Crc64(crc_, buf_.data(), buf_.size());
  error_ = sink_->Append(buf_.data(), buf_.size());
  buf_.clear();
  return error_;
}

Status RdbEncoder::WriteRaw(const void* data, size_t n) {
  if (!error_.ok()) return error_;
  bytes_written_ += n;
  if (buf_.size() + n > kBufferSize) RETURN_IF_ERROR(Flush());
  if (n >= kBufferSize) {
    // Big strings go straight through rather than via the buffer.
    crc_ = Crc64(crc_, data, n);
    error_ = sink_->Append(static_cast<const char*>(data), n);
    return error_;
  }
  buf_.append(static_cast<const char*>(data), n);
  return Status::OK();
}

Status RdbEncoder::WriteHeader() {
  char header[16];
  int n = std::snprintf(header, sizeof(header), "%s%04d", kRdbMagic.data(), kRdbVersion);
  return WriteRaw(header, static_cast<size_t>(n));
}

Status RdbEncoder::WriteType(uint8_t type) { return WriteRaw(&type, 1); }

Status RdbEncoder::WriteLength(uint64_t len) {
  char b[9];
  if (len < (1 << 6)) {
    b[0] = static_cast<char>(len);
    return WriteRaw(b, 1);
  }
  if (len < (1 << 14)) {
    b[0] = static_cast<char>(0x40 | (len >> 8));
    b[1] = static_cast<char>(len & 0xff);
    return WriteRaw(b, 2);
  }
  // The 32- and 64-bit forms are big-endian, unlike the rest of the file.
  int width = len <= UINT32_MAX ? 4 : 8;
  b[0] = static_cast<char>(width == 4 ? kRdbLen32Bit : kRdbLen64Bit);
  for (int i = 0; i < width; ++i) b[1 + i] = static_cast<char>((len >> (8 * (width - 1 - i))) & 0xff);
  return WriteRaw(b, 1 + width);
}

Status RdbEncoder::WriteString(std::string_view s) {
  // Integer forms first: only the canonical text of a 32-bit value, so that
  // reading it back as decimal gives the same bytes.
  int64_t v;
  if (s.size() <= 11 && IsCanonicalInt64(s, &v) && v >= INT32_MIN && v <= INT32_MAX) {
    char b[5];
    int width;
    uint8_t enc;
    if (v >= INT8_MIN && v <= INT8_MAX) {
      width = 1, enc = kRdbEncInt8;
    } else if (v >= INT16_MIN && v <= INT16_MAX) {
      width = 2, enc = kRdbEncInt16;
    } else {
      width = 4, enc = kRdbEncInt32;
    }
    b[0] = static_cast<char>((kRdbLenEncoded << 6) | enc);
    PutLe(b + 1, static_cast<uint64_t>(v), width);
    return WriteRaw(b, 1 + width);
  }
  if (options_.compression && s.size() > kRdbLzfMinInput) {
    std::string packed;
    if (LzfCompress(s, s.size() - kRdbLzfMinSaving, &packed)) {
      uint8_t enc = (kRdbLenEncoded << 6) | kRdbEncLzf;
      RETURN_IF_ERROR(WriteRaw(&enc, 1));
      RETURN_IF_ERROR(WriteLength(packed.size()));
      RETURN_IF_ERROR(WriteLength(s.size()));
      return WriteRaw(packed.data(), packed.size());
    }
  }
  RETURN_IF_ERROR(WriteLength(s.size()));
  return WriteRaw(s.data(), s.size());
}

Status RdbEncoder::WriteBinaryDouble(double v) {
  uint64_t bits;
  static_assert(sizeof(bits) == sizeof(v));
  std::memcpy(&bits, &v, sizeof(bits));
  char b[8];
  PutLe(b, bits, 8);
  return WriteRaw(b, 8);
}

Status RdbEncoder::WriteAux(std::string_view key, std::string_view value) {
  RETURN_IF_ERROR(WriteType(kRdbOpAux));
  RETURN_IF_ERROR(WriteString(key));
  return WriteString(value);
}

Status RdbEncoder::WriteAux(std::string_view key, int64_t value) {
  return WriteAux(key, std::to_string(value));
}

Status RdbEncoder::WriteAuxFields(const RdbAuxFields& aux, const RdbReplInfo* repl) {
  RETURN_IF_ERROR(WriteAux("redis-ver", aux.redis_ver));
  RETURN_IF_ERROR(WriteAux("redis-bits", int64_t{64}));
  RETURN_IF_ERROR(WriteAux("ctime", aux.ctime));
  RETURN_IF_ERROR(WriteAux("used-mem", aux.used_mem));
  if (repl != nullptr) {
    RETURN_IF_ERROR(WriteAux("repl-stream-db", repl->repl_stream_db));
    RETURN_IF_ERROR(WriteAux("repl-id", repl->repl_id));
    RETURN_IF_ERROR(WriteAux("repl-offset", repl->repl_offset));
  }
  return WriteAux("aof-base", int64_t{aux.aof_base ? 1 : 0});
}

Status RdbEncoder::WriteFunction(std::string_view library_code) {
  RETURN_IF_ERROR(WriteType(kRdbOpFunction2));
  return WriteString(library_code);
}

Status RdbEncoder::WriteSelectDb(uint64_t db) {
  RETURN_IF_ERROR(WriteType(kRdbOpSelectDb));
  return WriteLength(db);
}

Status RdbEncoder::WriteResizeDb(uint64_t db_size, uint64_t expires_size) {
  RETURN_IF_ERROR(WriteType(kRdbOpResizeDb));
  RETURN_IF_ERROR(WriteLength(db_size));
  return WriteLength(expires_size);
}

Status RdbEncoder::WriteExpireMs(int64_t expire_ms) {
  RETURN_IF_ERROR(WriteType(kRdbOpExpireTimeMs));
  char b[8];
  PutLe(b, static_cast<uint64_t>(expire_ms), 8);
  return WriteRaw(b, 8);
}

Status RdbEncoder::Prologue(int64_t expire_ms) {
  if (expire_ms >= 0) RETURN_IF_ERROR(WriteExpireMs(expire_ms));
  switch (options_.key_access) {
    case RdbKeyAccess::kNone: break;
    case RdbKeyAccess::kIdle:
      RETURN_IF_ERROR(WriteType(kRdbOpIdle));
      RETURN_IF_ERROR(WriteLength(next_idle_));
      break;
    case RdbKeyAccess::kFreq:
      RETURN_IF_ERROR(WriteType(kRdbOpFreq));
      RETURN_IF_ERROR(WriteRaw(&next_freq_, 1));
      break;
  }
  return Status::OK();
}

Status RdbEncoder::ObjectHeader(const std::string_view* key, int64_t expire_ms, uint8_t type) {
  if (key == nullptr) return WriteType(type);
  RETURN_IF_ERROR(Prologue(expire_ms));
  RETURN_IF_ERROR(WriteType(type));
  return WriteString(*key);
}

Status RdbEncoder::WriteStringEntry(std::string_view key, std::string_view value, int64_t expire_ms) {
  return WriteStringObject(&key, value, expire_ms);
}
Status RdbEncoder::WriteListEntry(std::string_view key, std::span<const std::string_view> elems, int64_t expire_ms) {
  return WriteListObject(&key, elems, expire_ms);
}
Status RdbEncoder::WriteSetEntry(std::string_view key, std::span<const std::string_view> members,
                                 int64_t expire_ms) {
  return WriteSetObject(&key, members, expire_ms);
}
Status RdbEncoder::WriteHashEntry(std::string_view key,
                                  std::span<const std::pair<std::string_view, std::string_view>> pairs,
                                  int64_t expire_ms) {
  return WriteHashObject(&key, pairs, expire_ms);
}
Status RdbEncoder::WriteZsetEntry(std::string_view key, std::span<const std::pair<std::string_view, double>> members,
                                  int64_t expire_ms) {
  return WriteZsetObject(&key, members, expire_ms);
}
Status RdbEncoder::WriteEntry(std::string_view key, const RdbValue& value, int64_t expire_ms) {
  return WriteAnyObject(&key, value, expire_ms);
}

Status RdbEncoder::WriteStringValue(std::string_view value) { return WriteStringObject(nullptr, value, -1); }
Status RdbEncoder::WriteListValue(std::span<const std::string_view> elems) {
  return WriteListObject(nullptr, elems, -1);
}
Status RdbEncoder::WriteSetValue(std::span<const std::string_view> members) {
  return WriteSetObject(nullptr, members, -1);
}
Status RdbEncoder::WriteHashValue(std::span<const std::pair<std::string_view, std::string_view>> pairs) {
  return WriteHashObject(nullptr, pairs, -1);
}
Status RdbEncoder::WriteZsetValue(std::span<const std::pair<std::string_view, double>> members) {
  return WriteZsetObject(nullptr, members, -1);
}
Status RdbEncoder::WriteValue(const RdbValue& value) { return WriteAnyObject(nullptr, value, -1); }

Status RdbEncoder::WriteStringObject(const std::string_view* key, std::string_view value, int64_t expire_ms) {
  RETURN_IF_ERROR(ObjectHeader(key, expire_ms, kRdbTypeString));
  return WriteString(value);
}

Status RdbEncoder::WriteListObject(const std::string_view* key, std::span<const std::string_view> elems,
                                   int64_t expire_ms) {
  RETURN_IF_ERROR(ObjectHeader(key, expire_ms, kRdbTypeListQuicklist2));
  return WriteQuicklistBody(elems);
}

// Quicklist 2: | length nodes | per node: length container | string blob |
// where the blob is a listpack (PACKED) or one element (PLAIN).
Status RdbEncoder::WriteQuicklistBody(std::span<const std::string_view> elems) {
  struct Node {
    size_t begin, end;
    bool plain;
  };
  std::vector<Node> nodes;
  const int fill = options_.limits.list_max_listpack_size;
  size_t node_bytes = kListpackOverhead;
  for (size_t i = 0; i < elems.size(); ++i) {
    if (elems[i].size() >= options_.limits.list_packed_threshold) {
      nodes.push_back({i, i + 1, true});
      node_bytes = kListpackOverhead;
      continue;
    }
    size_t entry = ListpackEntrySize(elems[i]);
    bool open = !nodes.empty() && !nodes.back().plain;
    size_t estimate = node_bytes + elems[i].size() + kNodeEntryEstimate;
    if (open && NodeAllows(fill, estimate, i - nodes.back().begin)) {
      nodes.back().end = i + 1;
      node_bytes += entry;
    } else {
      nodes.push_back({i, i + 1, false});
      node_bytes = kListpackOverhead + entry;
    }
  }
  RETURN_IF_ERROR(WriteLength(nodes.size()));
  ListpackBuilder lp;
  for (const Node& node : nodes) {
    if (node.plain) {
      RETURN_IF_ERROR(WriteLength(kQuicklistNodePlain));
      RETURN_IF_ERROR(WriteString(elems[node.begin]));
      continue;
    }
    for (size_t i = node.begin; i < node.end; ++i) lp.Append(elems[i]);
    RETURN_IF_ERROR(WriteLength(kQuicklistNodePacked));
    RETURN_IF_ERROR(WriteString(lp.Finish()));
  }
  return Status::OK();
}

Status RdbEncoder::WriteSetObject(const std::string_view* key, std::span<const std::string_view> members,
                                  int64_t expire_ms) {
  std::vector<int64_t> ints;
  // An empty set is written plain: loaders skip an empty plain collection,
  // while an empty intset fails Redis's payload sanitizer.
  bool intset = !members.empty() && members.size() <= options_.limits.set_max_intset_entries;
  for (size_t i = 0; intset && i < members.size(); ++i) {
    int64_t v = 0;
    intset = IsCanonicalInt64(members[i], &v);
    ints.push_back(v);
  }
  if (intset) {
    std::sort(ints.begin(), ints.end());
    if (std::adjacent_find(ints.begin(), ints.end()) != ints.end()) {
      return Status::InvalidArgument("rdb encoder", "duplicate set member");
    }
    RETURN_IF_ERROR(ObjectHeader(key, expire_ms, kRdbTypeSetIntset));
    return WriteString(BuildIntset(ints));
  }
  RETURN_IF_ERROR(ObjectHeader(key, expire_ms, kRdbTypeSet));
  RETURN_IF_ERROR(WriteLength(members.size()));
  for (std::string_view m : members) RETURN_IF_ERROR(WriteString(m));
  return Status::OK();
}

Status RdbEncoder::WriteHashObject(const std::string_view* key,
                                   std::span<const std::pair<std::string_view, std::string_view>> pairs,
                                   int64_t expire_ms) {
  const RdbEncodingLimits& lim = options_.limits;
  bool compact = !pairs.empty() && pairs.size() <= lim.hash_max_listpack_entries;
  size_t lp_bytes = kListpackOverhead;
  for (size_t i = 0; compact && i < pairs.size(); ++i) {
    const auto& [f, v] = pairs[i];
    compact = f.size() <= lim.hash_max_listpack_value && v.size() <= lim.hash_max_listpack_value;
    lp_bytes += ListpackEntrySize(f) + ListpackEntrySize(v);
    compact = compact && lp_bytes < kListpackSafetySize;
  }
  RETURN_IF_ERROR(ObjectHeader(key, expire_ms, compact ? kRdbTypeHashListpack : kRdbTypeHash));
  if (compact) {
    ListpackBuilder lp;
    for (const auto& [f, v] : pairs) {
      lp.Append(f);
      lp.Append(v);
    }
    return WriteString(lp.Finish());
  }
  RETURN_IF_ERROR(WriteLength(pairs.size()));
  for (const auto& [f, v] : pairs) {
    RETURN_IF_ERROR(WriteString(f));
    RETURN_IF_ERROR(WriteString(v));
  }
  return Status::OK();
}

Status RdbEncoder::WriteZsetObject(const std::string_view* key,
                                   std::span<const std::pair<std::string_view, double>> members,
                                   int64_t expire_ms) {
  const RdbEncodingLimits& lim = options_.limits;
  bool compact = !members.empty() && members.size() <= lim.zset_max_listpack_entries;
  size_t lp_bytes = kListpackOverhead;
  for (const auto& [m, score] : members) {
    if (std::isnan(score)) return Status::InvalidArgument("rdb encoder", "NaN zset score");
    // A score entry is at most 1 + 24 text bytes + backlen.
    lp_bytes += ListpackEntrySize(m) + 26;
    compact = compact && m.size() <= lim.zset_max_listpack_value && lp_bytes < kListpackSafetySize;
  }
  RETURN_IF_ERROR(ObjectHeader(key, expire_ms, compact ? kRdbTypeZsetListpack : kRdbTypeZset2));
  if (!compact) {
    RETURN_IF_ERROR(WriteLength(members.size()));
    for (const auto& [m, score] : members) {
      RETURN_IF_ERROR(WriteString(m));
      RETURN_IF_ERROR(WriteBinaryDouble(score));
    }
    return Status::OK();
  }
  // A zset listpack is kept sorted by (score, member bytes); readers rely on
  // that order for ranges, so it is sorted here whatever the caller's order.
  std::vector<size_t> order(members.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (members[a].second != members[b].second) return members[a].second < members[b].second;
    return members[a].first < members[b].first;
  });
  ListpackBuilder lp;
  for (size_t i : order) {
    lp.Append(members[i].first);
    lp.Append(ZsetListpackScore(members[i].second));
  }
  return WriteString(lp.Finish());
}

// | nodes | (node key, listpack)... | length | last id | first id |
// max deleted id | entries added | groups | per group: name, last id,
// entries read, PEL (16-byte raw id, 8-byte LE delivery ms, count),
// consumers (name, 8-byte LE seen ms, PEL of 16-byte raw ids) |
Status RdbEncoder::WriteStreamEntry(std::string_view key, const RdbStream& s, int64_t expire_ms) {
  return WriteStreamObject(&key, s, expire_ms);
}

Status RdbEncoder::WriteStreamValue(const RdbStream& s) { return WriteStreamObject(nullptr, s, -1); }

Status RdbEncoder::WriteStreamObject(const std::string_view* key, const RdbStream& s, int64_t expire_ms) {
  RETURN_IF_ERROR(ObjectHeader(key, expire_ms, kRdbTypeStreamListpacks2));
  RETURN_IF_ERROR(WriteLength(s.nodes.size()));
  for (const RdbStream::Node& n : s.nodes) {
    RETURN_IF_ERROR(WriteString(n.key));
    RETURN_IF_ERROR(WriteString(n.lp));
  }
  auto id = [&](const RdbStreamId& i) -> Status {
    RETURN_IF_ERROR(WriteLength(i.ms));
    return WriteLength(i.seq);
  };
  auto raw_id = [&](const RdbStreamId& i) -> Status {
    char buf[16];
    for (int k = 0; k < 8; ++k) {
      buf[k] = static_cast<char>(i.ms >> (56 - 8 * k));
      buf[8 + k] = static_cast<char>(i.seq >> (56 - 8 * k));
    }
    return WriteRaw(buf, 16);
  };
  auto ms_time = [&](int64_t t) -> Status {
    char buf[8];
    PutLe(buf, static_cast<uint64_t>(t), 8);
    return WriteRaw(buf, 8);
  };
  RETURN_IF_ERROR(WriteLength(s.length));
  RETURN_IF_ERROR(id(s.last_id));
  RETURN_IF_ERROR(id(s.first_id));
  RETURN_IF_ERROR(id(s.max_deleted_id));
  RETURN_IF_ERROR(WriteLength(s.entries_added));
  RETURN_IF_ERROR(WriteLength(s.groups.size()));
  for (const RdbStream::Group& g : s.groups) {
    RETURN_IF_ERROR(WriteString(g.name));
    RETURN_IF_ERROR(id(g.last_id));
    RETURN_IF_ERROR(WriteLength(static_cast<uint64_t>(g.entries_read)));
    RETURN_IF_ERROR(WriteLength(g.pel.size()));
    for (const RdbStream::Nack& n : g.pel) {
      RETURN_IF_ERROR(raw_id(n.id));
      RETURN_IF_ERROR(ms_time(n.delivery_time));
      RETURN_IF_ERROR(WriteLength(n.delivery_count));
    }
    RETURN_IF_ERROR(WriteLength(g.consumers.size()));
    for (const RdbStream::Consumer& c : g.consumers) {
      RETURN_IF_ERROR(WriteString(c.name));
      RETURN_IF_ERROR(ms_time(c.seen_time));
      RETURN_IF_ERROR(WriteLength(c.pel.size()));
      for (const RdbStreamId& i : c.pel) RETURN_IF_ERROR(raw_id(i));
    }
  }
  return Status::OK();
}

Status RdbEncoder::WriteAnyObject(const std::string_view* key, const RdbValue& value, int64_t expire_ms) {
  if (value.viewed && value.type != RdbValue::Type::kString) return WriteViewedObject(key, value, expire_ms);
  switch (value.type) {
    case RdbValue::Type::kString: return WriteStringObject(key, value.str, expire_ms);
    case RdbValue::Type::kList:
    case RdbValue::Type::kSet: {
      std::vector<std::string_view> views(value.elems.begin(), value.elems.end());
      return value.type == RdbValue::Type::kList ? WriteListObject(key, views, expire_ms)
                                                 : WriteSetObject(key, views, expire_ms);
    }
    case RdbValue::Type::kHash: {
      std::vector<std::pair<std::string_view, std::string_view>> views(value.pairs.begin(),
                                                                       value.pairs.end());
      return WriteHashObject(key, views, expire_ms);
    }
    case RdbValue::Type::kZset: {
      std::vector<std::pair<std::string_view, double>> views(value.zset.begin(), value.zset.end());
      return WriteZsetObject(key, views, expire_ms);
    }
    case RdbValue::Type::kStream: return WriteStreamObject(key, value.stream, expire_ms);
  }
  return Status::InvalidArgument("rdb encoder", "unknown value type");
}

// A value decoded with element views (RdbValue::views/scores).
Status RdbEncoder::WriteViewedObject(const std::string_view* key, const RdbValue& value, int64_t expire_ms) {
  const auto& v = value.views;
  switch (value.type) {
    case RdbValue::Type::kList: return WriteListObject(key, v, expire_ms);
    case RdbValue::Type::kSet: return WriteSetObject(key, v, expire_ms);
    case RdbValue::Type::kHash: {
      std::vector<std::pair<std::string_view, std::string_view>> pairs;
      pairs.reserve(v.size() / 2);
      for (size_t i = 0; i + 1 < v.size(); i += 2) pairs.emplace_back(v[i], v[i + 1]);
      return WriteHashObject(key, pairs, expire_ms);
    }
    case RdbValue::Type::kZset: {
      if (value.scores.size() != v.size()) return Status::InvalidArgument("rdb encoder", "zset scores missing");
      std::vector<std::pair<std::string_view, double>> members;
      members.reserve(v.size());
      for (size_t i = 0; i < v.size(); ++i) members.emplace_back(v[i], value.scores[i]);
      return WriteZsetObject(key, members, expire_ms);
    }
    case RdbValue::Type::kString:
    case RdbValue::Type::kStream: break;
  }
  return WriteStringObject(key, value.str, expire_ms);
}

Status RdbEncoder::WriteEof() {
  RETURN_IF_ERROR(WriteType(kRdbOpEof));
  RETURN_IF_ERROR(Flush());  // the CRC now covers every byte, 0xFF included
  char footer[8];
  PutLe(footer, options_.checksum ? crc_ : 0, 8);
  RETURN_IF_ERROR(WriteRaw(footer, 8));
  return Flush();
}

}  // namespace replikv::persistence
