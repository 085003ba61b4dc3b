// A fault or heal command run through /bin/sh -c in its own process group,
// polled without blocking so the drill keeps writing while it runs. A waiter
// thread reaps it and notes the moment it exited (the drill's loop may be
// blocked in a write for a while then). Its stdout goes to the drill's stderr
// (stdout carries the JSON report).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <string>
#include <thread>

#include "server/base/status.h"

namespace replikv::drill {

class ShellCommand {
 public:
  ShellCommand() = default;
  ~ShellCommand();
  ShellCommand(const ShellCommand&) = delete;
  ShellCommand& operator=(const ShellCommand&) = delete;

  Status Start(const std::string& command);
  bool started() const { return pid_ > 0; }
  // True once the command has exited; status() is then its exit status
  // (128 + signal number when a signal ended it).
  bool Finished() const { return finished_.load(std::memory_order_acquire); }
  int status() const { return status_; }
  // steady_clock seconds at the exit (valid once Finished()).
  double finished_at() const { return finished_at_; }
  // Ends the command's whole process group (SIGKILL) and reaps it.
  void Kill();

 private:
  void Wait();

  pid_t pid_ = -1;
  std::thread waiter_;
  std::atomic<bool> finished_{false};
  int status_ = -1;           // written by the waiter before finished_
  double finished_at_ = -1;
};

// Replaces {primary}, {primary_host} and {primary_port} in command.
std::string SubstitutePrimary(const std::string& command, const std::string& host, int port);

}  // namespace replikv::drill
