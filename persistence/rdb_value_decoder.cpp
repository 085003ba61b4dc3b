// RdbDecoder's value half: one reader per family of RDB object types.
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <unordered_set>

#include "persistence/intset.h"
#include "persistence/listpack.h"
#include "persistence/rdb_decoder.h"
#include "persistence/rdb_format.h"
#include "persistence/rdb_input.h"
#include "persistence/ziplist.h"

#define RDB_TRY(expr)                      \
  do {                                     \
    Status rdb_try_s = (expr);             \
    if (!rdb_try_s.ok()) return rdb_try_s; \
  } while (0)

namespace replikv::persistence {
namespace {

// Never reserve more elements than this ahead of reading them: a count is
// only a claim until the elements arrive.
constexpr uint64_t kMaxReserve = 1 << 16;

// A zset score stored as text (ziplist/listpack entries): the whole string
// must be a number; "inf"/"-inf" are allowed, NaN is not.
bool ParseScore(const std::string& s, double* score) {
  if (s.empty() || s.size() > 512 || std::isspace(static_cast<unsigned char>(s[0]))) return false;
  char* end = nullptr;
  *score = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() && !std::isnan(*score);
}

void ClearValue(RdbValue* v) {
  v->str.clear();
  v->elems.clear();
  v->pairs.clear();
  v->zset.clear();
}

}  // namespace

Status RdbDecoder::ReadValue(uint8_t type, RdbValue* v) {
  ClearValue(v);
  v->rdb_type = type;
  switch (type) {
    case kRdbTypeString:
      v->type = RdbValue::Type::kString;
      return in_->ReadString(&v->str, "a string value");
    case kRdbTypeList:
    case kRdbTypeSet: return ReadPlainList(type, v);
    case kRdbTypeHash: return ReadPlainHash(v);
    case kRdbTypeZset:
    case kRdbTypeZset2: return ReadPlainZset(type, v);
    case kRdbTypeListQuicklist:
    case kRdbTypeListQuicklist2: return ReadQuicklist(type, v);
    case kRdbTypeHashZipmap:
    case kRdbTypeListZiplist:
    case kRdbTypeSetIntset:
    case kRdbTypeZsetZiplist:
    case kRdbTypeHashZiplist:
    case kRdbTypeHashListpack:
    case kRdbTypeZsetListpack:
    case kRdbTypeSetListpack: return ReadCompact(type, v);
    case kRdbTypeModulePreGa:
    case kRdbTypeModule2: {
      const uint64_t at = in_->offset();
      uint64_t id = 0;
      RDB_TRY(in_->ReadLength(&id, "the module type id"));
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
}

// LIST (1) and SET (2): | length n | n strings |
Status RdbDecoder::ReadPlainList(uint8_t type, RdbValue* v) {
  const uint64_t at = in_->offset();
  v->type = type == kRdbTypeList ? RdbValue::Type::kList : RdbValue::Type::kSet;
  uint64_t n;
  RDB_TRY(in_->ReadCount(&n, 1, "element count"));
  v->elems.reserve(std::min(n, kMaxReserve));
  for (uint64_t i = 0; i < n; ++i) {
    v->elems.emplace_back();
    RDB_TRY(in_->ReadString(&v->elems.back(), "a collection element"));
  }
  return type == kRdbTypeSet ? CheckUnique(*v, at) : Status::OK();
}

// HASH (4): | length n | n x (field string, value string) |
Status RdbDecoder::ReadPlainHash(RdbValue* v) {
  const uint64_t at = in_->offset();
  v->type = RdbValue::Type::kHash;
  uint64_t n;
  RDB_TRY(in_->ReadCount(&n, 2, "hash field count"));
  v->pairs.reserve(std::min(n, kMaxReserve));
  for (uint64_t i = 0; i < n; ++i) {
    auto& [field, value] = v->pairs.emplace_back();
    RDB_TRY(in_->ReadString(&field, "a hash field"));
    RDB_TRY(in_->ReadString(&value, "a hash value"));
  }
  return CheckUnique(*v, at);
}

// ZSET (3): | length n | n x (member string, text double) |
// ZSET_2 (5): | length n | n x (member string, 8-byte LE double) |
Status RdbDecoder::ReadPlainZset(uint8_t type, RdbValue* v) {
  const uint64_t at = in_->offset();
  v->type = RdbValue::Type::kZset;
  uint64_t n;
  RDB_TRY(in_->ReadCount(&n, type == kRdbTypeZset2 ? 9 : 2, "zset member count"));
  v->zset.reserve(std::min(n, kMaxReserve));
  for (uint64_t i = 0; i < n; ++i) {
    auto& [member, score] = v->zset.emplace_back();
    RDB_TRY(in_->ReadString(&member, "a zset member"));
    const uint64_t score_at = in_->offset();
    if (type == kRdbTypeZset2) {
      uint64_t bits;
      RDB_TRY(in_->ReadLe(&bits, 8, "an 8-byte zset score"));
      std::memcpy(&score, &bits, sizeof(score));
    } else {
      RDB_TRY(ReadTextDouble(&score));
    }
    if (std::isnan(score)) return RdbInput::Corrupt(score_at, "zset score is NaN");
  }
  return CheckUnique(*v, at);
}

// | n (1B) | n ASCII bytes |, n = 253 NaN, 254 +inf, 255 -inf.
Status RdbDecoder::ReadTextDouble(double* score) {
  const uint64_t at = in_->offset();
  uint8_t n;
  RDB_TRY(in_->ReadByte(&n, "a text zset score"));
  if (n == kRdbDoubleNan) {
    *score = NAN;
    return Status::OK();
  }
  if (n == kRdbDoublePosInf || n == kRdbDoubleNegInf) {
    *score = n == kRdbDoublePosInf ? INFINITY : -INFINITY;
    return Status::OK();
  }
  std::string text(n, '\0');
  RDB_TRY(in_->Read(text.data(), n, "a text zset score"));
  if (!ParseScore(text, score)) return RdbInput::Corrupt(at, "zset score is not a number");
  return Status::OK();
}

// QUICKLIST (14): | length nodes | nodes x ziplist string |
// QUICKLIST_2 (18): | length nodes | nodes x (length container, string) |,
// container 1 = PLAIN (the string is one element), 2 = PACKED (a listpack).
Status RdbDecoder::ReadQuicklist(uint8_t type, RdbValue* v) {
  v->type = RdbValue::Type::kList;
  const bool v2 = type == kRdbTypeListQuicklist2;
  uint64_t nodes;
  RDB_TRY(in_->ReadCount(&nodes, v2 ? 2 : 1, "quicklist node count"));
  std::string blob;
  for (uint64_t i = 0; i < nodes; ++i) {
    uint64_t container = kQuicklistNodePacked;
    if (v2) {
      const uint64_t at = in_->offset();
      RDB_TRY(in_->ReadLength(&container, "a quicklist node container"));
      if (container != kQuicklistNodePlain && container != kQuicklistNodePacked) {
        return RdbInput::Corrupt(at, "quicklist node container " + std::to_string(container) +
                                         ", expected 1 (plain) or 2 (packed)");
      }
    }
    const uint64_t at = in_->offset();
    RDB_TRY(in_->ReadString(&blob, "a quicklist node"));
    if (container == kQuicklistNodePlain) {
      v->elems.push_back(std::move(blob));
      continue;
    }
    // Empty nodes are skipped, as Redis does; an all-empty list is an empty
    // key.
    Status s = v2 ? ParseListpack(blob, &v->elems) : ParseZiplist(blob, &v->elems);
    if (!s.ok()) return RdbInput::Corrupt(at, "quicklist node " + std::to_string(i) + ": " + s.message());
  }
  return Status::OK();
}

// Types whose value is one string holding a compact encoding.
Status RdbDecoder::ReadCompact(uint8_t type, RdbValue* v) {
  const uint64_t at = in_->offset();
  std::string blob;
  RDB_TRY(in_->ReadString(&blob, "an encoded value"));
  std::vector<std::string>& flat = type == kRdbTypeListZiplist || type == kRdbTypeSetIntset ||
                                           type == kRdbTypeSetListpack
                                       ? v->elems
                                       : scratch_elems_;
  flat.clear();
  Status s;
  switch (type) {
    case kRdbTypeHashZipmap: s = ParseZipmap(blob, &flat); break;
    case kRdbTypeSetIntset: s = ParseIntset(blob, &flat); break;
    case kRdbTypeListZiplist:
    case kRdbTypeZsetZiplist:
    case kRdbTypeHashZiplist: s = ParseZiplist(blob, &flat); break;
    default: s = ParseListpack(blob, &flat); break;
  }
  if (!s.ok()) return RdbInput::Corrupt(at, s.message());
  switch (type) {
    case kRdbTypeListZiplist: v->type = RdbValue::Type::kList; return Status::OK();
    case kRdbTypeSetIntset: v->type = RdbValue::Type::kSet; return Status::OK();
    case kRdbTypeSetListpack: v->type = RdbValue::Type::kSet; return CheckUnique(*v, at);
    default: break;
  }
  if (flat.size() % 2 != 0) {
    return RdbInput::Corrupt(at, "odd number of entries (" + std::to_string(flat.size()) +
                                     ") in a " + std::string(RdbTypeName(type)));
  }
  if (type == kRdbTypeZsetZiplist || type == kRdbTypeZsetListpack) {
    v->type = RdbValue::Type::kZset;
    v->zset.reserve(flat.size() / 2);
    for (size_t i = 0; i < flat.size(); i += 2) {
      double score;
      if (!ParseScore(flat[i + 1], &score)) {
        return RdbInput::Corrupt(at, "zset score entry " + std::to_string(i + 1) +
                                         " is not a number");
      }
      v->zset.emplace_back(std::move(flat[i]), score);
    }
  } else {
    v->type = RdbValue::Type::kHash;
    v->pairs.reserve(flat.size() / 2);
    for (size_t i = 0; i < flat.size(); i += 2) {
      v->pairs.emplace_back(std::move(flat[i]), std::move(flat[i + 1]));
    }
  }
  return CheckUnique(*v, at);
}

Status RdbDecoder::CheckUnique(const RdbValue& v, uint64_t at) {
  if (!options_.check_duplicates || v.size() < 2) return Status::OK();
  std::unordered_set<std::string_view> seen;
  seen.reserve(v.size());
  bool dup = false;
  switch (v.type) {
    case RdbValue::Type::kSet:
      for (size_t i = 0; i < v.elems.size() && !dup; ++i) dup = !seen.insert(v.elems[i]).second;
      break;
    case RdbValue::Type::kHash:
      for (size_t i = 0; i < v.pairs.size() && !dup; ++i) dup = !seen.insert(v.pairs[i].first).second;
      break;
    case RdbValue::Type::kZset:
      for (size_t i = 0; i < v.zset.size() && !dup; ++i) dup = !seen.insert(v.zset[i].first).second;
      break;
    default: break;
  }
  if (dup) {
    return RdbInput::Corrupt(at, v.type == RdbValue::Type::kHash ? "duplicate hash field"
                                                                 : "duplicate member");
  }
  return Status::OK();
}

}  // namespace replikv::persistence
