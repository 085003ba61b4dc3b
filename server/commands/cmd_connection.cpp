// Connection commands: PING ECHO QUIT AUTH HELLO SELECT CLIENT RESET.
#include <string>

#include "server/acl.h"
#include "server/net/client.h"
#include "server/ds/glob.h"
#include "server/commands/pubsub.h"
#include "server/net/reply_buffer.h"
#include "server/server.h"
#include "server/base/version.h"

namespace replikv {
namespace {

void PingCommand(CommandContext& ctx) {
  if (ctx.argv.size() > 2) return ReplyWrongArity(ctx.reply, "ping");
  if (ctx.client.in_pubsub_mode() && ctx.client.resp() == 2) return ReplySubscribedPing(ctx);
  if (ctx.argv.size() == 2) return ctx.reply.AddBulk(ctx.argv[1]);
  ctx.reply.AddSimple("PONG");
}

void EchoCommand(CommandContext& ctx) { ctx.reply.AddBulk(ctx.argv[1]); }

void QuitCommand(CommandContext& ctx) {
  ctx.reply.AddOk();
  ctx.client.CloseAfterReply();
}

// Checks user/password against the ACL users; on success the connection
// runs as that user. Replies the error itself and returns false on failure
// (logged in the ACL log with `object`: "AUTH" or "HELLO").
bool CheckCredentials(CommandContext& ctx, std::string_view user, std::string_view pass, const char* object) {
  std::shared_ptr<AclUser> u = ctx.server.acl().Authenticate(ctx.client, user, pass, object);
  if (!u) {
    ctx.reply.AddError("-WRONGPASS invalid username-password pair or user is disabled.");
    return false;
  }
  ctx.client.user = std::move(u);
  ctx.client.authenticated = true;
  return true;
}

void AuthCommand(CommandContext& ctx) {
  if (ctx.argv.size() > 3) return ReplySyntaxError(ctx.reply);
  if (ctx.argv.size() == 2 && ctx.server.acl().default_user()->nopass()) {
    return ctx.reply.AddError(
        "AUTH <password> called without any password configured for the default user. Are you sure your "
        "configuration is correct?");
  }
  std::string_view user = ctx.argv.size() == 3 ? ctx.argv[1] : "default";
  std::string_view pass = ctx.argv.back();
  if (CheckCredentials(ctx, user, pass, "AUTH")) ctx.reply.AddOk();
}

void HelloCommand(CommandContext& ctx) {
  ArgList a = ctx.argv;
  int64_t ver = ctx.client.resp();
  if (a.size() >= 2) {
    if (!ParseInt64(a[1], &ver)) return ctx.reply.AddError("Protocol version is not an integer or out of range");
    if (ver < 2 || ver > 3) return ctx.reply.AddError("-NOPROTO unsupported protocol version");
  }
  // Options are checked before anything is applied, as Redis does.
  std::string_view user, pass, setname;
  bool has_auth = false, has_setname = false;
  for (size_t i = 2; i < a.size(); ++i) {
    if (EqualsIgnoreCase(a[i], "auth") && i + 2 < a.size()) {
      has_auth = true;
      user = a[i + 1];
      pass = a[i + 2];
      i += 2;
    } else if (EqualsIgnoreCase(a[i], "setname") && i + 1 < a.size()) {
      setname = a[++i];
      has_setname = true;
    } else {
      return ctx.reply.AddError("Syntax error in HELLO option '" + std::string(a[i]) + "'");
    }
  }
  if (has_auth && !CheckCredentials(ctx, user, pass, "HELLO")) return;
  if (!ctx.client.authenticated && ctx.server.acl().default_requires_auth()) {
    return ctx.reply.AddError(
        "-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> "
        "<pass> option can be used to authenticate the client and select the RESP protocol version at the same time");
  }
  if (has_setname) {
    for (char ch : setname) {
      if (ch < '!' || ch > '~') return ctx.reply.AddError("Client names cannot contain spaces, newlines or special characters.");
    }
    ctx.client.name = std::string(setname);
  }
  // The reply is already in the new protocol: a map in RESP3.
  ctx.client.set_resp(static_cast<int>(ver));
  ctx.reply.AddMapLen(7);
  ctx.reply.AddBulk("server");
  ctx.reply.AddBulk("redis");
  ctx.reply.AddBulk("version");
  ctx.reply.AddBulk(kRedisCompatVersion);
  ctx.reply.AddBulk("proto");
  ctx.reply.AddInt(ctx.client.resp());
  ctx.reply.AddBulk("id");
  ctx.reply.AddInt(static_cast<int64_t>(ctx.client.id()));
  ctx.reply.AddBulk("mode");
  ctx.reply.AddBulk("standalone");
  ctx.reply.AddBulk("role");
  ctx.reply.AddBulk(ctx.server.RoleName());
  ctx.reply.AddBulk("modules");
  ctx.reply.AddArrayLen(0);
}

void SelectCommand(CommandContext& ctx) {
  int64_t id;
  if (!ParseInt64(ctx.argv[1], &id) || id < INT32_MIN || id > INT32_MAX) return ReplyNotInteger(ctx.reply);
  if (id < 0 || id >= ctx.server.keyspace().databases()) return ctx.reply.AddError("DB index is out of range");
  ctx.client.db = static_cast<int>(id);
  ctx.reply.AddOk();
}

void ResetCommand(CommandContext& ctx) {
  ctx.client.ReleaseSessionState();  // MULTI, WATCH, subscriptions
  ctx.client.db = 0;
  ctx.client.name.clear();
  ctx.client.set_resp(2);
  // Back to the default user, authenticated only if it needs no password.
  ctx.client.user = ctx.server.acl().default_user();
  ctx.client.authenticated = !ctx.server.acl().default_requires_auth();
  ctx.reply.AddSimple("RESET");
}

}  // namespace

void RegisterConnectionCommands(CommandTable& t) {
  AddCommands(t, "connection", {
    {"ping", -1, kCmdFast, PingCommand},
    {"echo", 2, kCmdFast | kCmdStale | kCmdLoading, EchoCommand},
    {"quit", -1, kCmdNoAuth | kCmdFast | kCmdStale | kCmdLoading | kCmdNoscript | kCmdAllowBusy, QuitCommand},
    {"auth", -2, kCmdNoAuth | kCmdFast | kCmdStale | kCmdLoading | kCmdNoscript | kCmdAllowBusy, AuthCommand},
    {"hello", -1, kCmdNoAuth | kCmdFast | kCmdStale | kCmdLoading | kCmdNoscript | kCmdAllowBusy, HelloCommand, 0, 0, 0, "6.0.0"},
    {"select", 2, kCmdFast | kCmdStale | kCmdLoading, SelectCommand},
    {"reset", 1, kCmdNoAuth | kCmdFast | kCmdStale | kCmdLoading | kCmdNoscript | kCmdAllowBusy, ResetCommand, 0, 0, 0, "6.2.0"},
    {"client", -2, kCmdAdmin | kCmdNoscript | kCmdLoading | kCmdStale, ClientCommand, 0, 0, 0, "2.4.0"}
  });
  const uint32_t kC = kCmdNoscript | kCmdLoading | kCmdStale;
  t.AddSubcommands("client",
                   {{"help", 2, kC},
                    {"id", 2, kC},
                    {"setname", 3, kC},
                    {"getname", 2, kC},
                    {"list", -2, kCmdAdmin | kC},
                    {"info", 2, kC},
                    {"kill", -3, kCmdAdmin | kC},
                    {"no-evict", 3, kCmdAdmin | kC},
                    {"reply", 3, kC},
                    {"pause", -3, kCmdAdmin | kC},
                    {"unpause", 2, kCmdAdmin | kC},
                    {"unblock", -3, kCmdAdmin | kC},
                    {"tracking", -3, kC},
                    {"caching", 3, kC},
                    {"getredir", 2, kC},
                    {"trackinginfo", 2, kC}},
                   ClientCommand);
}

}  // namespace replikv
