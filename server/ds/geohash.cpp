#include "server/ds/geohash.h"

#include <cstdint>

namespace replikv::geo {
namespace {

constexpr uint64_t kEvenBits = 0x5555555555555555ULL;
constexpr uint64_t kOddBits = 0xAAAAAAAAAAAAAAAAULL;

// Spreads the 32 bits of `v` to the even bit positions of a 64-bit word.
uint64_t Spread(uint32_t v) {
  uint64_t x = v;
  x = (x | (x << 16)) & 0x0000FFFF0000FFFFULL;
  x = (x | (x << 8)) & 0x00FF00FF00FF00FFULL;
  x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0FULL;
  x = (x | (x << 2)) & 0x3333333333333333ULL;
  x = (x | (x << 1)) & kEvenBits;
  return x;
}

// The inverse of Spread: gathers the even bits of `x` into 32 bits.
uint32_t Gather(uint64_t x) {
  x &= kEvenBits;
  x = (x | (x >> 1)) & 0x3333333333333333ULL;
  x = (x | (x >> 2)) & 0x0F0F0F0F0F0F0F0FULL;
  x = (x | (x >> 4)) & 0x00FF00FF00FF00FFULL;
  x = (x | (x >> 8)) & 0x0000FFFF0000FFFFULL;
  x = (x | (x >> 16)) & 0x00000000FFFFFFFFULL;
  return static_cast<uint32_t>(x);
}

// x86-64 cvttsd2si: truncation, or INT64_MIN when out of range or NaN.
int64_t Cvtt(double v) {
  constexpr double k2p63 = 9223372036854775808.0;
  if (!(v >= -k2p63 && v < k2p63)) return INT64_MIN;
  return static_cast<int64_t>(v);
}

// A double's conversion to uint32_t as it compiles on x86-64 (the low half
// of a 64-bit truncation): for the encoder's 0 <= v < 2^32, truncation.
uint32_t TruncU32(double v) { return static_cast<uint32_t>(static_cast<uint64_t>(Cvtt(v))); }

bool RangeIsZero(const Range& r) { return r.max == 0 && r.min == 0; }

// Moves a cell one step east (d > 0) or west along the longitude bits (the
// odd positions), or north/south along the latitude bits (the even ones):
// the other axis's bits are filled with ones so that the carry or borrow
// runs through them.
void MoveAxis(HashBits* h, int d, uint64_t axis_mask) {
  const uint64_t other_mask = ~axis_mask;
  const int shift = 64 - h->step * 2;
  uint64_t axis = h->bits & axis_mask;
  const uint64_t other = h->bits & other_mask;
  const uint64_t filler = other_mask >> shift;
  if (d > 0) {
    axis = axis + (filler + 1);
  } else {
    axis = (axis | filler) - (filler + 1);
  }
  axis &= axis_mask >> shift;
  h->bits = axis | other;
}

void MoveX(HashBits* h, int d) { MoveAxis(h, d, kOddBits); }
void MoveY(HashBits* h, int d) { MoveAxis(h, d, kEvenBits); }

}  // namespace

Range LongRange() { return Range{kLongMin, kLongMax}; }
Range LatRange() { return Range{kLatMin, kLatMax}; }

bool Encode(const Range& long_range, const Range& lat_range, double longitude, double latitude, int step,
            HashBits* out) {
  if (step > 32 || step <= 0 || RangeIsZero(lat_range) || RangeIsZero(long_range)) return false;
  if (longitude > kLongMax || longitude < kLongMin || latitude > kLatMax || latitude < kLatMin) return false;
  out->bits = 0;
  out->step = static_cast<uint8_t>(step);
  if (latitude < lat_range.min || latitude > lat_range.max || longitude < long_range.min ||
      longitude > long_range.max) {
    return false;
  }
  double lat_offset = (latitude - lat_range.min) / (lat_range.max - lat_range.min);
  double long_offset = (longitude - long_range.min) / (long_range.max - long_range.min);
  // To fixed point: the slice number at this step (2^step fits a double).
  lat_offset *= static_cast<double>(uint64_t{1} << step);
  long_offset *= static_cast<double>(uint64_t{1} << step);
  out->bits = Spread(TruncU32(lat_offset)) | (Spread(TruncU32(long_offset)) << 1);
  return true;
}

bool EncodeWgs84(double longitude, double latitude, int step, HashBits* out) {
  return Encode(LongRange(), LatRange(), longitude, latitude, step, out);
}

bool Decode(const Range& long_range, const Range& lat_range, HashBits hash, Area* out) {
  if (hash.IsZero() || RangeIsZero(lat_range) || RangeIsZero(long_range)) return false;
  out->hash = hash;
  const uint32_t ilat = Gather(hash.bits);
  const uint32_t ilong = Gather(hash.bits >> 1);
  const double lat_scale = lat_range.max - lat_range.min;
  const double long_scale = long_range.max - long_range.min;
  const double cells = static_cast<double>(uint64_t{1} << hash.step);
  // The +1 is 32-bit arithmetic, as Redis's (it wraps only for the cells a
  // non-geo score decodes to).
  out->latitude.min = lat_range.min + (ilat * 1.0 / cells) * lat_scale;
  out->latitude.max = lat_range.min + (static_cast<uint32_t>(ilat + 1) * 1.0 / cells) * lat_scale;
  out->longitude.min = long_range.min + (ilong * 1.0 / cells) * long_scale;
  out->longitude.max = long_range.min + (static_cast<uint32_t>(ilong + 1) * 1.0 / cells) * long_scale;
  return true;
}

bool DecodeToLongLat(HashBits hash, double xy[2]) {
  Area area;
  if (!Decode(LongRange(), LatRange(), hash, &area)) return false;
  xy[0] = (area.longitude.min + area.longitude.max) / 2;
  if (xy[0] > kLongMax) xy[0] = kLongMax;
  if (xy[0] < kLongMin) xy[0] = kLongMin;
  xy[1] = (area.latitude.min + area.latitude.max) / 2;
  if (xy[1] > kLatMax) xy[1] = kLatMax;
  if (xy[1] < kLatMin) xy[1] = kLatMin;
  return true;
}

Neighbors GetNeighbors(HashBits hash) {
  Neighbors n;
  n.east = n.west = n.north = n.south = hash;
  n.north_east = n.north_west = n.south_east = n.south_west = hash;
  MoveX(&n.east, 1);
  MoveX(&n.west, -1);
  MoveY(&n.south, -1);
  MoveY(&n.north, 1);
  MoveX(&n.north_west, -1);
  MoveY(&n.north_west, 1);
  MoveX(&n.north_east, 1);
  MoveY(&n.north_east, 1);
  MoveX(&n.south_east, 1);
  MoveY(&n.south_east, -1);
  MoveX(&n.south_west, -1);
  MoveY(&n.south_west, -1);
  return n;
}

uint64_t Align52Bits(HashBits hash) { return hash.bits << (52 - hash.step * 2); }

uint64_t ScoreToBits(double score) {
  constexpr double k2p63 = 9223372036854775808.0;
  // Scores at or above 2^63 go through the subtract-and-flip path.
  if (score >= k2p63) return static_cast<uint64_t>(Cvtt(score - k2p63)) ^ (uint64_t{1} << 63);
  return static_cast<uint64_t>(Cvtt(score));
}

int64_t ScoreToInt64(double score) { return Cvtt(score); }

uint64_t ScoreOf(double longitude, double latitude) {
  HashBits hash;
  EncodeWgs84(longitude, latitude, kStepMax, &hash);
  return Align52Bits(hash);
}

bool DecodeScore(double score, double xy[2]) {
  return DecodeToLongLat(HashBits{ScoreToBits(score), static_cast<uint8_t>(kStepMax)}, xy);
}

std::string GeohashString(double score) {
  static constexpr char kAlphabet[] = "0123456789bcdefghjkmnpqrstuvwxyz";
  double xy[2];
  if (!DecodeScore(score, xy)) return {};
  HashBits hash;
  Encode(Range{-180, 180}, Range{-90, 90}, xy[0], xy[1], kStepMax, &hash);
  std::string out(11, '0');
  // 52 bits give ten 5-bit characters; the eleventh is a zero for the
  // 11-character form clients expect.
  for (int i = 0; i < 10; ++i) out[i] = kAlphabet[(hash.bits >> (52 - (i + 1) * 5)) & 0x1f];
  return out;
}

}  // namespace replikv::geo
