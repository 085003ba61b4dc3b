// PersistenceModule: RDB snapshots and the AOF as one module of the server
// (server/module.h). It owns the fork child both share (one child at a time,
// as in Redis), the Snapshotter and the AppendOnlyFile, registers their
// commands bound to them, and routes the server's hooks to them.
//
// Lifecycle: construct -> Install() (commands, config hooks, AOF sink) ->
// LoadAtStartup() (AOF when appendonly is on, else the RDB) -> the loop ->
// Stop() (through the server).
#pragma once

#include "persistence/aof.h"
#include "persistence/child.h"
#include "persistence/snapshotter.h"
#include "server/module.h"

namespace replikv {
class Server;
class CommandTable;
}  // namespace replikv

namespace replikv::persistence {

class PersistenceModule final : public ServerModule {
 public:
  explicit PersistenceModule(Server& server);
  PersistenceModule(const PersistenceModule&) = delete;
  PersistenceModule& operator=(const PersistenceModule&) = delete;

  // Every command name the module registers, unbound (main's rename-command
  // and config checks run before the server exists).
  static void RegisterCommandNames(CommandTable& t);
  // Registers the module, its commands and hooks on the server.
  void Install();
  // The AOF, when appendonly is on, is the source of truth; the RDB is not
  // read then. An error must stop start-up (it has been logged).
  Status LoadAtStartup();

  ChildProcess& child() { return child_; }
  Snapshotter& snapshotter() { return snapshotter_; }
  AppendOnlyFile& aof() { return aof_; }

  void Cron() override;
  void BeforeReply() override;
  std::string CheckCommand(Client& c, const Command& cmd) override;
  void AppendInfo(std::string_view section, std::string* out) override;
  Status PrepareShutdown(bool save, bool nosave) override;
  void Stop() override;
  void OnFlushAll() override;
  void ReportMemory(MemoryReport* report) override;
  size_t NotCountedMemory() override;

 private:
  Server& server_;
  ChildProcess child_;
  Snapshotter snapshotter_;
  AppendOnlyFile aof_;
};

}  // namespace replikv::persistence
