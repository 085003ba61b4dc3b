// CLIENT ID|SETNAME|GETNAME|LIST|INFO|KILL|NO-EVICT|REPLY|PAUSE|UNPAUSE|HELP,
// and the tracking subcommands (server/commands/cmd_tracking.cpp).
#include <algorithm>
#include <string>
#include <vector>

#include "server/acl.h"
#include "server/commands/blocking.h"
#include "server/net/client.h"
#include "server/client_eviction.h"
#include "server/commands/client_pause.h"
#include "server/commands/multi.h"
#include "server/commands/pubsub.h"
#include "server/net/reply_buffer.h"
#include "server/server.h"
#include "server/tracking.h"

namespace replikv {
// One CLIENT LIST line in Redis 7.0's field order.
// `argv_bytes`: the arguments the client holds (Redis's argv-mem): the
// caller's current command, or a parked command's.
std::string ClientInfoLine(Server& server, const Client& c, size_t argv_bytes) {
  int64_t now = server.keyspace().now_ms();
  std::string cmd = c.last_command ? c.last_command->full_name : "NULL";
  std::string line;
  line.reserve(320);
  line += "id=" + std::to_string(c.id());
  line += " addr=" + c.addr;
  line += " laddr=" + c.laddr;
  line += " fd=" + std::to_string(c.fd());
  line += " name=" + c.name;
  line += " age=" + std::to_string((now - c.ctime_ms) / 1000);
  line += " idle=" + std::to_string((now - c.last_interaction_ms) / 1000);
  line += " flags=" + c.ListFlags();
  line += " db=" + std::to_string(c.db);
  line += " sub=" + std::to_string(ClientChannelCount(c));
  line += " psub=" + std::to_string(ClientPatternCount(c));
  line += " ssub=" + std::to_string(ClientShardChannelCount(c));
  line += " multi=" + std::to_string(c.in_multi() ? static_cast<int64_t>(c.multi->queued.size()) : -1);
  line += " qbuf=" + std::to_string(c.query_buffer_size());
  line += " qbuf-free=" + std::to_string(c.query_buffer_capacity() - c.query_buffer_size());
  line += " argv-mem=" + std::to_string(argv_bytes);
  line += " multi-mem=" + std::to_string(ClientMultiMemory(c));
  line += " rbs=" + std::to_string(ReplyBuffer::kFirstBlock) + " rbp=0";
  line += " obl=0 oll=0 omem=" + std::to_string(c.output_bytes());
  line += " tot-mem=" + std::to_string(ClientMemoryUsage(c));  // the figure client eviction uses
  line += " events=r cmd=" + cmd;
  // Redis names a client without a user (the primary's link) "(superuser)".
  line += " user=" + (c.user ? c.user->name() : std::string("(superuser)"));
  const bool tracking = c.tracking != nullptr && c.tracking->on;
  line += " redir=" + std::to_string(tracking ? static_cast<int64_t>(c.tracking->redirect) : -1);
  line += " resp=" + std::to_string(c.resp());
  return line;
}

namespace {

size_t ArgvBytes(const CommandContext& ctx, const Client& c) {
  if (&c != &ctx.client) return c.parked_argv_bytes();
  size_t n = 0;
  for (std::string_view a : ctx.argv) n += a.size();
  return n;
}

void ClientHelp(ReplyBuffer& r) {
  static const char* kHelp[] = {
      "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CACHING (YES|NO)",
      "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
      "GETREDIR",
      "    Return the client ID we are redirecting to when tracking is enabled.",
      "GETNAME",
      "    Return the name of the current connection.",
      "ID",
      "    Return the ID of the current connection.",
      "INFO",
      "    Return information about the current client connection.",
      "KILL <ip:port>",
      "    Kill connection made from <ip:port>.",
      "KILL <option> <value> [<option> <value> [...]]",
      "    Kill connections. Options are:",
      "    * ADDR (<ip:port>|<unixsocket>:0)",
      "      Kill connections made from the specified address",
      "    * LADDR (<ip:port>|<unixsocket>:0)",
      "      Kill connections made to specified local address",
      "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
      "      Kill connections by type.",
      "    * USER <username>",
      "      Kill connections authenticated by <username>.",
      "    * SKIPME (YES|NO)",
      "      Skip killing current connection (default: yes).",
      "LIST [options ...]",
      "    Return information about client connections. Options:",
      "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
      "      Return clients of specified type.",
      "UNPAUSE",
      "    Stop the current client pause, resuming traffic.",
      "PAUSE <timeout> [WRITE|ALL]",
      "    Suspend all, or just write, clients for <timeout> milliseconds.",
      "REPLY (ON|OFF|SKIP)",
      "    Control the replies sent to the current connection.",
      "SETNAME <name>",
      "    Assign the name <name> to the current connection.",
      "UNBLOCK <clientid> [TIMEOUT|ERROR]",
      "    Unblock the specified blocked client.",
      "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
      "         [OPTIN] [OPTOUT] [NOLOOP]",
      "    Control server assisted client side caching.",
      "TRACKINGINFO",
      "    Report tracking status for the current connection.",
      "NO-EVICT (ON|OFF)",
      "    Protect current client connection from eviction.",
      "HELP",
      "    Prints this help."};
  ReplyHelp(r, kHelp);
}

bool ValidClientType(std::string_view t) {
  return EqualsIgnoreCase(t, "normal") || EqualsIgnoreCase(t, "master") || EqualsIgnoreCase(t, "replica") ||
         EqualsIgnoreCase(t, "slave") || EqualsIgnoreCase(t, "pubsub");
}

// CLIENT LIST/KILL TYPE: as Redis's getClientType(), a replica's link to its
// primary is "master", else the output-buffer class (a subscriber is
// "pubsub", a replica "replica").
bool ClientHasType(const Client& c, std::string_view t) {
  if (EqualsIgnoreCase(t, "master")) return c.kind() == ClientKind::kPrimary;
  if (c.kind() == ClientKind::kPrimary) return false;
  if (EqualsIgnoreCase(t, "normal")) return c.output_class == ClientClass::kNormal;
  if (EqualsIgnoreCase(t, "pubsub")) return c.output_class == ClientClass::kPubSub;
  if (EqualsIgnoreCase(t, "replica") || EqualsIgnoreCase(t, "slave")) return c.output_class == ClientClass::kReplica;
  return false;
}

void ClientList(CommandContext& ctx) {
  ArgList a = ctx.argv;
  std::vector<uint64_t> ids;
  std::string_view type;
  for (size_t i = 2; i < a.size(); ++i) {
    if (EqualsIgnoreCase(a[i], "type") && i + 1 < a.size()) {
      std::string_view t = a[++i];
      if (!ValidClientType(t)) return ctx.reply.AddError("Unknown client type '" + std::string(t) + "'");
      type = t;
    } else if (EqualsIgnoreCase(a[i], "id") && i + 1 < a.size()) {
      for (++i; i < a.size(); ++i) {
        int64_t id;
        if (!ParseInt64(a[i], &id) || id <= 0) return ctx.reply.AddError("Invalid client ID");
        ids.push_back(static_cast<uint64_t>(id));
      }
    } else {
      return ReplySyntaxError(ctx.reply);
    }
  }
  std::vector<const Client*> sorted;
  for (auto& [id, c] : ctx.server.clients()) {
    if (c->closing()) continue;
    if (!type.empty() && !ClientHasType(*c, type)) continue;
    if (!ids.empty() && std::find(ids.begin(), ids.end(), id) == ids.end()) continue;
    sorted.push_back(c.get());
  }
  std::sort(sorted.begin(), sorted.end(), [](const Client* x, const Client* y) { return x->id() < y->id(); });
  std::string out;
  for (const Client* c : sorted) {
    out += ClientInfoLine(ctx.server, *c, ArgvBytes(ctx, *c));
    out += '\n';
  }
  ctx.reply.AddVerbatim(out);
}

// CLIENT PAUSE timeout [WRITE|ALL]. Redis 7.0 checks the mode before the
// timeout, and adds the timeout to the clock unchecked: a sum past the
// int64 range wraps to the past and pauses nothing.
void ClientPauseCommand(CommandContext& ctx) {
  PauseType type = PauseType::kAll;
  if (ctx.argv.size() == 4) {
    if (EqualsIgnoreCase(ctx.argv[3], "write")) {
      type = PauseType::kWrite;
    } else if (!EqualsIgnoreCase(ctx.argv[3], "all")) {
      return ctx.reply.AddError("CLIENT PAUSE mode must be WRITE or ALL");
    }
  }
  int64_t timeout_ms;
  if (!ParseInt64(ctx.argv[2], &timeout_ms)) return ctx.reply.AddError("timeout is not an integer or out of range");
  if (timeout_ms < 0) return ctx.reply.AddError("timeout is negative");
  const int64_t now = ctx.server.keyspace().now_ms();
  // 0 stays 0 (an end in the past), as Redis's getTimeoutFromObjectOrReply.
  const int64_t end = timeout_ms == 0 ? 0
                                      : static_cast<int64_t>(static_cast<uint64_t>(timeout_ms) +
                                                             static_cast<uint64_t>(now));
  ctx.server.client_pause().Pause(PausePurpose::kClientCommand, type, end, now);
  ctx.reply.AddOk();
}

void ClientKill(CommandContext& ctx) {
  ArgList a = ctx.argv;
  if (a.size() == 3) {
    // Old form: CLIENT KILL ip:port -> OK or "No such client".
    for (auto& [id, c] : ctx.server.clients()) {
      if (!c->closing() && c->addr == a[2]) {
        if (c.get() == &ctx.client) {
          ctx.client.CloseAfterReply();
        } else {
          c->Close();
        }
        return ctx.reply.AddOk();
      }
    }
    return ctx.reply.AddError("No such client");
  }
  if (a.size() % 2 != 0) return ReplySyntaxError(ctx.reply);
  std::string_view addr, laddr, user;
  int64_t id = 0;
  std::string_view type;
  bool skipme = true;
  for (size_t i = 2; i < a.size(); i += 2) {
    std::string_view opt = a[i], val = a[i + 1];
    if (EqualsIgnoreCase(opt, "id")) {
      if (!ParseInt64(val, &id) || id <= 0) return ctx.reply.AddError("client-id should be greater than 0");
    } else if (EqualsIgnoreCase(opt, "addr")) {
      addr = val;
    } else if (EqualsIgnoreCase(opt, "laddr")) {
      laddr = val;
    } else if (EqualsIgnoreCase(opt, "user")) {
      user = val;
    } else if (EqualsIgnoreCase(opt, "type")) {
      if (!ValidClientType(val)) return ctx.reply.AddError("Unknown client type '" + std::string(val) + "'");
      type = val;
    } else if (EqualsIgnoreCase(opt, "skipme")) {
      if (EqualsIgnoreCase(val, "yes")) {
        skipme = true;
      } else if (EqualsIgnoreCase(val, "no")) {
        skipme = false;
      } else {
        return ReplySyntaxError(ctx.reply);
      }
    } else {
      return ReplySyntaxError(ctx.reply);
    }
  }
  std::shared_ptr<AclUser> kill_user;
  if (!user.empty()) {
    kill_user = ctx.server.acl().Find(user);
    if (!kill_user) return ctx.reply.AddError("No such user '" + std::string(user) + "'");
  }
  int64_t killed = 0;
  std::vector<Client*> victims;
  for (auto& [cid, c] : ctx.server.clients()) {
    if (c->closing()) continue;
    if (id != 0 && c->id() != static_cast<uint64_t>(id)) continue;
    if (!addr.empty() && c->addr != addr) continue;
    if (!laddr.empty() && c->laddr != laddr) continue;
    if (!type.empty() && !ClientHasType(*c, type)) continue;
    if (kill_user && c->user != kill_user) continue;
    if (skipme && c.get() == &ctx.client) continue;
    victims.push_back(c.get());
  }
  for (Client* c : victims) {
    if (c == &ctx.client) {
      c->CloseAfterReply();
    } else {
      c->Close();
    }
    ++killed;
  }
  ctx.reply.AddInt(killed);
}

}  // namespace

void ClientCommand(CommandContext& ctx) {
  std::string_view sub = ctx.argv[1];
  size_t argc = ctx.argv.size();
  if (EqualsIgnoreCase(sub, "help") && argc == 2) return ClientHelp(ctx.reply);
  if (EqualsIgnoreCase(sub, "id") && argc == 2) return ctx.reply.AddInt(static_cast<int64_t>(ctx.client.id()));
  if (EqualsIgnoreCase(sub, "getname") && argc == 2) {
    return ctx.client.name.empty() ? ctx.reply.AddNullBulk() : ctx.reply.AddBulk(ctx.client.name);
  }
  if (EqualsIgnoreCase(sub, "setname") && argc == 3) {
    for (char ch : ctx.argv[2]) {
      if (ch < '!' || ch > '~') {
        return ctx.reply.AddError("Client names cannot contain spaces, newlines or special characters.");
      }
    }
    ctx.client.name = std::string(ctx.argv[2]);
    return ctx.reply.AddOk();
  }
  if (EqualsIgnoreCase(sub, "info") && argc == 2) {
    return ctx.reply.AddVerbatim(ClientInfoLine(ctx.server, ctx.client, ArgvBytes(ctx, ctx.client)) + "\n");
  }
  if (EqualsIgnoreCase(sub, "list")) return ClientList(ctx);
  if (EqualsIgnoreCase(sub, "tracking") && argc >= 3) return ClientTrackingCommand(ctx);
  if (EqualsIgnoreCase(sub, "caching") && argc == 3) return ClientCachingCommand(ctx);
  if (EqualsIgnoreCase(sub, "getredir") && argc == 2) return ClientGetRedirCommand(ctx);
  if (EqualsIgnoreCase(sub, "trackinginfo") && argc == 2) return ClientTrackingInfoCommand(ctx);
  if (EqualsIgnoreCase(sub, "kill") && argc >= 3) return ClientKill(ctx);
  if ((EqualsIgnoreCase(sub, "no-evict") || EqualsIgnoreCase(sub, "no-touch")) && argc == 3) {
    const bool on = EqualsIgnoreCase(ctx.argv[2], "on");
    if (!on && !EqualsIgnoreCase(ctx.argv[2], "off")) return ReplySyntaxError(ctx.reply);
    if (EqualsIgnoreCase(sub, "no-evict")) ctx.client.no_evict = on;
    return ctx.reply.AddOk();
  }
  if (EqualsIgnoreCase(sub, "reply") && argc == 3) {
    // ON answers +OK (even when it ends a SKIP); OFF and SKIP answer nothing.
    if (EqualsIgnoreCase(ctx.argv[2], "on")) {
      ctx.client.SetReplyOn();
      return ctx.reply.AddOk();
    }
    if (EqualsIgnoreCase(ctx.argv[2], "off")) return ctx.client.SetReplyOff();
    if (EqualsIgnoreCase(ctx.argv[2], "skip")) return ctx.client.SetReplySkip();
    return ReplySyntaxError(ctx.reply);
  }
  if (EqualsIgnoreCase(sub, "pause")) {
    if (argc == 3 || argc == 4) return ClientPauseCommand(ctx);
    // Redis 7.0's addReplySubcommandSyntaxError, with the name as typed.
    return ctx.reply.AddError("unknown subcommand or wrong number of arguments for '" +
                              std::string(sub.substr(0, 128)) + "'. Try CLIENT HELP.");
  }
  if (EqualsIgnoreCase(sub, "unpause") && argc == 2) {
    ctx.server.client_pause().Unpause(PausePurpose::kClientCommand, ctx.server.keyspace().now_ms());
    return ctx.reply.AddOk();
  }
  if (EqualsIgnoreCase(sub, "unblock")) {
    // CLIENT UNBLOCK client-id [TIMEOUT|ERROR]: Redis 7.0 checks the reason
    // before the id, and answers :0 for an id that is not blocked.
    if (argc > 4) {
      return ctx.reply.AddError("unknown subcommand or wrong number of arguments for '" +
                                std::string(sub.substr(0, 128)) + "'. Try CLIENT HELP.");
    }
    bool as_error = false;
    if (argc == 4) {
      as_error = EqualsIgnoreCase(ctx.argv[3], "error");
      if (!as_error && !EqualsIgnoreCase(ctx.argv[3], "timeout")) {
        return ctx.reply.AddError("CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
      }
    }
    int64_t id;
    if (!ParseInt64(ctx.argv[2], &id)) return ReplyNotInteger(ctx.reply);
    const bool done = id > 0 && ctx.server.blocked_clients().UnblockClient(static_cast<uint64_t>(id), as_error);
    return ctx.reply.AddInt(done ? 1 : 0);
  }
  ctx.reply.AddError("unknown subcommand '" + std::string(sub.substr(0, 128)) + "'. Try CLIENT HELP.");
}

}  // namespace replikv
