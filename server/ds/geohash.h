// Geohash: the 52-bit interleaved cell number Redis stores as the score of a
// geo set member, and the cell arithmetic around it (decode, neighbours).
//
// A position is encoded by cutting the longitude range [-180, 180] and the
// latitude range [-85.05112878, 85.05112878] (the Web Mercator limits, as
// Redis) into 2^step slices each and interleaving the two slice numbers:
// latitude bits in the even positions, longitude bits in the odd ones. With
// step 26 (GEOADD's) that is 52 bits, which a double holds exactly, so a geo
// set is an ordinary sorted set and moves between replikv and redis-server
// unchanged. Every operation here reproduces Redis 7.0's arithmetic
// operation for operation (same double rounding, same integer truncation),
// because clients see its results to the last digit: GEOPOS prints the
// decoded centre with 17 decimals.
#pragma once

#include <cstdint>
#include <string>

namespace replikv::geo {

inline constexpr double kLongMin = -180;
inline constexpr double kLongMax = 180;
inline constexpr double kLatMin = -85.05112878;
inline constexpr double kLatMax = 85.05112878;
// GEOADD's precision: 26 bits per axis.
inline constexpr int kStepMax = 26;

struct Range {
  double min = 0, max = 0;
};

// A cell: `step` bits per axis, interleaved in the low 2*step bits. A zero
// cell (bits 0 and step 0) stands for "none" (a neighbour dropped from a
// search).
struct HashBits {
  uint64_t bits = 0;
  uint8_t step = 0;
  bool IsZero() const { return bits == 0 && step == 0; }
  bool operator==(const HashBits&) const = default;
};

// A cell and the coordinates of its edges.
struct Area {
  HashBits hash;
  Range longitude, latitude;
};

struct Neighbors {
  HashBits north, east, west, south, north_east, south_east, north_west, south_west;
};

// The WGS84 ranges above.
Range LongRange();
Range LatRange();

// The cell of (longitude, latitude) at `step` (1..32) within the given
// ranges. False (nothing written but *out's bits cleared) when the point is
// outside kLong*/kLat* or outside the ranges.
bool Encode(const Range& long_range, const Range& lat_range, double longitude, double latitude, int step,
            HashBits* out);
bool EncodeWgs84(double longitude, double latitude, int step, HashBits* out);

// The edges of `hash` within the ranges. False for a zero cell.
bool Decode(const Range& long_range, const Range& lat_range, HashBits hash, Area* out);
// The centre of a WGS84 cell, clamped to the valid ranges: xy[0] longitude,
// xy[1] latitude.
bool DecodeToLongLat(HashBits hash, double xy[2]);

// The eight cells around `hash`, at the same step (wrapping at the edges of
// the world as Redis's bit arithmetic does).
Neighbors GetNeighbors(HashBits hash);

// The cell number left-aligned to 52 bits: the lowest score of the cell.
uint64_t Align52Bits(HashBits hash);

// The conversion of a score to an unsigned 64-bit integer as Redis's
// (uint64_t) cast compiles on x86-64 (for the scores a non-geo sorted set
// may hold: negative, huge or infinite ones). Exact for 0 <= score < 2^64.
uint64_t ScoreToBits(double score);
// The same for a signed (long long) cast: WITHHASH prints the score so.
int64_t ScoreToInt64(double score);

// GEOADD's score for a position already checked to be in range.
uint64_t ScoreOf(double longitude, double latitude);
// The position a score stands for (the centre of its 26-step cell), as
// GEOPOS reports it.
bool DecodeScore(double score, double xy[2]);

// GEOHASH's 11-character base32 string: the position re-encoded with the
// standard latitude range [-90, 90]; the 11th character is always '0'.
std::string GeohashString(double score);

}  // namespace replikv::geo
