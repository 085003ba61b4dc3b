// One INFO line, "name:value\r\n", as every INFO section prints its fields.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace replikv {

inline void InfoField(std::string* out, std::string_view name, std::string_view value) {
  out->append(name);
  out->push_back(':');
  out->append(value);
  out->append("\r\n");
}
inline void InfoField(std::string* out, std::string_view name, const std::string& value) {
  InfoField(out, name, std::string_view(value));
}
inline void InfoField(std::string* out, std::string_view name, const char* value) {
  InfoField(out, name, std::string_view(value));
}
inline void InfoField(std::string* out, std::string_view name, int64_t v) { InfoField(out, name, std::to_string(v)); }
inline void InfoField(std::string* out, std::string_view name, uint64_t v) { InfoField(out, name, std::to_string(v)); }
inline void InfoField(std::string* out, std::string_view name, int v) { InfoField(out, name, std::to_string(v)); }
inline void InfoField(std::string* out, std::string_view name, uint32_t v) { InfoField(out, name, std::to_string(v)); }
// A double printed with `fmt` ("%.2f" as Redis prints percentages and ratios).
inline void InfoFieldF(std::string* out, std::string_view name, double v, const char* fmt = "%.2f") {
  char buf[64];
  std::snprintf(buf, sizeof(buf), fmt, v);
  InfoField(out, name, std::string_view(buf));
}

}  // namespace replikv
