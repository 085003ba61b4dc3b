// Versions: replikv's own, and the Redis version it is compatible with (what
// INFO redis_version and HELLO report, since clients and Sentinel pick
// features by it).
#pragma once

namespace replikv {
inline constexpr const char* kReplikvVersion = "0.1.0";
inline constexpr const char* kRedisCompatVersion = "7.0.15";
}  // namespace replikv
