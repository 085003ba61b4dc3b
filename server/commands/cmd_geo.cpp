// Geo commands: GEOADD GEODIST GEOHASH GEOPOS GEOSEARCH GEOSEARCHSTORE and
// the deprecated GEORADIUS GEORADIUS_RO GEORADIUSBYMEMBER
// GEORADIUSBYMEMBER_RO.
//
// A geo set is a sorted set whose scores are 52-bit geohashes
// (server/ds/geohash.h), so these commands read and write ordinary zsets and
// a geo set moves between replikv and redis-server unchanged. Replies,
// error texts, the order of unsorted results and the propagated forms are
// Redis 7.0's (geo.c's behaviour, checked against redis-server 7.0.15):
//   - GEOADD runs as the ZADD it rewrites itself into, and propagates that
//     ZADD (lower-case "zadd", integer scores);
//   - GEOSEARCHSTORE and GEORADIUS ... STORE propagate as sent (they are
//     deterministic);
//   - a search visits the nine covering cells in Redis's order (centre, N,
//     S, E, W, NE, NW, SE, SW), so an unsorted reply and COUNT n ANY find
//     the same members in the same order; ASC/DESC sort as glibc's qsort
//     does (stably), and COUNT n without ANY sorts partially as Redis's
//     pqsort does (server/ds/partial_sort.h), which decides the order of
//     members at equal distances.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "server/commands/type_commands.h"
#include "server/ds/geo_shape.h"
#include "server/ds/geohash.h"
#include "server/ds/partial_sort.h"
#include "server/net/reply_buffer.h"
#include "server/notify.h"
#include "server/server.h"
#include "server/types/type_zset.h"

namespace replikv {
namespace {

// ------------------------------------------------------------ arguments

// A longitude and a latitude (GEOADD, FROMLONLAT, GEORADIUS): replies the
// error and returns false when either is not a number or out of range.
bool ParseLongLat(CommandContext& ctx, std::string_view lon, std::string_view lat, double xy[2]) {
  if (!ParseDouble(lon, &xy[0]) || !ParseDouble(lat, &xy[1])) {
    ctx.reply.AddError("value is not a valid float");
    return false;
  }
  if (xy[0] < geo::kLongMin || xy[0] > geo::kLongMax || xy[1] < geo::kLatMin || xy[1] > geo::kLatMax) {
    char buf[700];  // %f of a double is at most ~320 characters
    std::snprintf(buf, sizeof(buf), "invalid longitude,latitude pair %f,%f", xy[0], xy[1]);
    ctx.reply.AddError(buf);
    return false;
  }
  return true;
}

// Metres per unit; -1 (error replied) for an unknown unit.
double ParseUnit(CommandContext& ctx, std::string_view unit) {
  if (EqualsIgnoreCase(unit, "m")) return 1;
  if (EqualsIgnoreCase(unit, "km")) return 1000;
  if (EqualsIgnoreCase(unit, "ft")) return 0.3048;
  if (EqualsIgnoreCase(unit, "mi")) return 1609.34;
  ctx.reply.AddError("unsupported unit provided. please use M, KM, FT, MI");
  return -1;
}

// <radius> <unit>
bool ParseRadius(CommandContext& ctx, std::string_view radius, std::string_view unit, geo::Shape* shape) {
  double r;
  if (!ParseDouble(radius, &r)) {
    ctx.reply.AddError("need numeric radius");
    return false;
  }
  if (r < 0) {
    ctx.reply.AddError("radius cannot be negative");
    return false;
  }
  const double conversion = ParseUnit(ctx, unit);
  if (conversion < 0) return false;
  shape->type = geo::Shape::Type::kCircle;
  shape->radius = r;
  shape->conversion = conversion;
  return true;
}

// <width> <height> <unit>
bool ParseBox(CommandContext& ctx, ArgList args, geo::Shape* shape) {
  double w, h;
  if (!ParseDouble(args[0], &w)) {
    ctx.reply.AddError("need numeric width");
    return false;
  }
  if (!ParseDouble(args[1], &h)) {
    ctx.reply.AddError("need numeric height");
    return false;
  }
  if (h < 0 || w < 0) {
    ctx.reply.AddError("height or width cannot be negative");
    return false;
  }
  const double conversion = ParseUnit(ctx, args[2]);
  if (conversion < 0) return false;
  shape->type = geo::Shape::Type::kBox;
  shape->width = w;
  shape->height = h;
  shape->conversion = conversion;
  return true;
}

// A distance with four decimals ("5.2145"), as Redis 7.0 prints them: not
// printf's %.4f but the distance times 10^4 rounded to an integer
// (llrint: the product is rounded first, then half to even), which differs
// from %.4f when the distance lies within a rounding of a half.
void ReplyDistance(ReplyBuffer& r, double d) {
  if (d == 0) return r.AddBulk("0.0000");
  const double scaled = d * 1e4;
  // llrint's result for NaN or out of range on x86-64: INT64_MIN.
  const int64_t v = scaled > -9223372036854775808.0 && scaled < 9223372036854775808.0
                        ? static_cast<int64_t>(std::nearbyint(scaled))
                        : INT64_MIN;
  const uint64_t mag = v < 0 ? uint64_t{0} - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  char buf[32];
  char* p = buf;
  if (v < 0) *p++ = '-';
  p = std::to_chars(p, buf + 24, mag / 10000).ptr;
  uint64_t frac = mag % 10000;
  *p++ = '.';
  for (int i = 3; i >= 0; --i, frac /= 10) p[i] = static_cast<char>('0' + frac % 10);
  r.AddBulk(std::string_view(buf, static_cast<size_t>(p + 4 - buf)));
}

// A coordinate in Redis's human long double form ("13.36138933897018433").
void ReplyCoordinates(ReplyBuffer& r, const double xy[2]) {
  // Doubles in RESP3 (Redis's "human" long double text either way).
  r.AddArrayLen(2);
  r.AddDoubleText(FormatLongDouble(xy[0]));
  r.AddDoubleText(FormatLongDouble(xy[1]));
}

// The position of a member of a geo set; false if it is not a member.
bool MemberPosition(const Entry* e, std::string_view member, double xy[2]) {
  double score;
  return ZsetValue(const_cast<Entry*>(e)).Score(member, &score) && geo::DecodeScore(score, xy);
}

// ---------------------------------------------------------------- GEOADD

// GEOADD key [NX|XX] [CH] lon lat member [lon lat member ...]
void GeoaddCommand(CommandContext& ctx) {
  ArgList a = ctx.argv;
  size_t longidx = 2;
  bool nx = false, xx = false;
  for (; longidx < a.size(); ++longidx) {
    if (EqualsIgnoreCase(a[longidx], "nx")) {
      nx = true;
    } else if (EqualsIgnoreCase(a[longidx], "xx")) {
      xx = true;
    } else if (!EqualsIgnoreCase(a[longidx], "ch")) {
      break;  // CH is ZADD's business
    }
  }
  if ((a.size() - longidx) % 3 != 0 || (xx && nx)) return ReplySyntaxError(ctx.reply);
  const size_t elements = (a.size() - longidx) / 3;
  // ZADD key [options] score member ...: every position is checked before
  // anything changes.
  std::vector<std::string> scores(elements);
  std::vector<std::string_view> zadd;
  zadd.reserve(longidx + 2 * elements);
  zadd.push_back("zadd");
  for (size_t i = 1; i < longidx; ++i) zadd.push_back(a[i]);
  for (size_t i = 0; i < elements; ++i) {
    double xy[2];
    if (!ParseLongLat(ctx, a[longidx + 3 * i], a[longidx + 3 * i + 1], xy)) return;
    scores[i] = std::to_string(geo::ScoreOf(xy[0], xy[1]));
    zadd.push_back(scores[i]);
    zadd.push_back(a[longidx + 3 * i + 2]);
  }
  CommandContext zctx{ctx.server, ctx.client, ArgList(zadd), ctx.reply, nullptr};
  const uint64_t dirty_before = ctx.server.dirty;
  ZaddCommand(zctx);
  // Redis 7.0 propagates the ZADD it ran (when it changed something).
  if (ctx.server.dirty != dirty_before) ctx.Propagate(ArgList(zadd));
}

// ---------------------------------------------------- GEOPOS GEOHASH GEODIST

void GeoposCommand(CommandContext& ctx) {
  bool wrongtype;
  Entry* e = LookupTypedRead(ctx, ctx.argv[1], ObjType::kZset, &wrongtype);
  if (wrongtype) return;
  ctx.reply.AddArrayLen(ctx.argv.size() - 2);
  for (size_t i = 2; i < ctx.argv.size(); ++i) {
    double xy[2];
    if (e == nullptr || !MemberPosition(e, ctx.argv[i], xy)) {
      ctx.reply.AddNullArray();
      continue;
    }
    ReplyCoordinates(ctx.reply, xy);
  }
}

void GeohashCommand(CommandContext& ctx) {
  bool wrongtype;
  Entry* e = LookupTypedRead(ctx, ctx.argv[1], ObjType::kZset, &wrongtype);
  if (wrongtype) return;
  ctx.reply.AddArrayLen(ctx.argv.size() - 2);
  for (size_t i = 2; i < ctx.argv.size(); ++i) {
    double score;
    if (e == nullptr || !ZsetValue(e).Score(ctx.argv[i], &score)) {
      ctx.reply.AddNullBulk();
      continue;
    }
    ctx.reply.AddBulk(geo::GeohashString(score));
  }
}

// GEODIST key member1 member2 [unit]
void GeodistCommand(CommandContext& ctx) {
  ArgList a = ctx.argv;
  double to_meters = 1;
  // The unit is checked before the key is looked at.
  if (a.size() == 5) {
    to_meters = ParseUnit(ctx, a[4]);
    if (to_meters < 0) return;
  } else if (a.size() > 5) {
    return ReplySyntaxError(ctx.reply);
  }
  bool wrongtype;
  Entry* e = LookupTypedRead(ctx, a[1], ObjType::kZset, &wrongtype);
  if (wrongtype) return;
  double xy1[2], xy2[2];
  if (e == nullptr || !MemberPosition(e, a[2], xy1) || !MemberPosition(e, a[3], xy2)) {
    return ctx.reply.AddNullBulk();
  }
  ReplyDistance(ctx.reply, geo::Distance(xy1[0], xy1[1], xy2[0], xy2[1]) / to_meters);
}

// ---------------------------------------------------------------- search

// One member found inside the shape. `member` points into the source set,
// which nothing changes while the command runs.
struct GeoPoint {
  double longitude, latitude;
  double dist;  // metres until the reply converts it
  double score;
  std::string_view member;
};

// Appends the members of `cell` that lie in the shape, stopping once
// `limit` (if not 0) points are collected.
void MembersOfCell(const ZsetValue& z, geo::HashBits cell, const geo::Shape& shape, size_t limit,
                   std::vector<GeoPoint>* out) {
  // The cell's members are the scores [first of the cell, first of the
  // next cell).
  ScoreRange range;
  range.min = static_cast<double>(geo::Align52Bits(cell));
  ++cell.bits;
  range.max = static_cast<double>(geo::Align52Bits(cell));
  range.maxex = true;
  z.ForScoreRange(range, [&](std::string_view member, double score) {
    GeoPoint p;
    double xy[2];
    if (geo::DecodeScore(score, xy) && geo::InShape(shape, xy[0], xy[1], &p.dist)) {
      p.longitude = xy[0];
      p.latitude = xy[1];
      p.score = score;
      p.member = member;
      out->push_back(p);
    }
    return !(limit != 0 && out->size() >= limit);
  });
}

// The members of the nine cells around the shape, in Redis's cell order.
void MembersOfAllCells(const ZsetValue& z, const geo::Cover& cover, const geo::Shape& shape, size_t limit,
                       std::vector<GeoPoint>* out) {
  const geo::Neighbors& n = cover.neighbors;
  const geo::HashBits cells[9] = {cover.hash,   n.north,      n.south,      n.east,      n.west,
                                  n.north_east, n.north_west, n.south_east, n.south_west};
  size_t last = 0;
  for (size_t i = 0; i < 9; ++i) {
    if (cells[i].IsZero()) continue;
    // A huge radius makes neighbours coincide: a cell equal to the last one
    // searched is skipped (only the last one, and never before the first
    // neighbour was searched, exactly as Redis).
    if (last != 0 && cells[i] == cells[last]) continue;
    if (!out->empty() && limit != 0 && out->size() >= limit) break;
    MembersOfCell(z, cells[i], shape, limit, out);
    last = i;
  }
}

int CompareAscending(const GeoPoint& a, const GeoPoint& b) {
  if (a.dist > b.dist) return 1;
  if (a.dist == b.dist) return 0;
  return -1;
}

enum SearchFlags : int {
  kByCoords = 1 << 0,     // GEORADIUS: centre given as lon lat
  kByMember = 1 << 1,     // GEORADIUSBYMEMBER: centre given as a member
  kNoStore = 1 << 2,      // the _RO variants: no STORE/STOREDIST
  kGeosearch = 1 << 3,    // GEOSEARCH's arguments
  kGeosearchStore = 1 << 4,
};
enum class Sort { kNone, kAsc, kDesc };

struct SearchOptions {
  bool withdist = false, withhash = false, withcoord = false;
  bool frommember = false, fromlonlat = false, byradius = false, bybox = false;
  bool any = false;
  Sort sort = Sort::kNone;
  int64_t count = 0;  // 0: no limit
  bool store = false, storedist = false;
  std::string_view storekey;
};

// The options after the fixed arguments (from `base`), in Redis's parse
// order: an error is replied where Redis replies it. `e` is the source set
// (FROMMEMBER reads it; null when absent).
bool ParseSearchOptions(CommandContext& ctx, size_t base, int flags, const Entry* e, SearchOptions* o,
                        geo::Shape* shape) {
  ArgList a = ctx.argv;
  const size_t remaining = a.size() > base ? a.size() - base : 0;
  for (size_t i = 0; i < remaining; ++i) {
    std::string_view arg = a[base + i];
    const bool search = flags & kGeosearch;
    const bool may_store = !(flags & kNoStore) && !search;
    if (EqualsIgnoreCase(arg, "withdist")) {
      o->withdist = true;
    } else if (EqualsIgnoreCase(arg, "withhash")) {
      o->withhash = true;
    } else if (EqualsIgnoreCase(arg, "withcoord")) {
      o->withcoord = true;
    } else if (EqualsIgnoreCase(arg, "any")) {
      o->any = true;
    } else if (EqualsIgnoreCase(arg, "asc")) {
      o->sort = Sort::kAsc;
    } else if (EqualsIgnoreCase(arg, "desc")) {
      o->sort = Sort::kDesc;
    } else if (EqualsIgnoreCase(arg, "count") && i + 1 < remaining) {
      if (!ParseInt64(a[base + i + 1], &o->count)) {
        ReplyNotInteger(ctx.reply);
        return false;
      }
      if (o->count <= 0) {
        ctx.reply.AddError("COUNT must be > 0");
        return false;
      }
      ++i;
    } else if ((EqualsIgnoreCase(arg, "store") || EqualsIgnoreCase(arg, "storedist")) && i + 1 < remaining &&
               may_store) {
      o->store = true;
      o->storekey = a[base + i + 1];
      o->storedist = EqualsIgnoreCase(arg, "storedist");
      ++i;
    } else if (EqualsIgnoreCase(arg, "storedist") && search && (flags & kGeosearchStore)) {
      o->storedist = true;
    } else if (EqualsIgnoreCase(arg, "frommember") && i + 1 < remaining && search && !o->fromlonlat) {
      // Without a source key the member cannot be read; parsing goes on so
      // that the reply (empty, or 0 with a store) depends on the options.
      if (e != nullptr && !MemberPosition(e, a[base + i + 1], shape->xy)) {
        ctx.reply.AddError("could not decode requested zset member");
        return false;
      }
      o->frommember = true;
      ++i;
    } else if (EqualsIgnoreCase(arg, "fromlonlat") && i + 2 < remaining && search && !o->frommember) {
      if (!ParseLongLat(ctx, a[base + i + 1], a[base + i + 2], shape->xy)) return false;
      o->fromlonlat = true;
      i += 2;
    } else if (EqualsIgnoreCase(arg, "byradius") && i + 2 < remaining && search && !o->bybox) {
      if (!ParseRadius(ctx, a[base + i + 1], a[base + i + 2], shape)) return false;
      o->byradius = true;
      i += 2;
    } else if (EqualsIgnoreCase(arg, "bybox") && i + 3 < remaining && search && !o->byradius) {
      if (!ParseBox(ctx, a.subspan(base + i + 1, 3), shape)) return false;
      o->bybox = true;
      i += 3;
    } else {
      ReplySyntaxError(ctx.reply);
      return false;
    }
  }
  const std::string name(a[0]);
  if (o->store && (o->withdist || o->withhash || o->withcoord)) {
    ctx.reply.AddError(std::string((flags & kGeosearchStore) ? "GEOSEARCHSTORE" : "STORE option in GEORADIUS") +
                       " is not compatible with WITHDIST, WITHHASH and WITHCOORD options");
    return false;
  }
  if ((flags & kGeosearch) && !(o->frommember || o->fromlonlat)) {
    ctx.reply.AddError("exactly one of FROMMEMBER or FROMLONLAT can be specified for " + name);
    return false;
  }
  if ((flags & kGeosearch) && !(o->byradius || o->bybox)) {
    ctx.reply.AddError("exactly one of BYRADIUS and BYBOX can be specified for " + name);
    return false;
  }
  if (o->any && o->count == 0) {
    ctx.reply.AddError("the ANY argument requires COUNT argument");
    return false;
  }
  return true;
}

// Stores the result (or deletes the destination when there is none), as
// GEOSEARCHSTORE and GEORADIUS ... STORE do, and replies the count.
void StoreResult(CommandContext& ctx, const SearchOptions& o, const geo::Shape& shape, const GeoPoint* points,
                 size_t n) {
  if (n == 0) {
    if (ctx.db().Delete(o.storekey)) {
      ctx.AddDirty();
      Notify(ctx, kNotifyGeneric, "del", o.storekey);
    }
    return ctx.reply.AddInt(0);
  }
  size_t maxelelen = 0;
  for (size_t i = 0; i < n; ++i) maxelelen = std::max(maxelelen, points[i].member.size());
  // Encoded as Redis converts its result: a listpack when it fits.
  const PackLimits limits = ZsetLimits(ctx.server.config());
  ZsetValue result(ZsetValue::NewObject(n, maxelelen, limits));
  for (size_t i = 0; i < n; ++i) {
    double unused;
    const double score = o.storedist ? points[i].dist / shape.conversion : points[i].score;
    result.Add(score, points[i].member, ZsetValue::kNx, &unused, limits);
  }
  // The members are copied: the source (possibly the destination itself)
  // may go now.
  StoreObjectKey(ctx, o.storekey, ObjType::kZset, result.object());
  ctx.AddDirty(n);
  const bool search = EqualsIgnoreCase(ctx.argv[0].substr(0, 9), "geosearch");
  Notify(ctx, kNotifyZset, search ? "geosearchstore" : "georadiusstore", o.storekey);
  ctx.reply.AddInt(static_cast<int64_t>(n));
}

void ReplyResult(CommandContext& ctx, const SearchOptions& o, const geo::Shape& shape, const GeoPoint* points,
                 size_t n) {
  const size_t options = (o.withdist ? 1 : 0) + (o.withcoord ? 1 : 0) + (o.withhash ? 1 : 0);
  ctx.reply.AddArrayLen(n);
  for (size_t i = 0; i < n; ++i) {
    const GeoPoint& p = points[i];
    if (options != 0) ctx.reply.AddArrayLen(options + 1);
    ctx.reply.AddBulk(p.member);
    if (o.withdist) ReplyDistance(ctx.reply, p.dist / shape.conversion);
    if (o.withhash) ctx.reply.AddInt(geo::ScoreToInt64(p.score));
    if (o.withcoord) {
      const double xy[2] = {p.longitude, p.latitude};
      ReplyCoordinates(ctx.reply, xy);
    }
  }
}

// Redis 7.0's georadiusGeneric: every search command. argv[src] is the
// source key.
void SearchGeneric(CommandContext& ctx, size_t src, int flags) {
  ArgList a = ctx.argv;
  bool wrongtype;
  Entry* e = LookupTypedRead(ctx, a[src], ObjType::kZset, &wrongtype);
  if (wrongtype) return;

  geo::Shape shape;
  SearchOptions o;
  size_t base;
  if (flags & kByCoords) {
    base = 6;
    if (!ParseLongLat(ctx, a[2], a[3], shape.xy) || !ParseRadius(ctx, a[4], a[5], &shape)) return;
  } else if (flags & kByMember) {
    base = 5;
    // Without a source key Redis skips the member and the radius (not even
    // their errors) and goes on with the options.
    if (e != nullptr) {
      if (!MemberPosition(e, a[2], shape.xy)) return ctx.reply.AddError("could not decode requested zset member");
      if (!ParseRadius(ctx, a[3], a[4], &shape)) return;
    }
  } else {
    base = 2;
    if (flags & kGeosearchStore) {
      base = 3;
      o.store = true;
      o.storekey = a[1];
    }
  }
  if (!ParseSearchOptions(ctx, base, flags, e, &o, &shape)) return;

  if (e == nullptr) {
    if (!o.store) return ctx.reply.AddArrayLen(0);
    return StoreResult(ctx, o, shape, nullptr, 0);
  }
  // COUNT without ANY means the nearest ones.
  if (o.count != 0 && o.sort == Sort::kNone && !o.any) o.sort = Sort::kAsc;

  const ZsetValue z(e);
  std::vector<GeoPoint> points;
  MembersOfAllCells(z, geo::CoveringCells(shape), shape, o.any ? static_cast<size_t>(o.count) : 0, &points);
  if (points.empty() && !o.store) return ctx.reply.AddArrayLen(0);

  const size_t found = points.size();
  const size_t n = (o.count == 0 || found < static_cast<uint64_t>(o.count)) ? found : static_cast<size_t>(o.count);
  if (o.sort != Sort::kNone) {
    const bool desc = o.sort == Sort::kDesc;
    auto cmp = [desc](const GeoPoint& x, const GeoPoint& y) {
      return desc ? -CompareAscending(x, y) : CompareAscending(x, y);
    };
    if (n == found) {
      // Redis's qsort is glibc's merge sort: stable.
      std::stable_sort(points.begin(), points.end(),
                       [&cmp](const GeoPoint& x, const GeoPoint& y) { return cmp(x, y) < 0; });
    } else {
      PartialQuicksort(points.data(), found, cmp, 0, n - 1);
    }
  }
  if (o.store) return StoreResult(ctx, o, shape, points.data(), n);
  ReplyResult(ctx, o, shape, points.data(), n);
}

void GeoradiusCommand(CommandContext& ctx) { SearchGeneric(ctx, 1, kByCoords); }
void GeoradiusRoCommand(CommandContext& ctx) { SearchGeneric(ctx, 1, kByCoords | kNoStore); }
void GeoradiusbymemberCommand(CommandContext& ctx) { SearchGeneric(ctx, 1, kByMember); }
void GeoradiusbymemberRoCommand(CommandContext& ctx) { SearchGeneric(ctx, 1, kByMember | kNoStore); }
void GeosearchCommand(CommandContext& ctx) { SearchGeneric(ctx, 1, kGeosearch); }
void GeosearchstoreCommand(CommandContext& ctx) { SearchGeneric(ctx, 2, kGeosearch | kGeosearchStore); }

}  // namespace

void RegisterGeoCommands(CommandTable& t) {
  const uint32_t kWrite = kCmdWrite | kCmdDenyOom;
  AddCommands(t, "geo", {
      {"geoadd", -5, kWrite, GeoaddCommand, 1, 1, 1, "3.2.0"},
      {"geodist", -4, kCmdReadonly, GeodistCommand, 1, 1, 1, "3.2.0"},
      {"geohash", -2, kCmdReadonly, GeohashCommand, 1, 1, 1, "3.2.0"},
      {"geopos", -2, kCmdReadonly, GeoposCommand, 1, 1, 1, "3.2.0"},
      {"georadius", -6, kWrite | kCmdMovableKeys, GeoradiusCommand, 1, 1, 1, "3.2.0"},
      {"georadius_ro", -6, kCmdReadonly, GeoradiusRoCommand, 1, 1, 1, "3.2.10"},
      {"georadiusbymember", -5, kWrite | kCmdMovableKeys, GeoradiusbymemberCommand, 1, 1, 1, "3.2.0"},
      {"georadiusbymember_ro", -5, kCmdReadonly, GeoradiusbymemberRoCommand, 1, 1, 1, "3.2.10"},
      {"geosearch", -7, kCmdReadonly, GeosearchCommand, 1, 1, 1, "6.2.0"},
      {"geosearchstore", -8, kWrite, GeosearchstoreCommand, 1, 2, 1, "6.2.0"},
  });
}

}  // namespace replikv
