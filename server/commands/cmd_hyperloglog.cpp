// HyperLogLog commands: PFADD PFCOUNT PFMERGE PFDEBUG PFSELFTEST.
//
// The values are strings in Redis 7.0's exact layout (server/types/
// hyperloglog.h), changed in place. Propagation as Redis 7.0: PFADD and
// PFMERGE as given; PFCOUNT of one key as given when it refreshed the
// cached cardinality (it changed the value's bytes); PFDEBUG GETREG/TODENSE
// as given when they turned a sparse value dense.
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "server/net/client.h"
#include "server/net/reply_buffer.h"
#include "server/notify.h"
#include "server/server.h"
#include "server/types/hyperloglog.h"

namespace replikv {
namespace {

constexpr const char* kInvalidHll = "-INVALIDOBJ Corrupted HLL object detected";
constexpr const char* kNotHll = "-WRONGTYPE Key is not a valid HyperLogLog string value.";

// The bytes of a string entry (an int-encoded one is formatted into scratch).
std::string_view Bytes(const Entry* e, char* scratch) { return e->StringValue(scratch); }

// Redis's isHLLObjectOrReply: false (and the reply sent) if `e` is not a
// string, or a string without a valid HLL header.
bool CheckHll(CommandContext& ctx, const Entry* e) {
  if (e->type() != ObjType::kString) {
    ReplyWrongType(ctx.reply);
    return false;
  }
  char scratch[24];
  if (e->is_int() || !hll::LooksValid(Bytes(e, scratch))) {
    ctx.reply.AddError(kNotHll);
    return false;
  }
  return true;
}

size_t SparseMaxBytes(CommandContext& ctx) {
  return static_cast<size_t>(ctx.server.config().hll_sparse_max_bytes);
}

// Replaces a sparse value with its dense form. False if it is corrupt.
bool PromoteToDense(Entry* e) {
  HeapString* h = e->MutableString(0);
  std::string dense;
  if (!hll::ToDense(h->view(), &dense)) return false;
  h = e->MutableString(dense.size() + hll::kSparseSetSlack);
  std::memcpy(h->data, dense.data(), dense.size());
  h->len = dense.size();
  return true;
}

// Raises one register of the value in `e`, turning it dense when the sparse
// form cannot hold the change. Returns 1 if changed, 0 if not, -1 corrupt.
int SetRegister(Entry* e, int index, int count, size_t sparse_max) {
  HeapString* h = e->MutableString(0);
  if (h->cap < h->len + hll::kSparseSetSlack) h = e->MutableString(h->len + hll::kSparseSetSlack);
  switch (hll::Set(h->data, &h->len, index, count, sparse_max)) {
    case hll::SetResult::kUnchanged: return 0;
    case hll::SetResult::kChanged: return 1;
    case hll::SetResult::kCorrupt: return -1;
    case hll::SetResult::kPromote: break;
  }
  if (!PromoteToDense(e)) return -1;
  h = e->MutableString(0);
  return hll::Set(h->data, &h->len, index, count, sparse_max) == hll::SetResult::kChanged ? 1 : 0;
}

// A new empty HLL under `key`.
Entry* CreateHll(CommandContext& ctx, std::string_view key) {
  Entry* e = Entry::NewString(key, hll::NewSparse(), false, false);
  ctx.db().Add(e);
  e->MutableString(hll::kHeaderSize + 2 + hll::kSparseSetSlack);
  return e;
}

// PFADD key [element ...]
void PfaddCommand(CommandContext& ctx) {
  Entry* e = ctx.server.keyspace().LookupWrite(ctx.db_index(), ctx.argv[1]);
  uint64_t updated = 0;
  if (e == nullptr) {
    e = CreateHll(ctx, ctx.argv[1]);
    updated++;
  } else if (!CheckHll(ctx, e)) {
    return;
  }
  size_t sparse_max = SparseMaxBytes(ctx);
  for (size_t i = 2; i < ctx.argv.size(); ++i) {
    int index, count;
    hll::HashElement(ctx.argv[i], &index, &count);
    int r = SetRegister(e, index, count, sparse_max);
    if (r < 0) return ctx.reply.AddError(kInvalidHll);
    updated += static_cast<uint64_t>(r);
  }
  if (updated != 0) {
    hll::InvalidateCache(e->MutableString(0)->data);
    ctx.AddDirty(updated);
    Notify(ctx, kNotifyString, "pfadd", ctx.argv[1]);
  }
  ctx.reply.AddInt(updated != 0 ? 1 : 0);
}

// PFCOUNT key [key ...]
void PfcountCommand(CommandContext& ctx) {
  auto& ks = ctx.server.keyspace();
  if (ctx.argv.size() > 2) {
    // The union of every HLL given, in a scratch register array.
    std::vector<uint8_t> max(hll::kRegisters, 0);
    for (size_t i = 1; i < ctx.argv.size(); ++i) {
      Entry* e = ks.LookupRead(ctx.db_index(), ctx.argv[i]);
      if (e == nullptr) continue;
      if (!CheckHll(ctx, e)) return;
      char scratch[24];
      if (!hll::MergeInto(Bytes(e, scratch), max.data())) return ctx.reply.AddError(kInvalidHll);
    }
    return ctx.reply.AddInt(static_cast<int64_t>(hll::CountRegisters(max.data())));
  }
  Entry* e = ks.LookupRead(ctx.db_index(), ctx.argv[1]);
  if (e == nullptr) return ctx.reply.AddInt(0);
  if (!CheckHll(ctx, e)) return;
  char scratch[24];
  std::string_view v = Bytes(e, scratch);
  if (hll::CacheValid(v)) return ctx.reply.AddInt(static_cast<int64_t>(hll::CachedCardinality(v)));
  uint64_t card;
  if (!hll::Count(v, &card)) return ctx.reply.AddError(kInvalidHll);
  // Redis 7.0 writes the estimate back into the header, which changes the
  // value: WATCH sees it, and the command goes to the AOF and replicas.
  ks.LookupWrite(ctx.db_index(), ctx.argv[1]);
  hll::SetCachedCardinality(e->MutableString(0)->data, card);
  ctx.AddDirty();
  ctx.Propagate(ctx.argv);
  ctx.reply.AddInt(static_cast<int64_t>(card));
}

// PFMERGE destkey [sourcekey ...]
void PfmergeCommand(CommandContext& ctx) {
  auto& ks = ctx.server.keyspace();
  std::vector<uint8_t> max(hll::kRegisters, 0);
  bool use_dense = false;
  for (size_t i = 1; i < ctx.argv.size(); ++i) {
    Entry* e = ks.LookupRead(ctx.db_index(), ctx.argv[i]);
    if (e == nullptr) continue;
    if (!CheckHll(ctx, e)) return;
    char scratch[24];
    std::string_view v = Bytes(e, scratch);
    if (hll::EncodingOf(v) == hll::kDense) use_dense = true;
    if (!hll::MergeInto(v, max.data())) return ctx.reply.AddError(kInvalidHll);
  }
  Entry* dst = ks.LookupWrite(ctx.db_index(), ctx.argv[1]);
  if (dst == nullptr) dst = CreateHll(ctx, ctx.argv[1]);
  // The result is dense when any input was (Redis 7.0).
  if (use_dense && hll::EncodingOf(dst->MutableString(0)->view()) == hll::kSparse && !PromoteToDense(dst)) {
    return ctx.reply.AddError(kInvalidHll);
  }
  size_t sparse_max = SparseMaxBytes(ctx);
  for (int j = 0; j < hll::kRegisters; ++j) {
    if (max[j] != 0) SetRegister(dst, j, max[j], sparse_max);
  }
  hll::InvalidateCache(dst->MutableString(0)->data);
  ctx.AddDirty();
  Notify(ctx, kNotifyString, "pfadd", ctx.argv[1]);
  ctx.reply.AddOk();
}

// PFDEBUG <GETREG|DECODE|ENCODING|TODENSE> key
void PfdebugCommand(CommandContext& ctx) {
  std::string_view sub = ctx.argv[1];
  Entry* e = ctx.server.keyspace().LookupWrite(ctx.db_index(), ctx.argv[2]);
  if (e == nullptr) return ctx.reply.AddError("The specified key does not exist");
  if (!CheckHll(ctx, e)) return;
  char scratch[24];
  std::string_view v = Bytes(e, scratch);
  bool sparse = hll::EncodingOf(v) == hll::kSparse;
  if (EqualsIgnoreCase(sub, "getreg") || EqualsIgnoreCase(sub, "todense")) {
    bool converted = false;
    if (sparse) {
      if (!PromoteToDense(e)) return ctx.reply.AddError(kInvalidHll);
      converted = true;
      ctx.AddDirty();  // the encoding changed: propagate
      ctx.Propagate(ctx.argv);
    }
    if (EqualsIgnoreCase(sub, "todense")) return ctx.reply.AddInt(converted ? 1 : 0);
    const char* regs = e->MutableString(0)->data + hll::kHeaderSize;
    ctx.reply.AddArrayLen(hll::kRegisters);
    for (int i = 0; i < hll::kRegisters; ++i) ctx.reply.AddInt(hll::GetDenseRegister(regs, i));
  } else if (EqualsIgnoreCase(sub, "decode")) {
    if (!sparse) return ctx.reply.AddError("HLL encoding is not sparse");
    ctx.reply.AddBulk(hll::DecodeSparse(v));
  } else if (EqualsIgnoreCase(sub, "encoding")) {
    ctx.reply.AddSimple(sparse ? "sparse" : "dense");
  } else {
    ctx.reply.AddError("Unknown PFDEBUG subcommand '" + std::string(sub) + "'");
  }
}

// PFSELFTEST: checks the dense register accessors and the estimator's error
// on random data; +OK or an error naming what failed.
void PfselftestCommand(CommandContext& ctx) {
  std::mt19937_64 rng(std::random_device{}());
  std::string dense(hll::kDenseSize, '\0');
  std::vector<int> expected(hll::kRegisters);
  char* regs = dense.data() + hll::kHeaderSize;
  for (int round = 0; round < 100; ++round) {
    for (int i = 0; i < hll::kRegisters; ++i) {
      expected[i] = static_cast<int>(rng() & 63);
      hll::SetDenseRegister(regs, i, expected[i]);
    }
    for (int i = 0; i < hll::kRegisters; ++i) {
      if (hll::GetDenseRegister(regs, i) != expected[i]) {
        return ctx.reply.AddError("TESTFAILED Register error at " + std::to_string(i));
      }
    }
  }
  // The estimate stays within 5 standard errors (1.04/sqrt(m)) of the truth.
  std::vector<uint8_t> max(hll::kRegisters, 0);
  const double relerr = 1.04 / std::sqrt(static_cast<double>(hll::kRegisters));
  uint64_t seed = rng();
  for (uint64_t n = 1; n <= 1000000; ++n) {
    uint64_t x = seed + n;
    int index, count;
    hll::HashElement(std::string_view(reinterpret_cast<const char*>(&x), sizeof(x)), &index, &count);
    if (count > max[index]) max[index] = static_cast<uint8_t>(count);
    if (n % 1000 == 0 || n < 1000) {
      double est = static_cast<double>(hll::CountRegisters(max.data()));
      double err = std::fabs(est - static_cast<double>(n));
      if (err > 5 * relerr * static_cast<double>(n) && err > 5) {
        return ctx.reply.AddError("TESTFAILED Too big error. card:" + std::to_string(n) +
                                  " abserr:" + std::to_string(err));
      }
    }
  }
  ctx.reply.AddOk();
}

}  // namespace

void RegisterHyperLogLogCommands(CommandTable& t) {
  AddCommands(t, "hyperloglog", {
    {"pfadd", -2, kCmdWrite | kCmdDenyOom | kCmdFast, PfaddCommand, 1, 1, 1, "2.8.9"},
    {"pfcount", -2, kCmdReadonly, PfcountCommand, 1, -1, 1, "2.8.9"},
    {"pfmerge", -2, kCmdWrite | kCmdDenyOom, PfmergeCommand, 1, -1, 1, "2.8.9"},
    {"pfdebug", 3, kCmdWrite | kCmdDenyOom | kCmdAdmin, PfdebugCommand, 2, 2, 1, "2.8.9"},
    {"pfselftest", 1, kCmdAdmin, PfselftestCommand, 0, 0, 0, "2.8.9"},
  });
}

}  // namespace replikv
