// INFO: sections and field names as Redis 7.0 prints them (tools and
// Sentinel parse them). Later layers (persistence, replication) register
// their own section text through Server::info_sections.
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "server/commands/blocking.h"
#include "server/net/client.h"
#include "server/commands/client_pause.h"
#include "server/evict.h"
#include "server/memory_report.h"
#include "server/memory_stats.h"
#include "server/commands/pubsub.h"
#include "server/net/reply_buffer.h"
#include "server/lazy_free.h"
#include "server/server.h"
#include "server/base/version.h"

namespace replikv {
namespace {

void Field(std::string* out, const char* name, const std::string& value) {
  *out += name;
  *out += ':';
  *out += value;
  *out += "\r\n";
}
void Field(std::string* out, const char* name, int64_t v) { Field(out, name, std::to_string(v)); }
void Field(std::string* out, const char* name, uint64_t v) { Field(out, name, std::to_string(v)); }
void Field(std::string* out, const char* name, int v) { Field(out, name, std::to_string(v)); }
void Field(std::string* out, const char* name, uint32_t v) { Field(out, name, std::to_string(v)); }
void FieldF(std::string* out, const char* name, double v, const char* fmt = "%.2f") {
  char buf[64];
  std::snprintf(buf, sizeof(buf), fmt, v);
  Field(out, name, std::string(buf));
}
std::string Human(uint64_t n) {
  char buf[32];
  BytesToHuman(n, buf, sizeof(buf));
  return buf;
}

void ServerSection(Server& s, std::string* o) {
  utsname u{};
  uname(&u);
  int64_t now = s.keyspace().now_ms();
  int64_t uptime = (now - s.stats().start_time_ms) / 1000;
  Field(o, "redis_version", std::string(kRedisCompatVersion));
  Field(o, "replikv_version", std::string(kReplikvVersion));
  Field(o, "redis_git_sha1", std::string("00000000"));
  Field(o, "redis_git_dirty", 0);
  Field(o, "redis_build_id", std::string("0"));
  Field(o, "redis_mode", std::string("standalone"));
  Field(o, "os", std::string(u.sysname) + " " + u.release + " " + u.machine);
  Field(o, "arch_bits", 64);
  Field(o, "monotonic_clock", std::string("POSIX clock_gettime"));
  Field(o, "multiplexing_api", std::string("epoll"));
  Field(o, "atomicvar_api", std::string("c11-builtin"));
  Field(o, "gcc_version", std::to_string(__GNUC__) + "." + std::to_string(__GNUC_MINOR__) + "." +
                              std::to_string(__GNUC_PATCHLEVEL__));
  Field(o, "process_id", static_cast<int64_t>(getpid()));
  Field(o, "process_supervised", std::string("no"));
  Field(o, "run_id", s.run_id());
  Field(o, "tcp_port", s.config().port);
  Field(o, "server_time_usec", now * 1000);
  Field(o, "uptime_in_seconds", uptime);
  Field(o, "uptime_in_days", uptime / 86400);
  Field(o, "hz", s.config().hz);
  Field(o, "configured_hz", s.config().hz);
  Field(o, "lru_clock", static_cast<uint64_t>(s.keyspace().LruClock() & 0xFFFFFF));
  Field(o, "executable", s.executable);
  Field(o, "config_file", s.config_file);
  Field(o, "io_threads_active", 0);
}

void ClientsSection(Server& s, std::string* o) {
  size_t max_in = 0, max_out = 0;
  for (auto& [id, c] : s.clients()) {
    max_in = std::max(max_in, c->query_buffer_capacity());
    max_out = std::max(max_out, c->output_bytes());
  }
  Field(o, "connected_clients", s.clients().size());
  Field(o, "cluster_connections", 0);
  Field(o, "maxclients", s.config().maxclients);
  Field(o, "client_recent_max_input_buffer", max_in);
  Field(o, "client_recent_max_output_buffer", max_out);
  // Clients held by CLIENT PAUSE count as blocked, as in Redis.
  Field(o, "blocked_clients", s.blocked_clients().blocked_count() + s.client_pause().parked_count());
  Field(o, "tracking_clients", 0);
  Field(o, "clients_in_timeout_table", s.blocked_clients().timeout_count());
}

void MemorySection(Server& s, std::string* o) {
  MemoryReport m = BuildMemoryReport(s);
  const AllocatorStats& a = m.allocator;
  auto ratio = [](size_t x, size_t y) { return y ? static_cast<double>(x) / static_cast<double>(y) : 0.0; };
  auto diff = [](size_t x, size_t y) { return static_cast<int64_t>(x) - static_cast<int64_t>(y); };
  Field(o, "used_memory", m.used);
  Field(o, "used_memory_human", Human(m.used));
  Field(o, "used_memory_rss", m.rss);
  Field(o, "used_memory_rss_human", Human(m.rss));
  Field(o, "used_memory_peak", m.peak);
  Field(o, "used_memory_peak_human", Human(m.peak));
  FieldF(o, "used_memory_peak_perc", m.peak_percentage(), "%.2f%%");
  Field(o, "used_memory_overhead", m.overhead);
  Field(o, "used_memory_startup", m.startup);
  Field(o, "used_memory_dataset", m.dataset);
  FieldF(o, "used_memory_dataset_perc", m.dataset_percentage(), "%.2f%%");
  Field(o, "allocator_allocated", a.allocated);
  Field(o, "allocator_active", a.active);
  Field(o, "allocator_resident", a.resident);
  size_t total = TotalSystemMemory();
  Field(o, "total_system_memory", total);
  Field(o, "total_system_memory_human", Human(total));
  Field(o, "maxmemory", static_cast<uint64_t>(s.config().maxmemory));
  Field(o, "maxmemory_human", Human(s.config().maxmemory));
  std::string_view name[] = {"maxmemory-policy"};
  auto policy = s.config_registry().Get(name);
  Field(o, "maxmemory_policy", policy.empty() ? std::string("noeviction") : policy[0].second);
  FieldF(o, "allocator_frag_ratio", ratio(a.active, a.allocated));
  Field(o, "allocator_frag_bytes", diff(a.active, a.allocated));
  FieldF(o, "allocator_rss_ratio", ratio(a.resident, a.active));
  Field(o, "allocator_rss_bytes", diff(a.resident, a.active));
  FieldF(o, "rss_overhead_ratio", ratio(m.rss, a.resident));
  Field(o, "rss_overhead_bytes", diff(m.rss, a.resident));
  FieldF(o, "mem_fragmentation_ratio", ratio(m.rss, m.used));
  Field(o, "mem_fragmentation_bytes", diff(m.rss, m.used));
  Field(o, "mem_not_counted_for_evict", m.replication_backlog + m.clients_replicas + m.aof_buffer);
  Field(o, "mem_replication_backlog", m.replication_backlog);
  Field(o, "mem_clients_slaves", m.clients_replicas);
  Field(o, "mem_clients_normal", m.clients_normal);
  Field(o, "mem_aof_buffer", m.aof_buffer);
  Field(o, "mem_allocator", std::string("jemalloc"));
  Field(o, "active_defrag_running", 0);
  const LazyFreer* freer = s.keyspace().lazy_freer_if_started();
  Field(o, "lazyfree_pending_objects", freer != nullptr ? freer->pending() : uint64_t{0});
  Field(o, "lazyfreed_objects", freer != nullptr ? freer->freed() : uint64_t{0});
}

// The defaults when no persistence layer has registered its section yet.
void PersistenceSection(Server& s, std::string* o) {
  Field(o, "loading", s.loading ? 1 : 0);
  Field(o, "async_loading", 0);
  Field(o, "current_cow_peak", 0);
  Field(o, "current_cow_size", 0);
  Field(o, "current_cow_size_age", 0);
  Field(o, "current_fork_perc", std::string("0.00"));
  Field(o, "current_save_keys_processed", 0);
  Field(o, "current_save_keys_total", 0);
  Field(o, "rdb_changes_since_last_save", s.dirty);
  Field(o, "rdb_bgsave_in_progress", 0);
  Field(o, "rdb_last_save_time", s.lastsave_unix);
  Field(o, "rdb_last_bgsave_status", std::string("ok"));
  Field(o, "rdb_last_bgsave_time_sec", -1);
  Field(o, "rdb_current_bgsave_time_sec", -1);
  Field(o, "rdb_saves", 0);
  Field(o, "rdb_last_cow_size", 0);
  Field(o, "rdb_last_load_keys_expired", 0);
  Field(o, "rdb_last_load_keys_loaded", 0);
  Field(o, "aof_enabled", 0);
  Field(o, "aof_rewrite_in_progress", 0);
  Field(o, "aof_rewrite_scheduled", 0);
  Field(o, "aof_last_rewrite_time_sec", -1);
  Field(o, "aof_current_rewrite_time_sec", -1);
  Field(o, "aof_last_bgrewrite_status", std::string("ok"));
  Field(o, "aof_rewrites", 0);
  Field(o, "aof_rewrites_consecutive_failures", 0);
  Field(o, "aof_last_write_status", std::string("ok"));
  Field(o, "aof_last_cow_size", 0);
  Field(o, "module_fork_in_progress", 0);
  Field(o, "module_fork_last_cow_size", 0);
}

void StatsSection(Server& s, std::string* o) {
  ServerStats& st = s.stats();
  KeyspaceStats& ks = s.keyspace().stats();
  Field(o, "total_connections_received", st.total_connections_received);
  Field(o, "total_commands_processed", st.total_commands_processed);
  Field(o, "instantaneous_ops_per_sec", static_cast<int64_t>(st.instantaneous_ops_per_sec));
  Field(o, "total_net_input_bytes", st.total_net_input_bytes);
  Field(o, "total_net_output_bytes", st.total_net_output_bytes);
  Field(o, "total_net_repl_input_bytes", 0);
  Field(o, "total_net_repl_output_bytes", 0);
  Field(o, "rejected_connections", st.rejected_connections);
  Field(o, "sync_full", 0);
  Field(o, "sync_partial_ok", 0);
  Field(o, "sync_partial_err", 0);
  Field(o, "expired_keys", ks.expired_keys);
  FieldF(o, "expired_stale_perc", 0);
  Field(o, "expired_time_cap_reached_count", ks.expired_time_cap_reached_count);
  const Evictor& ev = s.evictor();
  Field(o, "evicted_keys", ev.stats().evicted_keys);
  Field(o, "evicted_clients", 0);
  Field(o, "total_eviction_exceeded_time", (ev.stats().total_exceeded_us / 1000) + ev.CurrentExceededMs());
  Field(o, "current_eviction_exceeded_time", ev.CurrentExceededMs());
  Field(o, "keyspace_hits", ks.keyspace_hits);
  Field(o, "keyspace_misses", ks.keyspace_misses);
  Field(o, "pubsub_channels", s.pubsub().channel_count());
  Field(o, "pubsub_patterns", s.pubsub().pattern_count());
  Field(o, "pubsubshard_channels", s.pubsub().shard_channel_count());
  Field(o, "latest_fork_usec", s.latest_fork_usec);
  Field(o, "total_forks", s.total_forks);
  Field(o, "unexpected_error_replies", st.unexpected_error_replies);
  Field(o, "total_error_replies", s.error_stats().total);
  Field(o, "client_query_buffer_limit_disconnections", st.client_qbuf_limit_disconnections);
  Field(o, "client_output_buffer_limit_disconnections", st.client_outbuf_limit_disconnections);
}

void ReplicationSection(Server& s, std::string* o) {
  Field(o, "role", std::string(s.RoleName()));
  Field(o, "connected_slaves", 0);
  Field(o, "master_failover_state", std::string("no-failover"));
  Field(o, "master_replid", s.run_id());
  Field(o, "master_replid2", std::string(40, '0'));
  Field(o, "master_repl_offset", 0);
  Field(o, "second_repl_offset", -1);
  Field(o, "repl_backlog_active", 0);
  Field(o, "repl_backlog_size", static_cast<uint64_t>(s.config().repl_backlog_size));
  Field(o, "repl_backlog_first_byte_offset", 0);
  Field(o, "repl_backlog_histlen", 0);
}

void CpuSection(Server&, std::string* o) {
  rusage self{}, children{};
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);
  auto secs = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6; };
  FieldF(o, "used_cpu_sys", secs(self.ru_stime), "%.6f");
  FieldF(o, "used_cpu_user", secs(self.ru_utime), "%.6f");
  FieldF(o, "used_cpu_sys_children", secs(children.ru_stime), "%.6f");
  FieldF(o, "used_cpu_user_children", secs(children.ru_utime), "%.6f");
}

void CommandstatsSection(Server& s, std::string* o) {
  auto line = [o](const Command& cmd) {
    if (cmd.calls == 0 && cmd.rejected_calls == 0 && cmd.failed_calls == 0) return;
    char buf[256];
    double per = cmd.calls ? static_cast<double>(cmd.usec) / static_cast<double>(cmd.calls) : 0;
    std::snprintf(buf, sizeof(buf), "cmdstat_%s:calls=%llu,usec=%llu,usec_per_call=%.2f,rejected_calls=%llu,failed_calls=%llu\r\n",
                  cmd.full_name.c_str(), static_cast<unsigned long long>(cmd.calls), static_cast<unsigned long long>(cmd.usec), per,
                  static_cast<unsigned long long>(cmd.rejected_calls), static_cast<unsigned long long>(cmd.failed_calls));
    *o += buf;
  };
  for (auto& [name, cmd] : s.commands().all()) {
    line(cmd);
    for (auto& [sname, subcmd] : cmd.subcommands) line(subcmd);
  }
}

void ErrorstatsSection(Server& s, std::string* o) {
  std::vector<std::pair<std::string, uint64_t>> codes(s.error_stats().by_code.begin(), s.error_stats().by_code.end());
  std::sort(codes.begin(), codes.end());
  for (auto& [code, n] : codes) *o += "errorstat_" + code + ":count=" + std::to_string(n) + "\r\n";
}

void KeyspaceSection(Server& s, std::string* o) {
  Keyspace& ks = s.keyspace();
  for (int i = 0; i < ks.databases(); ++i) {
    Db& db = ks.db(i);
    if (db.size() == 0) continue;
    char buf[128];
    std::snprintf(buf, sizeof(buf), "db%d:keys=%zu,expires=%zu,avg_ttl=%lld\r\n", i, db.size(), db.expires_size(),
                  static_cast<long long>(db.avg_ttl_ms));
    *o += buf;
  }
}

struct Section {
  const char* name;
  const char* title;
  void (*fn)(Server&, std::string*);
  bool in_default;
};

const Section kSections[] = {
    {"server", "Server", ServerSection, true},
    {"clients", "Clients", ClientsSection, true},
    {"memory", "Memory", MemorySection, true},
    {"persistence", "Persistence", PersistenceSection, true},
    {"stats", "Stats", StatsSection, true},
    {"replication", "Replication", ReplicationSection, true},
    {"cpu", "CPU", CpuSection, true},
    {"modules", "Modules", nullptr, true},
    {"commandstats", "Commandstats", CommandstatsSection, false},
    {"errorstats", "Errorstats", ErrorstatsSection, true},
    {"latencystats", "Latencystats", nullptr, false},
    {"cluster", "Cluster", nullptr, true},
    {"keyspace", "Keyspace", KeyspaceSection, true},
};

}  // namespace

std::string GenerateInfo(Server& s, const std::vector<std::string>& wanted_in) {
  std::vector<std::string> wanted;
  for (const std::string& w : wanted_in) wanted.push_back(Lower(w));
  bool all = false, everything = false, dflt = wanted.empty();
  for (const std::string& w : wanted) {
    if (w == "all") all = true;
    if (w == "everything") everything = true;
    if (w == "default") dflt = true;
  }
  std::string out;
  for (const Section& sec : kSections) {
    // "all" and "everything" differ only by module sections (none here).
    bool want = all || everything || (dflt && sec.in_default);
    for (const std::string& w : wanted) {
      if (w == sec.name) want = true;
    }
    if (!want) continue;
    if (!out.empty()) out += "\r\n";
    out += "# ";
    out += sec.title;
    out += "\r\n";
    auto hook = s.info_sections.find(sec.name);
    if (hook != s.info_sections.end()) {
      hook->second(&out);
    } else if (sec.fn != nullptr) {
      sec.fn(s, &out);
    } else if (std::string(sec.name) == "cluster") {
      out += "cluster_enabled:0\r\n";
    }
  }
  return out;
}

void InfoCommand(CommandContext& ctx) {
  std::vector<std::string> wanted(ctx.argv.begin() + 1, ctx.argv.end());
  ctx.reply.AddBulk(GenerateInfo(ctx.server, wanted));
}

}  // namespace replikv
