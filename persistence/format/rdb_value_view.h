// The neutral value model the RDB codec converts to and from, so that the
// codec does not depend on the server's keyspace types.
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace replikv::persistence {

// One key's value. Only the members matching `type` (and `viewed`) are used:
//   kString: str            kList: elems (head to tail)   kSet: elems
//   kHash: pairs (field, value)                           kZset: zset (member, score)
// Strings stored integer-encoded in a file come back as their decimal text.
// Collections decoded from a file have unique members/fields (duplicates are
// Corruption); the order of set, hash and zset members is unspecified.
//
// A decoder run with RdbDecoderOptions::element_views fills `views` (and
// `scores`) instead of elems/pairs/zset, and sets `viewed`: views are the
// list or set elements, the hash fields and values alternating (field,
// value, field, value...), or the zset members with scores[i] the score of
// views[i]. They point into storage the decoder owns and are valid only
// until the handler's OnKey returns. This saves one std::string per element
// when the consumer copies the bytes into its own form anyway (the keyspace
// loader).
// A stream as RDB_TYPE_STREAM_LISTPACKS_2 holds it: the listpack nodes
// verbatim (each keyed by its 16-byte big-endian master id), the stream's
// counters and ids, and the consumer groups with their PELs and consumers.
// Times are unix milliseconds.
struct RdbStreamId {
  uint64_t ms = 0;
  uint64_t seq = 0;
};
struct RdbStream {
  struct Node {
    std::string key;  // 16 bytes: master id ms then seq, big-endian
    std::string lp;   // the listpack, validated by the decoder
  };
  struct Nack {
    RdbStreamId id;
    int64_t delivery_time = 0;
    uint64_t delivery_count = 0;
  };
  struct Consumer {
    std::string name;
    int64_t seen_time = 0;
    std::vector<RdbStreamId> pel;  // each also in the group's PEL
  };
  struct Group {
    std::string name;
    RdbStreamId last_id;
    int64_t entries_read = -1;  // -1: unknown
    std::vector<Nack> pel;       // ascending ids
    std::vector<Consumer> consumers;
  };
  std::vector<Node> nodes;
  uint64_t length = 0;
  RdbStreamId last_id, first_id, max_deleted_id;
  uint64_t entries_added = 0;
  // Read from a type-15 file: the loader derives first_id (and each
  // group's entries_read, given as -2 there) as Redis 7.0 does.
  bool first_id_unknown = false;
  std::vector<Group> groups;
};

struct RdbValue {
  enum class Type : uint8_t { kString, kList, kSet, kHash, kZset, kStream };

  Type type = Type::kString;
  std::string str;
  std::vector<std::string> elems;
  std::vector<std::pair<std::string, std::string>> pairs;
  std::vector<std::pair<std::string, double>> zset;
  RdbStream stream;
  bool viewed = false;
  std::vector<std::string_view> views;
  std::vector<double> scores;
  // The RDB object type the decoder read this from (rdb_format.h RdbType),
  // for diagnostics and tests. The encoder ignores it and picks its own.
  uint8_t rdb_type = 0;

  // Element count: 1 for a string.
  size_t size() const {
    switch (type) {
      case Type::kString: return 1;
      case Type::kList:
      case Type::kSet: return viewed ? views.size() : elems.size();
      case Type::kHash: return viewed ? views.size() / 2 : pairs.size();
      case Type::kZset: return viewed ? views.size() : zset.size();
      case Type::kStream: return stream.length;
    }
    return 0;
  }
};

// Decoded elements stored back to back in one buffer, so a value of n
// elements costs no per-element allocation: the compact-encoding parsers and
// the decoder append here, and views are made once the value is complete
// (appending may move the bytes, so spans are offsets until then). Reused
// from value to value; Clear() keeps the capacity.
struct RdbElementArena {
  std::string bytes;
  std::vector<std::pair<size_t, size_t>> spans;  // (offset in bytes, length)

  void Clear() {
    bytes.clear();
    spans.clear();
  }
  void AddString(std::string_view s) {
    spans.emplace_back(bytes.size(), s.size());
    bytes.append(s);
  }
  // Appends the decimal text of `v`.
  void AddInt(int64_t v) {
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
    (void)ec;  // 24 bytes always hold an int64
    AddString(std::string_view(buf, static_cast<size_t>(end - buf)));
  }
  size_t size() const { return spans.size(); }
  std::string_view View(size_t i) const { return std::string_view(bytes).substr(spans[i].first, spans[i].second); }
};

}  // namespace replikv::persistence
