// The configuration registry: redis.conf files, the command line, and the
// CONFIG GET / SET / REWRITE commands, with Redis 7.0's names, defaults,
// bounds, error texts and renderings.
//
// The values live in ServerConfig, a plain struct the rest of the server reads
// directly on hot paths (config.port, config.proto_max_bulk_len, ...). Its
// member initializers are the defaults. ConfigRegistry owns the one instance
// and is the only writer; both belong to the loop thread.
//
// Lifecycle:
//   1. main: registry.LoadFromCommandLine(argc - 1, argv + 1); on error print
//      status.message() and exit 1.
//   2. main installs apply hooks (SetApplyHook) and calls ApplyAll() once.
//   3. commands: Get / Set / Rewrite.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/base/status.h"

namespace replikv {

enum class AppendFsync { kAlways, kEverySec, kNo };
enum class LogLevel { kDebug, kVerbose, kNotice, kWarning };
enum class MaxmemoryPolicy {
  kVolatileLru,
  kVolatileLfu,
  kVolatileRandom,
  kVolatileTtl,
  kAllkeysLru,
  kAllkeysLfu,
  kAllkeysRandom,
  kNoEviction
};
enum class ReplDisklessLoad { kDisabled, kOnEmptyDb, kSwapDb };
// enable-debug-command, enable-module-command, enable-protected-configs.
enum class EnableFlag { kNo, kYes, kLocal };
enum class Supervised { kUpstart, kSystemd, kAuto, kNo };
enum class SanitizeDumpPayload { kNo, kYes, kClients };
enum class PropagationErrorBehavior { kIgnore, kPanic, kPanicOnReplicas };

// shutdown-on-sigint / shutdown-on-sigterm bits; 0 renders as "default".
inline constexpr int kShutdownSave = 1;
inline constexpr int kShutdownNoSave = 2;
inline constexpr int kShutdownNow = 4;
inline constexpr int kShutdownForce = 8;

// notify-keyspace-events bits (the letters are in the comments).
inline constexpr int kNotifyKeyspace = 1 << 0;  // K
inline constexpr int kNotifyKeyevent = 1 << 1;  // E
inline constexpr int kNotifyGeneric = 1 << 2;   // g
inline constexpr int kNotifyString = 1 << 3;    // $
inline constexpr int kNotifyList = 1 << 4;      // l
inline constexpr int kNotifySet = 1 << 5;       // s
inline constexpr int kNotifyHash = 1 << 6;      // h
inline constexpr int kNotifyZset = 1 << 7;      // z
inline constexpr int kNotifyExpired = 1 << 8;   // x
inline constexpr int kNotifyEvicted = 1 << 9;   // e
inline constexpr int kNotifyStream = 1 << 10;   // t
inline constexpr int kNotifyKeyMiss = 1 << 11;  // m (not part of A)
inline constexpr int kNotifyLoaded = 1 << 12;   // d (module key type)
inline constexpr int kNotifyNew = 1 << 13;      // n (not part of A)
// 'A': every class but m and n.
inline constexpr int kNotifyAll = kNotifyGeneric | kNotifyString | kNotifyList | kNotifySet |
                                  kNotifyHash | kNotifyZset | kNotifyExpired | kNotifyEvicted |
                                  kNotifyStream | kNotifyLoaded;

// One "save <seconds> <changes>" point: BGSAVE after "changes" writes within
// "seconds".
struct SavePoint {
  int64_t seconds = 0;
  int changes = 0;
  bool operator==(const SavePoint&) const = default;
};

// client-output-buffer-limit classes, in CONFIG GET order.
enum class ClientClass { kNormal = 0, kReplica = 1, kPubSub = 2 };
inline constexpr int kClientClassCount = 3;
struct ClientBufferLimit {
  uint64_t hard_bytes = 0;   // 0 = no limit
  uint64_t soft_bytes = 0;   // 0 = no limit
  int64_t soft_seconds = 0;  // how long the soft limit may be exceeded
  bool operator==(const ClientBufferLimit&) const = default;
};

// Every directive Redis 7.0 knows, as typed fields. Names are the directive
// names with '-' turned into '_'. Sizes in bytes, times as the directive's
// unit (seconds unless the name says _ms/_us as Redis's docs do).
struct ServerConfig {
  // Network.
  std::vector<std::string> bind = {"127.0.0.1", "-::1"};  // DESIGN: loopback by default
  std::string bind_source_addr;
  int port = 6379;
  bool protected_mode = true;
  int tcp_backlog = 511;
  int timeout = 0;
  int tcp_keepalive = 300;
  std::string unixsocket;
  int unixsocketperm = 0;  // octal in files and replies
  uint32_t socket_mark_id = 0;
  // TLS: only tls-port 0 is accepted; the rest are stored and not used.
  int tls_port = 0;
  bool tls_cluster = false, tls_replication = false, tls_prefer_server_ciphers = false;
  bool tls_session_caching = true;
  int tls_auth_clients = 1;  // 0 no, 1 yes, 2 optional
  int tls_session_cache_size = 20480, tls_session_cache_timeout = 300;
  std::string tls_cert_file, tls_key_file, tls_key_file_pass, tls_client_cert_file,
      tls_client_key_file, tls_client_key_file_pass, tls_dh_params_file, tls_ca_cert_file,
      tls_ca_cert_dir, tls_protocols, tls_ciphers, tls_ciphersuites;

  // General.
  bool daemonize = false;
  Supervised supervised = Supervised::kNo;
  std::string pidfile;
  LogLevel loglevel = LogLevel::kNotice;
  std::string logfile;  // "" = stdout
  bool syslog_enabled = false;
  std::string syslog_ident = "redis";
  int syslog_facility = 1;  // 0 user, 1..8 local0..local7
  bool crash_log_enabled = true, crash_memcheck_enabled = true;
  int databases = 16;
  bool always_show_logo = false;
  bool set_proc_title = true;
  std::string proc_title_template = "{title} {listen-addr} {server-mode}";
  std::string ignore_warnings;
  EnableFlag enable_protected_configs = EnableFlag::kNo;
  EnableFlag enable_debug_command = EnableFlag::kNo;
  EnableFlag enable_module_command = EnableFlag::kNo;
  std::string server_cpulist, bio_cpulist, aof_rewrite_cpulist, bgsave_cpulist;

  // Snapshotting.
  std::vector<SavePoint> save_points = {{3600, 1}, {300, 100}, {60, 10000}};
  bool stop_writes_on_bgsave_error = true;
  bool rdbcompression = true;
  bool rdbchecksum = true;
  SanitizeDumpPayload sanitize_dump_payload = SanitizeDumpPayload::kNo;
  std::string dbfilename = "dump.rdb";
  bool rdb_del_sync_files = false;
  // Absolute once ApplyAll() or CONFIG SET dir has run; CONFIG GET dir
  // always reports getcwd(), as Redis does.
  std::string dir = ".";

  // Replication.
  std::string replicaof_host;  // "" = not a replica
  int replicaof_port = 0;
  std::string masterauth, masteruser;
  bool replica_serve_stale_data = true;
  bool replica_read_only = true;
  bool repl_diskless_sync = true;
  int repl_diskless_sync_delay = 5;
  int repl_diskless_sync_max_replicas = 0;
  ReplDisklessLoad repl_diskless_load = ReplDisklessLoad::kDisabled;
  int repl_ping_replica_period = 10;
  int repl_timeout = 60;
  bool repl_disable_tcp_nodelay = false;
  int64_t repl_backlog_size = 1024 * 1024;
  int64_t repl_backlog_ttl = 3600;
  int replica_priority = 100;
  bool replica_announced = true;
  int min_replicas_to_write = 0;
  int min_replicas_max_lag = 10;
  std::string replica_announce_ip;
  int replica_announce_port = 0;
  bool replica_ignore_maxmemory = true;
  bool replica_lazy_flush = false;
  bool replica_ignore_disk_write_errors = false;
  PropagationErrorBehavior propagation_error_behavior = PropagationErrorBehavior::kIgnore;

  // Security and clients.
  std::string requirepass;
  int64_t acllog_max_len = 128;
  std::string aclfile;
  int acl_pubsub_default = 0;  // 0 resetchannels, 1 allchannels
  uint32_t maxclients = 10000;
  int64_t tracking_table_max_keys = 1000000;

  // Memory and eviction.
  uint64_t maxmemory = 0;
  MaxmemoryPolicy maxmemory_policy = MaxmemoryPolicy::kNoEviction;
  int maxmemory_samples = 5;
  int maxmemory_eviction_tenacity = 10;
  int64_t maxmemory_clients = 0;  // bytes if >= 0; -N means N% of maxmemory
  int active_expire_effort = 1;
  bool lazyfree_lazy_eviction = false, lazyfree_lazy_expire = false,
       lazyfree_lazy_server_del = false, lazyfree_lazy_user_del = false,
       lazyfree_lazy_user_flush = false;
  int lfu_log_factor = 10;
  int lfu_decay_time = 1;

  // Threads and kernel.
  int io_threads = 1;
  bool io_threads_do_reads = false;
  int oom_score_adj = 0;  // 0 no, 1 yes/relative, 2 absolute
  int oom_score_adj_values[3] = {0, 200, 800};
  bool disable_thp = true;
  bool jemalloc_bg_thread = true;

  // Append-only file.
  bool appendonly = false;
  std::string appendfilename = "appendonly.aof";
  std::string appenddirname = "appendonlydir";
  AppendFsync appendfsync = AppendFsync::kEverySec;
  bool no_appendfsync_on_rewrite = false;
  int auto_aof_rewrite_percentage = 100;
  int64_t auto_aof_rewrite_min_size = 64 * 1024 * 1024;
  bool aof_load_truncated = true;
  bool aof_use_rdb_preamble = true;
  bool aof_timestamp_enabled = false;
  bool aof_disable_auto_gc = false;
  bool aof_rewrite_incremental_fsync = true;
  bool rdb_save_incremental_fsync = true;

  // Shutdown, scripts, monitoring.
  int shutdown_timeout = 10;
  int shutdown_on_sigint = 0;  // kShutdown* bits
  int shutdown_on_sigterm = 0;
  int64_t busy_reply_threshold = 5000;      // ms; alias lua-time-limit
  int64_t slowlog_log_slower_than = 10000;  // us; -1 disables
  int64_t slowlog_max_len = 128;
  int64_t latency_monitor_threshold = 0;  // ms
  bool latency_tracking = true;
  std::vector<double> latency_tracking_info_percentiles = {50.0, 99.0, 99.9};
  int notify_keyspace_events = 0;  // kNotify* bits

  // Encodings.
  int64_t hash_max_listpack_entries = 512;
  int64_t hash_max_listpack_value = 64;
  int list_max_listpack_size = -2;
  int list_compress_depth = 0;
  int64_t set_max_intset_entries = 512;
  int64_t zset_max_listpack_entries = 128;
  int64_t zset_max_listpack_value = 64;
  int64_t hll_sparse_max_bytes = 3000;
  int64_t stream_node_max_bytes = 4096;
  int64_t stream_node_max_entries = 100;

  // Advanced.
  bool activerehashing = true;
  ClientBufferLimit client_obuf_limits[kClientClassCount] = {
      {0, 0, 0}, {256 << 20, 64 << 20, 60}, {32 << 20, 8 << 20, 60}};
  int64_t client_query_buffer_limit = 1024 * 1024 * 1024;
  int64_t proto_max_bulk_len = 512 * 1024 * 1024;
  int hz = 10;  // stored clamped to 1..500, as Redis does
  // replikv's own: microseconds the loop keeps polling after work before it
  // sleeps (server/busy_poll.h says why); 0 turns it off.
  int busy_poll = 20;
  // replikv's own: the node-state file in `dir` (replication/node_state.h),
  // "" for none.
  std::string node_state_file = "node-state.pb";
  // replikv's own, off as Redis: a replica refuses a full sync that would
  // replace its data with an empty dataset from a primary that did not know
  // its history (the restarted-empty primary wipe), and keeps its data.
  bool replica_refuse_empty_sync = false;
  bool dynamic_hz = true;
  bool activedefrag = false;
  int64_t active_defrag_ignore_bytes = 100 << 20;
  int active_defrag_threshold_lower = 10, active_defrag_threshold_upper = 100;
  int active_defrag_cycle_min = 1, active_defrag_cycle_max = 25;
  int64_t active_defrag_max_scan_fields = 1000;

  // Cluster: only "cluster-enabled no" is accepted; the rest are stored.
  bool cluster_enabled = false;
  std::string cluster_config_file = "nodes.conf";
  int64_t cluster_node_timeout = 15000;
  int cluster_port = 0, cluster_announce_port = 0, cluster_announce_bus_port = 0,
      cluster_announce_tls_port = 0;
  int cluster_replica_validity_factor = 10, cluster_migration_barrier = 1;
  bool cluster_allow_replica_migration = true, cluster_require_full_coverage = true,
       cluster_replica_no_failover = false, cluster_allow_reads_when_down = false,
       cluster_allow_pubsubshard_when_down = true;
  uint64_t cluster_link_sendbuf_limit = 0;
  std::string cluster_announce_ip, cluster_announce_hostname;
  int cluster_preferred_endpoint_type = 0;  // 0 ip, 1 hostname, 2 unknown-endpoint

  // Hidden test knobs (CONFIG GET by exact name only).
  int rdb_key_save_delay = 0;  // us per key while saving
  int key_load_delay = 0;      // us per key while loading
  int loading_process_events_interval_bytes = 2 * 1024 * 1024;

  // Start-up-only directives that are not values: "rename-command old new"
  // (new "" disables the command) and "user ..." lines, kept for the command
  // table and ACL code to apply.
  std::vector<std::pair<std::string, std::string>> rename_commands;
  std::vector<std::vector<std::string>> user_directives;
};

// Outcome of CONFIG SET and CONFIG REWRITE: ok, or the error reply without
// its leading '-' ("ERR Unknown option or number of arguments for CONFIG SET
// - 'foo'").
struct [[nodiscard]] ConfigReply {
  std::string error;
  bool ok() const { return error.empty(); }
};

// Called after CONFIG SET changed one of the directives it was installed for,
// with the new values already in place (and by ApplyAll() at start-up). A
// non-OK Status makes the whole CONFIG SET fail with its message() as the
// reason and be rolled back: the old values come back and the hooks that had
// already run are called again with them (their errors then ignored).
using ApplyHook = std::function<Status(const ServerConfig& config)>;

class ConfigRegistry {
 public:
  ConfigRegistry();
  ~ConfigRegistry();
  ConfigRegistry(const ConfigRegistry&) = delete;
  ConfigRegistry& operator=(const ConfigRegistry&) = delete;

  const ServerConfig& config() const { return config_; }
  // For start-up code and tests; running code changes values through Set().
  ServerConfig* mutable_config() { return &config_; }

  // "replikv-server [configfile] [--name value ...]" minus the program name
  // (main has handled --help/--version). The first argument is the file
  // unless it starts with '-'; "-" as the first or last argument reads a
  // config from stdin after the file. "--name" starts a directive, following
  // arguments are its values; command-line directives apply after the file.
  // On failure the Status message is the complete text to print, e.g.
  //   *** FATAL CONFIG FILE ERROR (replikv <kReplikvVersion>) *** (4 lines,
  //   after an empty one, as Redis prints it)
  //   Fatal error, can't open config file '/x.conf': No such file or directory
  Status LoadFromCommandLine(int argc, const char* const* argv);
  // Loads one file (and its includes) and makes it the CONFIG REWRITE target.
  Status LoadFromFile(const std::string& path);
  // Loads text as if it were a config file, without a REWRITE target.
  Status LoadFromString(std::string_view text);

  // Test seams: where "-" reads from (default: all of fd 0), and how
  // rename-command learns whether a command exists (default: always yes).
  void set_stdin_reader(std::function<Result<std::string>()> reader);
  void set_command_exists(std::function<bool(std::string_view)> exists);
  // The `user` lines CONFIG REWRITE writes: ACL LIST's lines ("user name
  // rules..."). Unset: the file's `user` lines stay as written.
  // With an aclfile the file's `user` lines are dropped instead (Redis: the
  // users live in the aclfile then).
  void set_user_lines(std::function<std::vector<std::string>()> lines);

  // Installs "hook" for the named directives (canonical names or aliases).
  // One CONFIG SET calls a hook once even if several of its directives
  // changed. Installing for a directive again replaces its hook. Fails with
  // InvalidArgument for an unknown name.
  Status SetApplyHook(std::initializer_list<std::string_view> names, ApplyHook hook);
  // Runs the built-in dir hook (chdir, then config.dir becomes absolute) and
  // every installed hook once, in table order; the first failure is returned.
  // main calls it once after loading and installing hooks.
  Status ApplyAll();

  // CONFIG GET pattern [pattern ...]: name/value pairs. A pattern without
  // '*', '?' or '[' is looked up by exact name (hidden knobs included) and
  // answered under the name as given; otherwise it is matched without case
  // against every name and alias. A name is reported once.
  std::vector<std::pair<std::string, std::string>> Get(
      std::span<const std::string_view> patterns) const;
  // CONFIG SET name value [name value ...] (the arguments after SET): all or
  // nothing. "local_client" says the connection is local (unix socket or
  // loopback), for enable-protected-configs local.
  ConfigReply Set(std::span<const std::string_view> args, bool local_client);
  // CONFIG REWRITE: rewrites the file given at start-up in place, keeping
  // comments and unrelated lines, and replaces it atomically. Errors:
  // "ERR The server is running without a config file",
  // "ERR Rewriting config file: <strerror>".
  ConfigReply Rewrite();

  // Absolute path of the config file given at start-up; "" if none.
  const std::string& config_file() const { return config_file_; }

  // Directives accepted (and shown by CONFIG GET) that replikv does not act
  // on yet: the table entries flagged kNotActedOn.
  static std::vector<std::string_view> NotActedOn();
  // The directives of NotActedOn whose value differs from the default: a
  // user set them expecting an effect (main logs a warning for each).
  std::vector<std::string> ChangedButNotActedOn() const;

 private:
  struct Loader;
  struct HookSlot;

  ServerConfig config_;
  std::string config_file_;
  std::function<Result<std::string>()> stdin_reader_;
  std::function<bool(std::string_view)> command_exists_;
  std::function<std::vector<std::string>()> user_lines_;
  std::vector<std::shared_ptr<HookSlot>> hooks_;  // by table index; may be null
};

}  // namespace replikv
