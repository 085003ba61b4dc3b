// The node-state file: this node's replication identity and timeline, kept
// beside the data (`node-state-file` in `dir`, default node-state.pb),
// replaced atomically (temp file, fsync, rename, fsync of the directory).
//
// Why: Redis 7.0 keeps a node's replication id and offset only in the RDB
// and remembers one previous id. With the timeline a node resumes with a
// partial resync after a restart with only the AOF on, and serves replicas
// of a primary two or more failovers back, whenever the backlog covers the
// gap. A file that is missing, damaged, truncated or of an unknown version
// is ignored with a warning (a full sync follows), never fatal.
//
// Layout: the 8 bytes "RKNSTATE", one protobuf message NodeState (encoded
// with protozero), then the CRC-64 (Jones, the RDB's) of everything before
// it, 8 bytes little-endian. At most kMaxNodeStateBytes in all.
//
//   message NodeState {
//     uint32      version        = 1;  // kNodeStateVersion; others ignored
//     string      run_id         = 2;  // INFO run_id of the process that wrote it
//     uint32      role           = 3;  // 1 primary, 2 replica
//     string      primary_host   = 4;  // a replica's primary (replicaof)
//     uint32      primary_port   = 5;
//     string      replid         = 6;  // master_replid: 40 hex chars
//     int64       first_offset   = 7;  // its first PSYNC offset on this node
//     repeated PastHistory past  = 8;  // most recent first, <= 16
//     Shutdown    shutdown       = 9;  // only when written by a clean shutdown
//   }
//   message PastHistory {
//     string replid        = 1;  // an id this node followed before
//     int64  first_offset  = 2;  // the first PSYNC offset it had on this node
//     int64  valid_up_to   = 3;  // PSYNC offsets up to this continue (fork + 1)
//     string branched_from = 4;  // the next older entry's id ("" for the oldest)
//   }
//   message Shutdown {
//     int64  repl_offset = 1;  // master_repl_offset when the node stopped
//     uint32 stream_db   = 2;  // the db the replication stream had selected
//     string aof_mark    = 3;  // the AOF as it stood (AppendOnlyFile::DatasetMark)
//     int64  unix_time   = 4;
//   }
//
// Unknown fields are skipped (a newer writer may add some); a known field
// with another wire type is skipped too.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "replication/repl_id.h"
#include "server/base/status.h"

namespace replikv::repl {

inline constexpr uint32_t kNodeStateVersion = 1;
inline constexpr size_t kMaxNodeStateBytes = 64 * 1024;

struct NodeState {
  struct Shutdown {
    int64_t repl_offset = 0;
    int stream_db = 0;
    std::string aof_mark;
    int64_t unix_time = 0;
    bool operator==(const Shutdown&) const = default;
  };

  uint32_t version = kNodeStateVersion;
  std::string run_id;
  bool replica = false;
  std::string primary_host;
  int primary_port = 0;
  std::string replid;
  int64_t first_offset = 1;
  std::vector<PastHistory> past;
  std::optional<Shutdown> shutdown;

  bool operator==(const NodeState&) const = default;
};

std::string EncodeNodeState(const NodeState& state);
// Corruption names what is wrong (bad magic, checksum, a field out of range,
// a version this build does not know).
Result<NodeState> DecodeNodeState(std::string_view data);

// The file: NotFound when there is none.
Result<NodeState> ReadNodeStateFile(const std::string& path);
Status WriteNodeStateFile(const std::string& path, const NodeState& state);

}  // namespace replikv::repl
