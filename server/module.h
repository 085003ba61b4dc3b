// ServerModule: a subsystem plugged into the server (persistence,
// replication). The server calls every registered module at fixed points of
// its loop and its commands; a module never reaches into the core beyond
// Server's public interface, and the core never includes a module's headers.
// Command handlers of a module are bound to it through Command::owner
// (CommandContext::Owner<T>()), not through globals.
//
// Modules are registered once, before the loop starts (Server::AddModule),
// and live as long as the server; every call is on the loop thread, in
// registration order.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "server/base/status.h"

namespace replikv {

class Client;
struct Command;
struct MemoryReport;

class ServerModule {
 public:
  virtual ~ServerModule() = default;

  // Every cron tick (`hz` times a second), after the core's own work.
  virtual void Cron() {}
  // Once per loop iteration, before any reply of that iteration is written
  // (the AOF write and fsync: group commit).
  virtual void BeforeReply() {}
  // Before `cmd` runs for `c`: an error in ReplyBuffer::AddError's form
  // refuses it (MISCONF, READONLY, NOREPLICAS...); "" lets it run.
  virtual std::string CheckCommand(Client& c, const Command& cmd) { return {}; }
  // INFO: appends this module's fields of `section` (lower-case name), for
  // every section printed. A module adds to sections the core prints too.
  virtual void AppendInfo(std::string_view section, std::string* out) {}
  // SHUTDOWN or SIGTERM (`save`/`nosave` are SHUTDOWN's options): a non-OK
  // status aborts a SHUTDOWN command.
  virtual Status PrepareShutdown(bool save, bool nosave) { return Status::OK(); }
  // The loop is ending: close the handles the module owns.
  virtual void Stop() {}
  // After FLUSHALL emptied every db.
  virtual void OnFlushAll() {}
  // CONFIG RESETSTAT.
  virtual void ResetStats() {}
  // Adds the memory this module holds to the report's fields.
  virtual void ReportMemory(MemoryReport* report) {}
  // Bytes of that memory that maxmemory must not count, so that its growth
  // never evicts user keys (Redis's freeMemoryGetNotCountedMemory: the AOF
  // buffer, replication buffers beyond the backlog size).
  virtual size_t NotCountedMemory() { return 0; }
};

}  // namespace replikv
