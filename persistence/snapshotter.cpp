#include "persistence/snapshotter.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "persistence/format/file.h"
#include "server/net/client.h"
#include "server/command_table.h"
#include "server/memory_stats.h"
#include "server/net/reply_buffer.h"
#include "server/server.h"
#include "server/base/version.h"

namespace replikv::persistence {
namespace {

Snapshotter* g_snapshotter = nullptr;

// Redis retries a failed background save from the save points only after
// this long (CONFIG_BGSAVE_RETRY_DELAY).
constexpr int64_t kBgsaveRetryDelayMs = 5000;

void Field(std::string* o, const char* name, const std::string& v) {
  *o += name;
  *o += ':';
  *o += v;
  *o += "\r\n";
}
void Field(std::string* o, const char* name, int64_t v) { Field(o, name, std::to_string(v)); }

}  // namespace

Snapshotter::Snapshotter(Server& server, ChildProcess& child) : server_(server), child_(child) {}

std::string Snapshotter::RdbPath() const {
  // The process has chdir()ed to `dir` (config apply hook), as Redis does.
  return server_.config().dbfilename;
}

RdbLoadTuning Snapshotter::LoadTuning() const {
  const ServerConfig& c = server_.config();
  RdbLoadTuning t;
  t.key_delay_us = c.key_load_delay;
  t.limits = EncoderOptionsFromConfig(c).limits;
  if (c.loading_process_events_interval_bytes > 0) {
    t.progress_interval_bytes = static_cast<uint64_t>(c.loading_process_events_interval_bytes);
  }
  return t;
}

RdbAuxFields Snapshotter::AuxFields() const {
  RdbAuxFields aux;
  aux.redis_ver = kRedisCompatVersion;
  aux.ctime = WallClockMs() / 1000;
  aux.used_mem = static_cast<int64_t>(ReadAllocatorStats().allocated);
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
  Status st = SaveKeyspaceToFile(server_.keyspace(), RdbPath(), EncoderOptionsFromConfig(server_.config()),
                                 AuxFields(), server_.config().rdb_key_save_delay);
  if (!st.ok()) {
    spdlog::warn("Failed saving the DB: {}", st.message());
    return st;
  }
  spdlog::info("DB saved on disk");
  NoteSaved();
  return Status::OK();
}

Status Snapshotter::StartBackgroundSave() {
  if (child_.running()) return Status::InvalidArgument("a child process is already running");
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
  auto pid = child_.Fork(
      ChildKind::kRdb,
      [&ks, path, options, aux, key_delay_us]() {
        Status st = SaveKeyspaceToFile(ks, path, options, aux, key_delay_us);
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
    return pid.status();
  }
  spdlog::info("Background saving started by pid {}", *pid);
  return Status::OK();
}

void Snapshotter::OnChildDone(const ChildResult& r) {
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
  bool loading = server_.loading;
  Field(o, "loading", int64_t{loading ? 1 : 0});
  Field(o, "async_loading", int64_t{0});
  if (loading) {
    int64_t elapsed_ms = WallClockMs() - loading_start_ms_;
    double perc = loading_total_bytes_ ? 100.0 * static_cast<double>(loading_loaded_bytes_) /
                                             static_cast<double>(loading_total_bytes_)
                                       : 0;
    int64_t eta = 1;
    if (loading_loaded_bytes_ > 0 && elapsed_ms > 0) {
      double rate = static_cast<double>(loading_loaded_bytes_) / static_cast<double>(elapsed_ms);
      eta = static_cast<int64_t>(static_cast<double>(loading_total_bytes_ - loading_loaded_bytes_) / rate / 1000.0);
    }
    char buf[32];
    // Redis prints the number alone ("12.34"), no percent sign.
    std::snprintf(buf, sizeof(buf), "%.2f", perc);
    Field(o, "loading_start_time", loading_start_unix_);
    Field(o, "loading_total_bytes", static_cast<int64_t>(loading_total_bytes_));
    Field(o, "loading_rdb_used_mem", loading_rdb_used_mem_);
    Field(o, "loading_loaded_bytes", static_cast<int64_t>(loading_loaded_bytes_));
    Field(o, "loading_loaded_perc", std::string(buf));
    Field(o, "loading_eta_seconds", eta);
  }
  bool bgsave = child_.running() && child_.kind() == ChildKind::kRdb;
  Field(o, "current_cow_peak", int64_t{0});
  Field(o, "current_cow_size", int64_t{0});
  Field(o, "current_cow_size_age", int64_t{0});
  Field(o, "current_fork_perc", std::string("0.00"));
  Field(o, "current_save_keys_processed", int64_t{0});
  Field(o, "current_save_keys_total", int64_t{0});
  Field(o, "rdb_changes_since_last_save", static_cast<int64_t>(server_.dirty));
  Field(o, "rdb_bgsave_in_progress", int64_t{bgsave ? 1 : 0});
  Field(o, "rdb_last_save_time", server_.lastsave_unix);
  Field(o, "rdb_last_bgsave_status", std::string(last_bgsave_ok_ ? "ok" : "err"));
  Field(o, "rdb_last_bgsave_time_sec", last_bgsave_time_sec_);
  Field(o, "rdb_current_bgsave_time_sec", bgsave ? (WallClockMs() - child_.start_ms()) / 1000 : int64_t{-1});
  Field(o, "rdb_saves", static_cast<int64_t>(rdb_saves_));
  Field(o, "rdb_last_cow_size", static_cast<int64_t>(last_cow_bytes_));
  Field(o, "rdb_last_load_keys_expired", static_cast<int64_t>(last_load_keys_expired_));
  Field(o, "rdb_last_load_keys_loaded", static_cast<int64_t>(last_load_keys_loaded_));
  for (auto& extra : server_.info_persistence_extra) extra(o);
}

Status Snapshotter::LoadAtStartup() {
  std::string path = RdbPath();
  struct stat sb;
  if (stat(path.c_str(), &sb) != 0) return Status::OK();  // nothing saved yet
  server_.loading = true;
  loading_start_ms_ = WallClockMs();
  loading_start_unix_ = loading_start_ms_ / 1000;
  loading_total_bytes_ = static_cast<uint64_t>(sb.st_size);
  loading_loaded_bytes_ = 0;
  loading_rdb_used_mem_ = 0;
  int64_t last_log_ms = loading_start_ms_;
  RdbLoadResult result;
  Status st = LoadKeyspaceFromFile(
      server_.keyspace(), path, /*drop_expired=*/!server_.is_replica,
      [&](uint64_t bytes, uint64_t total) {
        loading_loaded_bytes_ = bytes;
        loading_rdb_used_mem_ = result.used_mem;  // the file's aux used-mem, read first
        // Serve clients (-LOADING, INFO) while we work, like Redis's
        // processEventsWhileBlocked, and say how far we are now and then.
        server_.PumpEvents();
        int64_t now = WallClockMs();
        if (now - last_log_ms >= 5000) {
          last_log_ms = now;
          spdlog::info("Loading RDB: {:.1f}% of {} bytes", total ? 100.0 * bytes / total : 0.0, total);
        }
      },
      &result, LoadTuning());
  server_.loading = false;
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
  spdlog::info("Done loading RDB, keys loaded: {}, keys expired: {}.", result.keys_loaded, result.keys_expired);
  spdlog::info("DB loaded from disk: {:.3f} seconds", static_cast<double>(WallClockMs() - loading_start_ms_) / 1000);
  return Status::OK();
}

void Snapshotter::DebugReload(CommandContext& ctx) {
  bool save = true;
  for (size_t i = 2; i < ctx.argv.size(); ++i) {
    if (EqualsIgnoreCase(ctx.argv[i], "nosave")) {
      save = false;
    } else {
      return ctx.reply.AddError("DEBUG RELOAD only supports the NOSAVE option");
    }
  }
  if (save) {
    Status st = SaveNow();
    if (!st.ok()) return ctx.reply.AddError("Error trying to save the DB: " + st.message());
  }
  Keyspace& ks = server_.keyspace();
  for (int i = 0; i < ks.databases(); ++i) ks.db(i).Clear();
  RdbLoadResult result;
  Status st = LoadKeyspaceFromFile(ks, RdbPath(), true, nullptr, &result, LoadTuning());
  if (!st.ok()) return ctx.reply.AddError("Error trying to load the RDB dump: " + st.message());
  spdlog::info("DB reloaded by DEBUG RELOAD");
  ctx.reply.AddOk();
}

void Snapshotter::SaveCommand(CommandContext& ctx) {
  Snapshotter& s = *g_snapshotter;
  if (s.child_.running() && s.child_.kind() == ChildKind::kRdb) {
    return ctx.reply.AddError("Background save already in progress");
  }
  // Redis answers a bare "-ERR" when the save itself fails.
  if (!s.SaveNow().ok()) return ctx.reply.Append("-ERR\r\n");
  ctx.reply.AddOk();
}

void Snapshotter::BgsaveCommand(CommandContext& ctx) {
  Snapshotter& s = *g_snapshotter;
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

void Snapshotter::RegisterCommands(CommandTable& t) {
  Command save;
  save.name = "save";
  save.arity = 1;
  save.flags = kCmdAdmin | kCmdNoscript | kCmdNoAsyncLoading | kCmdNoMulti;
  save.handler = &Snapshotter::SaveCommand;
  save.group = "server";
  t.Add(std::move(save));
  Command bgsave;
  bgsave.name = "bgsave";
  bgsave.arity = -1;
  bgsave.flags = kCmdAdmin | kCmdNoscript | kCmdNoAsyncLoading;
  bgsave.handler = &Snapshotter::BgsaveCommand;
  bgsave.group = "server";
  t.Add(std::move(bgsave));
}

void Snapshotter::Install() {
  g_snapshotter = this;
  child_.Start();
  Server& srv = server_;
  RegisterCommands(srv.commands());

  srv.cron_hooks.push_back([this] { Cron(); });
  srv.shutdown_hooks.push_back([this](bool save_flag, bool nosave) { return OnShutdown(save_flag, nosave); });
  srv.stop_hooks.push_back([this] {
    child_.KillAndReap();
    child_.Stop();
  });
  srv.flushall_hooks.push_back([this] {
    // Redis 7.0: FLUSHALL kills a saving child and, with save points set,
    // saves the now empty dataset at once.
    if (child_.running() && child_.kind() == ChildKind::kRdb) child_.KillAndReap();
    // The save leaves rdb_changes_since_last_save at 0, as in Redis; FLUSHALL
    // propagates itself, so it needs no dirty count to reach the AOF.
    if (!server_.config().save_points.empty()) SaveNow(/*count=*/false).IgnoreError();
  });
  srv.info_sections["persistence"] = [this](std::string* out) { AppendInfo(out); };
  srv.debug_subcommands.emplace_back("reload", [this](CommandContext& ctx) { DebugReload(ctx); });
  srv.command_checks.push_back([this](Client& c, const Command& cmd) {
    // Redis 7.0 refuses writes (and PING) after a failed background save
    // while save points and stop-writes-on-bgsave-error are set.
    const ServerConfig& cfg = server_.config();
    if (last_bgsave_ok_ || !cfg.stop_writes_on_bgsave_error || cfg.save_points.empty() || server_.is_replica) {
      return std::string();
    }
    if (!(cmd.flags & kCmdWrite) && cmd.name != "ping") return std::string();
    return std::string(
        "-MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands "
        "that may modify the data set are disabled, because this instance is configured to report errors during "
        "writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for "
        "details about the RDB error.");
  });
}

}  // namespace replikv::persistence
