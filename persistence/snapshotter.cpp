#include "persistence/snapshotter.h"

#include <fcntl.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <string>

#include "persistence/format/file.h"
#include "server/net/client.h"
#include "server/command_table.h"
#include "server/memory_stats.h"
#include "server/net/reply_buffer.h"
#include "server/info_field.h"
#include "server/commands/scripting.h"
#include "server/server.h"
#include "server/base/version.h"

namespace replikv::persistence {
namespace {

// Redis retries a failed background save from the save points only after
// this long (CONFIG_BGSAVE_RETRY_DELAY).
constexpr int64_t kBgsaveRetryDelayMs = 5000;


}  // namespace

Snapshotter::Snapshotter(Server& server, ChildProcess& child) : server_(server), child_(child) {}

std::string Snapshotter::RdbPath() const {
  // The process has chdir()ed to `dir` (config apply hook), as Redis does.
  return server_.config().dbfilename;
}

RdbAuxFields Snapshotter::AuxFields() const {
  RdbAuxFields aux;
  aux.redis_ver = kRedisCompatVersion;
  aux.ctime = WallClockMs() / 1000;
  aux.used_mem = static_cast<int64_t>(ReadAllocatorStats().allocated);
  aux.functions = server_.scripting().LibraryCodes();
  return aux;
}

void Snapshotter::NoteSaved() {
  server_.dirty = 0;
  server_.lastsave_unix = WallClockMs() / 1000;
  last_bgsave_ok_ = true;
}

Status Snapshotter::SaveNow(bool count) {
  if (child_.running() && child_.kind() == ChildKind::kRdb) {
    return Status::InvalidArgument("Background save already in progress");
  }
  // Redis 7.0 counts rdb_saves per attempt, failed ones included.
  if (count) ++rdb_saves_;
  std::optional<RdbReplInfo> repl = repl_info_ ? repl_info_() : std::nullopt;
  Status st = SaveKeyspaceToFile(server_.keyspace(), RdbPath(), EncoderOptionsFromConfig(server_.config()),
                                 AuxFields(), server_.config().rdb_key_save_delay, repl ? &*repl : nullptr);
  SaveResult result{st.ok(), false, RdbPath(), repl ? repl->repl_offset : -1};
  if (!st.ok()) {
    spdlog::warn("Failed saving the DB: {}", st.message());
    NotifyListeners(result);
    return st;
  }
  spdlog::info("DB saved on disk");
  NoteSaved();
  NotifyListeners(result);
  return Status::OK();
}

// Writes the RDB stream to a pipe in large writes (the parent reads it in
// chunks and fans it out to the replicas' sockets).
class PipeSink final : public RdbSink {
 public:
  explicit PipeSink(int fd) : fd_(fd) { buf_.reserve(kBuffer); }
  Status Append(const char* data, size_t n) override {
    buf_.append(data, n);
    return buf_.size() >= kBuffer ? Flush() : Status::OK();
  }
  Status Flush() {
    size_t off = 0;
    while (off < buf_.size()) {
      ssize_t w = write(fd_, buf_.data() + off, buf_.size() - off);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return Status::IOError(std::string("writing the RDB to the replication pipe: ") + std::strerror(errno));
      off += static_cast<size_t>(w);
    }
    buf_.clear();
    return Status::OK();
  }

 private:
  static constexpr size_t kBuffer = 256 * 1024;
  int fd_;
  std::string buf_;
};

Result<int> Snapshotter::StartBackgroundSaveToPipe(std::string prefix, std::string suffix) {
  if (child_.running()) return Status::InvalidArgument("a child process is already running");
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return Status::IOError(std::string("pipe: ") + std::strerror(errno));
  const int read_fd = fds[0], pipe_fd = fds[1];
  // A bigger pipe means fewer wake-ups of the loop per megabyte sent.
  fcntl(pipe_fd, F_SETPIPE_SZ, 1 << 20);
  Keyspace& ks = server_.keyspace();
  RdbEncoderOptions options = EncoderOptionsFromConfig(server_.config());
  RdbAuxFields aux = AuxFields();
  int key_delay_us = server_.config().rdb_key_save_delay;
  std::optional<RdbReplInfo> repl = repl_info_ ? repl_info_() : std::nullopt;
  auto pid = child_.Fork(
      ChildKind::kRdb,
      [&ks, read_fd, pipe_fd, options, aux, key_delay_us, repl, prefix, suffix]() {
        close(read_fd);  // so a parent that is gone makes the writes fail
        PipeSink sink(pipe_fd);
        Status st = sink.Append(prefix.data(), prefix.size());
        if (st.ok()) st = WriteKeyspace(ks, &sink, options, aux, nullptr, key_delay_us, repl ? &*repl : nullptr);
        if (st.ok()) st = sink.Append(suffix.data(), suffix.size());
        if (st.ok()) st = sink.Flush();
        close(pipe_fd);
        if (!st.ok()) {
          spdlog::warn("Write error while streaming the DB to replicas: {}", st.message());
          return false;
        }
        uint64_t cow = CurrentCowBytes();
        spdlog::info("Fork CoW for RDB: current {} MB, peak {} MB, average {} MB", cow >> 20, cow >> 20, cow >> 20);
        return true;
      },
      [this](const ChildResult& r) { OnChildDone(r); });
  close(pipe_fd);  // the child's end
  if (!pid.ok()) {
    close(read_fd);
    spdlog::warn("Can't save in background: {}", pid.status().message());
    return pid.status();
  }
  fcntl(read_fd, F_SETFL, fcntl(read_fd, F_GETFL) | O_NONBLOCK);
  bgsave_to_pipe_ = true;
  bgsave_repl_offset_ = repl ? repl->repl_offset : -1;
  spdlog::info("Background RDB transfer started by pid {}", *pid);
  return read_fd;
}

void Snapshotter::KillBackgroundSave() {
  if (background_save_running()) child_.KillAndReap();
}

Status Snapshotter::StartBackgroundSave() {
  if (child_.running()) return Status::InvalidArgument("a child process is already running");
  bgsave_to_pipe_ = false;
  ++rdb_saves_;  // per attempt, as Redis 7.0
  dirty_before_bgsave_ = server_.dirty;
  last_bgsave_try_ms_ = WallClockMs();
  Keyspace& ks = server_.keyspace();
  std::string path = RdbPath();
  RdbEncoderOptions options = EncoderOptionsFromConfig(server_.config());
  RdbAuxFields aux = AuxFields();
  // rdb-key-save-delay: Redis's test knob that makes the child slow enough
  // to be seen running (and killed) by tests.
  int key_delay_us = server_.config().rdb_key_save_delay;
  std::optional<RdbReplInfo> repl = repl_info_ ? repl_info_() : std::nullopt;
  bgsave_repl_offset_ = repl ? repl->repl_offset : -1;
  auto pid = child_.Fork(
      ChildKind::kRdb,
      [&ks, path, options, aux, key_delay_us, repl]() {
        Status st = SaveKeyspaceToFile(ks, path, options, aux, key_delay_us, repl ? &*repl : nullptr);
        if (!st.ok()) {
          spdlog::warn("Write error saving DB on disk: {}", st.message());
          return false;
        }
        spdlog::info("DB saved on disk");
        uint64_t cow = CurrentCowBytes();
        spdlog::info("Fork CoW for RDB: current {} MB, peak {} MB, average {} MB", cow >> 20, cow >> 20, cow >> 20);
        return true;
      },
      [this](const ChildResult& r) { OnChildDone(r); });
  if (!pid.ok()) {
    last_bgsave_ok_ = false;
    spdlog::warn("Can't save in background: {}", pid.status().message());
    NotifyListeners(SaveResult{false, true, path, bgsave_repl_offset_});
    return pid.status();
  }
  spdlog::info("Background saving started by pid {}", *pid);
  return Status::OK();
}

void Snapshotter::OnChildDone(const ChildResult& r) {
  if (bgsave_to_pipe_) {
    // A socket target: the replicas, not the file, got the snapshot.
    bgsave_to_pipe_ = false;
    if (r.ok()) {
      spdlog::info("Background RDB transfer terminated with success");
    } else if (r.by_signal) {
      spdlog::warn("Background transfer terminated by signal {}", r.signal);
    } else {
      spdlog::warn("Background transfer error");
    }
    NotifyListeners(SaveResult{r.ok(), true, std::string(), bgsave_repl_offset_, true});
    return;
  }
  last_bgsave_time_sec_ = (WallClockMs() - child_.start_ms()) / 1000;
  if (last_bgsave_time_sec_ < 0) last_bgsave_time_sec_ = 0;
  last_cow_bytes_ = r.cow_bytes;
  if (r.ok()) {
    spdlog::info("Background saving terminated with success");
    server_.dirty = server_.dirty >= dirty_before_bgsave_ ? server_.dirty - dirty_before_bgsave_ : 0;
    server_.lastsave_unix = WallClockMs() / 1000;
    last_bgsave_ok_ = true;
  } else if (r.by_signal) {
    spdlog::warn("Background saving terminated by signal {}", r.signal);
    // SIGUSR1 means we killed it on purpose: not an error (as Redis).
    if (r.signal != SIGUSR1) last_bgsave_ok_ = false;
  } else {
    spdlog::warn("Background saving error");
    last_bgsave_ok_ = false;
  }
  if (!r.ok()) {
    // A child that died mid-write leaves its temp file; the target is intact.
    RemoveFile(TempFilePath(".", "rdb", r.pid)).IgnoreError();
  }
  NotifyListeners(SaveResult{r.ok(), true, RdbPath(), bgsave_repl_offset_});
}

bool Snapshotter::background_save_running() const { return child_.running() && child_.kind() == ChildKind::kRdb; }

void Snapshotter::NotifyListeners(const SaveResult& r) {
  for (const SaveListener& l : listeners_) l(r);
}

void Snapshotter::Cron() {
  if (child_.running()) return;
  if (bgsave_scheduled_) {
    bgsave_scheduled_ = false;
    StartBackgroundSave().IgnoreError();
    return;
  }
  int64_t now_ms = WallClockMs();
  int64_t now = now_ms / 1000;
  for (const SavePoint& sp : server_.config().save_points) {
    if (server_.dirty >= static_cast<uint64_t>(sp.changes) && now - server_.lastsave_unix > sp.seconds &&
        (last_bgsave_ok_ || now_ms - last_bgsave_try_ms_ >= kBgsaveRetryDelayMs)) {
      spdlog::info("{} changes in {} seconds. Saving...", sp.changes, sp.seconds);
      StartBackgroundSave().IgnoreError();
      break;
    }
  }
}

Status Snapshotter::OnShutdown(bool save, bool nosave) {
  if (child_.running() && child_.kind() == ChildKind::kRdb) {
    spdlog::warn("There is a child saving an .rdb. Killing it!");
    pid_t pid = child_.pid();
    child_.KillAndReap();
    RemoveFile(TempFilePath(".", "rdb", pid)).IgnoreError();
  }
  bool want = save || (!nosave && !server_.config().save_points.empty());
  if (!want) return Status::OK();
  spdlog::info("Saving the final RDB snapshot before exiting.");
  Status st = SaveNow();
  if (!st.ok()) {
    spdlog::warn("Error trying to save the DB, can't exit.");
    return st;
  }
  return Status::OK();
}

void Snapshotter::AppendInfo(std::string* o) {
  server_.loading_state().AppendInfo(o);
  bool bgsave = child_.running() && child_.kind() == ChildKind::kRdb;
  // What the running child (BGSAVE or rewrite) last reported; 0 without one.
  ChildProgress p = child_.running() ? child_.progress() : ChildProgress();
  InfoField(o, "current_cow_peak", p.cow_peak);
  InfoField(o, "current_cow_size", p.cow_bytes);
  InfoField(o, "current_cow_size_age", p.cow_updated_ms ? (WallClockMs() - p.cow_updated_ms) / 1000 : int64_t{0});
  InfoFieldF(o, "current_fork_perc",
             p.keys_total ? 100.0 * static_cast<double>(p.keys_processed) / static_cast<double>(p.keys_total) : 0.0);
  InfoField(o, "current_save_keys_processed", p.keys_processed);
  InfoField(o, "current_save_keys_total", p.keys_total);
  InfoField(o, "rdb_changes_since_last_save", static_cast<int64_t>(server_.dirty));
  InfoField(o, "rdb_bgsave_in_progress", int64_t{bgsave ? 1 : 0});
  InfoField(o, "rdb_last_save_time", server_.lastsave_unix);
  InfoField(o, "rdb_last_bgsave_status", std::string(last_bgsave_ok_ ? "ok" : "err"));
  InfoField(o, "rdb_last_bgsave_time_sec", last_bgsave_time_sec_);
  InfoField(o, "rdb_current_bgsave_time_sec", bgsave ? (WallClockMs() - child_.start_ms()) / 1000 : int64_t{-1});
  InfoField(o, "rdb_saves", static_cast<int64_t>(rdb_saves_));
  InfoField(o, "rdb_last_cow_size", static_cast<int64_t>(last_cow_bytes_));
  InfoField(o, "rdb_last_load_keys_expired", static_cast<int64_t>(last_load_keys_expired_));
  InfoField(o, "rdb_last_load_keys_loaded", static_cast<int64_t>(last_load_keys_loaded_));
}

Status Snapshotter::LoadAtStartup() {
  std::string path = RdbPath();
  struct stat sb;
  if (stat(path.c_str(), &sb) != 0) return Status::OK();  // nothing saved yet
  LoadingState& loading = server_.loading_state();
  loading.Begin("RDB", static_cast<uint64_t>(sb.st_size));
  RdbLoadResult result;
  Status st = LoadKeyspaceFromFile(
      server_.keyspace(), path, /*drop_expired=*/!server_.is_replica(),
      [&](uint64_t bytes, uint64_t) {
        loading.set_rdb_used_mem(result.used_mem);  // the file's aux used-mem, read first
        loading.Progress(bytes);
        // Serve clients (-LOADING, INFO) while we work, like Redis's
        // processEventsWhileBlocked.
        server_.PumpEvents();
      },
      &result, LoadTuningFromConfig(server_.config()));
  const int64_t start_ms = loading.start_ms();
  loading.End();
  if (st.ok()) st = InstallLoadedFunctions(server_.scripting(), result);
  if (!st.ok()) {
    // Redis 7.0's line for a file that ends early, which operators grep for;
    // the other reasons carry Redis's words in the message itself.
    if (st.message().find("Unexpected EOF reading RDB file") != std::string::npos) {
      spdlog::warn("Short read or OOM loading DB. Unrecoverable error, aborting now.");
    }
    spdlog::warn("Fatal error loading the RDB file {}: {}. Run 'replikv-check-rdb {}' for details. Exiting.", path,
                 st.message(), path);
    return st;
  }
  if (!result.redis_ver.empty()) spdlog::info("Loading RDB produced by version {}", result.redis_ver);
  if (result.ctime > 0) spdlog::info("RDB age {} seconds", WallClockMs() / 1000 - result.ctime);
  if (result.used_mem > 0) {
    spdlog::info("RDB memory usage when created {:.2f} Mb", static_cast<double>(result.used_mem) / (1024 * 1024));
  }
  last_load_keys_loaded_ = result.keys_loaded;
  last_load_keys_expired_ = result.keys_expired;
  loading.last_repl_info = LoadedReplInfo{result.repl_id, result.repl_offset, result.repl_stream_db};
  spdlog::info("Done loading RDB, keys loaded: {}, keys expired: {}.", result.keys_loaded, result.keys_expired);
  spdlog::info("DB loaded from disk: {:.3f} seconds", static_cast<double>(WallClockMs() - start_ms) / 1000);
  return Status::OK();
}

// DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE], as Redis 7.0: save (unless
// NOSAVE), empty the dataset (unless NOFLUSH), load dump.rdb. With NOFLUSH
// but not MERGE a key that is already there stops the load: Redis then
// dies ("conflicting keys will generate an exception and kill the server"),
// replikv does the same with a log line, since the dataset is half loaded.
void Snapshotter::DebugReload(CommandContext& ctx) {
  bool save = true, flush = true, merge = false;
  for (size_t i = 2; i < ctx.argv.size(); ++i) {
    if (EqualsIgnoreCase(ctx.argv[i], "nosave")) {
      save = false;
    } else if (EqualsIgnoreCase(ctx.argv[i], "noflush")) {
      flush = false;
    } else if (EqualsIgnoreCase(ctx.argv[i], "merge")) {
      merge = true;
    } else {
      return ctx.reply.AddError("DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.");
    }
  }
  if (save) {
    Status st = SaveNow();
    if (!st.ok()) return ctx.reply.AddError("Error trying to save the DB: " + st.message());
  }
  Keyspace& ks = server_.keyspace();
  if (flush) {
    ks.ClearAll();
  }
  RdbLoadResult result;
  RdbLoadTuning tuning = LoadTuningFromConfig(server_.config());
  tuning.replace_existing = merge;
  Status st = LoadKeyspaceFromFile(ks, RdbPath(), true, nullptr, &result, tuning);
  if (st.ok()) st = InstallLoadedFunctions(server_.scripting(), result);
  if (!st.ok()) {
    if (!flush && !merge && st.message().find("duplicate key") != std::string::npos) {
      spdlog::warn("DEBUG RELOAD NOFLUSH: {}. Exiting.", st.message());
      std::_Exit(1);
    }
    spdlog::warn("DEBUG RELOAD: {}", st.message());
    return ctx.reply.AddError("Error trying to load the RDB dump");
  }
  spdlog::warn("DB reloaded by DEBUG RELOAD");
  ctx.reply.AddOk();
}

void Snapshotter::SaveCommand(CommandContext& ctx) {
  Snapshotter& s = ctx.Owner<Snapshotter>();
  if (s.child_.running() && s.child_.kind() == ChildKind::kRdb) {
    return ctx.reply.AddError("Background save already in progress");
  }
  // Redis answers a bare "-ERR" when the save itself fails.
  if (!s.SaveNow().ok()) return ctx.reply.Append("-ERR\r\n");
  ctx.reply.AddOk();
}

void Snapshotter::BgsaveCommand(CommandContext& ctx) {
  Snapshotter& s = ctx.Owner<Snapshotter>();
  bool schedule = false;
  if (ctx.argv.size() > 1) {
    if (ctx.argv.size() == 2 && EqualsIgnoreCase(ctx.argv[1], "schedule")) {
      schedule = true;
    } else {
      return ReplySyntaxError(ctx.reply);
    }
  }
  if (s.child_.running() && s.child_.kind() == ChildKind::kRdb) {
    return ctx.reply.AddError("Background save already in progress");
  }
  if (s.child_.running()) {
    if (!schedule) {
      return ctx.reply.AddError(
          "Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule "
          "a BGSAVE whenever possible.");
    }
    s.bgsave_scheduled_ = true;
    return ctx.reply.AddSimple("Background saving scheduled");
  }
  if (!s.StartBackgroundSave().ok()) return ctx.reply.Append("-ERR\r\n");
  ctx.reply.AddSimple("Background saving started");
}

void Snapshotter::RegisterCommands(CommandTable& t, Snapshotter* owner) {
  Command save;
  save.name = "save";
  save.arity = 1;
  save.flags = kCmdAdmin | kCmdNoscript | kCmdNoAsyncLoading | kCmdNoMulti;
  save.handler = &Snapshotter::SaveCommand;
  save.owner = owner;
  save.group = "server";
  t.Add(std::move(save));
  Command bgsave;
  bgsave.name = "bgsave";
  bgsave.arity = -1;
  bgsave.flags = kCmdAdmin | kCmdNoscript | kCmdNoAsyncLoading;
  bgsave.handler = &Snapshotter::BgsaveCommand;
  bgsave.owner = owner;
  bgsave.group = "server";
  t.Add(std::move(bgsave));
}

void Snapshotter::Install() {
  server_.debug_subcommands.emplace_back("reload", [this](CommandContext& ctx) { DebugReload(ctx); });
}

void Snapshotter::OnFlushAll() {
  // Redis 7.0: FLUSHALL kills a saving child and, with save points set,
  // saves the now empty dataset at once.
  if (child_.running() && child_.kind() == ChildKind::kRdb) child_.KillAndReap();
  // The save leaves rdb_changes_since_last_save at 0, as in Redis; FLUSHALL
  // propagates itself, so it needs no dirty count to reach the AOF.
  if (!server_.config().save_points.empty()) SaveNow(/*count=*/false).IgnoreError();
}

std::string Snapshotter::MisconfError(const Command& cmd) const {
  // Redis 7.0 refuses writes (and PING) after a failed background save
  // while save points and stop-writes-on-bgsave-error are set.
  const ServerConfig& cfg = server_.config();
  if (last_bgsave_ok_ || !cfg.stop_writes_on_bgsave_error || cfg.save_points.empty() || server_.is_replica()) {
    return std::string();
  }
  if (!(cmd.flags & kCmdWrite) && cmd.name != "ping") return std::string();
  return std::string(
      "-MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands "
      "that may modify the data set are disabled, because this instance is configured to report errors during "
      "writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for "
      "details about the RDB error.");
}

}  // namespace replikv::persistence
