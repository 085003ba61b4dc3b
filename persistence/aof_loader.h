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
#include <string>

#include "persistence/format/aof_manifest.h"
#include "persistence/format/aof_scan.h"
#include "server/base/status.h"

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

}  // namespace replikv::persistence
