#include "persistence/child.h"

#include <fcntl.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "server/keyspace.h"
#include "server/base/log.h"
#include "server/server.h"

namespace replikv::persistence {
namespace {

// The child's end of the report pipe; -1 in the parent.
int g_child_report_fd = -1;
uint64_t g_child_keys = 0;
int64_t g_child_last_report_ms = 0;
constexpr int64_t kChildReportIntervalMs = 1000;

void WriteReport(const char* line, int n) {
  ssize_t w = write(g_child_report_fd, line, static_cast<size_t>(n));
  (void)w;  // a parent that went away does not stop the child's work
}

}  // namespace

void ChildNoteKeySaved() {
  if (g_child_report_fd < 0) return;
  ++g_child_keys;
  if ((g_child_keys & 15) != 0) return;
  const int64_t now = WallClockMs();
  if (now - g_child_last_report_ms < kChildReportIntervalMs) return;
  g_child_last_report_ms = now;
  char msg[80];
  int n = std::snprintf(msg, sizeof(msg), "progress %llu %llu\n", static_cast<unsigned long long>(g_child_keys),
                        static_cast<unsigned long long>(CurrentCowBytes()));
  WriteReport(msg, n);
}

uint64_t CurrentCowBytes() {
  FILE* f = std::fopen("/proc/self/smaps_rollup", "r");
  if (f == nullptr) return 0;
  char line[256];
  uint64_t kb = 0;
  while (std::fgets(line, sizeof(line), f) != nullptr) {
    unsigned long long v;
    if (std::sscanf(line, "Private_Dirty: %llu kB", &v) == 1) kb += v;
  }
  std::fclose(f);
  return kb * 1024;
}

ChildProcess::ChildProcess(Server& server) : server_(server) {}

ChildProcess::~ChildProcess() {
  if (pid_ != -1) KillAndReap();
}

void ChildProcess::Start() {
  if (started_) return;
  uv_signal_init(server_.loop(), &sigchld_);
  sigchld_.data = this;
  uv_signal_start(&sigchld_, &ChildProcess::OnSigchld, SIGCHLD);
  started_ = true;
}

void ChildProcess::Stop() {
  if (!started_) return;
  uv_close(reinterpret_cast<uv_handle_t*>(&sigchld_), nullptr);
  started_ = false;
}

Result<pid_t> ChildProcess::Fork(ChildKind kind, Job job, OnDone on_done) {
  if (pid_ != -1) return Status::InvalidArgument("a child process is already running");
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return Status::IOError("pipe", std::strerror(errno));
  const int64_t start_us = MonotonicUs();
  pid_t pid = fork();
  if (pid < 0) {
    int err = errno;
    close(fds[0]);
    close(fds[1]);
    return Status::IOError("fork", std::strerror(err));
  }
  if (pid == 0) {
    // The child: no loop, no other threads; blocking I/O, then _exit.
    close(fds[0]);
    server_.CloseListenersInForkedChild();
    SetLogRole(LogRole::kChild);
    RefreshLogPid();
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    g_child_report_fd = fds[1];
    g_child_keys = 0;
    g_child_last_report_ms = WallClockMs();
    bool ok = job();
    uint64_t cow = CurrentCowBytes();
    char msg[64];
    int n = std::snprintf(msg, sizeof(msg), "cow=%llu\n", static_cast<unsigned long long>(cow));
    WriteReport(msg, n);
    _exit(ok ? 0 : 1);
  }
  close(fds[1]);
  fcntl(fds[0], F_SETFL, O_NONBLOCK);
  server_.latest_fork_usec = MonotonicUs() - start_us;
  server_.AddLatencySample("fork", server_.latest_fork_usec / 1000);
  ++server_.total_forks;
  pid_ = pid;
  kind_ = kind;
  report_fd_ = fds[0];
  report_buf_.clear();
  progress_ = ChildProgress();
  Keyspace& ks = server_.keyspace();
  for (int i = 0; i < ks.databases(); ++i) progress_.keys_total += ks.db(i).size();
  start_ms_ = WallClockMs();
  on_done_ = std::move(on_done);
  server_.set_active_child_pid(pid);
  return pid;
}

void ChildProcess::OnSigchld(uv_signal_t* h, int) { static_cast<ChildProcess*>(h->data)->Reap(false); }

void ChildProcess::Reap(bool block) {
  if (pid_ == -1) return;
  int status = 0;
  pid_t r;
  do {
    r = waitpid(pid_, &status, block ? 0 : WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == pid_) Finish(status);
}

void ChildProcess::Finish(int status) {
  ChildResult result;
  result.kind = kind_;
  result.pid = pid_;
  if (WIFSIGNALED(status)) {
    result.by_signal = true;
    result.signal = WTERMSIG(status);
  } else {
    result.exit_code = WEXITSTATUS(status);
  }
  Poll();
  ParseReports(&result.cow_bytes);
  close(report_fd_);
  report_fd_ = -1;
  pid_ = -1;
  kind_ = ChildKind::kNone;
  server_.set_active_child_pid(-1);
  OnDone done = std::move(on_done_);
  on_done_ = nullptr;
  if (done) done(result);
}

void ChildProcess::Poll() {
  if (report_fd_ < 0) return;
  char buf[512];
  // Bounded: the pipe holds at most what the child wrote; stop at EAGAIN.
  for (int i = 0; i < 64; ++i) {
    ssize_t n = read(report_fd_, buf, sizeof(buf));
    if (n <= 0) break;
    report_buf_.append(buf, static_cast<size_t>(n));
    if (report_buf_.size() > 64 * 1024) report_buf_.erase(0, report_buf_.size() - 4096);  // never unbounded
  }
  uint64_t ignored = 0;
  ParseReports(&ignored);
}

void ChildProcess::ParseReports(uint64_t* final_cow) {
  size_t start = 0;
  for (size_t nl; (nl = report_buf_.find('\n', start)) != std::string::npos; start = nl + 1) {
    std::string line = report_buf_.substr(start, nl - start);
    unsigned long long keys = 0, cow = 0;
    if (std::sscanf(line.c_str(), "progress %llu %llu", &keys, &cow) == 2) {
      progress_.keys_processed = keys;
      progress_.cow_bytes = cow;
      if (cow > progress_.cow_peak) progress_.cow_peak = cow;
      progress_.cow_updated_ms = WallClockMs();
    } else if (std::sscanf(line.c_str(), "cow=%llu", &cow) == 1) {
      *final_cow = cow;
    }
  }
  report_buf_.erase(0, start);
}

void ChildProcess::KillAndReap() {
  if (pid_ == -1) return;
  kill(pid_, SIGUSR1);
  Reap(true);
}

}  // namespace replikv::persistence
