// LoadingState: a dataset load in progress — the RDB at start-up, the AOF,
// DEBUG RELOAD, a replica loading its primary's RDB — as INFO persistence
// reports it (`loading`, `loading_start_time`, `loading_total_bytes`,
// `loading_loaded_bytes`, `loading_loaded_perc`, `loading_eta_seconds`...)
// and as the log shows it (a progress line every few seconds with the rate
// and time left). Owned by the Server; loop thread only.
//
// Lifecycle: Begin() -> Progress()* -> End(). While it runs, commands
// without the loading flag get -LOADING (Server::loading).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace replikv {

class Server;

// The replication identity a loaded file carried (RDB aux fields repl-id,
// repl-offset, repl-stream-db), kept so a restarted node can PSYNC.
struct LoadedReplInfo {
  std::string repl_id;  // empty: the file had none
  int64_t repl_offset = -1;
  int repl_stream_db = -1;
  bool present() const { return !repl_id.empty() && repl_offset >= 0; }
};

class LoadingState {
 public:
  explicit LoadingState(Server& server) : server_(server) {}
  LoadingState(const LoadingState&) = delete;
  LoadingState& operator=(const LoadingState&) = delete;

  // Starts a load of `what` ("RDB", "AOF", "MASTER RDB"...) of `total_bytes`
  // (0 when unknown). Sets Server::loading, or with `async` (a replica
  // loading beside the data it keeps serving, repl-diskless-load swapdb)
  // Server::async_loading: only commands flagged no-async-loading are
  // refused then.
  void Begin(std::string_view what, uint64_t total_bytes, bool async = false);
  // Bytes read so far; logs progress every kLogIntervalMs.
  void Progress(uint64_t loaded_bytes);
  // The used-mem aux field of the file, once read (loading_rdb_used_mem).
  void set_rdb_used_mem(int64_t v) { rdb_used_mem_ = v; }
  // Ends the load (successful or not). Clears Server::loading.
  void End();

  // A load runs (either kind).
  bool active() const { return active_; }
  int64_t start_ms() const { return start_ms_; }
  // INFO persistence: `loading` and `async_loading` open the section, and
  // while a load runs the `loading_*` details close it, as Redis orders them.
  void AppendInfo(std::string* out) const;
  void AppendProgressInfo(std::string* out) const;

  // What the last loaded RDB (or AOF base) said about replication.
  LoadedReplInfo last_repl_info;

 private:
  static constexpr int64_t kLogIntervalMs = 5000;
  // Seconds left at the rate so far (Redis's loading_eta_seconds).
  int64_t EtaSeconds() const;

  Server& server_;
  bool active_ = false;
  bool async_ = false;
  std::string what_;
  int64_t start_ms_ = 0;
  int64_t last_log_ms_ = 0;
  uint64_t total_bytes_ = 0;
  uint64_t loaded_bytes_ = 0;
  int64_t rdb_used_mem_ = 0;
};

}  // namespace replikv
