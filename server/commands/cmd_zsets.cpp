// Sorted set commands: ZADD ZINCRBY ZREM ZCARD ZSCORE ZMSCORE ZRANK ZREVRANK
// ZCOUNT ZLEXCOUNT ZRANGE ZRANGESTORE ZREVRANGE ZRANGEBYSCORE
// ZREVRANGEBYSCORE ZRANGEBYLEX ZREVRANGEBYLEX ZREMRANGEBYSCORE
// ZREMRANGEBYRANK ZREMRANGEBYLEX ZPOPMIN ZPOPMAX ZSCAN (the set algebra and
// ZRANDMEMBER are in cmd_zsetops.cpp; ZMPOP and the blocking pops in
// cmd_zpop.cpp).
//
// Replies, errors and encodings follow Redis 7.0 (t_zset.c's behaviour,
// checked against redis-server): option parsing order, which error wins,
// and the range quirks (an empty score bound is 0, a negative LIMIT offset
// gives nothing, a negative count means no limit). Scores are replied in
// the %.17g form. Every command propagates as sent: all are deterministic.
#include <cmath>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "server/commands/blocking.h"
#include "server/net/client.h"
#include "server/net/reply_buffer.h"
#include "server/notify.h"
#include "server/server.h"
#include "server/commands/type_commands.h"
#include "server/types/type_zset.h"

namespace replikv {
namespace {

PackLimits Limits(CommandContext& ctx) { return ZsetLimits(ctx.server.config()); }

// ---------------------------------------------------------------- ZADD

void ZaddGeneric(CommandContext& ctx, int flags) {
  ArgList a = ctx.argv;
  size_t scoreidx = 2;
  bool ch = false;
  for (; scoreidx < a.size(); ++scoreidx) {
    std::string_view opt = a[scoreidx];
    if (EqualsIgnoreCase(opt, "nx")) {
      flags |= ZsetValue::kNx;
    } else if (EqualsIgnoreCase(opt, "xx")) {
      flags |= ZsetValue::kXx;
    } else if (EqualsIgnoreCase(opt, "ch")) {
      ch = true;
    } else if (EqualsIgnoreCase(opt, "incr")) {
      flags |= ZsetValue::kIncr;
    } else if (EqualsIgnoreCase(opt, "gt")) {
      flags |= ZsetValue::kGt;
    } else if (EqualsIgnoreCase(opt, "lt")) {
      flags |= ZsetValue::kLt;
    } else {
      break;
    }
  }
  const bool incr = flags & ZsetValue::kIncr, nx = flags & ZsetValue::kNx, xx = flags & ZsetValue::kXx,
             gt = flags & ZsetValue::kGt, lt = flags & ZsetValue::kLt;
  size_t elements = a.size() - scoreidx;
  if (elements % 2 != 0 || elements == 0) return ReplySyntaxError(ctx.reply);
  elements /= 2;
  if (nx && xx) return ctx.reply.AddError("XX and NX options at the same time are not compatible");
  if ((gt && nx) || (lt && nx) || (gt && lt)) {
    return ctx.reply.AddError("GT, LT, and/or NX options at the same time are not compatible");
  }
  if (incr && elements > 1) return ctx.reply.AddError("INCR option supports a single increment-element pair");
  // Every score is checked before anything changes: all or nothing.
  std::vector<double> scores(elements);  // bounded by argc
  for (size_t j = 0; j < elements; ++j) {
    if (!ParseDouble(a[scoreidx + 2 * j], &scores[j])) return ctx.reply.AddError("value is not a valid float");
  }
  bool wrongtype;
  Entry* e = LookupTypedWrite(ctx, a[1], ObjType::kZset, &wrongtype);
  if (wrongtype) return;
  int64_t added = 0, updated = 0, processed = 0;
  double score = 0;
  if (e == nullptr && !xx) {
    e = AddObjectKey(ctx, a[1], ObjType::kZset, ZsetValue::NewObject(1, a[scoreidx + 1].size(), Limits(ctx)));
  }
  if (e != nullptr) {
    ZsetValue z(e);
    PackLimits limits = Limits(ctx);
    for (size_t j = 0; j < elements; ++j) {
      double newscore = 0;
      int r = z.Add(scores[j], a[scoreidx + 1 + 2 * j], flags, &newscore, limits);
      if (r & ZsetValue::kNan) {
        ctx.AddDirty(static_cast<uint64_t>(added + updated));
        return ctx.reply.AddError("resulting score is not a number (NaN)");
      }
      if (r & ZsetValue::kAdded) ++added;
      if (r & ZsetValue::kUpdated) ++updated;
      if (!(r & ZsetValue::kNop)) ++processed;
      score = newscore;
    }
    ctx.AddDirty(static_cast<uint64_t>(added + updated));
    if (added + updated != 0) Notify(ctx, kNotifyZset, incr ? "zincr" : "zadd", a[1]);
  }
  if (incr) {
    processed ? ctx.reply.AddDouble(score) : ctx.reply.AddNullBulk();
  } else {
    ctx.reply.AddInt(ch ? added + updated : added);
  }
}

void ZincrbyCommand(CommandContext& ctx) { ZaddGeneric(ctx, ZsetValue::kIncr); }

// ------------------------------------------------------ point lookups

void ZremCommand(CommandContext& ctx) {
  RemoveMembers<ZsetValue>(ctx, ObjType::kZset, &ZsetValue::Remove, kNotifyZset, "zrem");
}

void ZcardCommand(CommandContext& ctx) {
  bool wrongtype;
  Entry* e = LookupTypedRead(ctx, ctx.argv[1], ObjType::kZset, &wrongtype);
  if (wrongtype) return;
  ctx.reply.AddInt(e == nullptr ? 0 : static_cast<int64_t>(ZsetValue(e).size()));
}

void ZscoreCommand(CommandContext& ctx) {
  bool wrongtype;
  Entry* e = LookupTypedRead(ctx, ctx.argv[1], ObjType::kZset, &wrongtype);
  if (wrongtype) return;
  double s;
  if (e == nullptr || !ZsetValue(e).Score(ctx.argv[2], &s)) return ctx.reply.AddNullBulk();
  ctx.reply.AddDouble(s);
}

void ZmscoreCommand(CommandContext& ctx) {
  bool wrongtype;
  Entry* e = LookupTypedRead(ctx, ctx.argv[1], ObjType::kZset, &wrongtype);
  if (wrongtype) return;
  ctx.reply.AddArrayLen(ctx.argv.size() - 2);
  for (size_t i = 2; i < ctx.argv.size(); ++i) {
    double s;
    if (e != nullptr && ZsetValue(e).Score(ctx.argv[i], &s)) {
      ctx.reply.AddDouble(s);
    } else {
      ctx.reply.AddNullBulk();
    }
  }
}

void RankGeneric(CommandContext& ctx, bool reverse) {
  bool wrongtype;
  Entry* e = LookupTypedRead(ctx, ctx.argv[1], ObjType::kZset, &wrongtype);
  if (wrongtype) return;
  uint64_t rank;
  if (e == nullptr) return ctx.reply.AddNullBulk();
  ZsetValue z(e);
  if (!z.Rank(ctx.argv[2], &rank)) return ctx.reply.AddNullBulk();
  ctx.reply.AddInt(static_cast<int64_t>(reverse ? z.size() - 1 - rank : rank));
}

void ZrankCommand(CommandContext& ctx) { RankGeneric(ctx, false); }
void ZrevrankCommand(CommandContext& ctx) { RankGeneric(ctx, true); }

// ------------------------------------------------------------ ranges

// Redis's zslParseRange for one bound: "(" makes it exclusive; strtod must
// consume everything up to the end (or an embedded NUL); NaN is refused.
// Quirks kept: leading spaces pass and "" (or "(") means 0.
bool ParseScoreBound(std::string_view s, double* v, bool* ex) {
  size_t nul = s.find('\0');
  if (nul != std::string_view::npos) s = s.substr(0, nul);
  *ex = !s.empty() && s[0] == '(';
  if (*ex) s.remove_prefix(1);
  std::string buf(s);
  char* end = nullptr;
  *v = std::strtod(buf.c_str(), &end);
  return *end == '\0' && !std::isnan(*v);
}

bool ParseScoreRange(std::string_view min, std::string_view max, ScoreRange* r) {
  return ParseScoreBound(min, &r->min, &r->minex) && ParseScoreBound(max, &r->max, &r->maxex);
}

// Redis's zslParseLexRangeItem: "+", "-", "[x" or "(x".
bool ParseLexBound(std::string_view s, LexRange::Bound* kind, std::string* value, bool* ex) {
  if (s.empty()) return false;
  switch (s[0]) {
    case '+':
    case '-':
      // Redis looks at the byte after the sign as a C string.
      if (s.size() > 1 && s[1] != '\0') return false;
      *kind = s[0] == '+' ? LexRange::kPosInf : LexRange::kNegInf;
      *ex = true;
      return true;
    case '(':
    case '[':
      *kind = LexRange::kValue;
      *ex = s[0] == '(';
      value->assign(s.substr(1));
      return true;
    default:
      return false;
  }
}

bool ParseLexRange(std::string_view min, std::string_view max, LexRange* r) {
  return ParseLexBound(min, &r->min_kind, &r->min, &r->minex) && ParseLexBound(max, &r->max_kind, &r->max, &r->maxex);
}

void ZcountCommand(CommandContext& ctx) {
  ScoreRange r;
  if (!ParseScoreRange(ctx.argv[2], ctx.argv[3], &r)) return ctx.reply.AddError("min or max is not a float");
  bool wrongtype;
  Entry* e = LookupTypedRead(ctx, ctx.argv[1], ObjType::kZset, &wrongtype);
  if (wrongtype) return;
  uint64_t first, last;
  if (e == nullptr || !ZsetValue(e).ScoreRanks(r, &first, &last)) return ctx.reply.AddInt(0);
  ctx.reply.AddInt(static_cast<int64_t>(last - first + 1));
}

void ZlexcountCommand(CommandContext& ctx) {
  LexRange r;
  if (!ParseLexRange(ctx.argv[2], ctx.argv[3], &r)) {
    return ctx.reply.AddError("min or max not valid string range item");
  }
  bool wrongtype;
  Entry* e = LookupTypedRead(ctx, ctx.argv[1], ObjType::kZset, &wrongtype);
  if (wrongtype) return;
  uint64_t first, last;
  if (e == nullptr || !ZsetValue(e).LexRanks(r, false, &first, &last)) return ctx.reply.AddInt(0);
  ctx.reply.AddInt(static_cast<int64_t>(last - first + 1));
}

enum class RangeType { kAuto, kRank, kScore, kLex };
enum class Direction { kAuto, kForward, kReverse };

// Where a range goes: to the client (optionally with scores) or into a new
// sorted set stored at `dst` (ZRANGESTORE).
struct RangeOutput {
  bool store = false;
  bool withscores = false;
  std::string_view dst;
};

void EmitRange(CommandContext& ctx, const RangeOutput& out, const ZsetValue* z, uint64_t from, uint64_t to,
               bool reverse, bool any, uint64_t len_hint) {
  uint64_t n = any ? (reverse ? from - to : to - from) + 1 : 0;
  if (!out.store) {
    // WITHSCORES: [member, score] pairs in RESP3.
    if (out.withscores) {
      ctx.reply.AddPairArrayLen(n);
    } else {
      ctx.reply.AddArrayLen(n);
    }
    if (n == 0) return;
    z->ForRange(from, to, reverse, [&](std::string_view m, double s) {
      if (out.withscores) ctx.reply.AddPairHeader();
      ctx.reply.AddBulk(m);
      if (out.withscores) ctx.reply.AddDouble(s);
    });
    return;
  }
  if (n == 0) {
    ctx.reply.AddInt(0);
    if (ctx.server.keyspace().LookupWrite(ctx.db_index(), out.dst) != nullptr) {
      DeleteKey(ctx, out.dst);
      ctx.AddDirty();
    }
    return;
  }
  PackLimits limits = Limits(ctx);
  // Redis 7.0 starts the result as a listpack unless the rank range alone
  // is known to be too long for one.
  ZsetValue result(ZsetValue::NewObject(len_hint, 0, limits));
  z->ForRange(from, to, reverse, [&](std::string_view m, double s) {
    double unused;
    result.Add(s, m, ZsetValue::kNx, &unused, limits);
  });
  StoreObjectKey(ctx, out.dst, ObjType::kZset, result.object());
  ctx.AddDirty();
  Notify(ctx, kNotifyZset, "zrangestore", out.dst);
  ctx.reply.AddInt(static_cast<int64_t>(n));
}

// Applies LIMIT offset/count to the ranks [first, last] walked from `first`
// (forward) or `last` (reverse), as Redis's skip-then-take loop does: a
// negative offset skips everything, a negative count takes everything.
bool ApplyLimit(int64_t offset, int64_t limit, bool reverse, uint64_t* first, uint64_t* last) {
  if (offset < 0 || limit == 0) return false;
  uint64_t span = *last - *first + 1;
  auto off = static_cast<uint64_t>(offset);
  if (off >= span) return false;
  uint64_t take = span - off;
  if (limit > 0 && static_cast<uint64_t>(limit) < take) take = static_cast<uint64_t>(limit);
  if (!reverse) {
    *first += off;
    *last = *first + take - 1;
  } else {
    *last -= off;
    *first = *last - take + 1;
  }
  return true;
}

// Redis 7.0's zrangeGenericCommand: one parser for every ZRANGE form.
// argv[key_index] is the source key, then min and max.
void ZrangeGeneric(CommandContext& ctx, size_t key_index, RangeOutput out, RangeType type, Direction dir) {
  ArgList a = ctx.argv;
  size_t minidx = key_index + 1, maxidx = key_index + 2;
  int64_t offset = 0, limit = -1;
  bool has_limit = false;
  for (size_t j = key_index + 3; j < a.size(); ++j) {
    size_t left = a.size() - j - 1;
    if (!out.store && EqualsIgnoreCase(a[j], "withscores")) {
      out.withscores = true;
    } else if (EqualsIgnoreCase(a[j], "limit") && left >= 2) {
      if (!ParseInt64(a[j + 1], &offset) || !ParseInt64(a[j + 2], &limit)) return ReplyNotInteger(ctx.reply);
      has_limit = true;
      j += 2;
    } else if (dir == Direction::kAuto && EqualsIgnoreCase(a[j], "rev")) {
      dir = Direction::kReverse;
    } else if (type == RangeType::kAuto && EqualsIgnoreCase(a[j], "bylex")) {
      type = RangeType::kLex;
    } else if (type == RangeType::kAuto && EqualsIgnoreCase(a[j], "byscore")) {
      type = RangeType::kScore;
    } else {
      return ReplySyntaxError(ctx.reply);
    }
  }
  if (dir == Direction::kAuto) dir = Direction::kForward;
  if (type == RangeType::kAuto) type = RangeType::kRank;
  const bool reverse = dir == Direction::kReverse;
  // Redis tests "limit != -1": LIMIT 0 -1 passes with a rank range.
  if (has_limit && limit != -1 && type == RangeType::kRank) {
    return ctx.reply.AddError("syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
  }
  if (out.withscores && type == RangeType::kLex) {
    return ctx.reply.AddError("syntax error, WITHSCORES not supported in combination with BYLEX");
  }
  if (reverse && type != RangeType::kRank) std::swap(minidx, maxidx);  // given as max, min
  int64_t start = 0, end = 0;
  ScoreRange score_range;
  LexRange lex_range;
  if (type == RangeType::kRank) {
    if (!ParseInt64(a[minidx], &start) || !ParseInt64(a[maxidx], &end)) return ReplyNotInteger(ctx.reply);
  } else if (type == RangeType::kScore) {
    if (!ParseScoreRange(a[minidx], a[maxidx], &score_range)) {
      return ctx.reply.AddError("min or max is not a float");
    }
  } else if (!ParseLexRange(a[minidx], a[maxidx], &lex_range)) {
    return ctx.reply.AddError("min or max not valid string range item");
  }
  // Redis reads the source with lookupKeyRead in every form, ZRANGESTORE too.
  Entry* e = ctx.server.keyspace().LookupRead(ctx.db_index(), a[key_index]);
  if (e == nullptr) return EmitRange(ctx, out, nullptr, 0, 0, false, false, 0);
  if (e->type() != ObjType::kZset) return ReplyWrongType(ctx.reply);
  ZsetValue z(e);
  const auto len = static_cast<int64_t>(z.size());
  uint64_t first = 0, last = 0;
  bool any;
  uint64_t len_hint = 0;
  if (type == RangeType::kRank) {
    any = NormalizeRange(len, &start, &end);
    if (any) {
      len_hint = static_cast<uint64_t>(end - start + 1);
      // Rank r counted from the top is rank len-1-r from the bottom.
      first = reverse ? static_cast<uint64_t>(len - 1 - start) : static_cast<uint64_t>(start);
      last = reverse ? static_cast<uint64_t>(len - 1 - end) : static_cast<uint64_t>(end);
      return EmitRange(ctx, out, &z, first, last, reverse, true, len_hint);
    }
    return EmitRange(ctx, out, &z, 0, 0, false, false, 0);
  }
  if (type == RangeType::kScore) {
    any = z.ScoreRanks(score_range, &first, &last);
  } else {
    any = z.LexRanks(lex_range, reverse, &first, &last);
  }
  any = any && ApplyLimit(offset, limit, reverse, &first, &last);
  if (!any) return EmitRange(ctx, out, &z, 0, 0, false, false, 0);
  reverse ? EmitRange(ctx, out, &z, last, first, true, true, 0) : EmitRange(ctx, out, &z, first, last, false, true, 0);
}

void ZrangeCommand(CommandContext& ctx) { ZrangeGeneric(ctx, 1, {}, RangeType::kAuto, Direction::kAuto); }
void ZrevrangeCommand(CommandContext& ctx) { ZrangeGeneric(ctx, 1, {}, RangeType::kRank, Direction::kReverse); }
void ZrangebyscoreCommand(CommandContext& ctx) {
  ZrangeGeneric(ctx, 1, {}, RangeType::kScore, Direction::kForward);
}
void ZrevrangebyscoreCommand(CommandContext& ctx) {
  ZrangeGeneric(ctx, 1, {}, RangeType::kScore, Direction::kReverse);
}
void ZrangebylexCommand(CommandContext& ctx) { ZrangeGeneric(ctx, 1, {}, RangeType::kLex, Direction::kForward); }
void ZrevrangebylexCommand(CommandContext& ctx) {
  ZrangeGeneric(ctx, 1, {}, RangeType::kLex, Direction::kReverse);
}
void ZrangestoreCommand(CommandContext& ctx) {
  RangeOutput out;
  out.store = true;
  out.dst = ctx.argv[1];
  ZrangeGeneric(ctx, 2, out, RangeType::kAuto, Direction::kAuto);
}

void ZremrangeGeneric(CommandContext& ctx, RangeType type) {
  ArgList a = ctx.argv;
  int64_t start = 0, end = 0;
  ScoreRange score_range;
  LexRange lex_range;
  if (type == RangeType::kRank) {
    if (!ParseInt64(a[2], &start) || !ParseInt64(a[3], &end)) return ReplyNotInteger(ctx.reply);
  } else if (type == RangeType::kScore) {
    if (!ParseScoreRange(a[2], a[3], &score_range)) return ctx.reply.AddError("min or max is not a float");
  } else if (!ParseLexRange(a[2], a[3], &lex_range)) {
    return ctx.reply.AddError("min or max not valid string range item");
  }
  bool wrongtype;
  Entry* e = LookupTypedWrite(ctx, a[1], ObjType::kZset, &wrongtype);
  if (wrongtype) return;
  if (e == nullptr) return ctx.reply.AddInt(0);
  ZsetValue z(e);
  uint64_t first = 0, last = 0;
  bool any;
  if (type == RangeType::kRank) {
    any = NormalizeRange(static_cast<int64_t>(z.size()), &start, &end);
    first = static_cast<uint64_t>(start);
    last = static_cast<uint64_t>(end);
  } else if (type == RangeType::kScore) {
    any = z.ScoreRanks(score_range, &first, &last);
  } else {
    any = z.LexRanks(lex_range, false, &first, &last);
  }
  if (!any) return ctx.reply.AddInt(0);
  z.DeleteRange(first, last);
  Notify(ctx, kNotifyZset,
         type == RangeType::kRank ? "zremrangebyrank" : type == RangeType::kScore ? "zremrangebyscore" : "zremrangebylex",
         a[1]);
  if (z.size() == 0) DeleteKey(ctx, a[1]);
  uint64_t deleted = last - first + 1;
  ctx.AddDirty(deleted);
  ctx.reply.AddInt(static_cast<int64_t>(deleted));
}

void ZremrangebyrankCommand(CommandContext& ctx) { ZremrangeGeneric(ctx, RangeType::kRank); }
void ZremrangebyscoreCommand(CommandContext& ctx) { ZremrangeGeneric(ctx, RangeType::kScore); }
void ZremrangebylexCommand(CommandContext& ctx) { ZremrangeGeneric(ctx, RangeType::kLex); }

// ------------------------------------------------------------ pops

void ZpopGeneric(CommandContext& ctx, bool max) {
  if (ctx.argv.size() > 3) return ReplySyntaxError(ctx.reply);
  int64_t count = -1;  // no count: pop one
  if (ctx.argv.size() == 3 && (!ParseInt64(ctx.argv[2], &count) || count < 0)) {
    return ctx.reply.AddError("value is out of range, must be positive");
  }
  bool wrongtype;
  Entry* e = LookupTypedWrite(ctx, ctx.argv[1], ObjType::kZset, &wrongtype);
  if (wrongtype) return;
  if (e == nullptr || count == 0) return ctx.reply.AddArrayLen(0);
  if (count == -1) count = 1;
  ZsetValue z(e);
  uint64_t n = std::min<uint64_t>(static_cast<uint64_t>(count), z.size());
  // With a count, RESP3 gets [member, score] pairs; without, one flat pair.
  const bool pairs = ctx.argv.size() == 3 && ctx.reply.resp3();
  ctx.reply.AddArrayLen(pairs ? n : n * 2);
  uint64_t first = max ? z.size() - n : 0, last = max ? z.size() - 1 : n - 1;
  // ZPOPMAX replies highest first.
  z.ForRange(max ? last : first, max ? first : last, max, [&](std::string_view m, double s) {
    if (pairs) ctx.reply.AddPairHeader();
    ctx.reply.AddBulk(m);
    ctx.reply.AddDouble(s);
  });
  z.DeleteRange(first, last);
  Notify(ctx, kNotifyZset, max ? "zpopmax" : "zpopmin", ctx.argv[1]);
  if (z.size() == 0) DeleteKey(ctx, ctx.argv[1]);
  ctx.AddDirty(n);
}

void ZpopminCommand(CommandContext& ctx) { ZpopGeneric(ctx, false); }
void ZpopmaxCommand(CommandContext& ctx) { ZpopGeneric(ctx, true); }

void ZscanCommand(CommandContext& ctx) {
  uint64_t cursor;
  if (!ParseScanCursor(ctx, ctx.argv[2], &cursor)) return;
  bool wrongtype;
  Entry* e = LookupTypedRead(ctx, ctx.argv[1], ObjType::kZset, &wrongtype);
  if (wrongtype) return;
  if (e == nullptr) return ReplyEmptyScan(ctx.reply);
  ScanOptions opts;
  if (!ParseScanOptions(ctx, 3, &opts)) return;
  ZsetValue z(e);
  std::vector<std::string> out;
  char buf[32];
  auto add = [&](std::string_view m, double s) {
    if (!ScanMatches(opts, m)) return;
    out.emplace_back(m);
    out.emplace_back(buf, FormatScore(s, buf));
  };
  if (z.kind() == ZsetValue::kPacked) {
    z.ForEach(add);
    return ReplyScan(ctx.reply, 0, out);
  }
  int64_t max_iterations = opts.count * 10;
  size_t visited = 0;
  do {
    cursor = z.skiplist()->index.Scan(cursor, [&](const ZNode* n) {
      visited += 2;
      add(n->member(), n->score);
    });
  } while (cursor != 0 && max_iterations-- > 0 && visited < static_cast<uint64_t>(opts.count));
  ReplyScan(ctx.reply, cursor, out);
}

}  // namespace

void ZaddCommand(CommandContext& ctx) { ZaddGeneric(ctx, 0); }

void RegisterZsetCommands(CommandTable& t) {
  const uint32_t kWF = kCmdWrite | kCmdDenyOom | kCmdFast;
  const uint32_t kRF = kCmdReadonly | kCmdFast;
  AddCommands(t, "sorted_set", {
      {"zadd", -4, kWF, ZaddCommand, 1, 1, 1, "1.2.0"},
      {"zincrby", 4, kWF, ZincrbyCommand, 1, 1, 1, "1.2.0"},
      {"zrem", -3, kCmdWrite | kCmdFast, ZremCommand, 1, 1, 1, "1.2.0"},
      {"zcard", 2, kRF, ZcardCommand, 1, 1, 1, "1.2.0"},
      {"zscore", 3, kRF, ZscoreCommand, 1, 1, 1, "1.2.0"},
      {"zmscore", -3, kRF, ZmscoreCommand, 1, 1, 1, "6.2.0"},
      {"zrank", 3, kRF, ZrankCommand, 1, 1, 1, "2.0.0"},
      {"zrevrank", 3, kRF, ZrevrankCommand, 1, 1, 1, "2.0.0"},
      {"zcount", 4, kRF, ZcountCommand, 1, 1, 1, "2.0.0"},
      {"zlexcount", 4, kRF, ZlexcountCommand, 1, 1, 1, "2.8.9"},
      {"zrange", -4, kCmdReadonly, ZrangeCommand, 1, 1, 1, "1.2.0"},
      {"zrangestore", -5, kCmdWrite | kCmdDenyOom, ZrangestoreCommand, 1, 2, 1, "6.2.0"},
      {"zrevrange", -4, kCmdReadonly, ZrevrangeCommand, 1, 1, 1, "1.2.0"},
      {"zrangebyscore", -4, kCmdReadonly, ZrangebyscoreCommand, 1, 1, 1, "1.0.5"},
      {"zrevrangebyscore", -4, kCmdReadonly, ZrevrangebyscoreCommand, 1, 1, 1, "2.2.0"},
      {"zrangebylex", -4, kCmdReadonly, ZrangebylexCommand, 1, 1, 1, "2.8.9"},
      {"zrevrangebylex", -4, kCmdReadonly, ZrevrangebylexCommand, 1, 1, 1, "2.8.9"},
      {"zremrangebyscore", 4, kCmdWrite, ZremrangebyscoreCommand, 1, 1, 1, "1.2.0"},
      {"zremrangebyrank", 4, kCmdWrite, ZremrangebyrankCommand, 1, 1, 1, "2.0.0"},
      {"zremrangebylex", 4, kCmdWrite, ZremrangebylexCommand, 1, 1, 1, "2.8.9"},
      {"zpopmin", -2, kCmdWrite | kCmdFast, ZpopminCommand, 1, 1, 1, "5.0.0"},
      {"zpopmax", -2, kCmdWrite | kCmdFast, ZpopmaxCommand, 1, 1, 1, "5.0.0"},
      {"zscan", -3, kCmdReadonly, ZscanCommand, 1, 1, 1, "2.8.0"},
  });
  RegisterZsetOpCommands(t);
  RegisterZpopCommands(t);
}

}  // namespace replikv
