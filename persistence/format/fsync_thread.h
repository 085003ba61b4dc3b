// FsyncThread: the job thread DESIGN.md describes for blocking work that must
// not stall the loop — here fsync() for appendfsync everysec. One request at
// a time is enough: a new one while one is pending is merged into it.
// The thread does not survive fork(); children never use it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace replikv::persistence {

class FsyncThread {
 public:
  FsyncThread();
  ~FsyncThread();
  FsyncThread(const FsyncThread&) = delete;
  FsyncThread& operator=(const FsyncThread&) = delete;

  // Asks for fdatasync(fd) in the background. The caller keeps fd open until
  // pending() is false (or Drain() returned).
  void Request(int fd);
  // Whether a requested fsync has not finished yet (aof_pending_bio_fsync).
  bool pending() const { return pending_.load(); }
  // Waits until nothing is pending.
  void Drain();
  // The errno of the last failed fsync, 0 if none since the last call.
  int TakeError() { return error_.exchange(0); }

 private:
  void Run();

  std::mutex mu_;
  std::condition_variable cv_;
  int fd_ = -1;
  bool stop_ = false;
  std::atomic<bool> pending_{false};
  std::atomic<int> error_{0};
  std::thread thread_;
};

}  // namespace replikv::persistence
