#include "replication/replication_module.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>

#include "persistence/aof.h"
#include "persistence/persistence_module.h"
#include "server/commands/blocking.h"
#include "server/commands/client_pause.h"
#include "server/info_field.h"
#include "server/memory_report.h"
#include "server/net/client.h"
#include "server/server.h"

namespace replikv::repl {
namespace {

bool ParseInt(std::string_view s, int64_t* out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size() && !s.empty();
}

}  // namespace

ReplicationModule::ReplicationModule(Server& server, persistence::PersistenceModule& persistence)
    : server_(server),
      persistence_(persistence),
      stream_(static_cast<size_t>(server.config().repl_backlog_size)) {
  primary_ = std::make_unique<PrimarySide>(server_, id_, stream_, persistence_.snapshotter(), this);
  replica_ = std::make_unique<ReplicaSide>(server_, id_, stream_, persistence_, [this] { primary_->DisconnectAll(); });
  primary_->replica_link_up_ = [this] { return replica_->link_up(); };
  Failover::Hooks hooks;
  hooks.demote_to = [this](const std::string& host, int port) { SetPrimary(host, port, /*failover=*/true); };
  hooks.restore_primary = [this] { Promote(); };
  failover_ = std::make_unique<Failover>(server_, stream_, *primary_, std::move(hooks));
  replica_->on_failover_psync_ = [this](bool accepted) { failover_->OnPsyncResult(accepted); };
}

ReplicationModule::~ReplicationModule() = default;

void ReplicationModule::RegisterCommands(CommandTable& t, ReplicationModule* owner) {
  struct Row {
    const char* name;
    int arity;
    uint32_t flags;
    CommandHandler handler;
    const char* group;
    const char* since;
  };
  static const Row kRows[] = {
      {"replicaof", 3, kCmdAdmin | kCmdNoscript | kCmdStale | kCmdNoAsyncLoading, &ReplicaofCommand, "server",
       "5.0.0"},
      {"slaveof", 3, kCmdAdmin | kCmdNoscript | kCmdStale | kCmdNoAsyncLoading, &ReplicaofCommand, "server",
       "1.0.0"},
      {"sync", 1, kCmdAdmin | kCmdNoscript | kCmdNoAsyncLoading | kCmdNoMulti, &SyncCommand, "server", "1.0.0"},
      {"psync", -3, kCmdAdmin | kCmdNoscript | kCmdNoAsyncLoading | kCmdNoMulti, &PsyncCommand, "server",
       "2.8.0"},
      {"replconf", -1, kCmdAdmin | kCmdNoscript | kCmdLoading | kCmdStale | kCmdAllowBusy, &ReplconfCommand,
       "server", "3.0.0"},
      {"role", 1, kCmdNoscript | kCmdLoading | kCmdStale | kCmdFast, &RoleCommand, "server", "2.8.12"},
      {"wait", 3, kCmdNoscript, &WaitCommand, "generic", "3.0.0"},
      {"failover", -1, kCmdAdmin | kCmdNoscript | kCmdStale, &FailoverCommand, "server", "6.2.0"},
  };
  for (const Row& r : kRows) {
    Command c;
    c.name = r.name;
    c.arity = r.arity;
    c.flags = r.flags;
    c.handler = r.handler;
    c.owner = owner;
    c.group = r.group;
    c.since = r.since;
    t.Add(std::move(c));
  }
}

void ReplicationModule::RegisterCommandNames(CommandTable& t) { RegisterCommands(t, nullptr); }

void ReplicationModule::Install() {
  RegisterCommands(server_.commands(), this);
  server_.propagator().AddSink(this, kPropagateRepl);
  persistence::Snapshotter& snap = persistence_.snapshotter();
  // Every save carries the replication info while there is a history to
  // continue (a backlog, or a replica's link), so a restart can PSYNC.
  snap.SetReplInfoProvider([this]() -> std::optional<persistence::RdbReplInfo> {
    if (!stream_.has_backlog() && !replica_->active()) return std::nullopt;
    persistence::RdbReplInfo info;
    info.repl_id = id_.replid();
    info.repl_offset = stream_.end_offset();
    int db = server_.is_replica() ? replica_->stream_db() : Propagator::SelectedDb(this);
    info.repl_stream_db = db < 0 ? 0 : db;
    return info;
  });
  snap.AddSaveListener([this](const persistence::SaveResult& r) { primary_->OnSaveDone(r); });
  server_.config_registry()
      .SetApplyHook({"repl-backlog-size"},
                    [this](const ServerConfig& cfg) {
                      stream_.SetBacklogSize(static_cast<size_t>(cfg.repl_backlog_size));
                      return Status::OK();
                    })
      .IgnoreError();
  server_.debug_subcommands.emplace_back("change-repl-id", [this](CommandContext& ctx) {
    // DEBUG CHANGE-REPL-ID: a new id, the secondary cleared (Redis's test hook).
    id_.StartNewHistory(stream_.end_offset() + 1);
    ctx.reply.AddOk();
  });
  server_.AddModule(this);
}

void ReplicationModule::AfterLoad() {
  LoadedReplInfo info = server_.loading_state().last_repl_info;
  const ServerConfig& cfg = server_.config();
  std::optional<NodeState> ns = ReadNodeState();
  if (ns && !info.present() && cfg.appendonly && ns->shutdown) {
    // The AOF carries no id: the node-state file's shutdown record does,
    // valid only if the AOF is byte for byte the one it was written with.
    const std::string mark = persistence_.aof().DatasetMark();
    if (!mark.empty() && mark == ns->shutdown->aof_mark) {
      info = LoadedReplInfo{ns->replid, ns->shutdown->repl_offset, ns->shutdown->stream_db};
      spdlog::info("Replication id {} and offset {} restored from the node state file (the AOF is unchanged since "
                   "the shutdown that wrote it)",
                   info.repl_id, info.repl_offset);
    } else {
      spdlog::info("The node state file's offset was not used: the AOF changed since the shutdown that wrote it");
    }
  }
  if (info.present() && info.repl_id.size() == kReplIdLen) {
    id_.Adopt(info.repl_id, info.repl_offset + 1);
    if (ns) RestoreTimeline(*ns, info.repl_id, info.repl_offset + 1);
    stream_.ResetBacklog(info.repl_offset);
    if (cfg.replicaof_host.empty()) {
      // A primary restarted: its old id continues as replid2, so its
      // replicas get +CONTINUE (Redis 7.0's loadDataFromDisk).
      id_.ShiftOnPromotion(info.repl_offset);
    }
  }
  if (!cfg.replicaof_host.empty()) SetPrimary(cfg.replicaof_host, cfg.replicaof_port);
  // After SetPrimary, which starts a node that was a primary at db 0: a
  // restarted replica's stream goes on in the db its file names.
  if (info.present()) replica_->set_stream_db(info.repl_stream_db);
  SaveNodeStateIfChanged();
}

std::optional<NodeState> ReplicationModule::ReadNodeState() const {
  const std::string& path = server_.config().node_state_file;
  if (path.empty()) return std::nullopt;
  auto ns = ReadNodeStateFile(path);
  if (!ns.ok()) {
    if (!ns.status().IsNotFound()) {
      spdlog::warn("Ignoring the node state file {}: {} (a full sync may follow)", path, ns.status().message());
    }
    return std::nullopt;
  }
  spdlog::info("Node state file {}: written by run {} as a {}{}, replication id {} with {} past histories{}", path,
               ns->run_id, ns->replica ? "replica of " : "primary",
               ns->replica ? ns->primary_host + ":" + std::to_string(ns->primary_port) : "", ns->replid,
               ns->past.size(), ns->shutdown ? ", at a clean shutdown" : "");
  return std::move(*ns);
}

// The loaded data is `replid`'s up to next_offset - 1. If the file knows
// that id -- as its current one, or a past one the data does not go beyond
// -- the histories before it are ours too.
void ReplicationModule::RestoreTimeline(const NodeState& ns, const std::string& replid, int64_t next_offset) {
  if (EqualsIgnoreCase(ns.replid, replid) && ns.first_offset <= next_offset) {
    id_.Restore(replid, ns.first_offset, ns.past);
  } else {
    for (size_t i = 0; i < ns.past.size(); ++i) {
      const PastHistory& h = ns.past[i];
      if (EqualsIgnoreCase(h.replid, replid) && h.first_offset <= next_offset && next_offset <= h.valid_up_to) {
        id_.Restore(replid, h.first_offset, std::vector<PastHistory>(ns.past.begin() + i + 1, ns.past.end()));
        break;
      }
    }
  }
  if (!id_.past().empty()) {
    spdlog::info("Replication timeline restored from the node state file: {} past histories", id_.past().size());
  }
}

NodeState ReplicationModule::CurrentNodeState() const {
  NodeState ns;
  ns.run_id = server_.run_id();
  ns.replica = server_.is_replica();
  const ServerConfig& cfg = server_.config();
  if (ns.replica) {
    ns.primary_host = cfg.replicaof_host;
    ns.primary_port = cfg.replicaof_port;
  }
  ns.replid = id_.replid();
  ns.first_offset = id_.first_offset();
  ns.past.assign(id_.past().begin(), id_.past().end());
  return ns;
}

void ReplicationModule::SaveNodeState(const NodeState& ns) {
  const std::string& path = server_.config().node_state_file;
  if (path.empty()) return;
  saved_node_state_ = EncodeNodeState(ns);
  Status st = WriteNodeStateFile(path, ns);
  node_state_retry_ms_ = st.ok() ? 0 : WallClockMs() + 5000;
  if (!st.ok()) spdlog::warn("Failed writing the node state file {}: {}", path, st.message());
}

void ReplicationModule::SaveNodeStateIfChanged() {
  NodeState ns = CurrentNodeState();
  if (EncodeNodeState(ns) == saved_node_state_ &&
      (node_state_retry_ms_ == 0 || WallClockMs() < node_state_retry_ms_)) {
    return;
  }
  SaveNodeState(ns);
}

Status ReplicationModule::PrepareShutdown(bool, bool) {
  NodeState ns = CurrentNodeState();
  // Only with a history to continue, as the RDB's repl-id aux field.
  if (stream_.has_backlog() || replica_->active()) {
    NodeState::Shutdown s;
    s.repl_offset = stream_.end_offset();
    int db = server_.is_replica() ? replica_->stream_db() : Propagator::SelectedDb(this);
    s.stream_db = db < 0 ? 0 : db;
    if (server_.config().appendonly) s.aof_mark = persistence_.aof().DatasetMark();
    s.unix_time = WallClockMs() / 1000;
    ns.shutdown = s;
  }
  SaveNodeState(ns);
  return Status::OK();
}

void ReplicationModule::Feed(std::string_view resp) {
  // Nobody could ever read the bytes: Redis does not count them either.
  if (!stream_.has_backlog() && primary_->connected() == 0) return;
  stream_.Append(resp);
}

void ReplicationModule::SetPrimary(const std::string& host, int port, bool failover) {
  if (!server_.is_replica()) {
    // Our own history stays cached: the new primary may know it (a
    // demoted primary whose replica was promoted continues with PSYNC).
    if (!stream_.has_backlog()) stream_.CreateBacklog();
    // The promoted node's first write selects its db (Redis's slaveseldb -1).
    replica_->set_stream_db(0);
  }
  server_.set_role(Role::kReplica);
  // Redis 7.0's words; the clients are closed after the reply.
  server_.blocked_clients().FailAll(
      "-UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)");
  primary_->DisconnectAll();
  ServerConfig* cfg = server_.config_registry().mutable_config();
  cfg->replicaof_host = host;
  cfg->replicaof_port = port;
  replica_->SetPrimary(host, port, failover);
}

void ReplicationModule::Promote() {
  replica_->Unset();
  ServerConfig* cfg = server_.config_registry().mutable_config();
  cfg->replicaof_host.clear();
  cfg->replicaof_port = 0;
  server_.set_role(Role::kPrimary);
  if (!stream_.has_backlog()) stream_.CreateBacklog();
  id_.ShiftOnPromotion(stream_.end_offset());
  spdlog::info("Setting secondary replication ID to {}, valid up to offset: {}. New replication ID is {}",
               id_.replid2(), id_.second_repl_offset(), id_.replid());
  // The replicas must learn the new id; they continue with PSYNC.
  primary_->DisconnectAll();
  server_.propagator().ResetSelectedDb(this);
}

// REPLICAOF host port | NO ONE
void ReplicationModule::ReplicaofCommand(CommandContext& ctx) {
  auto& self = ctx.Owner<ReplicationModule>();
  ctx.propagation_handled = true;
  if (EqualsIgnoreCase(ctx.argv[1], "no") && EqualsIgnoreCase(ctx.argv[2], "one")) {
    if (self.server_.is_replica()) {
      self.Promote();
      spdlog::info("MASTER MODE enabled (user request from 'id={} addr={}')", ctx.client.id(), ctx.client.addr);
    }
    return ctx.reply.AddOk();
  }
  if (ctx.client.kind() == ClientKind::kReplica) {
    return ctx.reply.AddError("Command is not valid when client is a replica.");
  }
  if (self.failover_->active()) return ctx.reply.AddError("REPLICAOF not allowed while failing over.");
  int64_t port;
  if (!ParseInt(ctx.argv[2], &port) || port < 0 || port > 65535) return ctx.reply.AddError("Invalid master port");
  std::string host(ctx.argv[1]);
  if (self.server_.is_replica() && EqualsIgnoreCase(self.replica_->host(), host) && self.replica_->port() == port) {
    spdlog::info("REPLICAOF would result into synchronization with the master we are already connected with. No "
                 "operation performed.");
    return ctx.reply.AddSimple("OK Already connected to specified master");
  }
  self.SetPrimary(host, static_cast<int>(port));
  spdlog::info("REPLICAOF {}:{} enabled (user request from 'id={} addr={}')", host, port, ctx.client.id(),
               ctx.client.addr);
  ctx.reply.AddOk();
}

void ReplicationModule::SyncCommand(CommandContext& ctx) {
  auto& self = ctx.Owner<ReplicationModule>();
  // Replicas don't sync with a node in the middle of a hand-over.
  if (self.failover_->active()) return ctx.reply.AddError("NOMASTERLINK Can't SYNC while failing over");
  self.primary_->SyncCommand(ctx, false);
}

// PSYNC <replid> <offset> [FAILOVER]: with FAILOVER, our primary hands its
// role over to us (its FAILOVER command): we become a primary first, so the
// PSYNC then continues from our previous id.
void ReplicationModule::PsyncCommand(CommandContext& ctx) {
  auto& self = ctx.Owner<ReplicationModule>();
  if (ctx.argv.size() > 3 && EqualsIgnoreCase(ctx.argv[3], "failover")) {
    if (!self.server_.is_replica() || ctx.argv[1] != self.id_.replid()) {
      return ctx.reply.AddError("PSYNC FAILOVER replid must match my replid.");
    }
    spdlog::info("Failover request received for replid {}.", self.id_.replid());
    self.Promote();
    spdlog::info("MASTER MODE enabled (failover request from 'id={} addr={}')", ctx.client.id(), ctx.client.addr);
  }
  if (self.failover_->active()) return ctx.reply.AddError("NOMASTERLINK Can't SYNC while failing over");
  self.primary_->SyncCommand(ctx, true);
}

void ReplicationModule::FailoverCommand(CommandContext& ctx) { ctx.Owner<ReplicationModule>().failover_->Command(ctx); }

void ReplicationModule::ReplconfCommand(CommandContext& ctx) {
  auto& self = ctx.Owner<ReplicationModule>();
  // REPLCONF GETACK * from our primary: answer with our offset.
  if (ctx.argv.size() == 3 && EqualsIgnoreCase(ctx.argv[1], "getack")) {
    if (self.replica_->IsPrimaryClient(ctx.client)) self.replica_->SendAck();
    ctx.propagation_handled = true;
    return;
  }
  const bool ack = ctx.argv.size() >= 3 && EqualsIgnoreCase(ctx.argv[1], "ack");
  self.primary_->ReplconfCommand(ctx);
  if (ack) {
    self.ReleaseWaiters();
    self.failover_->OnAck();
  }
}

// ROLE: *3 "master" offset [[ip port offset]...] or
//       *5 "slave" host port state offset
void ReplicationModule::RoleCommand(CommandContext& ctx) {
  auto& self = ctx.Owner<ReplicationModule>();
  ReplyBuffer& r = ctx.reply;
  if (!self.server_.is_replica()) {
    auto replicas = self.primary_->Replicas();
    r.AddArrayLen(3);
    r.AddBulk("master");
    r.AddInt(self.stream_.end_offset());
    r.AddArrayLen(replicas.size());
    for (const auto& v : replicas) {
      r.AddArrayLen(3);
      r.AddBulk(v.ip);
      r.AddBulk(std::to_string(v.port));
      r.AddBulk(std::to_string(v.ack_offset));
    }
    return;
  }
  r.AddArrayLen(5);
  r.AddBulk("slave");
  r.AddBulk(self.replica_->host());
  r.AddInt(self.replica_->port());
  r.AddBulk(self.replica_->RoleState());
  r.AddInt(self.replica_->link_up() ? self.stream_.end_offset() : -1);
}

// WAIT numreplicas timeout: blocks until `numreplicas` replicas acknowledged
// every write this client made so far (the stream's offset now), or the
// timeout (ms, 0 = forever) passes; replies the number that did.
void ReplicationModule::WaitCommand(CommandContext& ctx) {
  auto& self = ctx.Owner<ReplicationModule>();
  if (self.server_.is_replica()) return ctx.reply.AddError("WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.");
  int64_t numreplicas, timeout;
  if (!ParseInt(ctx.argv[1], &numreplicas)) return ctx.reply.AddError("value is not an integer or out of range");
  if (!ParseInt(ctx.argv[2], &timeout)) return ctx.reply.AddError("timeout is not an integer or out of range");
  if (timeout < 0) return ctx.reply.AddError("timeout is negative");
  const int64_t offset = self.stream_.end_offset();
  int acked = self.primary_->CountAcked(offset);
  if (acked >= numreplicas || ctx.client.in_multi() || ctx.client.deny_blocking) return ctx.reply.AddInt(acked);
  auto st = std::make_unique<BlockState>();
  st->deadline_ms = timeout > 0 ? self.server_.keyspace().now_ms() + timeout : 0;
  PrimarySide* primary = self.primary_.get();
  st->timeout_reply = [primary, offset](ReplyBuffer& r) { r.AddInt(primary->CountAcked(offset)); };
  self.server_.blocked_clients().Block(ctx.client, std::move(st));
  self.waiters_.push_back(Waiter{ctx.client.id(), offset, static_cast<int>(numreplicas)});
  self.getack_pending_ = true;
}

void ReplicationModule::ReleaseWaiters() {
  auto done = [this](const Waiter& w) {
    Client* c = server_.FindClient(w.client_id);
    if (c == nullptr || !c->blocked()) return true;  // gone, timed out or unblocked
    if (primary_->CountAcked(w.offset) < w.numreplicas) return false;
    server_.blocked_clients().Release(w.client_id);
    return true;
  };
  waiters_.erase(std::remove_if(waiters_.begin(), waiters_.end(), done), waiters_.end());
}

void ReplicationModule::BeforeReply() {
  // WAIT asks the replicas for their offset once per iteration, after the
  // writes it waits for are in the stream (Redis's beforeSleep GETACK).
  // Not while writes are paused (Redis 7.0 neither): the GETACK would move
  // the offset a FAILOVER waits for its target to reach.
  if (getack_pending_ && !server_.client_pause().active()) {
    getack_pending_ = false;
    primary_->RequestAcks();
  }
  primary_->Flush();
}

void ReplicationModule::Cron() {
  primary_->Cron();
  replica_->Cron();
  failover_->Cron();
  if (!waiters_.empty()) ReleaseWaiters();
  SaveNodeStateIfChanged();
}

std::string ReplicationModule::CheckCommand(Client& c, const Command& cmd) {
  const ServerConfig& cfg = server_.config();
  if (server_.is_replica()) {
    // Redis 7.0: writes from anyone but the primary are refused on a
    // read-only replica.
    if (cfg.replica_read_only && (cmd.flags & kCmdWrite) && c.kind() != ClientKind::kPrimary &&
        c.kind() != ClientKind::kInternal) {
      return "-READONLY You can't write against a read only replica.";
    }
    if (!cfg.replica_serve_stale_data && !replica_->link_up() && !(cmd.flags & kCmdStale)) {
      return "-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";
    }
    return {};
  }
  if (cfg.min_replicas_to_write > 0 && cfg.min_replicas_max_lag > 0 && (cmd.flags & kCmdWrite) &&
      primary_->CountGood(cfg.min_replicas_max_lag) < cfg.min_replicas_to_write) {
    return "-NOREPLICAS Not enough good replicas to write.";
  }
  return {};
}

void ReplicationModule::AppendInfo(std::string_view section, std::string* o) {
  if (section != "replication") return;
  const ServerConfig& cfg = server_.config();
  InfoField(o, "role", server_.RoleName());
  if (server_.is_replica()) {
    replica_->AppendInfo(o);
    InfoField(o, "slave_priority", cfg.replica_priority);
    InfoField(o, "slave_read_only", cfg.replica_read_only ? 1 : 0);
    InfoField(o, "replica_announced", cfg.replica_announced ? 1 : 0);
  }
  const bool count_good = !server_.is_replica() && cfg.min_replicas_to_write > 0 && cfg.min_replicas_max_lag > 0;
  primary_->AppendInfo(o, count_good ? primary_->CountGood(cfg.min_replicas_max_lag) : -1);
  InfoField(o, "master_failover_state", failover_->StateName());
  InfoField(o, "master_replid", id_.replid());
  InfoField(o, "master_replid2", id_.replid2());
  InfoField(o, "master_repl_offset", stream_.end_offset());
  InfoField(o, "second_repl_offset", id_.second_repl_offset());
  InfoField(o, "repl_backlog_active", stream_.has_backlog() ? 1 : 0);
  InfoField(o, "repl_backlog_size", static_cast<int64_t>(cfg.repl_backlog_size));
  InfoField(o, "repl_backlog_first_byte_offset", stream_.has_backlog() ? stream_.backlog_first_byte_offset() : 0);
  InfoField(o, "repl_backlog_histlen", stream_.has_backlog() ? stream_.backlog_histlen() : 0);
}

void ReplicationModule::Stop() {
  replica_->Unset();
  primary_->DisconnectAll();
}

void ReplicationModule::ReportMemory(MemoryReport* report) {
  report->replication_backlog += stream_.backlog_memory();
  report->replication_buffers += stream_.memory_total();
  report->clients_replicas += primary_->ReplicaBufferBytes();
}

size_t ReplicationModule::NotCountedMemory() {
  // Redis 7.0: only the replication buffer beyond the backlog's size.
  size_t total = stream_.memory_total();
  size_t backlog = static_cast<size_t>(server_.config().repl_backlog_size);
  return total > backlog ? total - backlog : 0;
}

}  // namespace replikv::repl
