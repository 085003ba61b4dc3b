#include "persistence/format/fsync_thread.h"

#include <unistd.h>

#include <cerrno>

namespace replikv::persistence {

FsyncThread::FsyncThread() : thread_([this] { Run(); }) {}

FsyncThread::~FsyncThread() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void FsyncThread::Request(int fd) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    fd_ = fd;
    pending_ = true;
  }
  cv_.notify_all();
}

void FsyncThread::Drain() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return !pending_.load(); });
}

void FsyncThread::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stop_ || fd_ != -1; });
    if (fd_ == -1 && stop_) return;
    int fd = fd_;
    fd_ = -1;
    lock.unlock();
    if (fdatasync(fd) != 0) error_ = errno;
    lock.lock();
    if (fd_ == -1) pending_ = false;
    cv_.notify_all();
  }
}

}  // namespace replikv::persistence
