#include "tools/drill/shell_command.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace replikv::drill {

ShellCommand::~ShellCommand() { Kill(); }

Status ShellCommand::Start(const std::string& command) {
  pid_t pid = fork();
  if (pid < 0) return Status::IOError("fork", std::strerror(errno));
  if (pid == 0) {
    setpgid(0, 0);
    dup2(STDERR_FILENO, STDOUT_FILENO);
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  // Set it from both sides so Kill() works whichever runs first.
  setpgid(pid, pid);
  pid_ = pid;
  waiter_ = std::thread([this] { Wait(); });
  return Status::OK();
}

void ShellCommand::Wait() {
  int wstatus = 0;
  pid_t rc;
  do {
    rc = waitpid(pid_, &wstatus, 0);
  } while (rc < 0 && errno == EINTR);
  finished_at_ =
      std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  if (rc < 0) {
    status_ = -1;
  } else if (WIFEXITED(wstatus)) {
    status_ = WEXITSTATUS(wstatus);
  } else if (WIFSIGNALED(wstatus)) {
    status_ = 128 + WTERMSIG(wstatus);
  }
  finished_.store(true, std::memory_order_release);
}

void ShellCommand::Kill() {
  if (pid_ <= 0) return;
  bool was_running = !Finished();
  if (was_running) kill(-pid_, SIGKILL);
  if (waiter_.joinable()) waiter_.join();
  if (was_running) status_ = -1;
}

std::string SubstitutePrimary(const std::string& command, const std::string& host, int port) {
  std::string out;
  std::string port_text = std::to_string(port);
  std::string address = (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
                        port_text;
  for (size_t i = 0; i < command.size();) {
    auto at = [&](const char* word) { return command.compare(i, std::strlen(word), word) == 0; };
    if (at("{primary}")) {
      out += address;
      i += 9;
    } else if (at("{primary_host}")) {
      out += host;
      i += 14;
    } else if (at("{primary_port}")) {
      out += port_text;
      i += 14;
    } else {
      out += command[i++];
    }
  }
  return out;
}

}  // namespace replikv::drill
