// INFO: sections and field names as Redis 7.0 prints them (tools and
// Sentinel parse them). Modules (persistence, replication) add their fields
// to a section through ServerModule::AppendInfo.
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "server/commands/blocking.h"
#include "server/latency_histogram.h"
#include "server/net/client.h"
#include "server/commands/client_pause.h"
#include "server/evict.h"
#include "server/info_field.h"
#include "server/memory_report.h"
#include "server/memory_stats.h"
#include "server/commands/pubsub.h"
#include "server/commands/scripting.h"
#include "server/net/reply_buffer.h"
#include "server/lazy_free.h"
#include "server/server.h"
#include "server/tracking.h"
#include "server/base/version.h"

namespace replikv {
namespace {

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
  InfoField(o, "redis_version", std::string(kRedisCompatVersion));
  InfoField(o, "replikv_version", std::string(kReplikvVersion));
  InfoField(o, "redis_git_sha1", std::string("00000000"));
  InfoField(o, "redis_git_dirty", 0);
  InfoField(o, "redis_build_id", std::string("0"));
  InfoField(o, "redis_mode", std::string("standalone"));
  InfoField(o, "os", std::string(u.sysname) + " " + u.release + " " + u.machine);
  InfoField(o, "arch_bits", 64);
  InfoField(o, "monotonic_clock", std::string("POSIX clock_gettime"));
  InfoField(o, "multiplexing_api", std::string("epoll"));
  InfoField(o, "atomicvar_api", std::string("c11-builtin"));
  InfoField(o, "gcc_version", std::to_string(__GNUC__) + "." + std::to_string(__GNUC_MINOR__) + "." +
                              std::to_string(__GNUC_PATCHLEVEL__));
  InfoField(o, "process_id", static_cast<int64_t>(getpid()));
  InfoField(o, "process_supervised", std::string("no"));
  InfoField(o, "run_id", s.run_id());
  InfoField(o, "tcp_port", s.config().port);
  InfoField(o, "server_time_usec", now * 1000);
  InfoField(o, "uptime_in_seconds", uptime);
  InfoField(o, "uptime_in_days", uptime / 86400);
  InfoField(o, "hz", s.config().hz);
  InfoField(o, "configured_hz", s.config().hz);
  InfoField(o, "lru_clock", static_cast<uint64_t>(s.keyspace().LruClock() & 0xFFFFFF));
  InfoField(o, "executable", s.executable);
  InfoField(o, "config_file", s.config_file);
  InfoField(o, "io_threads_active", 0);
}

void ClientsSection(Server& s, std::string* o) {
  size_t max_in = 0, max_out = 0;
  for (auto& [id, c] : s.clients()) {
    max_in = std::max(max_in, c->query_buffer_capacity());
    max_out = std::max(max_out, c->output_bytes());
  }
  InfoField(o, "connected_clients", s.clients().size());
  InfoField(o, "cluster_connections", 0);
  InfoField(o, "maxclients", s.config().maxclients);
  InfoField(o, "client_recent_max_input_buffer", max_in);
  InfoField(o, "client_recent_max_output_buffer", max_out);
  // Clients held by CLIENT PAUSE count as blocked, as in Redis.
  InfoField(o, "blocked_clients", s.blocked_clients().blocked_count() + s.client_pause().parked_count());
  InfoField(o, "tracking_clients", s.tracking().client_count());
  InfoField(o, "clients_in_timeout_table", s.blocked_clients().timeout_count());
}

void MemorySection(Server& s, std::string* o) {
  MemoryReport m = BuildMemoryReport(s);
  const AllocatorStats& a = m.allocator;
  auto ratio = [](size_t x, size_t y) { return y ? static_cast<double>(x) / static_cast<double>(y) : 0.0; };
  auto diff = [](size_t x, size_t y) { return static_cast<int64_t>(x) - static_cast<int64_t>(y); };
  InfoField(o, "used_memory", m.used);
  InfoField(o, "used_memory_human", Human(m.used));
  InfoField(o, "used_memory_rss", m.rss);
  InfoField(o, "used_memory_rss_human", Human(m.rss));
  InfoField(o, "used_memory_peak", m.peak);
  InfoField(o, "used_memory_peak_human", Human(m.peak));
  InfoFieldF(o, "used_memory_peak_perc", m.peak_percentage(), "%.2f%%");
  InfoField(o, "used_memory_overhead", m.overhead);
  InfoField(o, "used_memory_startup", m.startup);
  InfoField(o, "used_memory_dataset", m.dataset);
  InfoFieldF(o, "used_memory_dataset_perc", m.dataset_percentage(), "%.2f%%");
  InfoField(o, "allocator_allocated", a.allocated);
  InfoField(o, "allocator_active", a.active);
  InfoField(o, "allocator_resident", a.resident);
  size_t total = TotalSystemMemory();
  InfoField(o, "total_system_memory", total);
  InfoField(o, "total_system_memory_human", Human(total));
  // Scripting, in Redis 7.0's fields: EVAL's Lua VM and the functions' one.
  const ScriptEngine& scripts = s.scripting();
  const uint64_t vm_eval = scripts.lua_memory();
  const uint64_t vm_functions = scripts.functions_lua_memory();
  const uint64_t scripts_bytes = scripts.scripts_memory() + scripts.functions_memory();
  InfoField(o, "used_memory_lua", vm_eval);
  InfoField(o, "used_memory_vm_eval", vm_eval);
  InfoField(o, "used_memory_lua_human", Human(vm_eval));
  InfoField(o, "used_memory_scripts_eval", static_cast<uint64_t>(scripts.scripts_memory()));
  InfoField(o, "number_of_cached_scripts", static_cast<uint64_t>(scripts.cached_scripts()));
  InfoField(o, "number_of_functions", static_cast<uint64_t>(scripts.function_count()));
  InfoField(o, "number_of_libraries", static_cast<uint64_t>(scripts.library_count()));
  InfoField(o, "used_memory_vm_functions", vm_functions);
  InfoField(o, "used_memory_vm_total", vm_eval + vm_functions);
  InfoField(o, "used_memory_vm_total_human", Human(vm_eval + vm_functions));
  InfoField(o, "used_memory_functions", static_cast<uint64_t>(scripts.functions_memory()));
  InfoField(o, "used_memory_scripts", scripts_bytes);
  InfoField(o, "used_memory_scripts_human", Human(scripts_bytes));
  InfoField(o, "maxmemory", static_cast<uint64_t>(s.config().maxmemory));
  InfoField(o, "maxmemory_human", Human(s.config().maxmemory));
  std::string_view name[] = {"maxmemory-policy"};
  auto policy = s.config_registry().Get(name);
  InfoField(o, "maxmemory_policy", policy.empty() ? std::string("noeviction") : policy[0].second);
  InfoFieldF(o, "allocator_frag_ratio", ratio(a.active, a.allocated));
  InfoField(o, "allocator_frag_bytes", diff(a.active, a.allocated));
  InfoFieldF(o, "allocator_rss_ratio", ratio(a.resident, a.active));
  InfoField(o, "allocator_rss_bytes", diff(a.resident, a.active));
  InfoFieldF(o, "rss_overhead_ratio", ratio(m.rss, a.resident));
  InfoField(o, "rss_overhead_bytes", diff(m.rss, a.resident));
  InfoFieldF(o, "mem_fragmentation_ratio", ratio(m.rss, m.used));
  InfoField(o, "mem_fragmentation_bytes", diff(m.rss, m.used));
  InfoField(o, "mem_not_counted_for_evict", m.not_counted_for_evict);
  InfoField(o, "mem_replication_backlog", m.replication_backlog);
  InfoField(o, "mem_total_replication_buffers", m.replication_buffers);
  InfoField(o, "mem_clients_slaves", m.clients_replicas);
  InfoField(o, "mem_clients_normal", m.clients_normal);
  InfoField(o, "mem_cluster_links", 0);  // no cluster mode
  InfoField(o, "mem_aof_buffer", m.aof_buffer);
#ifdef REPLIKV_NO_JEMALLOC
  InfoField(o, "mem_allocator", std::string("libc"));  // a sanitizer build, as Redis built without jemalloc
#else
  InfoField(o, "mem_allocator", std::string("jemalloc"));
#endif
  InfoField(o, "active_defrag_running", 0);
  const LazyFreer* freer = s.keyspace().lazy_freer_if_started();
  InfoField(o, "lazyfree_pending_objects", freer != nullptr ? freer->pending() : uint64_t{0});
  InfoField(o, "lazyfreed_objects", freer != nullptr ? freer->freed() : uint64_t{0});
}


void StatsSection(Server& s, std::string* o) {
  ServerStats& st = s.stats();
  KeyspaceStats& ks = s.keyspace().stats();
  InfoField(o, "total_connections_received", st.total_connections_received);
  InfoField(o, "total_commands_processed", st.total_commands_processed);
  InfoField(o, "instantaneous_ops_per_sec", static_cast<int64_t>(st.ops_per_sec.PerSecond()));
  InfoField(o, "total_net_input_bytes", st.total_net_input_bytes);
  InfoField(o, "total_net_output_bytes", st.total_net_output_bytes);
  InfoField(o, "total_net_repl_input_bytes", st.total_net_repl_input_bytes);
  InfoField(o, "total_net_repl_output_bytes", st.total_net_repl_output_bytes);
  InfoFieldF(o, "instantaneous_input_kbps", st.net_input_per_sec.PerSecond() / 1024);
  InfoFieldF(o, "instantaneous_output_kbps", st.net_output_per_sec.PerSecond() / 1024);
  InfoFieldF(o, "instantaneous_input_repl_kbps", st.net_repl_input_per_sec.PerSecond() / 1024);
  InfoFieldF(o, "instantaneous_output_repl_kbps", st.net_repl_output_per_sec.PerSecond() / 1024);
  InfoField(o, "rejected_connections", st.rejected_connections);
  InfoField(o, "sync_full", s.stats().sync_full);
  InfoField(o, "sync_partial_ok", s.stats().sync_partial_ok);
  InfoField(o, "sync_partial_err", s.stats().sync_partial_err);
  InfoField(o, "expired_keys", ks.expired_keys);
  InfoFieldF(o, "expired_stale_perc", 0);
  InfoField(o, "expired_time_cap_reached_count", ks.expired_time_cap_reached_count);
  InfoField(o, "expire_cycle_cpu_milliseconds", st.expire_cycle_us / 1000);
  const Evictor& ev = s.evictor();
  InfoField(o, "evicted_keys", ev.stats().evicted_keys);
  InfoField(o, "evicted_clients", st.evicted_clients);
  InfoField(o, "total_eviction_exceeded_time", (ev.stats().total_exceeded_us / 1000) + ev.CurrentExceededMs());
  InfoField(o, "current_eviction_exceeded_time", ev.CurrentExceededMs());
  InfoField(o, "keyspace_hits", ks.keyspace_hits);
  InfoField(o, "keyspace_misses", ks.keyspace_misses);
  InfoField(o, "pubsub_channels", s.pubsub().channel_count());
  InfoField(o, "pubsub_patterns", s.pubsub().pattern_count());
  InfoField(o, "pubsubshard_channels", s.pubsub().shard_channel_count());
  InfoField(o, "latest_fork_usec", s.latest_fork_usec);
  InfoField(o, "total_forks", s.total_forks);
  // Features replikv does not have print Redis's idle values: MIGRATE's
  // socket cache, key expiry on writable replicas, active defrag (README:
  // "Differences from Redis 7.0").
  for (const char* idle : {"migrate_cached_sockets", "slave_expires_tracked_keys", "active_defrag_hits",
                           "active_defrag_misses", "active_defrag_key_hits", "active_defrag_key_misses",
                           "total_active_defrag_time", "current_active_defrag_time"}) {
    InfoField(o, idle, 0);
  }
  InfoField(o, "tracking_total_keys", s.tracking().table().keys());
  InfoField(o, "tracking_total_items", s.tracking().table().items());
  InfoField(o, "tracking_total_prefixes", s.tracking().prefix_count());
  InfoField(o, "unexpected_error_replies", st.unexpected_error_replies);
  InfoField(o, "total_error_replies", s.error_stats().total);
  // Redis counts its optional deep check of DUMP payloads; replikv checks
  // every payload whole, so there is no optional pass to count.
  InfoField(o, "dump_payload_sanitizations", 0);
  InfoField(o, "total_reads_processed", st.total_reads_processed);
  InfoField(o, "total_writes_processed", st.total_writes_processed);
  // No I/O threads; the reply buffer is a chain of blocks, never resized.
  for (const char* idle : {"io_threaded_reads_processed", "io_threaded_writes_processed", "reply_buffer_shrinks",
                           "reply_buffer_expands"}) {
    InfoField(o, idle, 0);
  }
  InfoField(o, "client_query_buffer_limit_disconnections", st.client_qbuf_limit_disconnections);
  InfoField(o, "client_output_buffer_limit_disconnections", st.client_outbuf_limit_disconnections);
}

void CpuSection(Server&, std::string* o) {
  rusage self{}, children{};
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);
  auto secs = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6; };
  InfoFieldF(o, "used_cpu_sys", secs(self.ru_stime), "%.6f");
  InfoFieldF(o, "used_cpu_user", secs(self.ru_utime), "%.6f");
  InfoFieldF(o, "used_cpu_sys_children", secs(children.ru_stime), "%.6f");
  InfoFieldF(o, "used_cpu_user_children", secs(children.ru_utime), "%.6f");
  // INFO runs on the loop thread: RUSAGE_THREAD is the main thread's.
  rusage main_thread{};
  getrusage(RUSAGE_THREAD, &main_thread);
  InfoFieldF(o, "used_cpu_sys_main_thread", secs(main_thread.ru_stime), "%.6f");
  InfoFieldF(o, "used_cpu_user_main_thread", secs(main_thread.ru_utime), "%.6f");
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
    {"persistence", "Persistence", nullptr, true},  // the persistence module
    {"stats", "Stats", StatsSection, true},
    {"replication", "Replication", nullptr, true},  // the replication module
    {"cpu", "CPU", CpuSection, true},
    {"modules", "Modules", nullptr, true},
    {"commandstats", "Commandstats", CommandstatsSection, false},
    {"errorstats", "Errorstats", ErrorstatsSection, true},
    {"latencystats", "Latencystats", AppendLatencyStats, false},
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
    if (sec.fn != nullptr) {
      sec.fn(s, &out);
    } else if (std::string(sec.name) == "cluster") {
      out += "cluster_enabled:0\r\n";
    }
    for (ServerModule* m : s.modules()) m->AppendInfo(sec.name, &out);
  }
  return out;
}

void InfoCommand(CommandContext& ctx) {
  std::vector<std::string> wanted(ctx.argv.begin() + 1, ctx.argv.end());
  ctx.reply.AddVerbatim(GenerateInfo(ctx.server, wanted));  // verbatim "txt" in RESP3
}

}  // namespace replikv
