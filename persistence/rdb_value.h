// The neutral value model the RDB codec converts to and from, so that the
// codec does not depend on the server's keyspace types.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace replikv::persistence {

// One key's value. Only the member matching `type` is used:
//   kString: str            kList: elems (head to tail)   kSet: elems
//   kHash: pairs (field, value)                           kZset: zset (member, score)
// Strings stored integer-encoded in a file come back as their decimal text.
// Collections decoded from a file have unique members/fields (duplicates are
// Corruption); the order of set, hash and zset members is unspecified.
struct RdbValue {
  enum class Type : uint8_t { kString, kList, kSet, kHash, kZset };

  Type type = Type::kString;
  std::string str;
  std::vector<std::string> elems;
  std::vector<std::pair<std::string, std::string>> pairs;
  std::vector<std::pair<std::string, double>> zset;
  // The RDB object type the decoder read this from (rdb_format.h RdbType),
  // for diagnostics and tests. The encoder ignores it and picks its own.
  uint8_t rdb_type = 0;

  // Element count: 1 for a string.
  size_t size() const {
    switch (type) {
      case Type::kString: return 1;
      case Type::kList:
      case Type::kSet: return elems.size();
      case Type::kHash: return pairs.size();
      case Type::kZset: return zset.size();
    }
    return 0;
  }
};

}  // namespace replikv::persistence
