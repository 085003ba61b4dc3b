// MONITOR: the clients that receive a line for every command run.
//
// Each command a client runs (after it ran, so a SELECT shows its new db
// and an EXEC comes after the commands it ran) is sent to every monitor as
// a status reply, as Redis 7.0 formats it:
//   +1733476800.123456 [0 127.0.0.1:50000] "SET" "k" "v"
// Arguments are quoted with C-style escapes (\" \\ \n \r \t \a \b, \xHH for
// any other byte outside 0x20..0x7e). Secrets are shown as "(redacted)":
// AUTH's arguments, HELLO's AUTH pair, MIGRATE's AUTH/AUTH2 credentials.
// Admin commands and those flagged skip-monitor are not shown, nor what the
// server's own client runs (an AOF being loaded). Commands from a primary
// link are shown, as in Redis.
//
// A monitor is a replica-like client (CLIENT LIST flags=O): commands that
// read or write keys are refused to it. Loop thread only.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "server/command_table.h"

namespace replikv {

class Client;
class Server;

class Monitors {
 public:
  explicit Monitors(Server& server) : server_(server) {}
  Monitors(const Monitors&) = delete;
  Monitors& operator=(const Monitors&) = delete;

  void Add(Client* c) { clients_.push_back(c); }
  // No-op if `c` is not a monitor.
  void Remove(Client* c);
  bool empty() const { return clients_.empty(); }
  size_t size() const { return clients_.size(); }
  // Sends the line for `argv`, run by `from` on db `db`, to every monitor.
  void Feed(const Client& from, int db, ArgList argv);

 private:
  Server& server_;
  std::vector<Client*> clients_;
  std::vector<Client*> receivers_;  // scratch: this line's receivers
  std::string line_;                // scratch
};

// Which arguments of `argv` are secrets ("(redacted)" in MONITOR and
// SLOWLOG), as Redis 7.0's commands redact them. Calls `redact(i)` for each.
template <typename F>
void ForEachRedactedArg(ArgList argv, F redact);

// Appends `arg` quoted as Redis's sdscatrepr does.
void AppendQuoted(std::string* out, std::string_view arg);

// ---- implementation of the template
bool IsRedactedCommand(std::string_view name);  // AUTH HELLO MIGRATE
template <typename F>
void ForEachRedactedArg(ArgList argv, F redact) {
  if (argv.empty() || !IsRedactedCommand(argv[0])) return;
  if (EqualsIgnoreCase(argv[0], "auth")) {
    for (size_t i = 1; i < argv.size(); ++i) redact(i);
    return;
  }
  const bool hello = EqualsIgnoreCase(argv[0], "hello");
  for (size_t i = hello ? 2 : 6; i < argv.size(); ++i) {
    if (EqualsIgnoreCase(argv[i], "auth")) {
      const size_t n = hello ? 2 : 1;
      for (size_t j = 1; j <= n && i + j < argv.size(); ++j) redact(i + j);
      i += n;
    } else if (!hello && EqualsIgnoreCase(argv[i], "auth2")) {
      for (size_t j = 1; j <= 2 && i + j < argv.size(); ++j) redact(i + j);
      i += 2;
    } else if (!hello && EqualsIgnoreCase(argv[i], "keys")) {
      break;  // MIGRATE's key names follow
    }
  }
}

}  // namespace replikv
