#include "persistence/aof.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

#include "persistence/aof_loader.h"
#include "persistence/aof_rewrite.h"
#include "persistence/format/file.h"
#include "persistence/rdb_keyspace.h"
#include "server/net/client.h"
#include "server/command_table.h"
#include "server/memory_stats.h"
#include "server/net/reply_buffer.h"
#include "server/info_field.h"
#include "server/server.h"
#include "server/base/version.h"

namespace replikv::persistence {
namespace {


// DEBUG's answer to a subcommand given the wrong number of arguments.
void ReplyDebugArity(CommandContext& ctx) {
  ctx.reply.AddError("unknown subcommand or wrong number of arguments for '" + std::string(ctx.argv[1].substr(0, 128)) +
                     "'. Try DEBUG HELP.");
}

// Redis waits this long for a pending background fsync before writing
// anyway (everysec).
constexpr int64_t kMaxPostponeMs = 2000;

// Redis 7.0 limits automatic rewrites after this many consecutive failures,
// waiting 1, 2, 4 ... minutes, at most an hour.
constexpr uint64_t kRewriteLimitFailures = 3;
constexpr int kRewriteLimitMaxMinutes = 60;

// Redis 7.0: "Can't open or create append-only dir appendonlydir: Not a directory".
Status MakeAofDir(const std::string& dir) {
  struct stat sb;
  int err = 0;
  if (mkdir(dir.c_str(), 0755) != 0) {
    err = errno;
    if (err == EEXIST) err = stat(dir.c_str(), &sb) != 0 ? errno : (S_ISDIR(sb.st_mode) ? 0 : ENOTDIR);
  }
  if (err != 0) return Status::IOError("Can't open or create append-only dir " + dir, std::strerror(err));
  return Status::OK();
}

bool Exists(const std::string& path) {
  struct stat sb;
  return stat(path.c_str(), &sb) == 0;
}

uint64_t FileSizeOr0(const std::string& path) {
  auto s = GetFileSize(path);
  return s.ok() ? *s : 0;
}

}  // namespace

AppendOnlyFile::AppendOnlyFile(Server& server, ChildProcess& child) : server_(server), child_(child) {}

AppendOnlyFile::~AppendOnlyFile() { CloseIncr(); }

std::string AppendOnlyFile::AofDir() const { return server_.config().appenddirname; }

Status AppendOnlyFile::PersistManifest() {
  // History lines are written too: with aof-disable-auto-gc yes they stay
  // until it is turned off; otherwise DeleteHistoryFiles() drops them next.
  return WriteFileAtomically(PathOf(AofManifest::ManifestName(server_.config().appendfilename)), "manifest",
                             manifest_.Format());
}

void AppendOnlyFile::DeleteHistoryFiles() {
  if (server_.config().aof_disable_auto_gc || manifest_.history.empty()) return;
  for (const AofFileInfo& h : manifest_.history) {
    // A history line may name a file the AOF uses again (a history-only
    // manifest, then a new base of the same seq): Redis 7.0 deletes it and
    // loses the base; keep it.
    if (manifest_.IsLive(h.name)) continue;
    spdlog::info("Removing the history file {} in the background", h.name);
    unlink(PathOf(h.name).c_str());
  }
  manifest_.history.clear();
  Status st = PersistManifest();
  if (!st.ok()) spdlog::warn("Error trying to persist the AOF manifest: {}", st.message());
}

bool AppendOnlyFile::RewriteLimited() {
  if (rewrite_failures_ < kRewriteLimitFailures) {
    rewrite_delay_minutes_ = 0;
    next_rewrite_unix_s_ = 0;
    return false;
  }
  const int64_t now_s = WallClockMs() / 1000;
  if (next_rewrite_unix_s_ != 0) {
    if (now_s < next_rewrite_unix_s_) return true;
    next_rewrite_unix_s_ = 0;  // the wait is over: one more try
    return false;
  }
  rewrite_delay_minutes_ =
      rewrite_delay_minutes_ == 0 ? 1 : std::min(rewrite_delay_minutes_ * 2, kRewriteLimitMaxMinutes);
  next_rewrite_unix_s_ = now_s + int64_t{rewrite_delay_minutes_} * 60;
  spdlog::warn("Background AOF rewrite has repeatedly failed and triggered the limit, will retry in {} minutes",
               rewrite_delay_minutes_);
  return true;
}

Status AppendOnlyFile::OpenIncr(const std::string& name) {
  int fd = open(PathOf(name).c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IOError("open " + PathOf(name), std::strerror(errno));
  CloseIncr();
  fd_ = fd;
  incr_name_ = name;
  struct stat sb;
  incr_size_ = fstat(fd, &sb) == 0 ? static_cast<uint64_t>(sb.st_size) : 0;
  fsynced_size_ = incr_size_;
  // A new stream: the first command must SELECT its db again. (The time
  // annotation is not repeated within the second, as in Redis.)
  server_.propagator().ResetSelectedDb(this);
  return Status::OK();
}

void AppendOnlyFile::Feed(std::string_view resp) {
  // While waiting for the first rewrite to fork (a BGSAVE runs), writes are
  // not kept: the rewrite's snapshot will hold them (Redis does the same).
  if (state_ == State::kWaitRewrite && fd_ == -1) return;
  if (server_.config().aof_timestamp_enabled) {
    // The time is the loop's cached clock: one call's SELECT, MULTI and
    // commands share it, so its annotation comes before all of them.
    int64_t now_s = server_.keyspace().now_ms() / 1000;
    if (now_s > last_annotated_s_) {
      buf_ += AofTimestampAnnotation(now_s);
      last_annotated_s_ = now_s;
    }
  }
  buf_.append(resp);
}

void AppendOnlyFile::CloseIncr() {
  if (fd_ == -1) return;
  fsync_.Drain();  // the fsync thread may still hold this fd
  close(fd_);
  fd_ = -1;
}

void AppendOnlyFile::HandleWriteError(ssize_t written, int err) {
  if (written > 0) {
    // Drop the partial command so the file stays a sequence of whole
    // commands; if we cannot, keep it and drop it from the buffer instead.
    if (ftruncate(fd_, static_cast<off_t>(incr_size_)) != 0) {
      incr_size_ += static_cast<uint64_t>(written);
      current_size_ += static_cast<uint64_t>(written);
      buf_.erase(0, static_cast<size_t>(written));
    }
  }
  if (last_write_ok_ || err != last_write_errno_) {
    spdlog::warn("Error writing to the AOF file: {}", std::strerror(err));
  }
  last_write_ok_ = false;
  last_write_errno_ = err;
  if (server_.config().appendfsync == AppendFsync::kAlways) {
    // An acknowledged write must be on disk; we cannot promise that any more.
    spdlog::warn("Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...");
    _exit(1);
  }
}

void AppendOnlyFile::Flush(bool force) {
  if (fd_ == -1 || state_ == State::kOff) return;
  const AppendFsync policy = server_.config().appendfsync;
  const int64_t now = WallClockMs();
  // no-appendfsync-on-rewrite: while a child writes a big file, leave the
  // disk to it (the writes still go to the kernel); Redis skips the fsync
  // under both `always` and `everysec` then.
  const bool skip_fsync = server_.config().no_appendfsync_on_rewrite && child_.running();
  if (buf_.empty()) {
    // Nothing new, but everysec still owes an fsync for earlier writes.
    if (policy == AppendFsync::kEverySec && !skip_fsync && fsynced_size_ != incr_size_ &&
        now - last_fsync_ms_ >= 1000 && !fsync_.pending()) {
      fsync_.Request(fd_);
      fsynced_size_ = incr_size_;
      last_fsync_ms_ = now;
    }
    return;
  }
  if (policy == AppendFsync::kEverySec && fsync_.pending() && !force) {
    if (postponed_since_ms_ == 0) {
      postponed_since_ms_ = now;
      return;
    }
    if (now - postponed_since_ms_ < kMaxPostponeMs) return;
    ++delayed_fsync_;
    spdlog::info("Asynchronous AOF fsync is taking too long (disk is busy?). Writing the AOF buffer without waiting "
                 "for fsync to complete, this may slow down replikv.");
  }
  postponed_since_ms_ = 0;
  if (flush_sleep_us_ > 0) usleep(static_cast<useconds_t>(flush_sleep_us_));  // tests widen the window
  size_t done = 0;
  const int64_t write_start_us = MonotonicUs();
  while (done < buf_.size()) {
    ssize_t n = write(fd_, buf_.data() + done, buf_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      HandleWriteError(static_cast<ssize_t>(done), n < 0 ? errno : ENOSPC);
      return;
    }
    done += static_cast<size_t>(n);
  }
  server_.AddLatencySample("aof-write", (MonotonicUs() - write_start_us) / 1000);
  incr_size_ += done;
  current_size_ += done;
  buf_.clear();
  if (buf_.capacity() > (4u << 20)) buf_.shrink_to_fit();
  if (!last_write_ok_) {
    spdlog::warn("AOF write error looks solved, replikv can write again.");
    last_write_ok_ = true;
  }
  if (policy == AppendFsync::kAlways && !skip_fsync) {
    const int64_t fsync_start_us = MonotonicUs();
    const int rc = fdatasync(fd_);
    server_.AddLatencySample("aof-fsync-always", (MonotonicUs() - fsync_start_us) / 1000);
    if (rc != 0) {
      spdlog::warn("Can't persist AOF for fsync error when the AOF fsync policy is 'always': {}. Exiting...",
                   std::strerror(errno));
      _exit(1);
    }
    fsynced_size_ = incr_size_;
    last_fsync_ms_ = now;
  } else if (policy == AppendFsync::kEverySec && !skip_fsync && now - last_fsync_ms_ >= 1000 &&
             !fsync_.pending()) {
    fsync_.Request(fd_);
    fsynced_size_ = incr_size_;
    last_fsync_ms_ = now;
  }
}

Status AppendOnlyFile::ReadManifestAtStartup() {
  const ServerConfig& cfg = server_.config();
  const std::string path = PathOf(AofManifest::ManifestName(cfg.appendfilename));
  if (!Exists(path)) return Status::OK();
  std::string text;
  Status st = ReadFileToString(path, &text);
  if (!st.ok()) {
    spdlog::warn("Fatal error: can't read the AOF manifest {}: {}", path, st.message());
    return st;
  }
  AofManifestError err;
  auto m = AofManifest::Parse(text, &err);
  if (!m.ok()) {
    // Redis 7.0's block, word for word: operators grep for it.
    for (const std::string& line : err.FatalLines()) spdlog::warn("{}", line);
    return m.status();
  }
  manifest_ = std::move(*m);
  if (!cfg.appendonly) DeleteHistoryFiles();  // LoadAtStartup does it otherwise
  return Status::OK();
}

Status AppendOnlyFile::LoadAtStartup() {
  Status st = OpenAtStartup();
  // Every way out says why: the loader's errors name file and offset.
  if (!st.ok()) spdlog::warn("Fatal error loading the AOF: {}. Exiting.", st.message());
  return st;
}

Status AppendOnlyFile::MigrateOldAofIfNeeded() {
  const std::string& name = server_.config().appendfilename;
  if (!manifest_.base || manifest_.base->name != name) return Status::OK();
  if (Exists(PathOf(name)) || !Exists(name)) return Status::OK();
  Status st = RenameFile(name, PathOf(name));
  if (!st.ok()) return st;
  spdlog::info("Successfully migrated an old-style AOF file ({}) into the AOF directory ({}).", name, AofDir());
  return Status::OK();
}

Status AppendOnlyFile::OpenAtStartup() {
  const ServerConfig& cfg = server_.config();
  if (Status st = MakeAofDir(AofDir()); !st.ok()) return st;
  const bool have_manifest = Exists(PathOf(AofManifest::ManifestName(cfg.appendfilename)));
  if (!have_manifest && Exists(cfg.appendfilename)) {
    // Redis 6's single appendonly.aof becomes the base. The manifest goes
    // first, as Redis does it: if we stop between the two steps, the next
    // start finds the manifest naming a base still in `dir` and moves it.
    manifest_ = AofManifest();
    manifest_.base = AofFileInfo{cfg.appendfilename, 1, AofFileType::kBase};
    manifest_.base_seq = 1;
    Status st = PersistManifest();
    if (!st.ok()) return st;
  }
  Status st = MigrateOldAofIfNeeded();
  if (!st.ok()) return st;
  if (!manifest_.base && manifest_.incrs.empty()) {
    // A fresh AOF (or a manifest with only comments or history lines, as
    // Redis treats it): an empty base now, then an incr file for what comes.
    int64_t seq = manifest_.base_seq + 1;
    std::string base = AofManifest::BaseName(cfg.appendfilename, seq, cfg.aof_use_rdb_preamble);
    spdlog::info("Creating AOF base file {} on server start", base);
    std::optional<int64_t> annotate;
    if (cfg.aof_timestamp_enabled && !cfg.aof_use_rdb_preamble) annotate = last_annotated_s_ = WallClockMs() / 1000;
    st = WriteBaseFile(server_, PathOf(base), cfg.aof_use_rdb_preamble, annotate);
    if (!st.ok()) return st;
    manifest_.base = AofFileInfo{base, seq, AofFileType::kBase};
    manifest_.base_seq = seq;
  } else {
    uint64_t total = manifest_.base ? FileSizeOr0(PathOf(manifest_.base->name)) : 0;
    for (const AofFileInfo& f : manifest_.incrs) total += FileSizeOr0(PathOf(f.name));
    LoadingState& loading = server_.loading_state();
    loading.Begin("AOF", total);
    // The loader's own commands must run: clients see -LOADING only while
    // the progress callback serves them.
    server_.loading = false;
    int64_t start = WallClockMs();
    AofLoadStats stats;
    st = LoadAofFiles(server_, AofDir(), manifest_, cfg.aof_load_truncated,
                      [&](uint64_t bytes) {
                        loading.Progress(bytes);
                        server_.loading = true;
                        server_.PumpEvents();
                        server_.loading = false;
                      },
                      &stats);
    loading.End();
    if (!st.ok()) return st;
    spdlog::info("DB loaded from append only file: {:.3f} seconds ({} commands)",
                 static_cast<double>(WallClockMs() - start) / 1000, stats.commands);
  }
  base_size_ = manifest_.base ? FileSizeOr0(PathOf(manifest_.base->name)) : 0;
  current_size_ = base_size_;
  for (const AofFileInfo& f : manifest_.incrs) current_size_ += FileSizeOr0(PathOf(f.name));
  if (manifest_.incrs.empty()) {
    const AofFileInfo& incr = manifest_.AddIncr(cfg.appendfilename);
    spdlog::info("Creating AOF incr file {} on server start", incr.name);
    st = PersistManifest();
    if (!st.ok()) return st;
  }
  st = OpenIncr(manifest_.incrs.back().name);
  if (!st.ok()) return st;
  state_ = State::kOn;
  server_.propagator().AddSink(this, kPropagateAof);
  DeleteHistoryFiles();
  return Status::OK();
}

std::string AppendOnlyFile::DatasetMark() const {
  if (state_ != State::kOn || !buf_.empty()) return "";
  std::string mark;
  if (manifest_.base) mark += fmt::format("{}={};", manifest_.base->name, FileSizeOr0(PathOf(manifest_.base->name)));
  for (const AofFileInfo& f : manifest_.incrs) mark += fmt::format("{}={};", f.name, FileSizeOr0(PathOf(f.name)));
  return mark;
}

Status AppendOnlyFile::StartRewrite() {
  if (child_.running()) {
    if (child_.kind() == ChildKind::kAof) return Status::InvalidArgument("Background append only file rewriting already in progress");
    rewrite_scheduled_ = true;
    return Status::OK();
  }
  const ServerConfig& cfg = server_.config();
  if (Status st = MakeAofDir(AofDir()); !st.ok()) return st;
  Flush(true);
  if (fd_ != -1) fdatasync(fd_);
  // The first incr file the new base does not cover; with the AOF off there
  // is none (Redis writes a manifest with only the new base then).
  int64_t first_incr_seq = INT64_MAX;
  std::string temp_incr;
  if (state_ == State::kWaitRewrite) {
    // Not in the manifest until the base exists: a crash now must not leave
    // a manifest with writes but without the data they apply to.
    temp_incr = "temp-" + cfg.appendfilename + ".incr";
    unlink(PathOf(temp_incr).c_str());
    Status st = OpenIncr(temp_incr);
    if (!st.ok()) return st;
    // Every write made so far is in the dataset the child is about to
    // snapshot; replaying it from the incr file too would apply it twice.
    buf_.clear();
    spdlog::info("Creating AOF incr file {} on background rewrite", temp_incr);
  } else if (state_ == State::kOn) {
    const AofFileInfo& incr = manifest_.AddIncr(cfg.appendfilename);
    first_incr_seq = incr.seq;
    Status st = OpenIncr(incr.name);
    if (st.ok()) st = PersistManifest();
    if (!st.ok()) return st;
    spdlog::info("Creating AOF incr file {} on background rewrite", incr.name);
  }
  bool preamble = cfg.aof_use_rdb_preamble;
  Server* server = &server_;
  std::string dir = AofDir();
  auto pid = child_.Fork(
      ChildKind::kAof,
      [server, dir, preamble]() {
        std::string temp = dir + "/temp-rewriteaof-bg-" + std::to_string(getpid()) + ".aof";
        std::optional<int64_t> annotate;
        if (server->config().aof_timestamp_enabled && !preamble) annotate = WallClockMs() / 1000;
        Status st = WriteBaseFile(*server, temp, preamble, annotate);
        if (!st.ok()) {
          spdlog::warn("Error rewriting the append only file: {}", st.message());
          unlink(temp.c_str());
          return false;
        }
        spdlog::info("Successfully created the temporary AOF base file temp-rewriteaof-bg-{}.aof", getpid());
        uint64_t cow = CurrentCowBytes();
        spdlog::info("Fork CoW for AOF rewrite: current {} MB, peak {} MB, average {} MB", cow >> 20, cow >> 20,
                     cow >> 20);
        return true;
      },
      [this, first_incr_seq, temp_incr](const ChildResult& r) { OnRewriteDone(r, first_incr_seq, temp_incr); });
  if (!pid.ok()) {
    last_rewrite_ok_ = false;
    spdlog::warn("Can't rewrite append only file in background: {}", pid.status().message());
    return pid.status();
  }
  ++rewrites_;  // aof_rewrites counts started rewrites, as in Redis 7.0
  spdlog::info("Background append only file rewriting started by pid {}", *pid);
  return Status::OK();
}

void AppendOnlyFile::OnRewriteDone(const ChildResult& r, int64_t first_incr_seq, const std::string& temp_incr) {
  const ServerConfig& cfg = server_.config();
  const std::string temp_base = PathOf("temp-rewriteaof-bg-" + std::to_string(r.pid) + ".aof");
  last_rewrite_time_sec_ = (WallClockMs() - child_.start_ms()) / 1000;
  last_cow_bytes_ = r.cow_bytes;
  if (!r.ok()) {
    unlink(temp_base.c_str());
    last_rewrite_ok_ = false;
    ++rewrite_failures_;
    if (r.by_signal) {
      spdlog::warn("Background AOF rewrite terminated by signal {}", r.signal);
    } else {
      spdlog::warn("Background AOF rewrite terminated with error");
    }
    if (state_ == State::kWaitRewrite && !temp_incr.empty() && incr_name_ == temp_incr) {
      // Its writes are in no manifest and the next try snapshots them anew.
      CloseIncr();
      incr_name_.clear();
      buf_.clear();
      spdlog::info("Removing the temp incr aof file {} in the background", temp_incr);
      unlink(PathOf(temp_incr).c_str());
    }
    // Waiting to turn on: try again from the cron (Redis does the same).
    if (state_ == State::kWaitRewrite && r.signal != SIGUSR1) rewrite_scheduled_ = true;
    return;
  }
  spdlog::info("Background AOF rewrite terminated with success");
  int64_t seq = manifest_.base_seq + 1;
  AofFileInfo base{AofManifest::BaseName(cfg.appendfilename, seq, cfg.aof_use_rdb_preamble), seq, AofFileType::kBase};
  Status st = RenameFile(temp_base, PathOf(base.name));
  if (st.ok()) {
    spdlog::info("Successfully renamed the temporary AOF base file temp-rewriteaof-bg-{}.aof into {}", r.pid,
                 base.name);
  }
  if (st.ok() && !temp_incr.empty()) {
    // The writes made while waiting become a real incr file.
    const AofFileInfo& incr = manifest_.AddIncr(cfg.appendfilename);
    first_incr_seq = incr.seq;
    st = RenameFile(PathOf(temp_incr), PathOf(incr.name));
    if (st.ok()) incr_name_ = incr.name;
  }
  if (!st.ok()) {
    spdlog::warn("Error trying to finish the AOF rewrite: {}", st.message());
    unlink(temp_base.c_str());
    last_rewrite_ok_ = false;
    ++rewrite_failures_;
    return;
  }
  manifest_.ReplaceBase(base, first_incr_seq);
  st = PersistManifest();
  if (!st.ok()) {
    spdlog::warn("Error trying to persist the AOF manifest: {}", st.message());
    last_rewrite_ok_ = false;
    ++rewrite_failures_;
    return;
  }
  // The new manifest is durable: the old files are no longer referenced.
  DeleteHistoryFiles();
  base_size_ = FileSizeOr0(PathOf(base.name));
  current_size_ = base_size_;
  for (const AofFileInfo& f : manifest_.incrs) current_size_ += FileSizeOr0(PathOf(f.name));
  last_rewrite_ok_ = true;
  rewrite_failures_ = 0;
  if (state_ == State::kWaitRewrite) {
    state_ = State::kOn;
    spdlog::info("Background AOF rewrite finished successfully; the AOF is on");
  } else {
    spdlog::info("Background AOF rewrite finished successfully");
  }
}

void AppendOnlyFile::ReadManifestIfAny() {
  std::string text;
  const std::string path = PathOf(AofManifest::ManifestName(server_.config().appendfilename));
  if (!ReadFileToString(path, &text).ok()) return;
  auto m = AofManifest::Parse(text);
  if (!m.ok()) {
    spdlog::warn("Ignoring the AOF manifest {}: {}", path, m.status().message());
    return;
  }
  manifest_ = std::move(*m);
}

Status AppendOnlyFile::Enable() {
  if (state_ != State::kOff) return Status::OK();
  // Started with appendonly no over a directory an earlier run left: the
  // new files take the next seq numbers (never the names the old manifest
  // still lists) and the old ones become history once the base is written.
  if (!manifest_.base && manifest_.incrs.empty()) ReadManifestIfAny();
  state_ = State::kWaitRewrite;
  server_.propagator().AddSink(this, kPropagateAof);
  Status st = StartRewrite();
  if (!st.ok()) {
    server_.propagator().RemoveSink(this);
    state_ = State::kOff;
    buf_.clear();
    return Status::IOError("Failed to start the append only file rewrite", st.message());
  }
  return Status::OK();
}

void AppendOnlyFile::Disable() {
  if (state_ == State::kOff) return;
  Flush(true);
  if (fd_ != -1) fdatasync(fd_);
  if (child_.running() && child_.kind() == ChildKind::kAof) {
    spdlog::info("Killing running AOF rewrite child: {}", child_.pid());
    child_.KillAndReap();
  }
  CloseIncr();
  if (state_ == State::kWaitRewrite && incr_name_.rfind("temp-", 0) == 0) {
    // The first base never came: its incr file is in no manifest.
    unlink(PathOf(incr_name_).c_str());
  }
  incr_name_.clear();
  server_.propagator().RemoveSink(this);
  buf_.clear();
  state_ = State::kOff;
  rewrite_scheduled_ = false;
}

void AppendOnlyFile::RestartAfterFullSync() {
  if (state_ == State::kOff && !restart_pending_) return;
  Disable();
  Status st = Enable();
  restart_pending_ = !st.ok();
  if (restart_pending_) {
    spdlog::warn("Failed enabling the AOF after successful master synchronization! Trying it again in one second.");
  }
}

void AppendOnlyFile::Cron() {
  if (restart_pending_ && !child_.running()) RestartAfterFullSync();
  if (!last_write_ok_ && !buf_.empty()) Flush(true);  // retry after a write error
  if (int err = fsync_.TakeError(); err != 0) {
    spdlog::warn("Error fsyncing the AOF file: {}", std::strerror(err));
  }
  if (child_.running()) return;
  if (rewrite_scheduled_ && !RewriteLimited()) {
    rewrite_scheduled_ = false;
    StartRewrite().IgnoreError();
    return;
  }
  const ServerConfig& cfg = server_.config();
  if (state_ == State::kOn && cfg.auto_aof_rewrite_percentage > 0 &&
      current_size_ > static_cast<uint64_t>(cfg.auto_aof_rewrite_min_size)) {
    uint64_t base = base_size_ ? base_size_ : 1;
    int64_t growth = static_cast<int64_t>(current_size_ * 100 / base) - 100;
    if (growth >= cfg.auto_aof_rewrite_percentage && !RewriteLimited()) {
      spdlog::info("Starting automatic rewriting of AOF on {}% growth", growth);
      StartRewrite().IgnoreError();
    }
  }
}

Status AppendOnlyFile::OnShutdown() {
  if (child_.running() && child_.kind() == ChildKind::kAof) {
    spdlog::warn("There is a child rewriting the AOF. Killing it!");
    pid_t pid = child_.pid();
    child_.KillAndReap();
    unlink(PathOf("temp-rewriteaof-bg-" + std::to_string(pid) + ".aof").c_str());
  }
  if (state_ == State::kOff) return Status::OK();
  Flush(true);
  if (!buf_.empty()) return Status::IOError("can't write the AOF buffer before exiting");
  spdlog::info("Calling fsync() on the AOF file.");
  if (fd_ != -1) fdatasync(fd_);
  return Status::OK();
}

void AppendOnlyFile::AppendInfo(std::string* o) {
  bool rewriting = child_.running() && child_.kind() == ChildKind::kAof;
  InfoField(o, "aof_enabled", int64_t{state_ != State::kOff ? 1 : 0});
  InfoField(o, "aof_rewrite_in_progress", int64_t{rewriting ? 1 : 0});
  InfoField(o, "aof_rewrite_scheduled", int64_t{rewrite_scheduled_ ? 1 : 0});
  InfoField(o, "aof_last_rewrite_time_sec", last_rewrite_time_sec_);
  InfoField(o, "aof_current_rewrite_time_sec", rewriting ? (WallClockMs() - child_.start_ms()) / 1000 : int64_t{-1});
  InfoField(o, "aof_last_bgrewrite_status", std::string(last_rewrite_ok_ ? "ok" : "err"));
  InfoField(o, "aof_rewrites", static_cast<int64_t>(rewrites_));
  InfoField(o, "aof_rewrites_consecutive_failures", static_cast<int64_t>(rewrite_failures_));
  InfoField(o, "aof_last_write_status", std::string(last_write_ok_ ? "ok" : "err"));
  InfoField(o, "aof_last_cow_size", static_cast<int64_t>(last_cow_bytes_));
  InfoField(o, "module_fork_in_progress", int64_t{0});
  InfoField(o, "module_fork_last_cow_size", int64_t{0});
  if (state_ != State::kOff) {
    InfoField(o, "aof_current_size", static_cast<int64_t>(current_size_));
    InfoField(o, "aof_base_size", static_cast<int64_t>(base_size_));
    InfoField(o, "aof_pending_rewrite", int64_t{rewrite_scheduled_ ? 1 : 0});
    InfoField(o, "aof_buffer_length", static_cast<int64_t>(buf_.size()));
    InfoField(o, "aof_pending_bio_fsync", int64_t{fsync_.pending() ? 1 : 0});
    InfoField(o, "aof_delayed_fsync", static_cast<int64_t>(delayed_fsync_));
  }
}

void AppendOnlyFile::BgrewriteaofCommand(CommandContext& ctx) {
  AppendOnlyFile& a = ctx.Owner<AppendOnlyFile>();
  if (a.child_.running() && a.child_.kind() == ChildKind::kAof) {
    return ctx.reply.AddError("Background append only file rewriting already in progress");
  }
  if (a.child_.running()) {
    a.rewrite_scheduled_ = true;
    return ctx.reply.AddSimple("Background append only file rewriting scheduled");
  }
  if (!a.StartRewrite().ok()) {
    return ctx.reply.AddError("Can't execute an AOF background rewriting. Please check the server logs for more "
                              "information.");
  }
  ctx.reply.AddSimple("Background append only file rewriting started");
}

void AppendOnlyFile::RegisterCommands(CommandTable& t, AppendOnlyFile* owner) {
  Command c;
  c.name = "bgrewriteaof";
  c.arity = 1;
  c.flags = kCmdAdmin | kCmdNoscript | kCmdNoAsyncLoading;
  c.handler = &AppendOnlyFile::BgrewriteaofCommand;
  c.owner = owner;
  c.group = "server";
  t.Add(std::move(c));
}

// As Redis 7.0: the AOF on disk replaces the dataset; when it cannot be
// read (none there, damage) the server exits, since the dataset is gone.
void AppendOnlyFile::DebugLoadAof(CommandContext& ctx) {
  if (state_ != State::kOff) Flush(true);
  Keyspace& ks = server_.keyspace();
  ks.ClearAll();
  std::string text;
  const std::string manifest_path = PathOf(AofManifest::ManifestName(server_.config().appendfilename));
  Status st = ReadFileToString(manifest_path, &text);
  AofManifest manifest;
  if (st.ok()) {
    auto m = AofManifest::Parse(text);
    if (m.ok()) {
      manifest = std::move(*m);
    } else {
      st = m.status();
    }
  }
  AofLoadStats stats;
  const uint64_t dirty_before = server_.dirty;
  // The replayed commands are already in the AOF: they must not be written
  // to it again.
  const bool was_sink = state_ != State::kOff;
  if (was_sink) server_.propagator().RemoveSink(this);
  if (st.ok()) st = LoadAofFiles(server_, AofDir(), manifest, server_.config().aof_load_truncated, nullptr, &stats);
  if (was_sink) {
    server_.propagator().AddSink(this);
    server_.propagator().ResetSelectedDb(this);
  }
  if (!st.ok()) {
    spdlog::warn("DEBUG LOADAOF: {}. Exiting.", st.message());
    std::_Exit(1);
  }
  server_.dirty = dirty_before;
  spdlog::warn("Append Only File loaded by DEBUG LOADAOF");
  ctx.reply.AddOk();
}

void AppendOnlyFile::Install() {
  server_.debug_subcommands.emplace_back("loadaof", [this](CommandContext& ctx) {
    if (ctx.argv.size() != 2) return ReplyDebugArity(ctx);
    DebugLoadAof(ctx);
  });
  server_.debug_subcommands.emplace_back("aof-flush-sleep", [this](CommandContext& ctx) {
    if (ctx.argv.size() != 3) return ReplyDebugArity(ctx);
    // Redis reads it with atoi: a non-number is 0 (no sleep).
    int64_t us = 0;
    if (!ParseInt64(ctx.argv[2], &us) || us < 0) us = 0;
    flush_sleep_us_ = us;
    ctx.reply.AddOk();
  });
  server_.config_registry()
      .SetApplyHook({"appendonly"},
                    [this](const ServerConfig& cfg) {
                      if (cfg.appendonly) return Enable();
                      Disable();
                      return Status::OK();
                    })
      .IgnoreError();
  // Turning the GC back on deletes what it kept (Redis does it at once).
  server_.config_registry()
      .SetApplyHook({"aof-disable-auto-gc"},
                    [this](const ServerConfig& cfg) {
                      if (!cfg.aof_disable_auto_gc) DeleteHistoryFiles();
                      return Status::OK();
                    })
      .IgnoreError();
}

std::string AppendOnlyFile::MisconfError(const Command& cmd) const {
  if (last_write_ok_ || state_ == State::kOff || !(cmd.flags & kCmdWrite)) return std::string();
  return std::string("-MISCONF Errors writing to the AOF file: ") + std::strerror(last_write_errno_);
}

}  // namespace replikv::persistence
