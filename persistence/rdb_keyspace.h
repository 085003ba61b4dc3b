// The bridge between the keyspace and the RDB codec: write every db's keys
// as an RDB stream, and load an RDB file into the keyspace.
//
// Writing runs in a fork()ed child (BGSAVE) or on the loop thread (SAVE,
// SHUTDOWN); loading runs on the loop thread before it serves commands (or
// for DEBUG RELOAD). Neither touches the propagation funnel.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "persistence/format/rdb_encoder.h"
#include "server/base/status.h"

namespace replikv {
class Keyspace;
class ScriptEngine;
struct ServerConfig;
}  // namespace replikv

namespace replikv::persistence {

class SequentialFile;

// Encoder options from the configuration (rdbcompression, rdbchecksum and
// the encoding thresholds).
RdbEncoderOptions EncoderOptionsFromConfig(const ServerConfig& config);

// Sleeps `us` microseconds: the per-key pause of the test knobs
// rdb-key-save-delay and key-load-delay, which Redis's own tests (and ours)
// use to make a save or a load last long enough to act while it runs. A
// negative value -N sleeps 1us for about one call in N (a finer-grained
// slowdown than the shortest real sleep). 0 returns at once.
void KeyDelay(int us);

// Writes the whole dataset, header to footer, to `sink`. Keys that are
// already logically expired are still written (Redis does; the loader
// drops them). `keys_written` counts keys, for progress figures.
// `key_delay_us` (rdb-key-save-delay) is slept after every key. The
// repl-stream-db / repl-id / repl-offset aux fields are written only when
// `repl` is given (a replica, or a primary with a backlog, as Redis 7.0);
// a standalone server passes nullptr and its file matches Redis's in size.
Status WriteKeyspace(Keyspace& ks, RdbSink* sink, const RdbEncoderOptions& options, const RdbAuxFields& aux,
                     uint64_t* keys_written, int key_delay_us = 0, const RdbReplInfo* repl = nullptr);

// Saves to `path` atomically: temp-<pid>.rdb in the same directory, fsync,
// rename over `path`, fsync the directory. On failure `path` is untouched.
Status SaveKeyspaceToFile(Keyspace& ks, const std::string& path, const RdbEncoderOptions& options,
                          const RdbAuxFields& aux, int key_delay_us = 0, const RdbReplInfo* repl = nullptr);

struct RdbLoadResult {
  uint64_t keys_loaded = 0;
  uint64_t keys_expired = 0;  // already expired in the file, not loaded
  int version = 0;
  std::string redis_ver;      // aux redis-ver, if present
  int64_t ctime = 0;          // aux ctime
  int64_t used_mem = 0;       // aux used-mem
  std::string repl_id;        // aux repl-id / repl-offset (for PSYNC after restart)
  int64_t repl_offset = -1;
  int repl_stream_db = 0;
  uint64_t bytes = 0;
  std::vector<std::string> functions;  // FUNCTION2 libraries' code, in file order
};

// Makes the function libraries `result` read the server's whole set (a
// load replaces them all, as Redis 7.0 empties them before loading). A
// library that does not load is a Corruption.
Status InstallLoadedFunctions(ScriptEngine& engine, const RdbLoadResult& result);

// Called every couple of megabytes while loading with (bytes read, total).
using LoadProgress = std::function<void(uint64_t bytes, uint64_t total)>;

// Test and tuning knobs of a load (CONFIG key-load-delay and
// loading-process-events-interval-bytes).
struct RdbLoadTuning {
  int key_delay_us = 0;                        // slept after every key read
  uint64_t progress_interval_bytes = 2 << 20;  // how often `progress` runs
  RdbEncodingLimits limits;                    // encodings values get at load
  // DEBUG RELOAD MERGE: a key already in the keyspace is replaced by the
  // file's instead of stopping the load as a duplicate.
  bool replace_existing = false;
};

// The load tuning the configuration asks for (key-load-delay,
// loading-process-events-interval-bytes, the encoding limits).
RdbLoadTuning LoadTuningFromConfig(const ServerConfig& config);

// Loads `path` into the keyspace, which must be empty. Keys already expired
// are skipped when `drop_expired` (a primary) and loaded otherwise (a
// replica waits for its primary's DEL). A key in a db beyond `databases`, a
// duplicate key, or any damage stops the load with a Corruption status
// naming the offset; the keyspace may then hold part of the file and the
// caller must not serve it.
Status LoadKeyspaceFromFile(Keyspace& ks, const std::string& path, bool drop_expired, const LoadProgress& progress,
                            RdbLoadResult* result, const RdbLoadTuning& tuning = {});

// LoadKeyspaceFromFile from any source of RDB bytes, e.g. a replica reading
// its primary's socket (repl-diskless-load); `total` is the size when known,
// 0 when not (lengths are then bounded by the decoder's limits only).
Status LoadKeyspaceFromSource(Keyspace& ks, SequentialFile* source, uint64_t total, bool drop_expired,
                              const LoadProgress& progress, RdbLoadResult* result, const RdbLoadTuning& tuning = {});

}  // namespace replikv::persistence
