// Snapshotter: RDB persistence for a running server — SAVE, BGSAVE (by
// fork), `save <seconds> <changes>` points, LASTSAVE, the final save on
// shutdown, the save FLUSHALL does, DEBUG RELOAD, the MISCONF refusal after a
// failed background save, loading at start-up, and INFO persistence.
//
// Owned by main for the server's lifetime; everything runs on the loop
// thread except the BGSAVE job, which runs in the fork()ed child.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "persistence/child.h"
#include "persistence/rdb_keyspace.h"
#include "server/base/status.h"

namespace replikv {
class Server;
struct CommandContext;
class CommandTable;
struct Command;
}  // namespace replikv

namespace replikv::persistence {

// How a save ended, for the listeners (replication sends the file on).
struct SaveResult {
  bool ok = false;
  bool background = false;  // a BGSAVE (child); false: SAVE in the loop
  std::string path;         // the file written (relative to `dir`)
  // The replication offset the file covers (its repl-offset aux field), -1
  // when it carries no replication info.
  int64_t repl_offset = -1;
  // A BGSAVE with a socket target (diskless replication): the RDB went to a
  // pipe, not to `path`.
  bool to_pipe = false;
};

class Snapshotter {
 public:
  Snapshotter(Server& server, ChildProcess& child);
  Snapshotter(const Snapshotter&) = delete;
  Snapshotter& operator=(const Snapshotter&) = delete;

  // Registers DEBUG RELOAD (the commands: RegisterCommands).
  void Install();
  // SAVE and BGSAVE, bound to `owner` (null: main's list of every command
  // name).
  static void RegisterCommands(CommandTable& t, Snapshotter* owner);

  // Loads `dbfilename` from `dir` if it exists, serving clients -LOADING
  // meanwhile. A damaged file is an error that must stop start-up.
  Status LoadAtStartup();

  // SAVE: a foreground save.
  // `count`: whether rdb_saves counts it (FLUSHALL's save does not, in Redis 7.0).
  Status SaveNow(bool count = true);
  // BGSAVE: forks a child. Errors: a child is running, fork failed.
  Status StartBackgroundSave();
  // BGSAVE with a socket target (repl-diskless-sync): the child writes
  // `prefix`, the RDB stream and, only when the whole snapshot was written,
  // `suffix` into a pipe instead of a file (a child that dies leaves the
  // stream without its end mark). Returns the pipe's read end, which the
  // caller owns (non-blocking, close-on-exec); it reads EOF once the child is
  // through. A save to a pipe changes neither the dirty count, nor LASTSAVE,
  // nor rdb_last_bgsave_status (as Redis 7.0's socket target).
  Result<int> StartBackgroundSaveToPipe(std::string prefix, std::string suffix);
  // Whether a BGSAVE child runs now, and whether its target is a pipe.
  bool background_save_running() const;
  bool background_save_to_pipe() const { return background_save_running() && bgsave_to_pipe_; }
  // Kills the BGSAVE child (a diskless sync whose replicas are all gone).
  void KillBackgroundSave();

  // The hand-off to replication. `provider` says what replication info the
  // next saves carry in their aux fields (repl-id, repl-offset,
  // repl-stream-db; nullopt for none), read when each save starts: at the
  // fork for a BGSAVE, so the offset is the one the snapshot covers.
  using ReplInfoProvider = std::function<std::optional<RdbReplInfo>()>;
  void SetReplInfoProvider(ReplInfoProvider provider) { repl_info_ = std::move(provider); }
  // Told when each save (SAVE or BGSAVE, successful or not) ends.
  using SaveListener = std::function<void(const SaveResult&)>;
  void AddSaveListener(SaveListener listener) { listeners_.push_back(std::move(listener)); }

  // Commands (registered by Install()).
  static void SaveCommand(CommandContext& ctx);
  static void BgsaveCommand(CommandContext& ctx);

  bool last_bgsave_ok() const { return last_bgsave_ok_; }
  uint64_t rdb_saves() const { return rdb_saves_; }

  // The module's hooks (persistence/persistence_module.h calls them):
  // save points and scheduled saves, every cron tick.
  void Cron();
  // The final save on shutdown (per `save`/`nosave` and save points); kills
  // a saving child first.
  Status OnShutdown(bool save, bool nosave);
  // After FLUSHALL: kill a saving child, save the empty dataset if save
  // points are set.
  void OnFlushAll();
  // The -MISCONF refusal after a failed background save, or "".
  std::string MisconfError(const Command& cmd) const;
  // INFO persistence: loading, copy-on-write and rdb_* fields.
  void AppendInfo(std::string* out);

 private:
  void OnChildDone(const ChildResult& r);
  void DebugReload(CommandContext& ctx);
  RdbAuxFields AuxFields() const;
  std::string RdbPath() const;
  void NoteSaved();

  void NotifyListeners(const SaveResult& r);

  Server& server_;
  ChildProcess& child_;
  ReplInfoProvider repl_info_;
  std::vector<SaveListener> listeners_;
  int64_t bgsave_repl_offset_ = -1;  // repl-offset of the running BGSAVE
  bool bgsave_to_pipe_ = false;      // the running BGSAVE's target is a pipe
  bool last_bgsave_ok_ = true;
  int64_t last_bgsave_try_ms_ = 0;
  int64_t last_bgsave_time_sec_ = -1;
  uint64_t rdb_saves_ = 0;
  uint64_t last_cow_bytes_ = 0;
  uint64_t dirty_before_bgsave_ = 0;
  bool bgsave_scheduled_ = false;
  uint64_t last_load_keys_loaded_ = 0;
  uint64_t last_load_keys_expired_ = 0;
};

}  // namespace replikv::persistence
