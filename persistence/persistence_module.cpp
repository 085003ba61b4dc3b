#include "persistence/persistence_module.h"

#include "persistence/dump_restore.h"
#include "server/memory_report.h"
#include "server/server.h"

namespace replikv::persistence {

PersistenceModule::PersistenceModule(Server& server)
    : server_(server), child_(server), snapshotter_(server, child_), aof_(server, child_) {}

void PersistenceModule::RegisterCommandNames(CommandTable& t) {
  Snapshotter::RegisterCommands(t, nullptr);
  AppendOnlyFile::RegisterCommands(t, nullptr);
  RegisterDumpRestoreCommands(t, nullptr);
}

void PersistenceModule::Install() {
  child_.Start();
  Snapshotter::RegisterCommands(server_.commands(), &snapshotter_);
  AppendOnlyFile::RegisterCommands(server_.commands(), &aof_);
  RegisterDumpRestoreCommands(server_.commands(), this);
  snapshotter_.Install();
  aof_.Install();
  server_.AddModule(this);
}

Status PersistenceModule::LoadAtStartup() {
  // The manifest is read either way, as Redis does (a damaged one stops
  // start-up even with appendonly no); then the AOF, when on, is the source
  // of truth and the RDB is not read.
  RETURN_IF_ERROR(aof_.ReadManifestAtStartup());
  return server_.config().appendonly ? aof_.LoadAtStartup() : snapshotter_.LoadAtStartup();
}

void PersistenceModule::Cron() {
  child_.Poll();
  snapshotter_.Cron();
  aof_.Cron();
}

void PersistenceModule::BeforeReply() { aof_.Flush(false); }

std::string PersistenceModule::CheckCommand(Client&, const Command& cmd) {
  std::string error = snapshotter_.MisconfError(cmd);
  return error.empty() ? aof_.MisconfError(cmd) : error;
}

void PersistenceModule::AppendInfo(std::string_view section, std::string* out) {
  if (section != "persistence") return;
  snapshotter_.AppendInfo(out);
  aof_.AppendInfo(out);
  server_.loading_state().AppendProgressInfo(out);
}

Status PersistenceModule::PrepareShutdown(bool save, bool nosave) {
  RETURN_IF_ERROR(snapshotter_.OnShutdown(save, nosave));
  return aof_.OnShutdown();
}

void PersistenceModule::Stop() {
  child_.KillAndReap();
  child_.Stop();
  aof_.CloseIncr();
}

void PersistenceModule::OnFlushAll() { snapshotter_.OnFlushAll(); }

void PersistenceModule::ReportMemory(MemoryReport* report) { report->aof_buffer += aof_.buffer_bytes(); }

size_t PersistenceModule::NotCountedMemory() { return aof_.buffer_bytes(); }

}  // namespace replikv::persistence
