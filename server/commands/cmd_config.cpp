// CONFIG GET|SET|RESETSTAT|REWRITE|HELP over the ConfigRegistry.
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "server/net/client.h"
#include "server/evict.h"
#include "server/net/reply_buffer.h"
#include "server/lazy_free.h"
#include "server/server.h"

namespace replikv {
namespace {

bool IsLocalClient(const Client& c) { return IsLoopbackAddress(c.addr); }

void ConfigHelp(ReplyBuffer& r) {
  static const char* kHelp[] = {
      "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "GET <pattern>",
      "    Return parameters matching the glob-like <pattern> and their values.",
      "SET <directive> <value>",
      "    Set the configuration <directive> to <value>.",
      "RESETSTAT",
      "    Reset statistics reported by the INFO command.",
      "REWRITE",
      "    Rewrite the configuration file.",
      "HELP",
      "    Prints this help."};
  ReplyHelp(r, kHelp);
}

void ResetStats(Server& s) {
  ServerStats& st = s.stats();
  int64_t start = st.start_time_ms;
  st = ServerStats();
  st.start_time_ms = start;
  s.keyspace().stats() = KeyspaceStats();
  s.error_stats() = ErrorStats();
  s.commands().ResetStats();
  s.latest_fork_usec = 0;
  s.evictor().ResetStats();
  if (s.keyspace().lazy_freer_if_started() != nullptr) s.keyspace().lazy_freer().ResetStats();
  for (ServerModule* m : s.modules()) m->ResetStats();
}

}  // namespace

void ConfigCommand(CommandContext& ctx) {
  ArgList a = ctx.argv;
  std::string_view sub = a[1];
  ConfigRegistry& reg = ctx.server.config_registry();
  if (EqualsIgnoreCase(sub, "help") && a.size() == 2) return ConfigHelp(ctx.reply);
  if (EqualsIgnoreCase(sub, "get")) {
    if (a.size() < 3) return ReplyWrongArity(ctx.reply, "config|get");
    auto pairs = reg.Get(a.subspan(2));
    ctx.reply.AddMapLen(pairs.size());
    for (auto& [name, value] : pairs) {
      ctx.reply.AddBulk(name);
      ctx.reply.AddBulk(value);
    }
    return;
  }
  if (EqualsIgnoreCase(sub, "set")) {
    if (a.size() < 4 || a.size() % 2 != 0) return ReplyWrongArity(ctx.reply, "config|set");
    ConfigReply r = reg.Set(a.subspan(2), IsLocalClient(ctx.client));
    if (!r.ok()) return ctx.reply.AddError("-" + r.error);  // the text brings its code
    return ctx.reply.AddOk();
  }
  if (EqualsIgnoreCase(sub, "resetstat")) {
    if (a.size() != 2) return ReplyWrongArity(ctx.reply, "config|resetstat");
    ResetStats(ctx.server);
    return ctx.reply.AddOk();
  }
  if (EqualsIgnoreCase(sub, "rewrite")) {
    if (a.size() != 2) return ReplyWrongArity(ctx.reply, "config|rewrite");
    ConfigReply r = reg.Rewrite();
    if (!r.ok()) return ctx.reply.AddError("-" + r.error);  // the text brings its code
    spdlog::info("CONFIG REWRITE executed with success.");
    return ctx.reply.AddOk();
  }
  ctx.reply.AddError("unknown subcommand '" + std::string(sub.substr(0, 128)) + "'. Try CONFIG HELP.");
}

}  // namespace replikv
