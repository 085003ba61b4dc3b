// Snapshotter: RDB persistence for a running server — SAVE, BGSAVE (by
// fork), `save <seconds> <changes>` points, LASTSAVE, the final save on
// shutdown, the save FLUSHALL does, DEBUG RELOAD, the MISCONF refusal after a
// failed background save, loading at start-up, and INFO persistence.
//
// Owned by main for the server's lifetime; everything runs on the loop
// thread except the BGSAVE job, which runs in the fork()ed child.
#pragma once

#include <cstdint>
#include <string>

#include "persistence/child.h"
#include "persistence/rdb_keyspace.h"
#include "server/base/status.h"

namespace replikv {
class Server;
struct CommandContext;
class CommandTable;
}  // namespace replikv

namespace replikv::persistence {

class Snapshotter {
 public:
  Snapshotter(Server& server, ChildProcess& child);
  Snapshotter(const Snapshotter&) = delete;
  Snapshotter& operator=(const Snapshotter&) = delete;

  // Registers the commands and hooks on the server.
  void Install();
  // SAVE and BGSAVE (also used by main to know every command name).
  static void RegisterCommands(CommandTable& t);

  // Loads `dbfilename` from `dir` if it exists, serving clients -LOADING
  // meanwhile. A damaged file is an error that must stop start-up.
  Status LoadAtStartup();

  // SAVE: a foreground save.
  // `count`: whether rdb_saves counts it (FLUSHALL's save does not, in Redis 7.0).
  Status SaveNow(bool count = true);
  // BGSAVE: forks a child. Errors: a child is running, fork failed.
  Status StartBackgroundSave();

  // Commands (registered by Install()).
  static void SaveCommand(CommandContext& ctx);
  static void BgsaveCommand(CommandContext& ctx);

  bool last_bgsave_ok() const { return last_bgsave_ok_; }
  uint64_t rdb_saves() const { return rdb_saves_; }

 private:
  void Cron();
  void OnChildDone(const ChildResult& r);
  Status OnShutdown(bool save, bool nosave);
  void AppendInfo(std::string* out);
  void DebugReload(CommandContext& ctx);
  RdbAuxFields AuxFields() const;
  // key-load-delay and loading-process-events-interval-bytes.
  RdbLoadTuning LoadTuning() const;
  std::string RdbPath() const;
  void NoteSaved();

  Server& server_;
  ChildProcess& child_;
  bool last_bgsave_ok_ = true;
  int64_t last_bgsave_try_ms_ = 0;
  int64_t last_bgsave_time_sec_ = -1;
  uint64_t rdb_saves_ = 0;
  uint64_t last_cow_bytes_ = 0;
  uint64_t dirty_before_bgsave_ = 0;
  bool bgsave_scheduled_ = false;
  // Loading progress for INFO (loading_*).
  int64_t loading_start_unix_ = 0;
  int64_t loading_start_ms_ = 0;
  uint64_t loading_total_bytes_ = 0;
  uint64_t loading_loaded_bytes_ = 0;
  int64_t loading_rdb_used_mem_ = 0;
  uint64_t last_load_keys_loaded_ = 0;
  uint64_t last_load_keys_expired_ = 0;
};

}  // namespace replikv::persistence
