// ChildProcess: fork()ed background jobs (BGSAVE, later BGREWRITEAOF and
// disk-less syncs), one at a time as in Redis.
//
// The child sees a copy-on-write image of the keyspace. It does plain
// blocking I/O, never touches the libuv loop, logs as role 'C', and ends with
// _exit(). Before exiting it reports its copy-on-write size to the parent
// over a pipe. The parent reaps it from a SIGCHLD uv_signal_t and calls the
// job's completion callback on the loop thread.
//
// Lifecycle: Fork() -> running (server.has_active_child()) -> reaped
// (OnDone callback) or Kill()ed (callback still runs, with the signal).
#pragma once

#include <sys/types.h>
#include <uv.h>

#include <cstdint>
#include <functional>
#include <string>

#include "server/base/status.h"

namespace replikv {
class Server;
}

namespace replikv::persistence {

enum class ChildKind { kNone, kRdb, kAof };

// What a running child last reported (about once a second), for INFO
// persistence's current_* fields.
struct ChildProgress {
  uint64_t keys_processed = 0;
  uint64_t keys_total = 0;      // the dataset's keys at the fork
  uint64_t cow_bytes = 0;
  uint64_t cow_peak = 0;
  int64_t cow_updated_ms = 0;   // when cow_bytes was last reported; 0 never
};

struct ChildResult {
  ChildKind kind = ChildKind::kNone;
  pid_t pid = -1;
  int exit_code = -1;   // valid when !by_signal
  int signal = 0;       // the killing signal, when by_signal
  bool by_signal = false;
  uint64_t cow_bytes = 0;
  bool ok() const { return !by_signal && exit_code == 0; }
};

class ChildProcess {
 public:
  using Job = std::function<bool()>;  // runs in the child; true = success
  using OnDone = std::function<void(const ChildResult&)>;

  explicit ChildProcess(Server& server);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Starts the SIGCHLD watcher (call once the loop exists).
  void Start();
  void Stop();

  // Forks and runs `job` in the child. Fails (no fork) when a child exists.
  // Records latest_fork_usec and total_forks on the server.
  Result<pid_t> Fork(ChildKind kind, Job job, OnDone on_done);
  bool running() const { return pid_ != -1; }
  ChildKind kind() const { return kind_; }
  pid_t pid() const { return pid_; }
  int64_t start_ms() const { return start_ms_; }
  // Reads what the child reported since the last call (cron).
  void Poll();
  const ChildProgress& progress() const { return progress_; }
  // Kills the child with SIGUSR1 (Redis's "killed on purpose" signal, so the
  // parent does not count it as a failure... the callback decides) and reaps
  // it synchronously.
  void KillAndReap();

 private:
  static void OnSigchld(uv_signal_t* h, int signum);
  void Reap(bool block);
  void Finish(int status);
  // Parses complete report lines in report_buf_ ("progress <keys> <cow>",
  // "cow=<bytes>" at exit); returns the exit line's cow, if seen.
  void ParseReports(uint64_t* final_cow);

  Server& server_;
  uv_signal_t sigchld_;
  bool started_ = false;
  pid_t pid_ = -1;
  ChildKind kind_ = ChildKind::kNone;
  int report_fd_ = -1;  // parent's end of the child's report pipe
  std::string report_buf_;
  ChildProgress progress_;
  int64_t start_ms_ = 0;
  OnDone on_done_;
};

// Copy-on-write size of the calling process (Private_Dirty of /proc/self/smaps_rollup).
uint64_t CurrentCowBytes();

// Called by the snapshot and rewrite writers after each key. In a fork
// child it reports the keys done and the copy-on-write size to the parent
// about once a second (Redis's child info pipe); elsewhere (SAVE in the
// loop) it does nothing.
void ChildNoteKeySaved();

}  // namespace replikv::persistence
