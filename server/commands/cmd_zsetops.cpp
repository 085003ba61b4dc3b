// Sorted set algebra and sampling: ZUNION ZINTER ZDIFF, their STORE forms,
// ZINTERCARD, ZRANDMEMBER.
//
// As Redis 7.0's zunionInterDiffGenericCommand: every input key is looked up
// (and type-checked: sets count as members with score 1) before the options
// are parsed; inputs are ordered by cardinality (a stable order, like glibc's
// qsort) except for ZDIFF; SUM turns inf + -inf into 0; a weighted score
// that is NaN (0 * inf) is 0 where Redis makes it so. A stored result is encoded as Redis converts
// it (listpack when small enough). Everything propagates as sent.
#include <algorithm>
#include <cctype>
#include <climits>
#include <cmath>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "server/net/client.h"
#include "server/net/reply_buffer.h"
#include "server/notify.h"
#include "server/server.h"
#include "server/commands/type_commands.h"
#include "server/types/type_set.h"
#include "server/types/type_zset.h"

namespace replikv {
namespace {

enum class ZsetOp { kUnion, kInter, kDiff };
enum class Aggregate { kSum, kMin, kMax };

// One input: a sorted set, a set (scores 1) or a missing key (empty).
struct Source {
  Entry* e = nullptr;
  double weight = 1;
  size_t size() const {
    if (e == nullptr) return 0;
    return e->type() == ObjType::kZset ? ZsetValue(e).size() : SetValue(e).size();
  }
  bool Score(std::string_view m, double* score) const {
    if (e == nullptr) return false;
    if (e->type() == ObjType::kZset) return ZsetValue(e).Score(m, score);
    *score = 1;
    return SetValue(e).Contains(m);
  }
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    if (e == nullptr) return;
    if (e->type() == ObjType::kZset) {
      ZsetValue(e).ForEach(fn);
    } else {
      SetValue(e).ForEach([&](std::string_view m) { fn(m, 1.0); });
    }
  }
};

void Combine(double* target, double value, Aggregate agg) {
  switch (agg) {
    case Aggregate::kSum:
      *target += value;
      if (std::isnan(*target)) *target = 0;  // inf + -inf
      break;
    case Aggregate::kMin: *target = value < *target ? value : *target; break;
    case Aggregate::kMax: *target = value > *target ? value : *target; break;
  }
}

double Weighted(const Source& s, double score) {
  double v = s.weight * score;
  return std::isnan(v) ? 0 : v;
}

using Elements = std::vector<std::pair<std::string, double>>;

bool ElementLess(const std::pair<std::string, double>& a, const std::pair<std::string, double>& b) {
  return a.second < b.second || (a.second == b.second && CompareMembers(a.first, b.first) < 0);
}

void ZsetOpGeneric(CommandContext& ctx, size_t numkeys_index, bool store, ZsetOp op, bool cardinality_only) {
  ArgList a = ctx.argv;
  int64_t setnum;
  if (!ParseInt64(a[numkeys_index], &setnum)) return ReplyNotInteger(ctx.reply);
  if (setnum < 1) {
    return ctx.reply.AddError("at least 1 input key is needed for '" + Lower(a[0]) + "' command");
  }
  if (setnum > static_cast<int64_t>(a.size() - (numkeys_index + 1))) return ReplySyntaxError(ctx.reply);
  std::vector<Source> src(static_cast<size_t>(setnum));  // bounded by argc
  size_t j = numkeys_index + 1;
  for (Source& s : src) {
    Entry* e = ctx.server.keyspace().LookupRead(ctx.db_index(), a[j++]);
    if (e != nullptr && e->type() != ObjType::kZset && e->type() != ObjType::kSet) return ReplyWrongType(ctx.reply);
    s.e = e;
  }
  Aggregate agg = Aggregate::kSum;
  bool withscores = false;
  int64_t limit = 0;
  while (j < a.size()) {
    size_t remaining = a.size() - j;
    if (op != ZsetOp::kDiff && !cardinality_only && remaining >= src.size() + 1 &&
        EqualsIgnoreCase(a[j], "weights")) {
      ++j;
      for (Source& s : src) {
        if (!ParseDouble(a[j++], &s.weight)) return ctx.reply.AddError("weight value is not a float");
      }
    } else if (op != ZsetOp::kDiff && !cardinality_only && remaining >= 2 && EqualsIgnoreCase(a[j], "aggregate")) {
      std::string_view v = a[j + 1];
      if (EqualsIgnoreCase(v, "sum")) {
        agg = Aggregate::kSum;
      } else if (EqualsIgnoreCase(v, "min")) {
        agg = Aggregate::kMin;
      } else if (EqualsIgnoreCase(v, "max")) {
        agg = Aggregate::kMax;
      } else {
        return ReplySyntaxError(ctx.reply);
      }
      j += 2;
    } else if (!store && !cardinality_only && EqualsIgnoreCase(a[j], "withscores")) {
      withscores = true;
      ++j;
    } else if (cardinality_only && remaining >= 2 && EqualsIgnoreCase(a[j], "limit")) {
      if (!ParseInt64(a[j + 1], &limit) || limit < 0) return ctx.reply.AddError("LIMIT can't be negative");
      j += 2;
    } else {
      return ReplySyntaxError(ctx.reply);
    }
  }
  if (op != ZsetOp::kDiff) {
    std::stable_sort(src.begin(), src.end(), [](const Source& x, const Source& y) { return x.size() < y.size(); });
  }
  Elements result;
  uint64_t cardinality = 0;
  if (op == ZsetOp::kInter) {
    if (src[0].size() > 0) {
      bool stop = false;
      src[0].ForEach([&](std::string_view m, double s0) {
        if (stop) return;
        double score = Weighted(src[0], s0);
        for (size_t k = 1; k < src.size(); ++k) {
          double v;
          // The same key twice: no lookup into the structure being walked.
          if (src[k].e == src[0].e) {
            v = s0;
          } else if (!src[k].Score(m, &v)) {
            return;
          }
          // Only the first input's weighted score has NaN replaced by 0,
          // as in Redis; a NaN here makes SUM 0 and leaves MIN/MAX as is.
          Combine(&score, v * src[k].weight, agg);
        }
        if (cardinality_only) {
          ++cardinality;
          stop = limit != 0 && cardinality >= static_cast<uint64_t>(limit);
        } else {
          result.emplace_back(m, score);
        }
      });
    }
  } else if (op == ZsetOp::kUnion) {
    std::unordered_map<std::string, double> acc;
    for (const Source& s : src) {
      s.ForEach([&](std::string_view m, double v) {
        double w = Weighted(s, v);
        auto [it, fresh] = acc.try_emplace(std::string(m), w);
        if (!fresh) Combine(&it->second, w, agg);
      });
    }
    result.reserve(acc.size());
    for (auto& [m, s] : acc) result.emplace_back(m, s);
  } else {
    bool self = std::any_of(src.begin() + 1, src.end(), [&](const Source& s) { return s.e == src[0].e; });
    if (!self) {
      src[0].ForEach([&](std::string_view m, double s0) {
        for (size_t k = 1; k < src.size(); ++k) {
          double v;
          if (src[k].Score(m, &v)) return;
        }
        result.emplace_back(m, s0);
      });
    }
  }
  if (cardinality_only) return ctx.reply.AddInt(static_cast<int64_t>(cardinality));
  if (store) {
    std::string_view dst = a[1];
    if (result.empty()) {
      ctx.reply.AddInt(0);
      if (ctx.server.keyspace().LookupWrite(ctx.db_index(), dst) != nullptr) {
        DeleteKey(ctx, dst);
        ctx.AddDirty();
      }
      return;
    }
    StoreObjectKey(ctx, dst, ObjType::kZset, ZsetValue::Build(result, ZsetLimits(ctx.server.config())));
    ctx.AddDirty();
    Notify(ctx, kNotifyZset,
           op == ZsetOp::kUnion ? "zunionstore" : op == ZsetOp::kInter ? "zinterstore" : "zdiffstore", dst);
    return ctx.reply.AddInt(static_cast<int64_t>(result.size()));
  }
  std::sort(result.begin(), result.end(), ElementLess);
  if (withscores) {
    ctx.reply.AddPairArrayLen(result.size());  // [member, score] pairs in RESP3
  } else {
    ctx.reply.AddArrayLen(result.size());
  }
  for (const auto& [m, s] : result) {
    if (withscores) ctx.reply.AddPairHeader();
    ctx.reply.AddBulk(m);
    if (withscores) ctx.reply.AddDouble(s);
  }
}

void ZunionstoreCommand(CommandContext& ctx) { ZsetOpGeneric(ctx, 2, true, ZsetOp::kUnion, false); }
void ZinterstoreCommand(CommandContext& ctx) { ZsetOpGeneric(ctx, 2, true, ZsetOp::kInter, false); }
void ZdiffstoreCommand(CommandContext& ctx) { ZsetOpGeneric(ctx, 2, true, ZsetOp::kDiff, false); }
void ZunionCommand(CommandContext& ctx) { ZsetOpGeneric(ctx, 1, false, ZsetOp::kUnion, false); }
void ZinterCommand(CommandContext& ctx) { ZsetOpGeneric(ctx, 1, false, ZsetOp::kInter, false); }
void ZdiffCommand(CommandContext& ctx) { ZsetOpGeneric(ctx, 1, false, ZsetOp::kDiff, false); }
void ZintercardCommand(CommandContext& ctx) { ZsetOpGeneric(ctx, 1, false, ZsetOp::kInter, true); }

// ------------------------------------------------------------ ZRANDMEMBER

void ReplyMember(ReplyBuffer& r, std::string_view m, double s, bool withscores) {
  if (withscores) r.AddPairHeader();
  r.AddBulk(m);
  if (withscores) r.AddDouble(s);
}

void AddMembersLen(ReplyBuffer& r, uint64_t n, bool withscores) {
  if (withscores) return r.AddPairArrayLen(n);
  r.AddArrayLen(n);
}

void ZrandmemberWithCount(CommandContext& ctx, int64_t l, bool withscores) {
  bool wrongtype;
  Entry* e = LookupTypedRead(ctx, ctx.argv[1], ObjType::kZset, &wrongtype);
  if (wrongtype) return;
  if (e == nullptr || l == 0) return ctx.reply.AddArrayLen(0);
  ZsetValue z(e);
  const uint64_t size = z.size();
  ReplyBuffer& r = ctx.reply;
  if (l < 0) {
    auto count = static_cast<uint64_t>(-l);
    AddMembersLen(r, count, withscores);
    if (z.kind() == ZsetValue::kSkiplist) {
      const ZNodeTable& index = z.skiplist()->index;
      for (uint64_t i = 0; i < count; ++i) {
        const ZNode* n = index.RandomEntry(RandomBits());
        ReplyMember(r, n->member(), n->score, withscores);
      }
      return;
    }
    std::vector<std::pair<std::string_view, double>> all;
    all.reserve(size);
    z.ForEach([&](std::string_view m, double s) { all.emplace_back(m, s); });
    for (uint64_t i = 0; i < count; ++i) {
      auto& [m, s] = all[RandomBits() % size];
      ReplyMember(r, m, s, withscores);
    }
    return;
  }
  auto count = static_cast<uint64_t>(l);
  if (count >= size) {
    // The whole zset, highest first (Redis 7.0 replies a reversed ZRANGE).
    AddMembersLen(r, size, withscores);
    z.ForRange(size - 1, 0, true, [&](std::string_view m, double s) { ReplyMember(r, m, s, withscores); });
    return;
  }
  AddMembersLen(r, count, withscores);
  if (z.kind() == ZsetValue::kPacked || count * 3 > size) {
    // Selection sampling over the ordered walk: `count` distinct members.
    uint64_t needed = count, remaining = size;
    z.ForEach([&](std::string_view m, double s) {
      if (needed > 0 && RandomBits() % remaining < needed) {
        ReplyMember(r, m, s, withscores);
        --needed;
      }
      --remaining;
    });
    return;
  }
  // count <= size/3: each draw is new with probability >= 2/3.
  const ZNodeTable& index = z.skiplist()->index;
  std::unordered_set<const ZNode*> seen;
  while (seen.size() < count) {
    const ZNode* n = index.RandomEntry(RandomBits());
    if (seen.insert(n).second) ReplyMember(r, n->member(), n->score, withscores);
  }
}

void ZrandmemberCommand(CommandContext& ctx) {
  ArgList a = ctx.argv;
  if (a.size() >= 3) {
    int64_t l;
    if (!ParseRangeCount(ctx, a[2], &l)) return;
    if (a.size() > 4 || (a.size() == 4 && !EqualsIgnoreCase(a[3], "withscores"))) {
      return ReplySyntaxError(ctx.reply);
    }
    bool withscores = a.size() == 4;
    if (withscores && (l < -LLONG_MAX / 2 || l > LLONG_MAX / 2)) {
      return ctx.reply.AddError("value is out of range");
    }
    return ZrandmemberWithCount(ctx, l, withscores);
  }
  bool wrongtype;
  Entry* e = LookupTypedRead(ctx, a[1], ObjType::kZset, &wrongtype);
  if (wrongtype) return;
  if (e == nullptr) return ctx.reply.AddNullBulk();
  ZsetValue z(e);
  uint64_t rank = RandomBits() % z.size();
  z.ForRange(rank, rank, false, [&](std::string_view m, double) { ctx.reply.AddBulk(m); });
}

}  // namespace

void RegisterZsetOpCommands(CommandTable& t) {
  const uint32_t kWD = kCmdWrite | kCmdDenyOom | kCmdMovableKeys;
  const uint32_t kRM = kCmdReadonly | kCmdMovableKeys;
  AddCommands(t, "sorted_set", {
      {"zunionstore", -4, kWD, ZunionstoreCommand, 1, 1, 1, "2.0.0"},
      {"zinterstore", -4, kWD, ZinterstoreCommand, 1, 1, 1, "2.0.0"},
      {"zdiffstore", -4, kWD, ZdiffstoreCommand, 1, 1, 1, "6.2.0"},
      {"zunion", -3, kRM, ZunionCommand, 0, 0, 0, "6.2.0"},
      {"zinter", -3, kRM, ZinterCommand, 0, 0, 0, "6.2.0"},
      {"zdiff", -3, kRM, ZdiffCommand, 0, 0, 0, "6.2.0"},
      {"zintercard", -3, kRM, ZintercardCommand, 0, 0, 0, "7.0.0"},
      {"zrandmember", -2, kCmdReadonly, ZrandmemberCommand, 1, 1, 1, "6.2.0"},
  });
}

}  // namespace replikv
