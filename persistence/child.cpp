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
    bool ok = job();
    uint64_t cow = CurrentCowBytes();
    char msg[64];
    int n = std::snprintf(msg, sizeof(msg), "cow=%llu\n", static_cast<unsigned long long>(cow));
    ssize_t w = write(fds[1], msg, static_cast<size_t>(n));
    (void)w;
    _exit(ok ? 0 : 1);
  }
  close(fds[1]);
  fcntl(fds[0], F_SETFL, O_NONBLOCK);
  server_.latest_fork_usec = MonotonicUs() - start_us;
  ++server_.total_forks;
  pid_ = pid;
  kind_ = kind;
  report_fd_ = fds[0];
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
  char buf[128];
  ssize_t n = read(report_fd_, buf, sizeof(buf) - 1);
  if (n > 0) {
    buf[n] = '\0';
    unsigned long long cow = 0;
    if (std::sscanf(buf, "cow=%llu", &cow) == 1) result.cow_bytes = cow;
  }
  close(report_fd_);
  report_fd_ = -1;
  pid_ = -1;
  kind_ = ChildKind::kNone;
  server_.set_active_child_pid(-1);
  OnDone done = std::move(on_done_);
  on_done_ = nullptr;
  if (done) done(result);
}

void ChildProcess::KillAndReap() {
  if (pid_ == -1) return;
  kill(pid_, SIGUSR1);
  Reap(true);
}

}  // namespace replikv::persistence
