// Walking the commands of one AOF file without a server: the shared reader
// of the start-up loader (persistence/aof_loader) and replikv-check-aof.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/base/status.h"

namespace replikv::persistence {

// Checks one file of AOF commands without executing anything, from
// `start_offset` (the end of an RDB preamble, or 0). Damage is reported in
// the scan (error non-empty, at valid_bytes), not as a status; the status
// is for I/O errors. replikv-check-aof runs it; the loader walks files the
// same way with the lighter checks of redis-server's loader.
//
// Accepted: RESP multibulk commands and '#' annotation lines ("#TS:..."
// from aof-timestamp-enabled). Damage: anything else where a command should
// start, a protocol error, an empty multibulk ("*0", which redis-server
// refuses to load too) and, beyond what the loader checks (as
// redis-check-aof does beyond redis-server), a bulk not followed by CRLF, a
// MULTI inside a MULTI, an EXEC without MULTI.
// The annotation aof-timestamp-enabled writes before the commands of a new
// second: "#TS:<unix seconds>\r\n" (the loader skips it; redis-check-aof
// --truncate-to-timestamp cuts the file at the first one past a time).
std::string AofTimestampAnnotation(int64_t unix_s);

struct AofScan {
  uint64_t valid_bytes = 0;     // through the last complete command (or before an open MULTI)
  uint64_t file_bytes = 0;      // set when the scan reached the end of the file
  uint64_t commands = 0;
  bool truncated = false;       // the tail is an incomplete command or an open MULTI
  bool open_multi = false;      // the tail is a MULTI without its EXEC
  std::string error;            // non-empty: damage at `valid_bytes`
  // With a `cut_after_ts`: the offset of the first "#TS:" annotation later
  // than it; the scan stops there (what follows is to be cut, not checked).
  bool found_cut = false;
  uint64_t cut_offset = 0;
};
Result<AofScan> ScanAofCommands(const std::string& path, uint64_t start_offset = 0,
                                std::optional<int64_t> cut_after_ts = std::nullopt);


// Walks the commands of one AOF file from `start_offset` (past an RDB
// preamble, or 0); calls `on_command(argv)` for each (the views live until
// it returns; a non-OK status from it stops the walk and is returned).
// Stops at damage (scan->error says what, scan->valid_bytes where) or at the
// end. `strict` adds the checks redis-check-aof makes and redis-server's
// loader does not: CRLF after every bulk, MULTI/EXEC properly paired.
using AofCommandFn = std::function<Status(const std::vector<std::string_view>& argv)>;
Status WalkAofCommands(const std::string& path, uint64_t start_offset, bool strict,
                       std::optional<int64_t> cut_after_ts, AofScan* scan, const AofCommandFn& on_command);

// Whether the file begins with "REDIS" (an RDB preamble).
bool StartsWithRdbMagic(const std::string& path);

}  // namespace replikv::persistence
