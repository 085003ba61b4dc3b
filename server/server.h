// Server: the process's state and its event loop.
//
// One loop thread owns every key, client and counter (DESIGN.md). The loop
// has: TCP listeners, one client per connection, a cron timer at `hz`, a
// prepare hook that runs before each poll (write the AOF, then client
// replies, then decide whether to busy-poll), and signal handlers for
// SIGTERM/SIGINT.
//
// Persistence and replication attach later through hooks (before-reply
// hooks, cron hooks) and through the propagation funnel, so this file
// never includes their headers.
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
#include "server/propagate.h"
#include "server/net/reply_buffer.h"
#include "server/base/status.h"

namespace replikv {

class Client;
class WatchedKeys;     // server/multi.h
class PubSub;          // server/pubsub.h
class BlockedClients;  // server/blocking.h
class Evictor;         // server/evict.h
class ClientPause;     // server/client_pause.h

// Whether "ip:port" is a loopback peer (protected mode, DEBUG local).
bool IsLoopbackAddress(const std::string& addr);

struct ServerStats {
  int64_t start_time_ms = 0;
  uint64_t total_connections_received = 0;
  uint64_t total_commands_processed = 0;
  uint64_t rejected_connections = 0;
  uint64_t total_net_input_bytes = 0;
  uint64_t total_net_output_bytes = 0;
  uint64_t unexpected_error_replies = 0;
  uint64_t client_qbuf_limit_disconnections = 0;
  uint64_t client_outbuf_limit_disconnections = 0;
  // Ops-per-second samples, as Redis's instantaneous_ops_per_sec.
  uint64_t ops_sample_last_count = 0;
  int64_t ops_sample_last_ms = 0;
  double instantaneous_ops_per_sec = 0;
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
  // Applies rename-command once every layer has registered its commands.
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
  // CLIENT PAUSE state and the clients it holds (FAILOVER reuses it).
  ClientPause& client_pause() { return *client_pause_; }

  // Clients.
  void AddClient(std::unique_ptr<Client> c);
  void RemoveClient(Client* c);   // called from the client's close callback
  const std::unordered_map<uint64_t, std::unique_ptr<Client>>& clients() const { return clients_; }
  Client* FindClient(uint64_t id);
  void QueuePendingWrite(Client* c);
  uint64_t NextClientId() { return next_client_id_++; }

  // Set by replication when this node follows a primary.
  bool is_replica = false;
  const char* RoleName() const { return is_replica ? "slave" : "master"; }

  // Unix time of the last successful save (LASTSAVE); start-up time until
  // the first save, as in Redis.
  int64_t lastsave_unix = 0;
  // Changes since the last successful save.
  uint64_t dirty = 0;
  // The whole dataset's change counter, never reset (for WATCH-like uses).
  uint64_t total_dirty = 0;
  // Whether a dataset is being loaded (commands without the loading flag get
  // -LOADING).
  bool loading = false;
  // Whether a fork()ed child exists (tables hold off resizing).
  bool has_active_child() const { return active_child_pid_ != -1; }
  void set_active_child_pid(int pid);

  // Hooks for later layers (AOF, replication): called in order.
  // Before replies are written each loop iteration (the AOF write/fsync).
  std::vector<std::function<void()>> before_reply_hooks;
  // Checks before a command runs (MISCONF, READONLY...): a check that
  // refuses returns its error (ReplyBuffer::AddError's form), else "". The
  // dispatcher replies it as Redis's rejectCommand does (an EXEC answers
  // -EXECABORT with it).
  std::vector<std::function<std::string(Client&, const Command&)>> command_checks;
  // After FLUSHALL (Redis saves an RDB there when save points are set).
  std::vector<std::function<void()>> flushall_hooks;
  // INFO sections supplied by later layers ("persistence", "replication"):
  // each appends its fields to the string.
  std::unordered_map<std::string, std::function<void(std::string*)>> info_sections;
  // DEBUG subcommands supplied by later layers (RELOAD, CHANGE-REPL-ID...).
  std::vector<std::pair<std::string, std::function<void(CommandContext&)>>> debug_subcommands;
  // CONFIG RESETSTAT: later layers reset their counters.
  std::vector<std::function<void()>> reset_stat_hooks;
  // When the loop ends: close the handles a layer owns.
  std::vector<std::function<void()>> stop_hooks;
  // Extra INFO persistence fields (the AOF layer adds its aof_* lines to the
  // section the RDB layer owns).
  std::vector<std::function<void(std::string*)>> info_persistence_extra;
  // Every cron tick.
  std::vector<std::function<void()>> cron_hooks;
  // On shutdown, before exit (final save, AOF flush). A non-OK Status
  // aborts a SHUTDOWN command (not a SIGTERM with NOSAVE).
  std::vector<std::function<Status(bool save, bool nosave)>> shutdown_hooks;

  // In a fork()ed child: closes the listening sockets' descriptors, so a
  // server restarted while the child still runs can bind its port (Redis's
  // closeChildUnusedResourceAfterFork). The child never touches the loop.
  void CloseListenersInForkedChild();

  // Starts an orderly shutdown: hooks run, then the loop stops. `save` and
  // `nosave` are SHUTDOWN's options. Returns the hook's error, if any.
  Status PrepareShutdown(bool save, bool nosave);
  void StopLoop();

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
  // Runs command_checks for `cmd` (dispatch.cpp); false if one refused.
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
  std::unique_ptr<ClientPause> client_pause_;
  std::vector<Client*> pending_writes_;
  uint64_t next_client_id_ = 1;
  uint64_t nested_call_errors_ = 0;  // error replies of the calls Call() ran inside another
  int active_child_pid_ = -1;
  int exit_code_ = 0;
  bool shutting_down_ = false;
  std::string run_id_;
  uint64_t cron_loops_ = 0;
  uint64_t memory_peak_ = 0;
  uint64_t memory_startup_ = 0;
};

}  // namespace replikv
