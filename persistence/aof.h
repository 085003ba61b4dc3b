// AppendOnlyFile: the AOF of a running server (Redis 7 multi-part layout).
//
// It is a sink of the propagation funnel: every write arrives as RESP text
// and waits in a buffer. Once per loop iteration, before any reply of that
// iteration is sent (Server::before_reply_hooks), the buffer is written to
// the current incr file, and fsynced per appendfsync: `always` in line (so
// an acknowledged write is on disk: group commit), `everysec` on the fsync
// thread once a second (a write waits up to 2 s for a pending fsync, then
// goes ahead and counts aof_delayed_fsync), `no` never.
//
// BGREWRITEAOF forks a child that writes a new base file while the parent
// appends to a fresh incr file opened at the rewrite's start (no rewrite
// buffer); at the end the manifest is swapped atomically and the old files
// are deleted. Turning appendonly on at run time runs such a rewrite first.
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
}  // namespace replikv

namespace replikv::persistence {

class AppendOnlyFile final : public PropagationSink {
 public:
  AppendOnlyFile(Server& server, ChildProcess& child);
  ~AppendOnlyFile() override;
  AppendOnlyFile(const AppendOnlyFile&) = delete;
  AppendOnlyFile& operator=(const AppendOnlyFile&) = delete;

  // Registers BGREWRITEAOF, hooks, INFO fields, the appendonly config hook.
  void Install();
  static void RegisterCommands(CommandTable& t);

  // With appendonly yes: loads the AOF directory (or upgrades an old single
  // appendonly.aof, or creates a new base) and opens it for appending.
  // Errors must stop start-up.
  Status LoadAtStartup();

  // While waiting for the first rewrite to fork (a BGSAVE runs), writes are
  // not kept: the rewrite's snapshot will hold them (Redis does the same).
  void Feed(std::string_view resp) override;

  // BGREWRITEAOF. Fails when a rewrite runs; schedules when another child runs.
  Status StartRewrite();

 private:
  enum class State { kOff, kOn, kWaitRewrite };

  std::string AofDir() const;
  std::string PathOf(const std::string& name) const { return AofDir() + "/" + name; }
  Status PersistManifest();
  // Reads the manifest on disk, if any, into manifest_ (seq numbers go on
  // from an AOF an earlier run left behind).
  void ReadManifestIfAny();
  Status OpenIncr(const std::string& name);
  void CloseIncr();
  // Writes the buffer and fsyncs per policy; `force` skips the everysec wait.
  void Flush(bool force);
  void HandleWriteError(ssize_t written, int err);
  void OnRewriteDone(const ChildResult& r, int64_t first_incr_seq, const std::string& temp_incr);
  Status Enable();
  void Disable();
  void Cron();
  Status OnShutdown();
  void AppendInfo(std::string* out);
  static void BgrewriteaofCommand(CommandContext& ctx);
  // DEBUG LOADAOF: flush, empty the dataset, load the AOF on disk again.
  void DebugLoadAof(CommandContext& ctx);

  Server& server_;
  ChildProcess& child_;
  FsyncThread fsync_;
  State state_ = State::kOff;
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
  uint64_t last_cow_bytes_ = 0;
};

}  // namespace replikv::persistence
