// RdbDecoder's value half: one reader per family of RDB object types.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "persistence/format/intset_codec.h"
#include "persistence/format/listpack.h"
#include "persistence/format/rdb_decoder.h"
#include "persistence/format/rdb_format.h"
#include "persistence/format/rdb_input.h"
#include "persistence/format/ziplist.h"

namespace replikv::persistence {
namespace {

// Never reserve more elements than this ahead of reading them: a count is
// only a claim until the elements arrive.
constexpr uint64_t kMaxReserve = 1 << 16;
// The element arena keeps its capacity from value to value unless a big
// value grew it past this; then it is released, so one huge key does not
// pin its size for the rest of the load.
constexpr size_t kArenaKeepBytes = 16 << 20;
// Up to this many elements, duplicates are found by comparing every pair
// (no allocation, faster than hashing or sorting such small values).
constexpr size_t kQuadraticUniqueMax = 8;

// A zset score stored as text (ziplist/listpack entries, or already turned
// into text from their integer form): the whole string must be a number;
// "inf"/"-inf" are allowed, NaN is not.
bool ParseScore(std::string_view s, double* score) {
  if (s.empty() || s.size() > 512 || std::isspace(static_cast<unsigned char>(s[0]))) return false;
  // Integers of up to 15 digits convert exactly; strtod would give the same
  // double (-0.0 for "-0" too), more slowly.
  if (s.size() <= 16) {
    const bool neg = s[0] == '-';
    uint64_t u;
    auto [end, ec] = std::from_chars(s.data() + neg, s.data() + s.size(), u);
    if (ec == std::errc() && end == s.data() + s.size() && end != s.data() + neg &&
        u < 1000000000000000) {
      *score = neg ? -static_cast<double>(u) : static_cast<double>(u);
      return true;
    }
  }
  char buf[513];
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  char* end = nullptr;
  *score = std::strtod(buf, &end);
  return end == buf + s.size() && !std::isnan(*score);
}

constexpr size_t kNoSlot = SIZE_MAX;

// A fast 64-bit hash for the duplicate check (not persisted anywhere). The
// seed is random per decoder so a crafted file cannot aim for collisions.
uint64_t HashBytes(std::string_view s, uint64_t seed) {
  constexpr uint64_t kMul = 0x9E3779B97F4A7C15ULL;
  uint64_t h = seed ^ (s.size() * kMul);
  const char* p = s.data();
  size_t n = s.size();
  for (; n >= 8; p += 8, n -= 8) {  // n/8 steps
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * kMul;
    h ^= h >> 29;
  }
  uint64_t tail = 0;
  std::memcpy(&tail, p, n);
  h = (h ^ tail) * kMul;
  h ^= h >> 32;
  h *= 0xD6E8FEB86659FD93ULL;
  return h ^ (h >> 32);
}

void ClearValue(RdbValue* v) {
  v->str.clear();
  v->elems.clear();
  v->pairs.clear();
  v->zset.clear();
  v->viewed = false;
  v->views.clear();
  v->scores.clear();
  v->stream = RdbStream();
}

}  // namespace

Status RdbDecoder::ReadValue(uint8_t type, RdbValue* v) {
  ClearValue(v);
  if (arena_.bytes.capacity() > kArenaKeepBytes) std::string().swap(arena_.bytes);
  if (blob_.capacity() > kArenaKeepBytes) std::string().swap(blob_);
  if (arena_.spans.capacity() > kArenaKeepBytes / 16) std::vector<std::pair<size_t, size_t>>().swap(arena_.spans);
  arena_.Clear();
  v->rdb_type = type;
  Status s;
  switch (type) {
    case kRdbTypeString:
      v->type = RdbValue::Type::kString;
      return in_->ReadString(&v->str, "a string value");
    case kRdbTypeList:
    case kRdbTypeSet: s = ReadPlainList(type, v); break;
    case kRdbTypeHash: s = ReadPlainHash(v); break;
    case kRdbTypeZset:
    case kRdbTypeZset2: s = ReadPlainZset(type, v); break;
    case kRdbTypeListQuicklist:
    case kRdbTypeListQuicklist2: s = ReadQuicklist(type, v); break;
    case kRdbTypeHashZipmap:
    case kRdbTypeListZiplist:
    case kRdbTypeSetIntset:
    case kRdbTypeZsetZiplist:
    case kRdbTypeHashZiplist:
    case kRdbTypeHashListpack:
    case kRdbTypeZsetListpack:
    case kRdbTypeSetListpack: s = ReadCompact(type, v); break;
    case kRdbTypeStreamListpacks:
    case kRdbTypeStreamListpacks2:
    case kRdbTypeStreamListpacks3: return ReadStream(type, v);
    case kRdbTypeModulePreGa:
    case kRdbTypeModule2: {
      const uint64_t at = in_->offset();
      uint64_t id = 0;
      RETURN_IF_ERROR(in_->ReadLength(&id, "the module type id"));
      return Status::InvalidArgument("rdb offset " + std::to_string(at),
                                     "value of module type '" + RdbModuleName(id) +
                                         "' (RDB type " +
                                         std::to_string(type) +
                                         "): modules are not supported");
    }
    default:
      return Status::InvalidArgument(
          "rdb offset " + std::to_string(entry_offset_),
          "RDB type " + std::to_string(type) + " (" + std::string(RdbTypeName(type)) +
              ") is not supported");
  }
  if (!s.ok()) return s;
  Materialize(v);
  return Status::OK();
}

Status RdbDecoder::ReadElement(std::string_view what) {
  const size_t at = arena_.bytes.size();
  RETURN_IF_ERROR(in_->AppendString(&arena_.bytes, what));
  arena_.spans.emplace_back(at, arena_.bytes.size() - at);
  return Status::OK();
}

// Turns the arena into v->views (every element, or for a zset the members
// only), then, unless the caller asked for views, into owned strings.
void RdbDecoder::Materialize(RdbValue* v) {
  const bool zset = v->type == RdbValue::Type::kZset;
  v->views.reserve(zset ? arena_.size() / 2 : arena_.size());
  const std::string_view bytes = arena_.bytes;
  if (zset && compact_zset_) {
    // Members and score texts alternate; the scores were parsed already.
    for (size_t i = 0; i < arena_.size(); i += 2) {
      v->views.push_back(bytes.substr(arena_.spans[i].first, arena_.spans[i].second));
    }
  } else {
    for (const auto& [off, len] : arena_.spans) v->views.push_back(bytes.substr(off, len));
  }
  v->viewed = true;
  if (options_.element_views) return;
  switch (v->type) {
    case RdbValue::Type::kList:
    case RdbValue::Type::kSet:
      v->elems.assign(v->views.begin(), v->views.end());
      break;
    case RdbValue::Type::kHash:
      v->pairs.reserve(v->views.size() / 2);
      for (size_t i = 0; i + 1 < v->views.size(); i += 2) v->pairs.emplace_back(v->views[i], v->views[i + 1]);
      break;
    case RdbValue::Type::kZset:
      v->zset.reserve(v->views.size());
      for (size_t i = 0; i < v->views.size(); ++i) v->zset.emplace_back(v->views[i], v->scores[i]);
      break;
    case RdbValue::Type::kString:
    case RdbValue::Type::kStream: break;  // streams are never viewed
  }
  v->viewed = false;
  v->views.clear();
  v->scores.clear();
}

// LIST (1) and SET (2): | length n | n strings |
Status RdbDecoder::ReadPlainList(uint8_t type, RdbValue* v) {
  const uint64_t at = in_->offset();
  v->type = type == kRdbTypeList ? RdbValue::Type::kList : RdbValue::Type::kSet;
  uint64_t n;
  RETURN_IF_ERROR(in_->ReadCount(&n, 1, "element count"));
  arena_.spans.reserve(std::min(n, kMaxReserve));
  for (uint64_t i = 0; i < n; ++i) RETURN_IF_ERROR(ReadElement("a collection element"));
  return type == kRdbTypeSet ? CheckUnique(v->type, at) : Status::OK();
}

// HASH (4): | length n | n x (field string, value string) |
Status RdbDecoder::ReadPlainHash(RdbValue* v) {
  const uint64_t at = in_->offset();
  v->type = RdbValue::Type::kHash;
  uint64_t n;
  RETURN_IF_ERROR(in_->ReadCount(&n, 2, "hash field count"));
  arena_.spans.reserve(2 * std::min(n, kMaxReserve));
  for (uint64_t i = 0; i < n; ++i) {
    RETURN_IF_ERROR(ReadElement("a hash field"));
    RETURN_IF_ERROR(ReadElement("a hash value"));
  }
  return CheckUnique(v->type, at);
}

// ZSET (3): | length n | n x (member string, text double) |
// ZSET_2 (5): | length n | n x (member string, 8-byte LE double) |
Status RdbDecoder::ReadPlainZset(uint8_t type, RdbValue* v) {
  const uint64_t at = in_->offset();
  v->type = RdbValue::Type::kZset;
  compact_zset_ = false;
  uint64_t n;
  RETURN_IF_ERROR(in_->ReadCount(&n, type == kRdbTypeZset2 ? 9 : 2, "zset member count"));
  arena_.spans.reserve(std::min(n, kMaxReserve));
  v->scores.reserve(std::min(n, kMaxReserve));
  for (uint64_t i = 0; i < n; ++i) {
    RETURN_IF_ERROR(ReadElement("a zset member"));
    const uint64_t score_at = in_->offset();
    double score;
    if (type == kRdbTypeZset2) {
      uint64_t bits;
      RETURN_IF_ERROR(in_->ReadLe(&bits, 8, "an 8-byte zset score"));
      std::memcpy(&score, &bits, sizeof(score));
    } else {
      RETURN_IF_ERROR(ReadTextDouble(&score));
    }
    if (std::isnan(score)) return RdbInput::Corrupt(score_at, "zset score is NaN");
    v->scores.push_back(score);
  }
  return CheckUnique(v->type, at);
}

// | n (1B) | n ASCII bytes |, n = 253 NaN, 254 +inf, 255 -inf.
Status RdbDecoder::ReadTextDouble(double* score) {
  const uint64_t at = in_->offset();
  uint8_t n;
  RETURN_IF_ERROR(in_->ReadByte(&n, "a text zset score"));
  if (n == kRdbDoubleNan) {
    *score = NAN;
    return Status::OK();
  }
  if (n == kRdbDoublePosInf || n == kRdbDoubleNegInf) {
    *score = n == kRdbDoublePosInf ? INFINITY : -INFINITY;
    return Status::OK();
  }
  char text[256];
  RETURN_IF_ERROR(in_->Read(text, n, "a text zset score"));
  if (!ParseScore(std::string_view(text, n), score)) return RdbInput::Corrupt(at, "zset score is not a number");
  return Status::OK();
}

// QUICKLIST (14): | length nodes | nodes x ziplist string |
// QUICKLIST_2 (18): | length nodes | nodes x (length container, string) |,
// container 1 = PLAIN (the string is one element), 2 = PACKED (a listpack).
Status RdbDecoder::ReadQuicklist(uint8_t type, RdbValue* v) {
  v->type = RdbValue::Type::kList;
  const bool v2 = type == kRdbTypeListQuicklist2;
  uint64_t nodes;
  RETURN_IF_ERROR(in_->ReadCount(&nodes, v2 ? 2 : 1, "quicklist node count"));
  for (uint64_t i = 0; i < nodes; ++i) {
    uint64_t container = kQuicklistNodePacked;
    if (v2) {
      const uint64_t at = in_->offset();
      RETURN_IF_ERROR(in_->ReadLength(&container, "a quicklist node container"));
      if (container != kQuicklistNodePlain && container != kQuicklistNodePacked) {
        return RdbInput::Corrupt(at, "quicklist node container " + std::to_string(container) +
                                         ", expected 1 (plain) or 2 (packed)");
      }
    }
    if (container == kQuicklistNodePlain) {
      RETURN_IF_ERROR(ReadElement("a quicklist node"));
      continue;
    }
    const uint64_t at = in_->offset();
    RETURN_IF_ERROR(in_->ReadString(&blob_, "a quicklist node"));
    // Empty nodes are skipped, as Redis does; an all-empty list is an empty
    // key.
    Status s = v2 ? ParseListpack(blob_, &arena_) : ParseZiplist(blob_, &arena_);
    if (!s.ok()) return RdbInput::Corrupt(at, "quicklist node " + std::to_string(i) + ": " + s.message());
  }
  return Status::OK();
}

// Types whose value is one string holding a compact encoding.
Status RdbDecoder::ReadCompact(uint8_t type, RdbValue* v) {
  const uint64_t at = in_->offset();
  RETURN_IF_ERROR(in_->ReadString(&blob_, "an encoded value"));
  Status s;
  switch (type) {
    case kRdbTypeHashZipmap: s = ParseZipmap(blob_, &arena_); break;
    case kRdbTypeSetIntset: s = ParseIntset(blob_, &arena_); break;
    case kRdbTypeListZiplist:
    case kRdbTypeZsetZiplist:
    case kRdbTypeHashZiplist: s = ParseZiplist(blob_, &arena_); break;
    default: s = ParseListpack(blob_, &arena_); break;
  }
  if (!s.ok()) return RdbInput::Corrupt(at, s.message());
  switch (type) {
    case kRdbTypeListZiplist: v->type = RdbValue::Type::kList; return Status::OK();
    // An intset is strictly ascending, so it holds no duplicates.
    case kRdbTypeSetIntset: v->type = RdbValue::Type::kSet; return Status::OK();
    case kRdbTypeSetListpack: v->type = RdbValue::Type::kSet; return CheckUnique(v->type, at);
    default: break;
  }
  if (arena_.size() % 2 != 0) {
    return RdbInput::Corrupt(at, "odd number of entries (" + std::to_string(arena_.size()) +
                                     ") in a " + std::string(RdbTypeName(type)));
  }
  if (type == kRdbTypeZsetZiplist || type == kRdbTypeZsetListpack) {
    v->type = RdbValue::Type::kZset;
    compact_zset_ = true;
    v->scores.reserve(arena_.size() / 2);
    for (size_t i = 1; i < arena_.size(); i += 2) {
      double score;
      if (!ParseScore(arena_.View(i), &score)) {
        return RdbInput::Corrupt(at, "zset score entry " + std::to_string(i) + " is not a number");
      }
      v->scores.push_back(score);
    }
  } else {
    v->type = RdbValue::Type::kHash;
  }
  return CheckUnique(v->type, at);
}

// Checks that the arena's members (sets: every element; hashes: the
// fields; zsets: the members, which a compact zset interleaves with score
// texts) are distinct: an open-addressing table of element indices, reused
// from value to value, so the check allocates nothing in the steady state
// and compares bytes only when two hashes agree.
Status RdbDecoder::CheckUnique(RdbValue::Type type, uint64_t at) {
  if (!options_.check_duplicates) return Status::OK();
  const size_t step = type == RdbValue::Type::kHash || (type == RdbValue::Type::kZset && compact_zset_) ? 2 : 1;
  const size_t n = (arena_.size() + step - 1) / step;
  if (n < 2) return Status::OK();
  bool dup = false;
  if (n <= kQuadraticUniqueMax) {
    for (size_t i = 0; i < arena_.size() && !dup; i += step) {
      const std::string_view a = arena_.View(i);
      for (size_t j = i + step; j < arena_.size() && !dup; j += step) dup = a == arena_.View(j);
    }
  } else {
    size_t cap = 16;
    while (cap < 2 * n) cap *= 2;  // n is bounded by the file, so is cap
    const size_t mask = cap - 1;
    unique_slots_.assign(cap, kNoSlot);
    unique_hashes_.resize(arena_.size());
    for (size_t i = 0; i < arena_.size() && !dup; i += step) {
      const std::string_view v = arena_.View(i);
      const uint64_t h = HashBytes(v, hash_seed_);
      unique_hashes_[i] = h;
      size_t slot = h & mask;
      // The table is at most half full, so a free slot ends every probe.
      while (unique_slots_[slot] != kNoSlot) {
        const size_t j = unique_slots_[slot];
        if (unique_hashes_[j] == h && arena_.View(j) == v) {
          dup = true;
          break;
        }
        slot = (slot + 1) & mask;
      }
      unique_slots_[slot] = i;
    }
    if (unique_slots_.capacity() > kArenaKeepBytes / 8) {
      std::vector<size_t>().swap(unique_slots_);
      std::vector<uint64_t>().swap(unique_hashes_);
    }
  }
  if (dup) {
    return RdbInput::Corrupt(at, type == RdbValue::Type::kHash ? "duplicate hash field" : "duplicate member");
  }
  return Status::OK();
}

}  // namespace replikv::persistence
