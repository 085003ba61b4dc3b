// The geometry of a geo search (GEOSEARCH, GEORADIUS...): distances on the
// sphere, the search shape (a circle or an axis-aligned box around a
// centre), and the nine geohash cells that cover it.
//
// Redis 7.0's search is defined by these steps, not only by the shape: the
// cells chosen decide which members are looked at and in which order they
// are found (an unsorted reply, and COUNT ... ANY, return them in that
// order), so each step below reproduces Redis's arithmetic exactly:
//   1. the shape's bounding box in degrees;
//   2. a cell step estimated from the radius (one step coarser when a
//      neighbour cell would not reach the box's edge);
//   3. the centre cell and its eight neighbours, dropping those the box does
//      not reach;
//   4. per cell, the members whose score lies in the cell's score range,
//      kept if inside the shape (InShape).
#pragma once

#include "server/ds/geohash.h"

namespace replikv::geo {

// Redis's earth radius (the quadratic mean radius of WGS-84).
inline constexpr double kEarthRadiusMeters = 6372797.560856;
// Half the equator's length in the Mercator projection.
inline constexpr double kMercatorMax = 20037726.37;

// The great-circle distance in metres (the haversine formula, as Redis 7.0
// computes it, with its shortcut for points on one meridian).
double Distance(double lon1, double lat1, double lon2, double lat2);
// The distance along a meridian between two latitudes, in metres.
double LatDistance(double lat1, double lat2);

struct Shape {
  enum class Type { kCircle, kBox };
  Type type = Type::kCircle;
  double xy[2] = {0, 0};    // the centre: longitude, latitude
  double conversion = 1;    // metres per unit of the sizes below
  double radius = 0;        // kCircle, in units
  double width = 0, height = 0;  // kBox, in units
};

// The centre cell, its neighbours (dropped ones are zero cells) and the
// centre cell's edges.
struct Cover {
  HashBits hash;
  Neighbors neighbors;
  Area area;
};

// The cell step whose cells are about `range_meters` wide at latitude
// `lat` (1..26).
int EstimateStepsByRadius(double range_meters, double lat);
// The bounding box of the shape: bounds[0]/bounds[2] the minimum/maximum
// longitude, bounds[1]/bounds[3] the minimum/maximum latitude.
void BoundingBox(const Shape& shape, double bounds[4]);
// The nine cells to search (Redis's geohashCalculateAreasByShapeWGS84).
Cover CoveringCells(const Shape& shape);
// Whether (lon, lat) is inside the shape; *distance_m gets its distance
// from the centre in metres when it is.
bool InShape(const Shape& shape, double lon, double lat, double* distance_m);

}  // namespace replikv::geo
