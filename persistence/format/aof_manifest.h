// The Redis 7 multi-part AOF manifest: a small text file in `appenddirname`
// that names the AOF's files, one per line:
//
//   file appendonly.aof.2.base.rdb seq 2 type b
//   file appendonly.aof.1.incr.aof seq 1 type h
//   file appendonly.aof.3.incr.aof seq 3 type i
//
// type b is the base (an RDB, with aof-use-rdb-preamble, or AOF commands),
// i an incremental file of commands, h a history file a finished rewrite
// left for deletion (kept while aof-disable-auto-gc is yes). Keys come in
// pairs, in any order; a line starting with '#' is a comment. Loading order:
// base, then incr files in seq order.
//
// Parsing follows redis-server 7.0.15 (measured, see aof_manifest_test.cpp):
// every line, the last one included, must end with '\n' and hold at most
// 1023 bytes before it, else "too long line"; blank lines, fewer than three
// pairs, a missing file/seq/type or seq 0 are "Invalid AOF manifest file
// format"; seq is read like atoll ("5x" is 5) and type is the value's first
// byte; key names are case-insensitive and unknown keys are ignored.
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

// Why a manifest was refused, in Redis 7.0's words. `line_no` is 0 when the
// error is not about one line ("Found an empty AOF manifest", "too long
// line"); otherwise `line` is the offending line, trimmed as Redis prints it.
struct AofManifestError {
  size_t line_no = 0;
  std::string line;
  std::string reason;

  // The lines Redis logs before exiting (each ends with '\n', as Redis's
  // own messages do; the logger adds one more):
  //   "\n*** FATAL AOF MANIFEST FILE ERROR ***\n"
  //   "Reading the manifest file, at line 3\n"   (only with a line)
  //   ">>> 'file appendonly.aof.2.incr.aof seq 2 type i'\n"
  //   "Found a non-monotonic sequence number\n"
  std::vector<std::string> FatalLines() const;
};

struct AofManifest {
  std::optional<AofFileInfo> base;
  std::vector<AofFileInfo> incrs;    // in seq order
  std::vector<AofFileInfo> history;  // to delete
  int64_t base_seq = 0;              // highest base seq ever used
  int64_t incr_seq = 0;              // highest incr seq ever used

  // Parses the manifest text. A Corruption names the line and the reason;
  // `error`, when given, receives them apart. A manifest with neither base
  // nor incr files (only comments or history) is valid: the server then
  // starts a new AOF, as Redis does.
  static Result<AofManifest> Parse(std::string_view text, AofManifestError* error = nullptr);
  std::string Format() const;

  // Names Redis 7.0 uses: "<appendfilename>.<seq>.base.rdb" (or .base.aof),
  // "<appendfilename>.<seq>.incr.aof", "<appendfilename>.manifest".
  static std::string BaseName(const std::string& appendfilename, int64_t seq, bool rdb_preamble);
  static std::string IncrName(const std::string& appendfilename, int64_t seq);
  static std::string ManifestName(const std::string& appendfilename);

  // Adds a new incr file (next seq) and returns it.
  const AofFileInfo& AddIncr(const std::string& appendfilename);
  // A finished rewrite: `new_base` replaces the base; every incr file before
  // `first_kept_incr_seq` and the old base become history, put in front of
  // the history already listed, in that order (Redis 7.0's order).
  void ReplaceBase(AofFileInfo new_base, int64_t first_kept_incr_seq);
  // Whether `name` is the base or an incr file (never to be deleted as
  // history, even if a history line names it too).
  bool IsLive(const std::string& name) const;
};

}  // namespace replikv::persistence
