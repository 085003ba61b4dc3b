// Bitmap commands: SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO.
//
// Bitmaps are strings; bit 0 is the most significant bit of byte 0. Writes
// grow the string with zero bytes up to the highest bit they touch; a bit
// offset must address a byte below proto-max-bulk-len (512 MB by default),
// as in Redis 7.0. Propagated as given; SETBIT and BITFIELD only when they
// changed something (a new or longer string, or a different bit).
#include <algorithm>
#include <climits>
#include <cstring>
#include <string>
#include <vector>

#include "server/net/client.h"
#include "server/net/reply_buffer.h"
#include "server/notify.h"
#include "server/server.h"

namespace replikv {
namespace {

constexpr const char* kBadOffset = "bit offset is not an integer or out of range";
constexpr const char* kBadType =
    "Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.";

// A bit offset argument. BITFIELD accepts "#N" for N fields of `bits` bits.
bool ParseBitOffset(CommandContext& ctx, std::string_view arg, bool allow_hash, int bits, uint64_t* out) {
  bool hash = allow_hash && arg.size() > 1 && arg[0] == '#';
  if (hash) arg.remove_prefix(1);
  int64_t v;
  if (!ParseInt64(arg, &v)) {
    ctx.reply.AddError(kBadOffset);
    return false;
  }
  // Redis 7.0 multiplies without an overflow check, in two's complement:
  // "#-9223372036854775808" of i8 is offset 0. Do the same, defined.
  if (hash) v = static_cast<int64_t>(static_cast<uint64_t>(v) * static_cast<uint64_t>(bits));
  if (v < 0 || (static_cast<uint64_t>(v) >> 3) >= static_cast<uint64_t>(ctx.server.config().proto_max_bulk_len)) {
    ctx.reply.AddError(kBadOffset);
    return false;
  }
  *out = static_cast<uint64_t>(v);
  return true;
}

// The string at `key` for a bit write, created or zero-extended to hold bit
// `max_bit`. Null (and WRONGTYPE replied) for another type. *grown: the
// key is new or longer.
HeapString* StringForBitWrite(CommandContext& ctx, std::string_view key, uint64_t max_bit, bool* grown) {
  size_t need = static_cast<size_t>(max_bit >> 3) + 1;
  Entry* e = ctx.server.keyspace().LookupWrite(ctx.db_index(), key);
  if (e != nullptr && e->type() != ObjType::kString) {
    ReplyWrongType(ctx.reply);
    return nullptr;
  }
  if (e == nullptr) {
    e = Entry::NewString(key, "", false, false);
    ctx.db().Add(e);
  }
  HeapString* h = e->MutableString(need);
  *grown = h->len < need;
  if (h->len < need) {
    std::memset(h->data + h->len, 0, need - h->len);
    h->len = need;
  }
  // A new key counts as grown even when it is one byte long.
  return h;
}

// The string at `key` for reading: *missing if absent; false (WRONGTYPE
// replied) for another type.
bool StringForRead(CommandContext& ctx, std::string_view key, std::string_view* out, bool* missing, char* scratch) {
  Entry* e = ctx.server.keyspace().LookupRead(ctx.db_index(), key);
  *missing = e == nullptr;
  if (e == nullptr) return true;
  if (e->type() != ObjType::kString) {
    ReplyWrongType(ctx.reply);
    return false;
  }
  *out = e->StringValue(scratch);
  return true;
}

int64_t Popcount(const uint8_t* p, size_t n) {
  int64_t count = 0;
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    uint64_t w[4];
    std::memcpy(w, p + i, 32);
    count += __builtin_popcountll(w[0]) + __builtin_popcountll(w[1]) + __builtin_popcountll(w[2]) +
             __builtin_popcountll(w[3]);
  }
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    count += __builtin_popcountll(w);
  }
  for (; i < n; ++i) count += __builtin_popcount(p[i]);
  return count;
}

int BitAt(const uint8_t* p, uint64_t bit) { return (p[bit >> 3] >> (7 - (bit & 7))) & 1; }

// SETBIT key offset value
void SetbitCommand(CommandContext& ctx) {
  uint64_t offset;
  if (!ParseBitOffset(ctx, ctx.argv[2], false, 1, &offset)) return;
  int64_t on;
  if (!ParseInt64(ctx.argv[3], &on) || (on & ~1)) return ctx.reply.AddError("bit is not an integer or out of range");
  bool existed = ctx.db().Find(ctx.argv[1]) != nullptr;
  bool grown;
  HeapString* h = StringForBitWrite(ctx, ctx.argv[1], offset, &grown);
  if (h == nullptr) return;
  auto* p = reinterpret_cast<uint8_t*>(h->data);
  int old = BitAt(p, offset);
  uint8_t mask = static_cast<uint8_t>(1u << (7 - (offset & 7)));
  p[offset >> 3] = on ? (p[offset >> 3] | mask) : (p[offset >> 3] & ~mask);
  // Redis 7.0 counts (and propagates) only a real change.
  if (grown || !existed || old != on) {
    ctx.AddDirty();
    Notify(ctx, kNotifyString, "setbit", ctx.argv[1]);
  }
  ctx.reply.AddInt(old);
}

// GETBIT key offset
void GetbitCommand(CommandContext& ctx) {
  uint64_t offset;
  if (!ParseBitOffset(ctx, ctx.argv[2], false, 1, &offset)) return;
  std::string_view s;
  bool missing;
  char scratch[24];
  if (!StringForRead(ctx, ctx.argv[1], &s, &missing, scratch)) return;
  if (missing || (offset >> 3) >= s.size()) return ctx.reply.AddInt(0);
  ctx.reply.AddInt(BitAt(reinterpret_cast<const uint8_t*>(s.data()), offset));
}

// Parses BYTE|BIT at argv[i]. False (syntax error replied) otherwise.
bool ParseUnit(CommandContext& ctx, size_t i, bool* is_bit) {
  if (EqualsIgnoreCase(ctx.argv[i], "bit")) {
    *is_bit = true;
  } else if (EqualsIgnoreCase(ctx.argv[i], "byte")) {
    *is_bit = false;
  } else {
    ReplySyntaxError(ctx.reply);
    return false;
  }
  return true;
}

// Redis's index normalisation: negative counts from the end, then both
// clamped into [0, total-1].
void Normalize(int64_t total, int64_t* start, int64_t* end) {
  if (*start < 0) *start += total;
  if (*end < 0) *end += total;
  if (*start < 0) *start = 0;
  if (*end < 0) *end = 0;
  if (*end >= total) *end = total - 1;
}

// BITCOUNT key [start end [BYTE|BIT]]
void BitcountCommand(CommandContext& ctx) {
  ArgList a = ctx.argv;
  std::string_view s;
  bool missing;
  char scratch[24];
  // Redis 7.0 answers 0 for a missing key before it looks at the range.
  if (!StringForRead(ctx, a[1], &s, &missing, scratch)) return;
  if (missing) return ctx.reply.AddInt(0);
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  int64_t len = static_cast<int64_t>(s.size());
  if (a.size() == 2) return ctx.reply.AddInt(Popcount(p, s.size()));
  if (a.size() != 4 && a.size() != 5) return ReplySyntaxError(ctx.reply);
  int64_t start, end;
  if (!ParseInt64(a[2], &start) || !ParseInt64(a[3], &end)) return ReplyNotInteger(ctx.reply);
  if (start < 0 && end < 0 && start > end) return ctx.reply.AddInt(0);
  bool is_bit = false;
  if (a.size() == 5 && !ParseUnit(ctx, 4, &is_bit)) return;
  int64_t total = is_bit ? len * 8 : len;
  Normalize(total, &start, &end);
  if (start > end) return ctx.reply.AddInt(0);
  if (!is_bit) return ctx.reply.AddInt(Popcount(p + start, static_cast<size_t>(end - start + 1)));
  // Whole bytes, minus the bits of the first and last byte outside the range.
  int64_t first = start >> 3, last = end >> 3;
  int64_t count = Popcount(p + first, static_cast<size_t>(last - first + 1));
  uint8_t before = static_cast<uint8_t>(~((1u << (8 - (start & 7))) - 1));
  uint8_t after = static_cast<uint8_t>((1u << (7 - (end & 7))) - 1);
  count -= __builtin_popcount(p[first] & before) + __builtin_popcount(p[last] & after);
  ctx.reply.AddInt(count);
}

// The first bit equal to `bit` in bits [from, to] of p; -1 if none.
int64_t FindBit(const uint8_t* p, int64_t from, int64_t to, int bit) {
  int64_t i = from;
  const uint8_t skip = bit ? 0x00 : 0xff;  // a byte with no match
  while (i <= to) {
    if ((i & 7) == 0 && i + 7 <= to) {
      // Skip whole bytes (and words) that cannot hold a match.
      while (i + 64 <= to + 1 && (i & 63) == 0) {
        uint64_t w;
        std::memcpy(&w, p + (i >> 3), 8);
        if (w != (bit ? 0 : ~0ULL)) break;
        i += 64;
      }
      while (i + 8 <= to + 1 && p[i >> 3] == skip) i += 8;
      if (i > to) break;
    }
    if (BitAt(p, static_cast<uint64_t>(i)) == bit) return i;
    ++i;
  }
  return -1;
}

// BITPOS key bit [start [end [BYTE|BIT]]]
void BitposCommand(CommandContext& ctx) {
  ArgList a = ctx.argv;
  int64_t bit;
  if (!ParseInt64(a[2], &bit)) return ReplyNotInteger(ctx.reply);
  if (bit != 0 && bit != 1) return ctx.reply.AddError("The bit argument must be 1 or 0.");
  std::string_view s;
  bool missing;
  char scratch[24];
  if (!StringForRead(ctx, a[1], &s, &missing, scratch)) return;
  // A missing key is an endless run of zeros.
  if (missing) return ctx.reply.AddInt(bit ? -1 : 0);
  int64_t len = static_cast<int64_t>(s.size());
  int64_t start = 0, end = len - 1;
  bool is_bit = false, end_given = false;
  if (a.size() > 6) return ReplySyntaxError(ctx.reply);
  if (a.size() >= 4) {
    if (!ParseInt64(a[3], &start)) return ReplyNotInteger(ctx.reply);
    if (a.size() == 6 && !ParseUnit(ctx, 5, &is_bit)) return;
    if (a.size() >= 5) {
      if (!ParseInt64(a[4], &end)) return ReplyNotInteger(ctx.reply);
      end_given = true;
    } else {
      end = is_bit ? len * 8 + 7 : len - 1;
    }
    Normalize(is_bit ? len * 8 : len, &start, &end);
  }
  if (start > end) return ctx.reply.AddInt(-1);
  int64_t from = is_bit ? start : start * 8;
  int64_t to = is_bit ? end : end * 8 + 7;
  int64_t pos = FindBit(reinterpret_cast<const uint8_t*>(s.data()), from, to, static_cast<int>(bit));
  // With no explicit end the string continues with zeros past the range.
  if (pos < 0 && bit == 0 && !end_given) pos = ((to >> 3) + 1) * 8;
  ctx.reply.AddInt(pos);
}

// BITOP AND|OR|XOR|NOT destkey key [key ...]
void BitopCommand(CommandContext& ctx) {
  ArgList a = ctx.argv;
  enum Op { kAnd, kOr, kXor, kNot } op;
  if (EqualsIgnoreCase(a[1], "and")) {
    op = kAnd;
  } else if (EqualsIgnoreCase(a[1], "or")) {
    op = kOr;
  } else if (EqualsIgnoreCase(a[1], "xor")) {
    op = kXor;
  } else if (EqualsIgnoreCase(a[1], "not")) {
    op = kNot;
  } else {
    return ReplySyntaxError(ctx.reply);
  }
  if (op == kNot && a.size() != 4) return ctx.reply.AddError("BITOP NOT must be called with a single source key.");
  // Copies of the sources: the destination may be one of them.
  std::vector<std::string> src;
  size_t maxlen = 0;
  for (size_t i = 3; i < a.size(); ++i) {
    std::string_view s;
    bool missing;
    char scratch[24];
    if (!StringForRead(ctx, a[i], &s, &missing, scratch)) return;
    src.emplace_back(missing ? std::string_view() : s);
    maxlen = std::max(maxlen, src.back().size());
  }
  std::string_view dst = a[2];
  if (maxlen == 0) {
    if (ctx.db().Delete(dst)) {
      ctx.AddDirty();
      Notify(ctx, kNotifyGeneric, "del", dst);
    }
    return ctx.reply.AddInt(0);
  }
  std::string out(maxlen, '\0');
  auto byte_at = [](const std::string& s, size_t j) -> uint8_t { return j < s.size() ? static_cast<uint8_t>(s[j]) : 0; };
  for (size_t j = 0; j < maxlen; ++j) {
    uint8_t v = byte_at(src[0], j);
    if (op == kNot) v = static_cast<uint8_t>(~v);
    for (size_t i = 1; i < src.size(); ++i) {
      uint8_t b = byte_at(src[i], j);
      v = op == kAnd ? (v & b) : op == kOr ? (v | b) : (v ^ b);
    }
    out[j] = static_cast<char>(v);
  }
  ctx.server.keyspace().LookupWrite(ctx.db_index(), dst);
  Entry* old = ctx.db().Find(dst);
  Entry* e = Entry::NewString(dst, out, false, false);
  old != nullptr ? ctx.db().Overwrite(old, e) : ctx.db().Add(e);
  e->MutableString(0);  // Redis stores the result raw (OBJECT ENCODING)
  ctx.AddDirty();
  Notify(ctx, kNotifyString, "set", dst);
  ctx.reply.AddInt(static_cast<int64_t>(maxlen));
}

// ---------------------------------------------------------------- BITFIELD

enum class Overflow { kWrap, kSat, kFail };

struct FieldOp {
  enum Kind { kGet, kSet, kIncrby } kind;
  bool is_signed;
  int bits;
  uint64_t offset;
  int64_t value;
  Overflow overflow;
};

uint64_t GetField(const uint8_t* p, uint64_t offset, int bits) {
  uint64_t v = 0;
  for (int i = 0; i < bits; ++i) v = (v << 1) | static_cast<uint64_t>(BitAt(p, offset + i));
  return v;
}

void SetField(uint8_t* p, uint64_t offset, int bits, uint64_t v) {
  for (int i = 0; i < bits; ++i) {
    uint64_t bit = offset + i;
    uint8_t mask = static_cast<uint8_t>(1u << (7 - (bit & 7)));
    if ((v >> (bits - 1 - i)) & 1) {
      p[bit >> 3] |= mask;
    } else {
      p[bit >> 3] &= static_cast<uint8_t>(~mask);
    }
  }
}

int64_t SignExtend(uint64_t v, int bits) {
  if (bits < 64 && (v & (1ULL << (bits - 1)))) v |= ~0ULL << bits;
  return static_cast<int64_t>(v);
}

// Redis 7.0's overflow test for `value + incr` in a field of `bits` bits:
// 1 above the range, -1 below it, 0 inside. Written as Redis decides it,
// including one quirk: a signed SET of a value far below the range
// (e.g. i8 SET -9223372036854775808) is taken as overflowing upwards,
// because max - value wraps around; SAT then stores the maximum.
int SignedOverflow(int64_t value, int64_t incr, int bits) {
  int64_t max = bits == 64 ? INT64_MAX : (int64_t{1} << (bits - 1)) - 1;
  int64_t min = -max - 1;
  auto maxincr = static_cast<int64_t>(static_cast<uint64_t>(max) - static_cast<uint64_t>(value));
  auto minincr = static_cast<int64_t>(static_cast<uint64_t>(min) - static_cast<uint64_t>(value));
  if (value > max || (bits != 64 && incr > maxincr) || (value >= 0 && incr > 0 && incr > maxincr)) return 1;
  if (value < min || (bits != 64 && incr < minincr) || (value < 0 && incr < 0 && incr < minincr)) return -1;
  return 0;
}

int UnsignedOverflow(uint64_t value, int64_t incr, int bits) {
  uint64_t max = (uint64_t{1} << bits) - 1;  // bits <= 63
  auto maxincr = static_cast<int64_t>(max - value);
  int64_t minincr = -static_cast<int64_t>(value);
  if (value > max || (incr > 0 && incr > maxincr)) return 1;
  if (incr < 0 && incr < minincr) return -1;
  return 0;
}

// The bits to store for `value + incr` (two's complement), or false when
// it overflows under OVERFLOW FAIL.
bool ApplyOverflow(const FieldOp& op, uint64_t value, int64_t incr, uint64_t* out) {
  int dir = op.is_signed ? SignedOverflow(static_cast<int64_t>(value), incr, op.bits)
                         : UnsignedOverflow(value, incr, op.bits);
  uint64_t sum = value + static_cast<uint64_t>(incr);
  if (dir == 0) {
    *out = sum;
    return true;
  }
  if (op.overflow == Overflow::kFail) return false;
  if (op.overflow == Overflow::kSat) {
    uint64_t umax = (uint64_t{1} << (op.bits - (op.is_signed ? 1 : 0))) - 1;  // bits 64 signed: INT64_MAX
    if (op.is_signed) {
      *out = dir > 0 ? umax : static_cast<uint64_t>(-static_cast<int64_t>(umax) - 1);
    } else {
      *out = dir > 0 ? umax : 0;
    }
    return true;
  }
  // WRAP: the low `bits` bits, sign-extended for signed fields.
  if (op.bits < 64) sum &= (uint64_t{1} << op.bits) - 1;
  *out = op.is_signed ? static_cast<uint64_t>(SignExtend(sum, op.bits)) : sum;
  return true;
}

bool ParseFieldType(CommandContext& ctx, std::string_view t, bool* is_signed, int* bits) {
  int64_t n;
  bool ok = !t.empty() && (t[0] == 'i' || t[0] == 'I' || t[0] == 'u' || t[0] == 'U');
  if (ok) {
    *is_signed = t[0] == 'i' || t[0] == 'I';
    ok = ParseInt64(t.substr(1), &n) && n >= 1 && n <= (*is_signed ? 64 : 63);
  }
  if (!ok) {
    ctx.reply.AddError(kBadType);
    return false;
  }
  *bits = static_cast<int>(n);
  return true;
}

void BitfieldGeneric(CommandContext& ctx, bool ro_command) {
  ArgList a = ctx.argv;
  std::vector<FieldOp> ops;
  Overflow overflow = Overflow::kWrap;
  bool writes = false;
  uint64_t highest_bit = 0;
  for (size_t j = 2; j < a.size(); ++j) {
    size_t left = a.size() - j - 1;
    FieldOp op{};
    if (EqualsIgnoreCase(a[j], "get") && left >= 2) {
      op.kind = FieldOp::kGet;
    } else if (EqualsIgnoreCase(a[j], "set") && left >= 3) {
      op.kind = FieldOp::kSet;
    } else if (EqualsIgnoreCase(a[j], "incrby") && left >= 3) {
      op.kind = FieldOp::kIncrby;
    } else if (EqualsIgnoreCase(a[j], "overflow") && left >= 1) {
      std::string_view t = a[++j];
      if (EqualsIgnoreCase(t, "wrap")) {
        overflow = Overflow::kWrap;
      } else if (EqualsIgnoreCase(t, "sat")) {
        overflow = Overflow::kSat;
      } else if (EqualsIgnoreCase(t, "fail")) {
        overflow = Overflow::kFail;
      } else {
        return ctx.reply.AddError("Invalid OVERFLOW type specified");
      }
      continue;
    } else {
      return ReplySyntaxError(ctx.reply);
    }
    if (!ParseFieldType(ctx, a[j + 1], &op.is_signed, &op.bits)) return;
    if (!ParseBitOffset(ctx, a[j + 2], true, op.bits, &op.offset)) return;
    if (op.kind != FieldOp::kGet) {
      writes = true;
      highest_bit = std::max(highest_bit, op.offset + op.bits - 1);
      if (!ParseInt64(a[j + 3], &op.value)) return ReplyNotInteger(ctx.reply);
    }
    op.overflow = overflow;
    ops.push_back(op);
    j += op.kind == FieldOp::kGet ? 2 : 3;
  }

  uint8_t* p = nullptr;
  size_t len = 0;
  bool grown = false;
  char scratch[24];
  if (!writes) {
    // Reads only: a missing key reads as zeros and is not created.
    std::string_view s;
    bool missing;
    if (!StringForRead(ctx, a[1], &s, &missing, scratch)) return;
    p = reinterpret_cast<uint8_t*>(const_cast<char*>(s.data()));
    len = missing ? 0 : s.size();
  } else {
    if (ro_command) return ctx.reply.AddError("BITFIELD_RO only supports the GET subcommand");
    bool existed = ctx.db().Find(a[1]) != nullptr;
    HeapString* h = StringForBitWrite(ctx, a[1], highest_bit, &grown);
    if (h == nullptr) return;
    grown = grown || !existed;
    p = reinterpret_cast<uint8_t*>(h->data);
    len = h->len;
  }

  uint64_t changes = 0;
  ctx.reply.AddArrayLen(ops.size());
  for (const FieldOp& op : ops) {
    if (op.kind == FieldOp::kGet) {
      // Up to 9 bytes copied with zero padding: reads past the end are 0.
      uint8_t buf[9] = {0};
      uint64_t byte = op.offset >> 3;
      for (uint64_t i = 0; i < 9 && byte + i < len; ++i) buf[i] = p[byte + i];
      uint64_t v = GetField(buf, op.offset - byte * 8, op.bits);
      ctx.reply.AddInt(op.is_signed ? SignExtend(v, op.bits) : static_cast<int64_t>(v));
      continue;
    }
    uint64_t raw_old = GetField(p, op.offset, op.bits);
    uint64_t old = op.is_signed ? static_cast<uint64_t>(SignExtend(raw_old, op.bits)) : raw_old;
    // INCRBY tests old + increment; SET tests its value alone (an unsigned
    // field sees a negative value as the huge number it is unsigned).
    uint64_t stored;
    bool ok = op.kind == FieldOp::kIncrby ? ApplyOverflow(op, old, op.value, &stored)
                                          : ApplyOverflow(op, static_cast<uint64_t>(op.value), 0, &stored);
    if (!ok) {
      ctx.reply.AddNullBulk();
      continue;
    }
    int64_t shown_new = op.is_signed ? SignExtend(stored, op.bits) : static_cast<int64_t>(stored);
    ctx.reply.AddInt(op.kind == FieldOp::kIncrby ? shown_new : static_cast<int64_t>(old));
    SetField(p, op.offset, op.bits, stored);
    uint64_t mask = op.bits == 64 ? ~0ULL : (1ULL << op.bits) - 1;
    if (grown || (stored & mask) != raw_old) changes++;
  }
  if (changes != 0) {
    ctx.AddDirty(changes);
    Notify(ctx, kNotifyString, "setbit", ctx.argv[1]);
  }
}

void BitfieldCommand(CommandContext& ctx) { BitfieldGeneric(ctx, false); }
void BitfieldRoCommand(CommandContext& ctx) { BitfieldGeneric(ctx, true); }

}  // namespace

void RegisterBitmapCommands(CommandTable& t) {
  const uint32_t kW = kCmdWrite | kCmdDenyOom;
  AddCommands(t, "bitmap", {
    {"setbit", 4, kW, SetbitCommand, 1, 1, 1, "2.2.0"},
    {"getbit", 3, kCmdReadonly | kCmdFast, GetbitCommand, 1, 1, 1, "2.2.0"},
    {"bitcount", -2, kCmdReadonly, BitcountCommand, 1, 1, 1, "2.6.0"},
    {"bitpos", -3, kCmdReadonly, BitposCommand, 1, 1, 1, "2.8.7"},
    {"bitop", -4, kW, BitopCommand, 2, -1, 1, "2.6.0"},
    {"bitfield", -2, kW, BitfieldCommand, 1, 1, 1, "3.2.0"},
    {"bitfield_ro", -2, kCmdReadonly | kCmdFast, BitfieldRoCommand, 1, 1, 1, "6.0.0"},
  });
}

}  // namespace replikv
