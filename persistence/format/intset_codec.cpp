#include "persistence/format/intset_codec.h"

#include "server/base/little_endian.h"

namespace replikv::persistence {
namespace {

constexpr size_t kHeaderSize = 8;

}  // namespace

std::string BuildIntset(std::span<const int64_t> values) {
  int width = 2;
  for (int64_t v : values) {
    if (v < INT32_MIN || v > INT32_MAX) {
      width = 8;
      break;
    }
    if (v < INT16_MIN || v > INT16_MAX) width = 4;
  }
  std::string out;
  out.reserve(kHeaderSize + values.size() * width);
  AppendLe(&out, width, 4);
  AppendLe(&out, values.size(), 4);
  for (int64_t v : values) AppendLe(&out, static_cast<uint64_t>(v), width);
  return out;
}

namespace {

// Validates the whole intset and calls emit(value) for each, ascending.
template <typename Emit>
Status WalkIntset(std::string_view is, Emit&& emit) {
  const auto* p = reinterpret_cast<const unsigned char*>(is.data());
  if (is.size() < kHeaderSize) {
    return Status::Corruption("intset byte 0: shorter than its 8-byte header");
  }
  const uint64_t width = GetLe(p, 4);
  if (width != 2 && width != 4 && width != 8) {
    return Status::Corruption("intset byte 0: invalid encoding " + std::to_string(width));
  }
  const uint64_t count = GetLe(p + 4, 4);
  if (count * width != is.size() - kHeaderSize) {
    return Status::Corruption("intset byte 4: " + std::to_string(count) + " values of " +
                              std::to_string(width) + " bytes do not fill " +
                              std::to_string(is.size() - kHeaderSize) + " bytes");
  }
  const int w = static_cast<int>(width);
  int64_t prev = 0;
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t u = GetLe(p + kHeaderSize + i * width, w);
    int64_t v;
    if (w == 8) {
      v = static_cast<int64_t>(u);
    } else {
      uint64_t sign = uint64_t{1} << (8 * w - 1);
      v = static_cast<int64_t>(u ^ sign) - static_cast<int64_t>(sign);
    }
    if (i > 0 && v <= prev) {
      return Status::Corruption("intset byte " + std::to_string(kHeaderSize + i * width) +
                                ": values not strictly ascending");
    }
    prev = v;
    emit(v);
  }
  return Status::OK();
}

}  // namespace

Status ParseIntset(std::string_view is, std::vector<std::string>* out) {
  return WalkIntset(is, [out](int64_t v) { out->push_back(std::to_string(v)); });
}

Status ParseIntset(std::string_view is, RdbElementArena* out) {
  return WalkIntset(is, [out](int64_t v) { out->AddInt(v); });
}

}  // namespace replikv::persistence
