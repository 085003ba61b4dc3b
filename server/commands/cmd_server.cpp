// Server commands: INFO TIME SHUTDOWN COMMAND CONFIG DEBUG (the handlers of
// the bigger ones live in their own files).
#include <sys/time.h>

#include <algorithm>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "server/acl_categories.h"
#include "server/commands/key_specs.h"
#include "server/ds/glob.h"
#include "server/commands/scripting.h"
#include "server/net/client.h"
#include "server/net/reply_buffer.h"
#include "server/server.h"

namespace replikv {
namespace {

void TimeCommand(CommandContext& ctx) {
  timeval tv{};
  gettimeofday(&tv, nullptr);
  ctx.reply.AddArrayLen(2);
  ctx.reply.AddBulkInt(tv.tv_sec);
  ctx.reply.AddBulkInt(tv.tv_usec);
}

void LastsaveCommand(CommandContext& ctx) { ctx.reply.AddInt(ctx.server.lastsave_unix); }

void ShutdownCommand(CommandContext& ctx) {
  bool save = false, nosave = false, abort = false;
  for (size_t i = 1; i < ctx.argv.size(); ++i) {
    std::string_view a = ctx.argv[i];
    if (EqualsIgnoreCase(a, "nosave")) {
      nosave = true;
    } else if (EqualsIgnoreCase(a, "save")) {
      save = true;
    } else if (EqualsIgnoreCase(a, "now") || EqualsIgnoreCase(a, "force")) {
      // Nothing waits for replicas yet, so NOW and FORCE change nothing.
    } else if (EqualsIgnoreCase(a, "abort")) {
      abort = true;
    } else {
      return ReplySyntaxError(ctx.reply);
    }
  }
  if ((abort && ctx.argv.size() > 2) || (save && nosave)) return ReplySyntaxError(ctx.reply);
  if (abort) return ctx.reply.AddError("No shutdown in progress.");
  // While a busy script runs only SHUTDOWN NOSAVE may stop the server
  // (Redis 7.0): a save would store the script's half-done writes.
  if (ctx.server.scripting().timed_out() && !nosave) {
    return ctx.reply.AddError(ctx.server.scripting().BusyError());
  }
  Status st = ctx.server.PrepareShutdown(save, nosave);
  if (!st.ok()) return ctx.reply.AddError("Errors trying to SHUTDOWN. Check logs.");
  // Redis sends no reply: the connection just closes as the process exits.
  ctx.server.StopLoop();
}

std::vector<const char*> FlagNames(uint32_t flags) {
  // In the order Redis 7.0 prints them.
  static const std::pair<uint32_t, const char*> kNames[] = {
      {kCmdWrite, "write"},           {kCmdReadonly, "readonly"},
      {kCmdDenyOom, "denyoom"},       {kCmdAdmin, "admin"},
      {kCmdPubsub, "pubsub"},         {kCmdNoscript, "noscript"},
      {kCmdBlocking, "blocking"},     {kCmdLoading, "loading"},
      {kCmdStale, "stale"},           {kCmdSkipMonitor, "skip_monitor"},
      {kCmdSkipSlowlog, "skip_slowlog"}, {kCmdFast, "fast"},
      {kCmdNoAuth, "no_auth"},        {kCmdMayReplicate, "may_replicate"},
      {kCmdNoMandatoryKeys, "no_mandatory_keys"},
      {kCmdNoAsyncLoading, "no_async_loading"}, {kCmdNoMulti, "no_multi"},
      {kCmdMovableKeys, "movablekeys"}, {kCmdAllowBusy, "allow_busy"}};
  std::vector<const char*> out;
  for (auto& [bit, name] : kNames) {
    if (flags & bit) out.push_back(name);
  }
  return out;
}

// ACL categories, in Redis's order: from the flags and the group, plus the
// few that Redis assigns to a command by hand.
std::vector<const char*> AclCategories(const Command& c) {
  static const char* kOrder[] = {"@keyspace", "@read",  "@write",     "@set",      "@sortedset",  "@list",
                                 "@hash",     "@string", "@bitmap",   "@hyperloglog", "@geo", "@stream", "@pubsub",  "@admin",
                                 "@fast",     "@slow",
                                 "@blocking", "@dangerous", "@connection", "@transaction", "@scripting"};
  static const std::unordered_map<std::string_view, std::vector<std::string_view>> kByHand = {
      {"command", {"@connection"}}, {"info", {"@dangerous"}},      {"keys", {"@dangerous"}},
      {"flushall", {"@keyspace", "@dangerous"}}, {"flushdb", {"@keyspace", "@dangerous"}},
      {"swapdb", {"@keyspace", "@dangerous"}},   {"dbsize", {"@keyspace"}},
      {"lastsave", {"@admin", "@dangerous"}}, {"role", {"@admin", "@dangerous"}},
      {"wait", {"@connection"}},          {"restore", {"@dangerous"}},
      {"sort", {"@set", "@sortedset", "@list", "@dangerous"}},
      {"sort_ro", {"@set", "@sortedset", "@list", "@dangerous"}}};
  // Generic commands Redis files under other categories only.
  static const std::string_view kNotKeyspace[] = {"sort", "sort_ro", "wait"};
  std::string_view g = c.group;
  std::vector<std::string_view> have;
  if (g == "generic" && std::find(std::begin(kNotKeyspace), std::end(kNotKeyspace), c.full_name) == std::end(kNotKeyspace)) {
    have.push_back("@keyspace");
  }
  // Redis leaves scripting commands out of @read (EVAL_RO, SCRIPT...).
  if ((c.flags & kCmdReadonly) && g != "scripting") have.push_back("@read");
  if (c.flags & kCmdWrite) have.push_back("@write");
  if (g == "set") have.push_back("@set");
  if (g == "sorted_set") have.push_back("@sortedset");
  if (g == "list") have.push_back("@list");
  if (g == "hash") have.push_back("@hash");
  if (g == "string") have.push_back("@string");
  if (g == "bitmap") have.push_back("@bitmap");
  if (g == "hyperloglog") have.push_back("@hyperloglog");
  if (g == "stream") have.push_back("@stream");
  if (g == "geo") have.push_back("@geo");
  if (c.flags & kCmdPubsub) have.push_back("@pubsub");
  if (c.flags & kCmdAdmin) have.push_back("@admin");
  have.push_back((c.flags & kCmdFast) ? "@fast" : "@slow");
  if (c.flags & kCmdBlocking) have.push_back("@blocking");
  if (c.flags & kCmdAdmin) have.push_back("@dangerous");
  if (g == "connection") have.push_back("@connection");
  if (g == "transactions") have.push_back("@transaction");
  if (g == "scripting") have.push_back("@scripting");
  if (auto it = kByHand.find(c.full_name); it != kByHand.end()) {
    have.insert(have.end(), it->second.begin(), it->second.end());
  }
  std::vector<const char*> out;
  for (const char* cat : kOrder) {
    if (std::find(have.begin(), have.end(), cat) != have.end()) out.push_back(cat);
  }
  return out;
}

// A container (CLIENT, CONFIG...) is described by its subcommands: Redis
// 7.0 gives the container itself no flags, no keys and @slow (all but
// COMMAND, which keeps loading, stale and @connection).
bool IsBareContainer(const Command& c) { return !c.subcommands.empty() && c.name != "command"; }

std::vector<const char*> CategoriesOf(const Command& c) {
  // Redis's own set, from the table generated from redis-server 7.0
  // (server/acl_categories.h; set once the ACL numbered the commands), in
  // ACL CAT's order, which is COMMAND INFO's.
  if (c.acl_categories != 0) {
    static std::vector<std::string> names;
    if (names.empty()) {
      for (size_t i = 0; i < AclCategoryCount(); ++i) names.push_back(std::string("@") + AclCategoryName(i));
    }
    std::vector<const char*> out;
    for (size_t i = 0; i < names.size(); ++i) {
      if (c.acl_categories & (uint64_t{1} << i)) out.push_back(names[i].c_str());
    }
    return out;
  }
  return IsBareContainer(c) ? std::vector<const char*>{"@slow"} : AclCategories(c);
}

// COMMAND INFO's 10-element reply for one command (Redis 7.0 shape).
void AddCommandInfo(ReplyBuffer& r, const Command& c) {
  const bool container = IsBareContainer(c);
  r.AddArrayLen(10);
  r.AddBulk(c.full_name);
  r.AddInt(c.arity);
  auto flags = container ? std::vector<const char*>{} : FlagNames(c.flags);
  // Flags, categories, tips, key specs and subcommands are sets in RESP3.
  r.AddSetLen(flags.size());
  for (const char* f : flags) r.AddSimple(f);
  r.AddInt(container ? 0 : c.first_key);
  r.AddInt(container ? 0 : c.last_key);
  r.AddInt(container ? 0 : c.key_step);
  auto categories = CategoriesOf(c);
  r.AddSetLen(categories.size());
  for (const char* cat : categories) r.AddSimple(cat);
  r.AddSetLen(0);  // tips
  r.AddSetLen(0);  // key specs
  std::vector<const Command*> subs;
  for (auto& [name, s] : c.subcommands) subs.push_back(&s);
  std::sort(subs.begin(), subs.end(), [](const Command* a, const Command* b) { return a->name < b->name; });
  r.AddSetLen(subs.size());
  for (const Command* s : subs) AddCommandInfo(r, *s);
}

// A command by name, or a subcommand by "container|sub" (COMMAND INFO and
// DOCS accept both, as Redis 7.0).
const Command* FindByFullName(Server& s, std::string_view name) {
  size_t bar = name.find('|');
  if (bar == std::string_view::npos) return s.commands().Find(name);
  const Command* container = s.commands().Find(name.substr(0, bar));
  return container != nullptr ? container->FindSubcommand(name.substr(bar + 1)) : nullptr;
}

std::vector<const Command*> SortedCommands(Server& s) {
  std::vector<const Command*> v;
  for (auto& [name, cmd] : s.commands().all()) v.push_back(&cmd);
  std::sort(v.begin(), v.end(), [](const Command* a, const Command* b) { return a->name < b->name; });
  return v;
}

// COMMAND LIST FILTERBY MODULE <name> | ACLCAT <category> | PATTERN <glob>:
// the names (subcommands as "container|sub") that match; replikv has no
// modules, so a module filter matches nothing.
void CommandListFiltered(CommandContext& ctx) {
  ArgList a = ctx.argv;
  if (a.size() != 5 || !EqualsIgnoreCase(a[2], "filterby")) return ReplySyntaxError(ctx.reply);
  std::string_view kind = a[3], arg = a[4];
  std::function<bool(const Command&)> match;
  if (EqualsIgnoreCase(kind, "module")) {
    match = [](const Command&) { return false; };
  } else if (EqualsIgnoreCase(kind, "aclcat")) {
    match = [arg](const Command& c) {
      for (const char* cat : CategoriesOf(c)) {
        if (EqualsIgnoreCase(std::string_view(cat + 1), arg)) return true;
      }
      return false;
    };
  } else if (EqualsIgnoreCase(kind, "pattern")) {
    match = [arg](const Command& c) { return GlobMatch(arg, c.full_name, /*nocase=*/true); };
  } else {
    return ReplySyntaxError(ctx.reply);
  }
  std::vector<const Command*> found;
  for (const Command* c : SortedCommands(ctx.server)) {
    if (match(*c)) found.push_back(c);
    for (auto& [name, sub] : c->subcommands) {
      if (match(sub)) found.push_back(&sub);
    }
  }
  ctx.reply.AddArrayLen(found.size());
  for (const Command* c : found) ctx.reply.AddBulk(c->full_name);
}

// COMMAND GETKEYS / GETKEYSANDFLAGS <command line>: the keys the command
// line names, by the command's key specs, with Redis 7.0's errors.
void CommandGetKeys(CommandContext& ctx, bool with_flags) {
  ArgList line = ctx.argv.subspan(2);
  const Command* cmd = ctx.server.commands().Find(line[0]);
  if (cmd != nullptr && !cmd->subcommands.empty()) cmd = cmd->FindSubcommand(line[1]);
  if (cmd == nullptr) return ctx.reply.AddError("Invalid command specified");
  if (!CommandHasKeySpecs(cmd->full_name)) return ctx.reply.AddError("The command has no key arguments");
  const int argc = static_cast<int>(line.size());
  if ((cmd->arity > 0 && cmd->arity != argc) || argc < -cmd->arity) {
    return ctx.reply.AddError("Invalid number of arguments specified for command");
  }
  std::vector<KeyRef> keys;
  if (!FindCommandKeys(cmd->full_name, line, &keys) || keys.empty()) {
    // EVAL with 0 keys (or a numkeys past the arguments): no keys is an
    // answer for a command flagged no_mandatory_keys (Redis 7.0).
    if (cmd->flags & kCmdNoMandatoryKeys) return ctx.reply.AddArrayLen(0);
    return ctx.reply.AddError("Invalid arguments specified for command");
  }
  ctx.reply.AddArrayLen(keys.size());
  for (const KeyRef& k : keys) {
    if (!with_flags) {
      ctx.reply.AddBulk(line[k.index]);
      continue;
    }
    ctx.reply.AddArrayLen(2);
    ctx.reply.AddBulk(line[k.index]);
    std::vector<std::string_view> flags;
    for (std::string_view f = k.flags; !f.empty();) {
      size_t sp = f.find(' ');
      flags.push_back(f.substr(0, sp));
      f = sp == std::string_view::npos ? std::string_view() : f.substr(sp + 1);
    }
    ctx.reply.AddSetLen(flags.size());  // a set in RESP3
    for (std::string_view f : flags) ctx.reply.AddSimple(f);
  }
}

void CommandHelp(ReplyBuffer& r) {
  static const char* kHelp[] = {
      "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "(no subcommand)",
      "    Return details about all Redis commands.",
      "COUNT",
      "    Return the total number of commands in this Redis server.",
      "LIST",
      "    Return a list of all commands in this Redis server.",
      "INFO [<command-name> ...]",
      "    Return details about multiple Redis commands.",
      "    If no command names are given, documentation details for all",
      "    commands are returned.",
      "DOCS [<command-name> ...]",
      "    Return documentation details about multiple Redis commands.",
      "    If no command names are given, documentation details for all",
      "    commands are returned.",
      "GETKEYS <full-command>",
      "    Return the keys from a full Redis command.",
      "GETKEYSANDFLAGS <full-command>",
      "    Return the keys and the access flags from a full Redis command.",
      "HELP",
      "    Prints this help."};
  ReplyHelp(r, kHelp);
}

}  // namespace

void CommandCommand(CommandContext& ctx) {
  ArgList a = ctx.argv;
  Server& s = ctx.server;
  if (a.size() == 1) {
    auto cmds = SortedCommands(s);
    ctx.reply.AddArrayLen(cmds.size());
    for (const Command* c : cmds) AddCommandInfo(ctx.reply, *c);
    return;
  }
  std::string_view sub = a[1];
  if (EqualsIgnoreCase(sub, "count") && a.size() == 2) {
    return ctx.reply.AddInt(static_cast<int64_t>(s.commands().all().size()));
  }
  if (EqualsIgnoreCase(sub, "help") && a.size() == 2) return CommandHelp(ctx.reply);
  if (EqualsIgnoreCase(sub, "getkeys")) return CommandGetKeys(ctx, false);
  if (EqualsIgnoreCase(sub, "getkeysandflags")) return CommandGetKeys(ctx, true);
  if (EqualsIgnoreCase(sub, "list") && a.size() > 2) return CommandListFiltered(ctx);
  if (EqualsIgnoreCase(sub, "list") && a.size() == 2) {
    auto cmds = SortedCommands(s);
    ctx.reply.AddArrayLen(cmds.size());
    for (const Command* c : cmds) ctx.reply.AddBulk(c->name);
    return;
  }
  if (EqualsIgnoreCase(sub, "info")) {
    if (a.size() == 2) {
      auto cmds = SortedCommands(s);
      ctx.reply.AddArrayLen(cmds.size());
      for (const Command* c : cmds) AddCommandInfo(ctx.reply, *c);
      return;
    }
    ctx.reply.AddArrayLen(a.size() - 2);
    for (size_t i = 2; i < a.size(); ++i) {
      const Command* c = FindByFullName(s, a[i]);
      c ? AddCommandInfo(ctx.reply, *c) : ctx.reply.AddNullArray();
    }
    return;
  }
  if (EqualsIgnoreCase(sub, "docs")) {
    // name -> map of summary/since/group; enough for redis-cli's hints.
    std::vector<const Command*> cmds;
    if (a.size() == 2) {
      cmds = SortedCommands(s);
    } else {
      for (size_t i = 2; i < a.size(); ++i) {
        if (const Command* c = s.commands().Find(a[i])) cmds.push_back(c);
      }
    }
    ctx.reply.AddMapLen(cmds.size());
    for (const Command* c : cmds) {
      ctx.reply.AddBulk(c->name);
      ctx.reply.AddMapLen(3);
      ctx.reply.AddBulk("summary");
      ctx.reply.AddBulk(CommandSummary(c->name));
      ctx.reply.AddBulk("since");
      ctx.reply.AddBulk(c->since);
      ctx.reply.AddBulk("group");
      // The docs spell it "sorted-set"; the ACL category code keys on the
      // internal name.
      ctx.reply.AddBulk(std::string_view(c->group) == "sorted_set" ? "sorted-set" : c->group);
    }
    return;
  }
  ctx.reply.AddError("unknown subcommand '" + std::string(sub.substr(0, 128)) + "'. Try COMMAND HELP.");
}

void RegisterServerCommands(CommandTable& t) {
  AddCommands(t, "server", {
    {"info", -1, kCmdLoading | kCmdStale, InfoCommand},
    {"lastsave", 1, kCmdLoading | kCmdStale | kCmdFast, LastsaveCommand},
    {"time", 1, kCmdLoading | kCmdStale | kCmdFast, TimeCommand, 0, 0, 0, "2.6.0"},
    {"shutdown", -1, kCmdAdmin | kCmdNoscript | kCmdLoading | kCmdStale | kCmdNoMulti | kCmdAllowBusy,
     ShutdownCommand},
    {"command", -1, kCmdLoading | kCmdStale, CommandCommand, 0, 0, 0, "2.8.13"},
    {"config", -2, kCmdAdmin | kCmdNoscript | kCmdLoading | kCmdStale, ConfigCommand, 0, 0, 0, "2.0.0"}
  });
  const uint32_t kS = kCmdLoading | kCmdStale;
  t.AddSubcommands("config",
                   {{"help", 2, kS},
                    {"get", -3, kCmdAdmin | kCmdNoscript | kS},
                    {"set", -4, kCmdAdmin | kCmdNoscript | kS},
                    {"resetstat", 2, kCmdAdmin | kCmdNoscript | kS},
                    {"rewrite", 2, kCmdAdmin | kCmdNoscript | kS}},
                   ConfigCommand);
  t.AddSubcommands("command",
                   {{"help", 2, kS},
                    {"count", 2, kS},
                    {"info", -2, kS},
                    {"docs", -2, kS},
                    {"list", -2, kS},
                    {"getkeys", -4, kS},
                    {"getkeysandflags", -4, kS}},
                   CommandCommand);
}

void RegisterDebugCommands(CommandTable& t) {
  Command c;
  c.name = "debug";
  c.arity = -2;
  c.flags = kCmdAdmin | kCmdNoscript | kCmdLoading | kCmdStale;
  c.handler = DebugCommand;
  c.group = "server";
  t.Add(std::move(c));
}

}  // namespace replikv
