// MEMORY USAGE / STATS / DOCTOR / MALLOC-STATS / PURGE / HELP.
#include <cstdint>
#include <string>

#ifndef REPLIKV_NO_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

#include "server/memory_report.h"
#include "server/net/reply_buffer.h"
#include "server/server.h"
#include "server/types/type_objects.h"

namespace replikv {
namespace {

void MemoryHelp(ReplyBuffer& r) {
  static const char* kHelp[] = {
      "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "DOCTOR",
      "    Return memory problems reports.",
      "MALLOC-STATS",
      "    Return internal statistics report from the memory allocator.",
      "PURGE",
      "    Attempt to purge dirty pages for reclamation by the allocator.",
      "STATS",
      "    Return information about the memory usage of the server.",
      "USAGE <key> [SAMPLES <count>]",
      "    Return memory in bytes used by <key> and its value. Nested values are",
      "    sampled up to <count> times (default: 5, 0 means sample all).",
      "HELP",
      "    Prints this help."};
  ReplyHelp(r, kHelp);
}

// The bytes a key holds: its entry (header, TTL, key, inline value), any
// out-of-line value, and its share of the key table's index. replikv counts
// every element exactly (SAMPLES is accepted and checked, but not needed to
// extrapolate); on a very big value this walks all of it, as SAMPLES 0 does
// in Redis.
void MemoryUsage(CommandContext& ctx) {
  for (size_t j = 3; j < ctx.argv.size(); ++j) {
    if (EqualsIgnoreCase(ctx.argv[j], "samples") && j + 1 < ctx.argv.size()) {
      int64_t samples;
      if (!ParseInt64(ctx.argv[j + 1], &samples)) return ReplyNotInteger(ctx.reply);
      if (samples < 0) return ReplySyntaxError(ctx.reply);
      ++j;
    } else {
      return ReplySyntaxError(ctx.reply);
    }
  }
  Db& db = ctx.db();
  // As Redis: a plain find, no expiry and no access-clock update.
  Entry* e = db.Find(ctx.argv[2]);
  if (e == nullptr) return ctx.reply.AddNullBulk();
  size_t bytes = e->AllocatedBytes();
  if (e->encoding() == Encoding::kPtr) bytes += TypeObjectBytes(e->type(), e->object());
  if (db.size() != 0) bytes += db.keys().BucketMemoryBytes() / db.size();
  ctx.reply.AddInt(static_cast<int64_t>(bytes));
}

void AddField(ReplyBuffer& r, const char* name, uint64_t v) {
  r.AddBulk(name);
  r.AddInt(static_cast<int64_t>(v));
}

void AddRatio(ReplyBuffer& r, const char* name, double v) {
  r.AddBulk(name);
  // Redis computes these as floats and replies them as doubles.
  r.AddDouble(static_cast<double>(static_cast<float>(v)));
}

double Ratio(size_t a, size_t b) { return b == 0 ? 0.0 : static_cast<double>(a) / static_cast<double>(b); }

void MemoryStats(CommandContext& ctx) {
  MemoryReport m = BuildMemoryReport(ctx.server);
  ReplyBuffer& r = ctx.reply;
  const AllocatorStats& a = m.allocator;
  r.AddMapLen(27 + m.dbs.size());
  AddField(r, "peak.allocated", m.peak);
  AddField(r, "total.allocated", m.used);
  AddField(r, "startup.allocated", m.startup);
  AddField(r, "replication.backlog", m.replication_backlog);
  AddField(r, "clients.slaves", m.clients_replicas);
  AddField(r, "clients.normal", m.clients_normal);
  AddField(r, "cluster.links", 0);
  AddField(r, "aof.buffer", m.aof_buffer);
  AddField(r, "lua.caches", 0);
  AddField(r, "functions.caches", 0);
  for (const MemoryReport::DbOverhead& d : m.dbs) {
    r.AddBulk("db." + std::to_string(d.id));
    r.AddMapLen(3);
    AddField(r, "overhead.hashtable.main", d.main_table);
    AddField(r, "overhead.hashtable.expires", d.expires_table);
    AddField(r, "overhead.hashtable.slot-to-keys", 0);
  }
  AddField(r, "overhead.total", m.overhead);
  AddField(r, "keys.count", m.keys);
  AddField(r, "keys.bytes-per-key", m.keys == 0 ? 0 : (m.used > m.startup ? m.used - m.startup : 0) / m.keys);
  AddField(r, "dataset.bytes", m.dataset);
  AddRatio(r, "dataset.percentage", m.dataset_percentage());
  AddRatio(r, "peak.percentage", m.peak_percentage());
  AddField(r, "allocator.allocated", a.allocated);
  AddField(r, "allocator.active", a.active);
  AddField(r, "allocator.resident", a.resident);
  AddRatio(r, "allocator-fragmentation.ratio", Ratio(a.active, a.allocated));
  AddField(r, "allocator-fragmentation.bytes", a.active > a.allocated ? a.active - a.allocated : 0);
  AddRatio(r, "allocator-rss.ratio", Ratio(a.resident, a.active));
  AddField(r, "allocator-rss.bytes", a.resident > a.active ? a.resident - a.active : 0);
  AddRatio(r, "rss-overhead.ratio", Ratio(m.rss, a.resident));
  AddField(r, "rss-overhead.bytes", m.rss > a.resident ? m.rss - a.resident : 0);
  AddRatio(r, "fragmentation", Ratio(m.rss, m.used));
  AddField(r, "fragmentation.bytes", m.rss > m.used ? m.rss - m.used : 0);
}

// A short reading of MEMORY STATS for people: the same conditions Redis's
// doctor looks at (an instance too small to judge, a past peak, allocator
// or RSS fragmentation, big client buffers), in replikv's own words.
void MemoryDoctor(CommandContext& ctx) {
  MemoryReport m = BuildMemoryReport(ctx.server);
  if (m.used < 5 * 1024 * 1024) {
    return ctx.reply.AddVerbatim(
        "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these "
        "conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be "
        "back to our programming as soon as I finished rebooting.");
  }
  std::string issues;
  if (m.peak > m.used + m.used / 2) {
    issues += " * Peak memory: the instance once used more than 150% of what it uses now. Allocators keep such "
              "memory for reuse, so RSS and fragmentation look high; it is reused as data grows. MEMORY PURGE may "
              "return some of it to the system.\n\n";
  }
  const AllocatorStats& a = m.allocator;
  if (Ratio(a.active, a.allocated) > 1.1 && a.active - a.allocated > 10 * 1024 * 1024) {
    issues += " * High allocator fragmentation: allocated pages hold many free slots (allocator-fragmentation.ratio "
              "above 1.1). Deleting many small values leaves such gaps.\n\n";
  }
  if (Ratio(m.rss, a.resident) > 1.1 && m.rss - a.resident > 10 * 1024 * 1024) {
    issues += " * High process RSS overhead: the process holds much more than the allocator does "
              "(rss-overhead.ratio above 1.1).\n\n";
  }
  size_t clients = ctx.server.clients().size();
  if (clients > 0 && m.clients_normal / clients > 200 * 1024) {
    issues += " * Big client buffers: clients hold on average more than 200 KB of buffers. Check "
              "client-output-buffer-limit and clients that pipeline without reading (CLIENT LIST).\n\n";
  }
  if (issues.empty()) {
    return ctx.reply.AddVerbatim(
        "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.");
  }
  ctx.reply.AddVerbatim("Sam, I detected a few issues in this instance's memory:\n\n" + issues +
                    "I'm here to keep you safe, Sam. I want to help you.\n");
}

void MemoryMallocStats(CommandContext& ctx) {
#ifdef REPLIKV_NO_JEMALLOC
  ctx.reply.AddBulk("Stats not supported for the current allocator");
#else
  std::string out;
  malloc_stats_print(
      [](void* opaque, const char* text) { static_cast<std::string*>(opaque)->append(text); }, &out, nullptr);
  ctx.reply.AddVerbatim(out);
#endif
}

void MemoryPurge(CommandContext& ctx) {
#ifndef REPLIKV_NO_JEMALLOC
  // Returns dirty pages of every arena to the system.
  char name[64];
  std::snprintf(name, sizeof(name), "arena.%d.purge", MALLCTL_ARENAS_ALL);
  mallctl(name, nullptr, nullptr, nullptr, 0);
#endif
  ctx.reply.AddOk();
}

void MemoryCommand(CommandContext& ctx) {
  std::string_view sub = ctx.argv[1];
  if (EqualsIgnoreCase(sub, "help")) return MemoryHelp(ctx.reply);
  if (EqualsIgnoreCase(sub, "usage")) return MemoryUsage(ctx);
  if (EqualsIgnoreCase(sub, "stats")) return MemoryStats(ctx);
  if (EqualsIgnoreCase(sub, "doctor")) return MemoryDoctor(ctx);
  if (EqualsIgnoreCase(sub, "malloc-stats")) return MemoryMallocStats(ctx);
  if (EqualsIgnoreCase(sub, "purge")) return MemoryPurge(ctx);
}

}  // namespace

void RegisterMemoryCommands(CommandTable& t) {
  AddCommands(t, "server", {{"memory", -2, 0, MemoryCommand, 0, 0, 0, "4.0.0"}});
  t.AddSubcommands("memory",
                   {{"doctor", 2, 0},
                    {"malloc-stats", 2, 0},
                    {"purge", 2, 0},
                    {"help", 2, kCmdLoading | kCmdStale},
                    {"stats", 2, 0},
                    {"usage", -3, kCmdReadonly, 2, 2, 1}},
                   MemoryCommand);
}

}  // namespace replikv
