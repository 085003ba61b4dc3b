// Test helpers shared by the persistence tests: a handler that collects
// everything a decode reports, and writers for the encodings Redis 7.0 can
// no longer produce.
//
// LEGACY WRITERS: ziplist, zipmap, quicklist v1 and text-double zsets are
// written here, at test time, from the format description in
// persistence/ziplist.h and rdb_format.h. No older Redis is available on this
// machine, so these bytes did NOT come from a real Redis; they test the
// decoder against the documented format only.
#pragma once

#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "persistence/format/rdb_decoder.h"

namespace replikv::persistence::testing {

class CollectingHandler : public RdbHandler {
 public:
  Status OnAux(std::string_view key, std::string_view value) override {
    aux[std::string(key)] = std::string(value);
    return Status::OK();
  }
  Status OnSelectDb(uint64_t db) override {
    dbs.push_back(db);
    return Status::OK();
  }
  Status OnResizeDb(uint64_t db_size, uint64_t expires_size) override {
    resizes.emplace_back(db_size, expires_size);
    return Status::OK();
  }
  Status OnFunction(std::string_view code) override {
    functions.emplace_back(code);
    return Status::OK();
  }
  Status OnKey(RdbEntry& e) override {
    entries.push_back(e);
    return Status::OK();
  }
  void OnNote(std::string_view note) override { notes.emplace_back(note); }
  Status OnEnd(const RdbLoadStats& stats) override {
    ++ends;
    end_keys = stats.keys;
    return Status::OK();
  }

  const RdbEntry* Find(std::string_view key, uint64_t db = 0) const {
    for (const auto& e : entries) {
      if (e.key == key && e.db == db) return &e;
    }
    return nullptr;
  }

  std::map<std::string, std::string> aux;
  std::vector<uint64_t> dbs;
  std::vector<std::pair<uint64_t, uint64_t>> resizes;
  std::vector<std::string> functions;
  std::vector<RdbEntry> entries;
  std::vector<std::string> notes;
  int ends = 0;
  uint64_t end_keys = 0;
};

inline void PutLe(std::string* out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// A ziplist of `entries`; canonical integers are stored in the smallest
// integer form (immediate 0..12, int8, int16, int24, int32, int64), other
// strings with the 6/14/32-bit length forms.
std::string BuildZiplist(const std::vector<std::string>& entries);

// A zipmap of (key, value) pairs; `free` spare bytes after every value.
std::string BuildZipmap(const std::vector<std::pair<std::string, std::string>>& pairs,
                        uint8_t free = 0);

// An RDB length, as the encoder writes it.
std::string RdbLength(uint64_t len);
// A raw RDB string (length + bytes, never integer or LZF).
std::string RdbRawString(std::string_view s);
// The text-double form of the type-3 zset.
std::string RdbTextDouble(double d);
// A whole file: "REDIS" + 4-digit version, `body`, 0xFF, and (version >= 5)
// the CRC64 footer, or 8 zero bytes if !checksum.
std::string RdbFile(int version, std::string_view body, bool checksum = true);

}  // namespace replikv::persistence::testing
