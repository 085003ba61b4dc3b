// Geohash encoding, the search geometry and the partial sort, against
// values read from a real redis-server 7.0.15 (GEOADD scores, GEOPOS,
// GEOHASH, GEODIST, GEOSEARCH orders).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "server/ds/geo_shape.h"
#include "server/ds/geohash.h"
#include "server/ds/partial_sort.h"

namespace replikv {
namespace {

std::string Human(double v) {
  char buf[128];
  int n = std::snprintf(buf, sizeof(buf), "%.17f", v);
  std::string s(buf, n);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

TEST(Geohash, ScoresAreRedisOnes) {
  EXPECT_EQ(geo::ScoreOf(13.361389, 38.115556), 3479099956230698u);
  EXPECT_EQ(geo::ScoreOf(15.087269, 37.502669), 3479447370796909u);
  EXPECT_EQ(geo::ScoreOf(0, 0), 3377699720527872u);
  EXPECT_EQ(geo::ScoreOf(-180, -85.05112878), 0u);
  // The top edge is slice 2^26 itself: a 53rd and 54th bit, as in Redis.
  EXPECT_EQ(geo::ScoreOf(180, 85.05112878), 13510798882111488u);
}

TEST(Geohash, DecodesToTheCellCentreGeoposPrints) {
  double xy[2];
  ASSERT_TRUE(geo::DecodeScore(3479099956230698.0, xy));
  EXPECT_EQ(Human(xy[0]), "13.36138933897018433");
  EXPECT_EQ(Human(xy[1]), "38.11555639549629859");
  ASSERT_TRUE(geo::DecodeScore(13510798882111488.0, xy));
  EXPECT_EQ(Human(xy[0]), "180");  // clamped
  EXPECT_EQ(Human(xy[1]), "85.0511287799999991");
  ASSERT_TRUE(geo::DecodeScore(0, xy));
  EXPECT_EQ(Human(xy[0]), "-179.99999731779098511");
  EXPECT_EQ(Human(xy[1]), "-85.05112751263942528");
}

TEST(Geohash, StringUsesTheStandardLatitudeRange) {
  EXPECT_EQ(geo::GeohashString(3479099956230698.0), "sqc8b49rny0");
  EXPECT_EQ(geo::GeohashString(3479447370796909.0), "sqdtr74hyu0");
  EXPECT_EQ(geo::GeohashString(13510798882111488.0), "bp05b5048p0");
  EXPECT_EQ(geo::GeohashString(0), "00bh0hbj200");
}

TEST(Geohash, ScoreConversionFollowsX86) {
  EXPECT_EQ(geo::ScoreToBits(5.0), 5u);
  EXPECT_EQ(geo::ScoreToBits(-1.0), UINT64_MAX);
  EXPECT_EQ(geo::ScoreToBits(-1e300), uint64_t{1} << 63);
  EXPECT_EQ(geo::ScoreToBits(9223372036854775808.0), uint64_t{1} << 63);
  EXPECT_EQ(geo::ScoreToBits(1e300), 0u);
  EXPECT_EQ(geo::ScoreToInt64(1e300), INT64_MIN);
  EXPECT_EQ(geo::ScoreToInt64(3479099956230698.0), 3479099956230698);
}

TEST(Geohash, EncodeRefusesPointsOutsideTheRanges) {
  geo::HashBits h;
  EXPECT_FALSE(geo::EncodeWgs84(181, 0, 26, &h));
  EXPECT_FALSE(geo::EncodeWgs84(0, 85.06, 26, &h));
  EXPECT_FALSE(geo::EncodeWgs84(0, 0, 33, &h));
  EXPECT_FALSE(geo::EncodeWgs84(0, 0, 0, &h));
  EXPECT_TRUE(geo::EncodeWgs84(0, 0, 1, &h));
  EXPECT_EQ(h.bits, 3u);
}

TEST(Geohash, NeighboursAreAdjacentCells) {
  geo::HashBits h;
  ASSERT_TRUE(geo::EncodeWgs84(13.36, 38.11, 10, &h));
  geo::Area c, n, e, sw;
  const geo::Neighbors nb = geo::GetNeighbors(h);
  ASSERT_TRUE(geo::Decode(geo::LongRange(), geo::LatRange(), h, &c));
  ASSERT_TRUE(geo::Decode(geo::LongRange(), geo::LatRange(), nb.north, &n));
  ASSERT_TRUE(geo::Decode(geo::LongRange(), geo::LatRange(), nb.east, &e));
  ASSERT_TRUE(geo::Decode(geo::LongRange(), geo::LatRange(), nb.south_west, &sw));
  EXPECT_DOUBLE_EQ(n.latitude.min, c.latitude.max);
  EXPECT_DOUBLE_EQ(n.longitude.min, c.longitude.min);
  EXPECT_DOUBLE_EQ(e.longitude.min, c.longitude.max);
  EXPECT_DOUBLE_EQ(e.latitude.min, c.latitude.min);
  EXPECT_DOUBLE_EQ(sw.longitude.max, c.longitude.min);
  EXPECT_DOUBLE_EQ(sw.latitude.max, c.latitude.min);
  // At the edge of the world the bit arithmetic wraps around.
  ASSERT_TRUE(geo::EncodeWgs84(179.9, 0, 4, &h));
  ASSERT_TRUE(geo::Decode(geo::LongRange(), geo::LatRange(), geo::GetNeighbors(h).east, &e));
  EXPECT_DOUBLE_EQ(e.longitude.min, -180);
}

TEST(GeoShape, DistancesAsRedisPrintsThem) {
  double p[2], c[2];
  ASSERT_TRUE(geo::DecodeScore(3479099956230698.0, p));
  ASSERT_TRUE(geo::DecodeScore(3479447370796909.0, c));
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.4f", geo::Distance(p[0], p[1], c[0], c[1]));
  EXPECT_STREQ(buf, "166274.1516");
  // On one meridian Redis takes the latitude difference alone.
  EXPECT_EQ(geo::Distance(10, 10, 10, 40), geo::LatDistance(10, 40));
  EXPECT_EQ(geo::Distance(10, 10, 10, 10), 0);
}

TEST(GeoShape, StepEstimates) {
  EXPECT_EQ(geo::EstimateStepsByRadius(0, 0), 26);
  EXPECT_EQ(geo::EstimateStepsByRadius(1, 0), 24);
  EXPECT_EQ(geo::EstimateStepsByRadius(1000, 0), 14);
  EXPECT_EQ(geo::EstimateStepsByRadius(1000, 70), 13);
  EXPECT_EQ(geo::EstimateStepsByRadius(1000, -85), 12);
  EXPECT_EQ(geo::EstimateStepsByRadius(5e6, 0), 2);
  EXPECT_EQ(geo::EstimateStepsByRadius(1e9, 0), 1);
  EXPECT_EQ(geo::EstimateStepsByRadius(1e-300, 0), 26);
}

TEST(GeoShape, CoveringCellsDropUnreachedNeighbours) {
  geo::Shape s;
  s.xy[0] = 13.361389;
  s.xy[1] = 38.115556;
  s.radius = 10;
  s.conversion = 1000;
  const geo::Cover cover = geo::CoveringCells(s);
  EXPECT_FALSE(cover.hash.IsZero());
  int kept = 0;
  for (geo::HashBits h : {cover.neighbors.north, cover.neighbors.south, cover.neighbors.east, cover.neighbors.west,
                          cover.neighbors.north_east, cover.neighbors.north_west, cover.neighbors.south_east,
                          cover.neighbors.south_west}) {
    kept += h.IsZero() ? 0 : 1;
  }
  EXPECT_LT(kept, 8);
  double d;
  EXPECT_TRUE(geo::InShape(s, 13.4, 38.1, &d));
  EXPECT_FALSE(geo::InShape(s, 14, 38.1, &d));
  s.type = geo::Shape::Type::kBox;
  s.width = 2;
  s.height = 200;
  EXPECT_TRUE(geo::InShape(s, 13.361389, 38.9, &d));
  EXPECT_FALSE(geo::InShape(s, 13.4, 38.1, &d));
}

struct Item {
  double key;
  int id;
};

int Desc(const Item& a, const Item& b) { return a.key < b.key ? 1 : a.key == b.key ? 0 : -1; }

TEST(PartialSort, TiesAsRedisLeavesThem) {
  // Redis 7.0.15 (its pqsort, descending, positions 0..3) leaves exactly
  // this order, ties included.
  std::vector<Item> v = {{2, 0}, {3, 1}, {1, 2}, {0, 3}, {3, 4}, {4, 5}, {3, 6}};
  PartialQuicksort(v.data(), v.size(), Desc, 0, 3);
  std::vector<int> ids;
  for (const Item& i : v) ids.push_back(i.id);
  EXPECT_EQ(ids, (std::vector<int>{5, 6, 1, 4, 0, 2, 3}));
}

TEST(PartialSort, TheRequestedPositionsAreFinal) {
  std::mt19937 rng(7);
  for (int t = 0; t < 2000; ++t) {
    std::vector<Item> v(1 + rng() % 300);
    for (size_t i = 0; i < v.size(); ++i) v[i] = {static_cast<double>(rng() % (1 + t % 40)), static_cast<int>(i)};
    const size_t hi = rng() % v.size();
    std::vector<double> want;
    for (const Item& i : v) want.push_back(i.key);
    std::sort(want.begin(), want.end(), std::greater<double>());
    PartialQuicksort(v.data(), v.size(), Desc, 0, hi);
    for (size_t i = 0; i <= hi; ++i) ASSERT_EQ(v[i].key, want[i]) << t << " " << i;
  }
}

}  // namespace
}  // namespace replikv
