// The Redis 7 multi-part AOF manifest: a small text file in `appenddirname`
// that names the AOF's files, one per line:
//
//   file appendonly.aof.2.base.rdb seq 2 type b
//   file appendonly.aof.1.incr.aof seq 1 type h
//   file appendonly.aof.3.incr.aof seq 3 type i
//
// type b is the base (an RDB, with aof-use-rdb-preamble, or AOF commands),
// i an incremental file of commands, h a history file a finished rewrite
// left for deletion. Keys come in pairs, in any order; '#' starts a comment
// line. Loading order: base, then incr files in seq order.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/base/status.h"

namespace replikv::persistence {

enum class AofFileType : char { kBase = 'b', kHistory = 'h', kIncr = 'i' };

struct AofFileInfo {
  std::string name;
  int64_t seq = 0;
  AofFileType type = AofFileType::kIncr;
  bool operator==(const AofFileInfo&) const = default;
};

struct AofManifest {
  std::optional<AofFileInfo> base;
  std::vector<AofFileInfo> incrs;    // in seq order
  std::vector<AofFileInfo> history;  // to delete
  int64_t base_seq = 0;              // highest base seq ever used
  int64_t incr_seq = 0;              // highest incr seq ever used

  // Parses the manifest text. Errors name the line.
  static Result<AofManifest> Parse(std::string_view text);
  std::string Format() const;

  // Names Redis 7.0 uses: "<appendfilename>.<seq>.base.rdb" (or .base.aof),
  // "<appendfilename>.<seq>.incr.aof", "<appendfilename>.manifest".
  static std::string BaseName(const std::string& appendfilename, int64_t seq, bool rdb_preamble);
  static std::string IncrName(const std::string& appendfilename, int64_t seq);
  static std::string ManifestName(const std::string& appendfilename);

  // Adds a new incr file (next seq) and returns it.
  const AofFileInfo& AddIncr(const std::string& appendfilename);
  // A finished rewrite: `new_base` replaces the base; the old base and every
  // incr file before `first_kept_incr_seq` become history.
  void ReplaceBase(AofFileInfo new_base, int64_t first_kept_incr_seq);
};

}  // namespace replikv::persistence
