// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]
//
// The longest common subsequence of two strings by the classic dynamic
// programme, as Redis 7.0: a (len1+1) x (len2+1) table of 32-bit lengths,
// refused when it would exceed proto-max-bulk-len bytes. The matched
// ranges come from walking the table back from the end (on a tie the walk
// moves along key2), so IDX lists them from the end of the strings.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "server/net/client.h"
#include "server/net/reply_buffer.h"
#include "server/server.h"

namespace replikv {
namespace {

struct Match {
  uint32_t a_start, a_end, b_start, b_end;
};

void LcsCommand(CommandContext& ctx) {
  ArgList argv = ctx.argv;
  auto& ks = ctx.server.keyspace();
  Entry* ea = ks.LookupRead(ctx.db_index(), argv[1]);
  Entry* eb = ks.LookupRead(ctx.db_index(), argv[2]);
  if ((ea != nullptr && ea->type() != ObjType::kString) || (eb != nullptr && eb->type() != ObjType::kString)) {
    return ctx.reply.AddError("The specified keys must contain string values");
  }
  char sa[24], sb[24];
  std::string_view a = ea != nullptr ? ea->StringValue(sa) : std::string_view();
  std::string_view b = eb != nullptr ? eb->StringValue(sb) : std::string_view();

  bool getlen = false, getidx = false, withmatchlen = false;
  int64_t minmatchlen = 0;
  for (size_t j = 3; j < argv.size(); ++j) {
    bool more = j + 1 < argv.size();
    if (EqualsIgnoreCase(argv[j], "idx")) {
      getidx = true;
    } else if (EqualsIgnoreCase(argv[j], "len")) {
      getlen = true;
    } else if (EqualsIgnoreCase(argv[j], "withmatchlen")) {
      withmatchlen = true;
    } else if (EqualsIgnoreCase(argv[j], "minmatchlen") && more) {
      if (!ParseInt64(argv[j + 1], &minmatchlen)) return ReplyNotInteger(ctx.reply);
      if (minmatchlen < 0) minmatchlen = 0;
      ++j;
    } else {
      return ReplySyntaxError(ctx.reply);
    }
  }
  if (getidx && getlen) return ctx.reply.AddError("If you want both the length and indexes, please just use IDX.");
  if (a.size() >= UINT32_MAX - 1 || b.size() >= UINT32_MAX - 1) return ctx.reply.AddError("String too long for LCS");

  const uint64_t alen = a.size(), blen = b.size();
  const uint64_t cells = (alen + 1) * (blen + 1);
  if (cells * sizeof(uint32_t) > static_cast<uint64_t>(ctx.server.config().proto_max_bulk_len)) {
    return ctx.reply.AddError("Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
  }
  std::unique_ptr<uint32_t[]> table(new (std::nothrow) uint32_t[cells]);
  if (!table) return ctx.reply.AddError("Insufficient memory, failed allocating transient memory for LCS");
  // L(i, j): the LCS length of a[0, i) and b[0, j).
  auto L = [&](uint64_t i, uint64_t j) -> uint32_t& { return table[j + i * (blen + 1)]; };
  for (uint64_t i = 0; i <= alen; ++i) {
    for (uint64_t j = 0; j <= blen; ++j) {
      if (i == 0 || j == 0) {
        L(i, j) = 0;
      } else if (a[i - 1] == b[j - 1]) {
        L(i, j) = L(i - 1, j - 1) + 1;
      } else {
        L(i, j) = std::max(L(i - 1, j), L(i, j - 1));
      }
    }
  }
  const uint32_t total = L(alen, blen);
  if (getlen) return ctx.reply.AddInt(total);

  // Walk back from the end: a diagonal step is a matched byte; runs of them
  // are the ranges IDX reports.
  std::string result(total, '\0');
  std::vector<Match> matches;
  bool open = false;
  Match cur{};
  auto close = [&]() {
    uint32_t n = cur.a_end - cur.a_start + 1;
    if (minmatchlen == 0 || n >= minmatchlen) matches.push_back(cur);
    open = false;
  };
  uint64_t i = alen, j = blen, idx = total;
  while (i > 0 && j > 0) {
    if (a[i - 1] == b[j - 1]) {
      result[--idx] = a[i - 1];
      if (!open) {
        cur = {static_cast<uint32_t>(i - 1), static_cast<uint32_t>(i - 1), static_cast<uint32_t>(j - 1),
               static_cast<uint32_t>(j - 1)};
        open = true;
      } else {
        cur.a_start = static_cast<uint32_t>(i - 1);
        cur.b_start = static_cast<uint32_t>(j - 1);
      }
      --i;
      --j;
      if (i == 0 || j == 0) close();
    } else {
      if (L(i - 1, j) > L(i, j - 1)) {
        --i;
      } else {
        --j;
      }
      if (open) close();
    }
  }
  if (!getidx) return ctx.reply.AddBulk(result);
  // RESP2 form of Redis's map {matches: [...], len: n}.
  ctx.reply.AddMapLen(2);
  ctx.reply.AddBulk("matches");
  ctx.reply.AddArrayLen(matches.size());
  for (const Match& m : matches) {
    ctx.reply.AddArrayLen(withmatchlen ? 3 : 2);
    ctx.reply.AddArrayLen(2);
    ctx.reply.AddInt(m.a_start);
    ctx.reply.AddInt(m.a_end);
    ctx.reply.AddArrayLen(2);
    ctx.reply.AddInt(m.b_start);
    ctx.reply.AddInt(m.b_end);
    if (withmatchlen) ctx.reply.AddInt(m.a_end - m.a_start + 1);
  }
  ctx.reply.AddBulk("len");
  ctx.reply.AddInt(total);
}

}  // namespace

void RegisterLcsCommands(CommandTable& t) {
  AddCommands(t, "string", {
    {"lcs", -3, kCmdReadonly, LcsCommand, 1, 2, 1, "7.0.0"},
  });
}

}  // namespace replikv
