// Replays a multi-part AOF into the server at start-up: the base file (an RDB
// preamble, or AOF commands) and then every incr file in manifest order.
// Commands run through Server::ExecuteCommand on a private client, exactly
// as they ran the first time; nothing is propagated (no sinks are attached
// while loading).
//
// A truncated last command in the LAST file is cut off (and the file
// truncated to the last whole command) when aof-load-truncated is yes; an
// unfinished MULTI at the end is cut off the same way. Anything else —
// damage before the tail, a truncated non-last file — is a Corruption status
// naming the file and offset.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "persistence/aof_manifest.h"
#include "server/status.h"

namespace replikv {
class Server;
}

namespace replikv::persistence {

struct AofLoadStats {
  uint64_t commands = 0;
  uint64_t bytes = 0;           // of every file read
  uint64_t truncated_bytes = 0; // cut off the last file's tail
};

// Loads the files `manifest` names from `aof_dir`. `progress(bytes_done)`
// is called every few megabytes (serve -LOADING clients from it).
Status LoadAofFiles(Server& server, const std::string& aof_dir, const AofManifest& manifest, bool load_truncated,
                    const std::function<void(uint64_t)>& progress, AofLoadStats* stats);

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

}  // namespace replikv::persistence
