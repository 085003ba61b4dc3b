// AppendOnlyFile: the AOF of a running server (Redis 7 multi-part layout).
//
// It is a sink of the propagation funnel: every write arrives as RESP text
// and waits in a buffer. Once per loop iteration, before any reply of that
// iteration is sent (ServerModule::BeforeReply), the buffer is written to
// the current incr file, and fsynced per appendfsync: `always` in line (so
// an acknowledged write is on disk: group commit), `everysec` on the fsync
// thread once a second (a write waits up to 2 s for a pending fsync, then
// goes ahead and counts aof_delayed_fsync), `no` never.
//
// BGREWRITEAOF forks a child that writes a new base file while the parent
// appends to a fresh incr file opened at the rewrite's start (no rewrite
// buffer); at the end the manifest is swapped atomically and the old files
// become history: deleted at once, or kept as `type h` lines while
// aof-disable-auto-gc is yes. With appendonly no a rewrite writes only a new
// base. Turning appendonly on at run time runs such a rewrite first, the
// writes meanwhile going to `temp-<appendfilename>.incr`, which becomes the
// first incr file when the rewrite succeeds and is removed when it fails.
// After 3 consecutive failures, automatic and scheduled rewrites wait 1, 2,
// 4 ... 60 minutes between tries (Redis 7.0's limit; BGREWRITEAOF is not
// limited).
//
// States: off -> (CONFIG SET appendonly yes) wait_rewrite -> on -> off.
#pragma once

#include <cstdint>
#include <string>

#include "persistence/format/aof_manifest.h"
#include "persistence/child.h"
#include "persistence/format/fsync_thread.h"
#include "server/propagate.h"
#include "server/base/status.h"

namespace replikv {
class Server;
class CommandTable;
struct CommandContext;
struct Command;
}  // namespace replikv

namespace replikv::persistence {

class AppendOnlyFile final : public PropagationSink {
 public:
  AppendOnlyFile(Server& server, ChildProcess& child);
  ~AppendOnlyFile() override;
  AppendOnlyFile(const AppendOnlyFile&) = delete;
  AppendOnlyFile& operator=(const AppendOnlyFile&) = delete;

  // Registers the appendonly config hook (the commands: RegisterCommands).
  void Install();
  // BGREWRITEAOF, bound to `owner` (null: main's list of command names).
  static void RegisterCommands(CommandTable& t, AppendOnlyFile* owner);

  // Reads the manifest, if the AOF directory has one, whatever appendonly
  // says (as Redis does: seq numbers go on from it, and a damaged one stops
  // start-up with Redis's FATAL AOF MANIFEST FILE ERROR block in the log).
  // Call before loading any data.
  Status ReadManifestAtStartup();

  // With appendonly yes: loads the AOF directory (or upgrades an old single
  // appendonly.aof, finishing an interrupted upgrade, or creates a new base)
  // and opens it for appending. Errors are logged and must stop start-up.
  Status LoadAtStartup();

  // While waiting for the first rewrite to fork (a BGSAVE runs), writes are
  // not kept: the rewrite's snapshot will hold them (Redis does the same).
  void Feed(std::string_view resp) override;

  // BGREWRITEAOF. Fails when a rewrite runs; schedules when another child runs.
  Status StartRewrite();
  // After a replica's full sync (Redis's restartAOFAfterSYNC): the files
  // describe the old dataset, so the AOF is switched off and on again: a
  // rewrite of the new one, and until it ends the manifest names only the
  // old files (a crash meanwhile restarts with the old dataset whole, never
  // old data plus new writes). A failed start is retried every second.
  void RestartAfterFullSync();

  // The module's hooks (persistence/persistence_module.h calls them):
  // writes the buffer and fsyncs per policy; `force` skips the everysec wait.
  void Flush(bool force);
  // Retries failed writes, takes fsync errors, starts scheduled and
  // automatic rewrites.
  void Cron();
  // Kills a rewriting child; flushes and fsyncs what is buffered.
  Status OnShutdown();
  // Closes the current incr file when the loop ends.
  void CloseIncr();
  // INFO persistence aof_* fields.
  void AppendInfo(std::string* out);
  // The -MISCONF refusal after a failed AOF write, or "".
  std::string MisconfError(const Command& cmd) const;
  // What the AOF on disk is: its base and incr files with their sizes, "" when
  // the AOF is not on. The node-state file records it at a clean shutdown;
  // the same mark after the next start-up's load means the same bytes, so
  // the replication offset recorded with it describes the loaded dataset.
  std::string DatasetMark() const;
  // Bytes waiting in the AOF buffer (INFO mem_aof_buffer).
  size_t buffer_bytes() const { return buf_.capacity(); }

 private:
  enum class State { kOff, kOn, kWaitRewrite };

  std::string AofDir() const;
  std::string PathOf(const std::string& name) const { return AofDir() + "/" + name; }
  Status PersistManifest();
  // Reads the manifest on disk, if any, into manifest_ (seq numbers go on
  // from an AOF an earlier run left behind).
  void ReadManifestIfAny();
  Status OpenAtStartup();
  // Moves an old-style AOF from `dir` into the AOF directory when the
  // manifest names it as the base but it is not there yet.
  Status MigrateOldAofIfNeeded();
  // Unlinks the history files and drops them from the manifest, unless
  // aof-disable-auto-gc is yes. Never deletes a file the manifest uses.
  void DeleteHistoryFiles();
  // Whether automatic and scheduled rewrites must wait after repeated
  // failures; logs when a new wait starts.
  bool RewriteLimited();
  Status OpenIncr(const std::string& name);
  void HandleWriteError(ssize_t written, int err);
  void OnRewriteDone(const ChildResult& r, int64_t first_incr_seq, const std::string& temp_incr);
  Status Enable();
  void Disable();
  static void BgrewriteaofCommand(CommandContext& ctx);
  // DEBUG LOADAOF: flush, empty the dataset, load the AOF on disk again.
  void DebugLoadAof(CommandContext& ctx);

  Server& server_;
  ChildProcess& child_;
  FsyncThread fsync_;
  State state_ = State::kOff;
  bool restart_pending_ = false;  // RestartAfterFullSync failed to start
  AofManifest manifest_;
  std::string buf_;
  int fd_ = -1;
  std::string incr_name_;         // the file fd_ appends to
  uint64_t current_size_ = 0;     // aof_current_size: every file of the AOF
  uint64_t base_size_ = 0;        // aof_base_size
  uint64_t incr_size_ = 0;        // bytes in the current incr file
  int64_t last_annotated_s_ = 0;  // second of the last #TS annotation written
  uint64_t fsynced_size_ = 0;     // incr bytes known to be fsynced (or handed to the fsync thread)
  int64_t last_fsync_ms_ = 0;
  int64_t postponed_since_ms_ = 0;
  uint64_t delayed_fsync_ = 0;
  bool last_write_ok_ = true;
  int64_t flush_sleep_us_ = 0;    // DEBUG AOF-FLUSH-SLEEP: slept before each write of the buffer
  int last_write_errno_ = 0;
  bool rewrite_scheduled_ = false;
  bool last_rewrite_ok_ = true;
  uint64_t rewrites_ = 0;
  uint64_t rewrite_failures_ = 0;
  int64_t last_rewrite_time_sec_ = -1;
  int rewrite_delay_minutes_ = 0;      // the current wait of RewriteLimited()
  int64_t next_rewrite_unix_s_ = 0;    // when it ends, 0 if none
  uint64_t last_cow_bytes_ = 0;
};

}  // namespace replikv::persistence
