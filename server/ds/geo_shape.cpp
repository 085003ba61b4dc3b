#include "server/ds/geo_shape.h"

#include <cmath>

namespace replikv::geo {
namespace {

// Degrees <-> radians with Redis's constant (pi/180 rounded to a double);
// the multiplication and the division give different last bits than other
// forms of the same conversion.
constexpr double kPi = 3.14159265358979323846;
constexpr double kDegToRad = kPi / 180.0;
double DegRad(double deg) { return deg * kDegToRad; }
double RadDeg(double rad) { return rad / kDegToRad; }

}  // namespace

double LatDistance(double lat1, double lat2) {
  return kEarthRadiusMeters * std::fabs(DegRad(lat2) - DegRad(lat1));
}

double Distance(double lon1, double lat1, double lon2, double lat2) {
  const double lon1r = DegRad(lon1);
  const double lon2r = DegRad(lon2);
  const double v = std::sin((lon2r - lon1r) / 2);
  // On one meridian the haversine reduces to the latitude difference;
  // Redis 7.0 takes this shortcut, which differs in the last bits.
  if (v == 0.0) return LatDistance(lat1, lat2);
  const double lat1r = DegRad(lat1);
  const double lat2r = DegRad(lat2);
  const double u = std::sin((lat2r - lat1r) / 2);
  const double a = u * u + std::cos(lat1r) * std::cos(lat2r) * v * v;
  return 2.0 * kEarthRadiusMeters * std::asin(std::sqrt(a));
}

int EstimateStepsByRadius(double range_meters, double lat) {
  if (range_meters == 0) return kStepMax;
  int step = 1;
  // Bounded: each pass doubles a positive range (at most ~1,100 passes
  // from the smallest double); NaN and +inf do not enter.
  while (range_meters < kMercatorMax) {
    range_meters *= 2;
    ++step;
  }
  step -= 2;  // so the range is inside the nine cells in most cases
  // Meridians converge towards the poles: wider cells there.
  if (lat > 66 || lat < -66) {
    --step;
    if (lat > 80 || lat < -80) --step;
  }
  if (step < 1) step = 1;
  if (step > kStepMax) step = kStepMax;
  return step;
}

void BoundingBox(const Shape& shape, double bounds[4]) {
  const double longitude = shape.xy[0];
  const double latitude = shape.xy[1];
  const bool circle = shape.type == Shape::Type::kCircle;
  const double height = shape.conversion * (circle ? shape.radius : shape.height / 2);
  const double width = shape.conversion * (circle ? shape.radius : shape.width / 2);
  const double lat_delta = RadDeg(height / kEarthRadiusMeters);
  // A box's edge nearer the pole spans more longitude: the widest of the
  // two edges is the top one in the north and the bottom one in the south.
  const double long_delta_top = RadDeg(width / kEarthRadiusMeters / std::cos(DegRad(latitude + lat_delta)));
  const double long_delta_bottom = RadDeg(width / kEarthRadiusMeters / std::cos(DegRad(latitude - lat_delta)));
  const bool southern = latitude < 0;
  bounds[0] = southern ? longitude - long_delta_bottom : longitude - long_delta_top;
  bounds[2] = southern ? longitude + long_delta_bottom : longitude + long_delta_top;
  bounds[1] = latitude - lat_delta;
  bounds[3] = latitude + lat_delta;
}

Cover CoveringCells(const Shape& shape) {
  double bounds[4];
  BoundingBox(shape, bounds);
  const double min_lon = bounds[0], min_lat = bounds[1], max_lon = bounds[2], max_lat = bounds[3];
  const double longitude = shape.xy[0];
  const double latitude = shape.xy[1];
  // A box is sized by its half-diagonal.
  const double half_w = shape.width / 2, half_h = shape.height / 2;
  double radius_meters =
      shape.type == Shape::Type::kCircle ? shape.radius : std::sqrt(half_w * half_w + half_h * half_h);
  radius_meters *= shape.conversion;

  int steps = EstimateStepsByRadius(radius_meters, latitude);
  const Range long_range = LongRange(), lat_range = LatRange();
  Cover c;
  EncodeWgs84(longitude, latitude, steps, &c.hash);
  c.neighbors = GetNeighbors(c.hash);
  Decode(long_range, lat_range, c.hash, &c.area);

  // Near a cell's edge the estimated step may leave part of the box outside
  // the nine cells: then one step coarser.
  Area north, south, east, west;
  Decode(long_range, lat_range, c.neighbors.north, &north);
  Decode(long_range, lat_range, c.neighbors.south, &south);
  Decode(long_range, lat_range, c.neighbors.east, &east);
  Decode(long_range, lat_range, c.neighbors.west, &west);
  const bool decrease_step = north.latitude.max < max_lat || south.latitude.min > min_lat ||
                             east.longitude.max < max_lon || west.longitude.min > min_lon;
  if (steps > 1 && decrease_step) {
    --steps;
    EncodeWgs84(longitude, latitude, steps, &c.hash);
    c.neighbors = GetNeighbors(c.hash);
    Decode(long_range, lat_range, c.hash, &c.area);
  }

  // Neighbours the box does not reach are dropped.
  if (steps >= 2) {
    Neighbors& n = c.neighbors;
    if (c.area.latitude.min < min_lat) n.south = n.south_west = n.south_east = HashBits{};
    if (c.area.latitude.max > max_lat) n.north = n.north_east = n.north_west = HashBits{};
    if (c.area.longitude.min < min_lon) n.west = n.south_west = n.north_west = HashBits{};
    if (c.area.longitude.max > max_lon) n.east = n.south_east = n.north_east = HashBits{};
  }
  return c;
}

bool InShape(const Shape& shape, double lon, double lat, double* distance_m) {
  const double x1 = shape.xy[0], y1 = shape.xy[1];
  if (shape.type == Shape::Type::kCircle) {
    *distance_m = Distance(x1, y1, lon, lat);
    return !(*distance_m > shape.radius * shape.conversion);
  }
  // The box: the point's east-west distance from the centre's meridian
  // (along its own parallel) and its north-south distance from the
  // centre's parallel.
  const double width_m = shape.width * shape.conversion;
  const double height_m = shape.height * shape.conversion;
  if (LatDistance(lat, y1) > height_m / 2) return false;
  if (Distance(lon, lat, x1, lat) > width_m / 2) return false;
  *distance_m = Distance(x1, y1, lon, lat);
  return true;
}

}  // namespace replikv::geo
