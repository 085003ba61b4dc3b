// Server: the process's state and its event loop.
//
// One loop thread owns every key, client and counter (DESIGN.md). The loop
// has: TCP listeners, one client per connection, a cron timer at `hz`, a
// prepare hook that runs before each poll (write the AOF, then client
// replies, then decide whether to busy-poll), and signal handlers for
// SIGTERM/SIGINT.
//
// Persistence and replication attach as modules (server/module.h) and
// through the propagation funnel, so this file never includes their headers.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "server/net/busy_poll.h"
#include "server/command_table.h"
#include "server/config/config.h"
#include "server/keyspace.h"
#include "server/loading_state.h"
#include "server/module.h"
#include "server/propagate.h"
#include "server/net/reply_buffer.h"
#include "server/base/status.h"

namespace replikv {

class Client;
class WatchedKeys;     // server/multi.h
class PubSub;          // server/pubsub.h
class BlockedClients;  // server/blocking.h
class Evictor;         // server/evict.h
class ClientEviction;  // server/client_eviction.h
class ClientPause;     // server/client_pause.h
class Monitors;        // server/monitor.h
class SlowLog;         // server/slowlog.h
class LatencyMonitor;  // server/latency_monitor.h
class ScriptEngine;    // server/commands/scripting.h
class Acl;             // server/acl.h
class ClientTracking;  // server/tracking.h

// Whether "ip:port" is a loopback peer (protected mode, DEBUG local).
bool IsLoopbackAddress(const std::string& addr);

enum class Role { kPrimary, kReplica };

// A rate as Redis's trackInstantaneousMetric(): the increase of a running
// total per second, sampled every 100 ms, averaged over the last 16 samples.
struct InstantaneousMetric {
  static constexpr int kSamples = 16;
  void Sample(uint64_t total, int64_t now_ms) {
    if (last_ms_ != 0 && now_ms > last_ms_) {
      samples_[next_] = static_cast<double>(total - last_total_) * 1000.0 / static_cast<double>(now_ms - last_ms_);
      next_ = (next_ + 1) % kSamples;
    }
    last_total_ = total;
    last_ms_ = now_ms;
  }
  double PerSecond() const {
    double sum = 0;
    for (double s : samples_) sum += s;
    return sum / kSamples;
  }

 private:
  uint64_t last_total_ = 0;
  int64_t last_ms_ = 0;
  double samples_[kSamples] = {};
  int next_ = 0;
};

struct ServerStats {
  int64_t start_time_ms = 0;
  uint64_t total_connections_received = 0;
  uint64_t total_commands_processed = 0;
  uint64_t rejected_connections = 0;
  // Client traffic; a replica's link to its primary and the primary's links
  // to its replicas count apart, as Redis 7.0's total_net_repl_*_bytes.
  uint64_t total_net_input_bytes = 0;
  uint64_t total_net_output_bytes = 0;
  uint64_t total_net_repl_input_bytes = 0;
  uint64_t total_net_repl_output_bytes = 0;
  uint64_t total_reads_processed = 0;   // socket reads of client connections
  uint64_t total_writes_processed = 0;  // socket writes to client connections
  uint64_t expire_cycle_us = 0;         // time spent in the active expire cycle
  uint64_t unexpected_error_replies = 0;
  uint64_t client_qbuf_limit_disconnections = 0;
  uint64_t client_outbuf_limit_disconnections = 0;
  uint64_t evicted_clients = 0;  // closed for maxmemory-clients
  // Replication (counted by the replication module's primary side).
  uint64_t sync_full = 0;
  uint64_t sync_partial_ok = 0;
  uint64_t sync_partial_err = 0;
  // INFO's instantaneous_* fields; sampled by Server::Cron.
  int64_t metrics_sample_last_ms = 0;
  InstantaneousMetric ops_per_sec;
  InstantaneousMetric net_input_per_sec;
  InstantaneousMetric net_output_per_sec;
  InstantaneousMetric net_repl_input_per_sec;
  InstantaneousMetric net_repl_output_per_sec;
};

class Server {
 public:
  // `registry` (the configuration) must outlive the server.
  explicit Server(ConfigRegistry& registry);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the listeners; a clear Status when an address can't be bound.
  Status Listen();
  // Starts the loop's own handles (prepare hook, cron, signals). After
  // Start() and before Run(), PumpEvents() may serve clients (with -LOADING)
  // while a dataset loads.
  void Start();
  // One non-blocking pass over the loop; only outside Run().
  void PumpEvents();
  // Runs the loop until shutdown; returns the process exit code.
  int Run();
  // Applies rename-command once every layer has registered its commands,
  // then numbers the commands for the ACL.
  void ApplyCommandRenames();

  uv_loop_t* loop() { return &loop_; }
  const ServerConfig& config() const { return registry_.config(); }
  ConfigRegistry& config_registry() { return registry_; }
  Keyspace& keyspace() { return keyspace_; }
  Propagator& propagator() { return propagator_; }
  CommandTable& commands() { return commands_; }
  ServerStats& stats() { return stats_; }
  ErrorStats& error_stats() { return error_stats_; }

  // Executes one parsed command for `c` (lookup, checks, call, propagate).
  void ExecuteCommand(Client& c, ArgList argv);
  // Runs `cmd` for `c` without any check (EXEC's queued commands): the
  // handler, its statistics, the propagation of a write that changed the
  // dataset, WATCH bookkeeping. Replies go to `reply`.
  void Call(Client& c, Command& cmd, ArgList argv, ReplyBuffer& reply);

  // Transactions' WATCHed keys, Pub/Sub channels, clients blocked on keys.
  WatchedKeys& watched_keys() { return *watched_keys_; }
  PubSub& pubsub() { return *pubsub_; }
  BlockedClients& blocked_clients() { return *blocked_clients_; }
  // maxmemory: eviction before commands.
  Evictor& evictor() { return *evictor_; }
  // Each connection's memory and maxmemory-clients.
  ClientEviction& client_eviction() { return *client_eviction_; }
  // CLIENT PAUSE state and the clients it holds (FAILOVER reuses it).
  ClientPause& client_pause() { return *client_pause_; }
  // MONITOR clients (fed by Call).
  Monitors& monitors() { return *monitors_; }
  // SLOWLOG entries and LATENCY samples (fed by Call and the cycles).
  SlowLog& slowlog() { return *slowlog_; }
  LatencyMonitor& latency_monitor() { return *latency_monitor_; }
  // Records a latency-monitor sample for `event` if it reached
  // latency-monitor-threshold.
  void AddLatencySample(const char* event, int64_t latency_ms);
  // EVAL's Lua interpreter and script cache.
  ScriptEngine& scripting() { return *scripting_; }
  // ACL users, the ACL log, the aclfile.
  Acl& acl() { return *acl_; }
  // CLIENT TRACKING: the tracking table, BCAST prefixes, invalidations.
  ClientTracking& tracking() { return *tracking_; }

  // Clients.
  void AddClient(std::unique_ptr<Client> c);
  void RemoveClient(Client* c);   // called from the client's close callback
  const std::unordered_map<uint64_t, std::unique_ptr<Client>>& clients() const { return clients_; }
  Client* FindClient(uint64_t id);
  void QueuePendingWrite(Client* c);
  uint64_t NextClientId() { return next_client_id_++; }

  // The node's role, switched by replication (REPLICAOF). A replica's keys
  // expire only through its primary's DELs: the keyspace follows the role.
  Role role() const { return role_; }
  bool is_replica() const { return role_ == Role::kReplica; }
  void set_role(Role r);
  const char* RoleName() const { return is_replica() ? "slave" : "master"; }
  // DEBUG PAUSE-CRON: the cron tick does nothing while set.
  bool cron_paused = false;
  // While a script runs, its commands see the time it started at (Call()
  // leaves the keyspace clock alone).
  bool freeze_clock = false;

  // Unix time of the last successful save (LASTSAVE); start-up time until
  // the first save, as in Redis.
  int64_t lastsave_unix = 0;
  // Changes since the last successful save.
  uint64_t dirty = 0;
  // The whole dataset's change counter, never reset (for WATCH-like uses).
  uint64_t total_dirty = 0;
  // Whether a dataset is being loaded (commands without the loading flag get
  // -LOADING); set through loading_state().
  bool loading = false;
  // A replica loads its primary's RDB beside the data it serves (swapdb).
  bool async_loading = false;
  LoadingState& loading_state() { return loading_state_; }
  // Whether a fork()ed child exists (tables hold off resizing).
  bool has_active_child() const { return active_child_pid_ != -1; }
  void set_active_child_pid(int pid);

  // Subsystems (persistence, replication), called in registration order
  // (server/module.h). Registered before Start(); not owned.
  void AddModule(ServerModule* m) { modules_.push_back(m); }
  const std::vector<ServerModule*>& modules() const { return modules_; }
  // Memory the modules hold that maxmemory does not count.
  size_t NotCountedMemory() const;
  // DEBUG subcommands supplied by modules (RELOAD, LOADAOF, CHANGE-REPL-ID...).
  std::vector<std::pair<std::string, std::function<void(CommandContext&)>>> debug_subcommands;

  // In a fork()ed child: closes the listening sockets' descriptors, so a
  // server restarted while the child still runs can bind its port (Redis's
  // closeChildUnusedResourceAfterFork). The child never touches the loop.
  void CloseListenersInForkedChild();

  // Starts an orderly shutdown: hooks run, then the loop stops. `save` and
  // `nosave` are SHUTDOWN's options. Returns the hook's error, if any.
  Status PrepareShutdown(bool save, bool nosave);
  void StopLoop();
  bool shutting_down() const { return shutting_down_; }
  // SIGTERM/SIGINT arrived while a script ran: the script's end calls
  // ShutdownOnSignal().
  bool signal_shutdown_pending() const { return signal_shutdown_pending_; }
  void ShutdownOnSignal();

  // Fork statistics (INFO stats), kept here since any layer may fork.
  int64_t latest_fork_usec = 0;
  uint64_t total_forks = 0;
  // used_memory_peak and used_memory_startup.
  void NoteMemoryPeak(uint64_t used) { if (used > memory_peak_) memory_peak_ = used; }
  uint64_t memory_peak() const { return memory_peak_; }
  uint64_t memory_startup() const { return memory_startup_; }
  void set_memory_startup(uint64_t v) { memory_startup_ = v; }

  // The config file path the server started with (CONFIG REWRITE target).
  std::string config_file;
  std::string executable;
  uint64_t run_id_seed = 0;
  const std::string& run_id() const { return run_id_; }
  int tcp_port_bound() const { return config().port; }

 private:
  static void OnConnection(uv_stream_t* listener, int status);
  static void OnBeforePoll(uv_prepare_t* h);
  static void OnCron(uv_timer_t* t);
  static void OnSignal(uv_signal_t* s, int signum);
  void Cron();
  void FlushPendingWrites();
  void CloseTimedOutClients();
  // ExecuteCommand's body, between the CLIENT REPLY bookkeeping.
  void Dispatch(Client& c, ArgList argv);
  // Runs the modules' CheckCommand for `cmd` (dispatch.cpp); false if one refused.
  bool PassesChecks(Client& c, Command& cmd);
  // Evicts for maxmemory; false (after replying -OOM) if `cmd` is refused.
  bool PassesMemoryCheck(Client& c, Command& cmd);

  uv_loop_t loop_;
  ConfigRegistry& registry_;
  Propagator propagator_;
  Keyspace keyspace_;
  CommandTable commands_;
  ServerStats stats_;
  ErrorStats error_stats_;
  std::vector<std::unique_ptr<uv_tcp_t>> listeners_;
  uv_prepare_t before_poll_;
  BusyPoll busy_poll_;
  uint64_t commands_at_last_poll_ = 0;
  uv_timer_t cron_;
  uv_signal_t sigterm_, sigint_;
  std::unordered_map<uint64_t, std::unique_ptr<Client>> clients_;
  std::unique_ptr<WatchedKeys> watched_keys_;
  std::unique_ptr<PubSub> pubsub_;
  std::unique_ptr<BlockedClients> blocked_clients_;
  std::unique_ptr<Evictor> evictor_;
  std::unique_ptr<ClientEviction> client_eviction_;
  std::unique_ptr<ClientPause> client_pause_;
  std::unique_ptr<KeyEventSink> key_events_;
  std::unique_ptr<Monitors> monitors_;
  std::unique_ptr<SlowLog> slowlog_;
  std::unique_ptr<LatencyMonitor> latency_monitor_;  // notify-keyspace-events from the keyspace
  std::unique_ptr<ScriptEngine> scripting_;
  std::unique_ptr<Acl> acl_;
  std::unique_ptr<ClientTracking> tracking_;
  std::vector<Client*> pending_writes_;
  std::vector<ServerModule*> modules_;
  Role role_ = Role::kPrimary;
  LoadingState loading_state_{*this};
  uint64_t next_client_id_ = 1;
  uint64_t nested_call_errors_ = 0;  // error replies of the calls Call() ran inside another
  int active_child_pid_ = -1;
  int exit_code_ = 0;
  bool shutting_down_ = false;
  bool signal_shutdown_pending_ = false;
  std::string run_id_;
  uint64_t cron_loops_ = 0;
  uint64_t memory_peak_ = 0;
  uint64_t memory_startup_ = 0;
};

}  // namespace replikv
