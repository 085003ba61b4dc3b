// ReplicationModule: replication as a module of the server (server/module.h).
//
// It owns the node's replication identity (master_replid, replid2, offsets)
// and its stream (ReplStream: the backlog plus every replica's pending
// output, one copy), the primary side (this node's replicas) and the replica
// side (this node's link to its primary). It is the funnel's replication
// sink: every op for replicas, and the verbatim bytes a replica receives,
// are appended to the stream.
//
// Commands bound to it: REPLICAOF / SLAVEOF, SYNC, PSYNC, REPLCONF, ROLE,
// WAIT, FAILOVER. Checks: -READONLY on a read-only replica, -NOREPLICAS under
// min-replicas-to-write. INFO: the replication section and sync_* stats.
//
// Lifecycle: construct -> Install() (commands, sink, save hand-off) ->
// AfterLoad() (restore the id/offset the loaded file carried; follow
// `replicaof`) -> the loop.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "replication/failover.h"
#include "replication/node_state.h"
#include "replication/primary.h"
#include "replication/repl_id.h"
#include "replication/repl_stream.h"
#include "replication/replica.h"
#include "server/module.h"
#include "server/propagate.h"

namespace replikv {
class Server;
class CommandTable;
namespace persistence {
class PersistenceModule;
}
}  // namespace replikv

namespace replikv::repl {

class ReplicationModule final : public ServerModule, public PropagationSink {
 public:
  ReplicationModule(Server& server, persistence::PersistenceModule& persistence);
  ~ReplicationModule() override;
  ReplicationModule(const ReplicationModule&) = delete;
  ReplicationModule& operator=(const ReplicationModule&) = delete;

  // Every command name (unbound), for main's checks before the server exists.
  static void RegisterCommandNames(CommandTable& t);
  void Install();
  // After the dataset was loaded: a file with repl-id/repl-offset lets this
  // node's replicas (or, as a replica, this node) continue with PSYNC, as
  // Redis 7.0; then `replicaof` from the configuration is followed.
  void AfterLoad();

  // PropagationSink: the bytes of the replication stream.
  void Feed(std::string_view resp) override;

  // ServerModule.
  void Cron() override;
  void BeforeReply() override;
  std::string CheckCommand(Client& c, const Command& cmd) override;
  void AppendInfo(std::string_view section, std::string* out) override;
  // Records the offset (and the AOF it matches) in the node-state file.
  Status PrepareShutdown(bool save, bool nosave) override;
  void Stop() override;
  void ReportMemory(MemoryReport* report) override;
  size_t NotCountedMemory() override;

  // Commands.
  static void ReplicaofCommand(CommandContext& ctx);
  static void SyncCommand(CommandContext& ctx);
  static void PsyncCommand(CommandContext& ctx);
  static void ReplconfCommand(CommandContext& ctx);
  static void RoleCommand(CommandContext& ctx);
  static void WaitCommand(CommandContext& ctx);
  static void FailoverCommand(CommandContext& ctx);

 private:
  static void RegisterCommands(CommandTable& t, ReplicationModule* owner);
  // REPLICAOF host port: follow a primary, keeping our own history cached
  // so the first PSYNC can continue from it.
  void SetPrimary(const std::string& host, int port, bool failover = false);
  // REPLICAOF NO ONE: a primary with a new id; the old one becomes replid2
  // up to the current offset, so the other replicas can continue.
  void Promote();
  // WAIT clients whose replicas have acknowledged enough get their reply.
  void ReleaseWaiters();

  // The node-state file (replication/node_state.h). Read once at start-up:
  // its timeline extends the loaded id, and its shutdown record supplies the
  // id and offset an AOF-only start-up has none of. Written whenever the
  // role, primary or timeline changes (checked by Cron) and at shutdown.
  std::optional<NodeState> ReadNodeState() const;
  void RestoreTimeline(const NodeState& ns, const std::string& replid, int64_t next_offset);
  NodeState CurrentNodeState() const;
  void SaveNodeState(const NodeState& ns);
  void SaveNodeStateIfChanged();

  struct Waiter {
    uint64_t client_id;
    int64_t offset;
    int numreplicas;
  };

  Server& server_;
  persistence::PersistenceModule& persistence_;
  ReplIdentity id_;
  ReplStream stream_;
  std::unique_ptr<PrimarySide> primary_;
  std::unique_ptr<ReplicaSide> replica_;
  std::unique_ptr<Failover> failover_;
  std::vector<Waiter> waiters_;
  bool getack_pending_ = false;
  std::string saved_node_state_;        // the encoding last written (or tried)
  int64_t node_state_retry_ms_ = 0;     // after a failed write
};

}  // namespace replikv::repl
