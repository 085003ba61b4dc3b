// ACL SETUSER GETUSER DELUSER LIST USERS WHOAMI CAT GENPASS LOG DRYRUN SAVE
// LOAD HELP, with Redis 7.0's replies and error texts.
#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "server/acl.h"
#include "server/acl_categories.h"
#include "server/net/client.h"
#include "server/net/reply_buffer.h"
#include "server/server.h"

namespace replikv {
namespace {

void ReplyWrongSub(ReplyBuffer& r, std::string_view sub) {
  std::string upper(sub);
  for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  r.AddError("unknown subcommand or wrong number of arguments for '" + upper + "'. Try ACL HELP.");
}

void AddSelectorFields(ReplyBuffer& r, const AclSelector& s, const AclCommandIndex& index) {
  r.AddBulk("commands");
  r.AddBulk(s.CommandsText(index));
  r.AddBulk("keys");
  r.AddBulk(s.KeysText());
  r.AddBulk("channels");
  r.AddBulk(s.ChannelsText());
}

void GetUser(CommandContext& ctx) {
  Acl& acl = ctx.server.acl();
  std::shared_ptr<AclUser> u = acl.Find(ctx.argv[2]);
  if (!u) return ctx.reply.AddNullBulk();  // $-1, as Redis (not *-1)
  ctx.reply.AddMapLen(6);
  ctx.reply.AddBulk("flags");
  std::vector<std::string> flags = u->Flags();
  ctx.reply.AddSetLen(flags.size());
  for (const std::string& f : flags) ctx.reply.AddBulk(f);
  ctx.reply.AddBulk("passwords");
  ctx.reply.AddArrayLen(u->password_hashes().size());
  for (const std::string& h : u->password_hashes()) ctx.reply.AddBulk(h);
  AddSelectorFields(ctx.reply, u->selectors()[0], acl.index());
  ctx.reply.AddBulk("selectors");
  ctx.reply.AddArrayLen(u->selectors().size() - 1);
  for (size_t i = 1; i < u->selectors().size(); ++i) {
    ctx.reply.AddMapLen(3);
    AddSelectorFields(ctx.reply, u->selectors()[i], acl.index());
  }
}

void Cat(CommandContext& ctx) {
  if (ctx.argv.size() == 2) {
    ctx.reply.AddArrayLen(AclCategoryCount());
    for (size_t i = 0; i < AclCategoryCount(); ++i) ctx.reply.AddBulk(AclCategoryName(i));
    return;
  }
  if (ctx.argv.size() != 3) return ReplyWrongSub(ctx.reply, ctx.argv[1]);
  const int bit = AclCategoryBit(ctx.argv[2]);
  if (bit < 0) return ctx.reply.AddError("Unknown category '" + std::string(ctx.argv[2]) + "'");
  std::vector<const Command*> found;
  for (const Command* c : ctx.server.acl().index().commands()) {
    if (c->acl_categories & (uint64_t{1} << bit)) found.push_back(c);
  }
  ctx.reply.AddArrayLen(found.size());
  for (const Command* c : found) ctx.reply.AddBulk(c->full_name);
}

void GenPass(CommandContext& ctx) {
  int64_t bits = 256;
  if (ctx.argv.size() == 3) {
    if (!ParseInt64(ctx.argv[2], &bits)) return ReplyNotInteger(ctx.reply);
    if (bits <= 0 || bits > 4096) {
      return ctx.reply.AddError(
          "ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096");
    }
  } else if (ctx.argv.size() > 3) {
    return ReplyWrongSub(ctx.reply, ctx.argv[1]);
  }
  const size_t chars = static_cast<size_t>((bits + 3) / 4);
  std::string raw((chars + 1) / 2, '\0');
  int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  size_t got = 0;
  if (fd >= 0) {
    // Bounded: each read makes progress or the loop stops.
    while (got < raw.size()) {
      ssize_t n = ::read(fd, raw.data() + got, raw.size() - got);
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
    ::close(fd);
  }
  if (got < raw.size()) return ctx.reply.AddError("Failed to read random bytes");
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char ch : raw) {
    out += kHex[ch >> 4];
    out += kHex[ch & 15];
  }
  out.resize(chars);
  ctx.reply.AddBulk(out);
}

void Log(CommandContext& ctx) {
  Acl& acl = ctx.server.acl();
  int64_t count = 10;
  if (ctx.argv.size() == 3) {
    if (EqualsIgnoreCase(ctx.argv[2], "reset")) {
      acl.ResetLog();
      return ctx.reply.AddOk();
    }
    if (!ParseInt64(ctx.argv[2], &count)) return ReplyNotInteger(ctx.reply);
    if (count < 0) count = 0;
  } else if (ctx.argv.size() > 3) {
    return ReplyWrongSub(ctx.reply, ctx.argv[1]);
  }
  const size_t n = std::min(static_cast<size_t>(count), acl.log().size());
  const int64_t now = ctx.server.keyspace().now_ms();
  ctx.reply.AddArrayLen(n);
  for (size_t i = 0; i < n; ++i) {
    const Acl::LogEntry& e = acl.log()[i];
    ctx.reply.AddMapLen(7);
    ctx.reply.AddBulk("count");
    ctx.reply.AddInt(static_cast<int64_t>(e.count));
    ctx.reply.AddBulk("reason");
    ctx.reply.AddBulk(e.reason);
    ctx.reply.AddBulk("context");
    ctx.reply.AddBulk(e.context);
    ctx.reply.AddBulk("object");
    ctx.reply.AddBulk(e.object);
    ctx.reply.AddBulk("username");
    ctx.reply.AddBulk(e.username);
    ctx.reply.AddBulk("age-seconds");
    ctx.reply.AddDouble(static_cast<double>(now - e.ctime_ms) / 1000.0);
    ctx.reply.AddBulk("client-info");
    ctx.reply.AddBulk(e.client_info);
  }
}

void DryRun(CommandContext& ctx) {
  Acl& acl = ctx.server.acl();
  std::shared_ptr<AclUser> u = acl.Find(ctx.argv[2]);
  if (!u) return ctx.reply.AddError("User '" + std::string(ctx.argv[2]) + "' not found");
  ArgList argv = ctx.argv.subspan(3);
  Command* cmd = ctx.server.commands().Find(argv[0]);
  if (cmd != nullptr && !cmd->subcommands.empty() && argv.size() >= 2) cmd = cmd->FindSubcommand(argv[1]);
  if (cmd == nullptr) return ctx.reply.AddError("Command '" + std::string(argv[0]) + "' not found");
  const int argc = static_cast<int>(argv.size());
  if ((cmd->arity > 0 && cmd->arity != argc) || argc < -cmd->arity) {
    return ctx.reply.AddError("wrong number of arguments for '" + cmd->full_name + "' command");
  }
  size_t pos = 0;
  const AclDenial d = u->Check(*cmd, argv, acl.index(), &pos);
  if (d != AclDenial::kNone) return ctx.reply.AddBulk(Acl::DryRunText(d, *cmd, argv[pos]));
  ctx.reply.AddOk();
}

void AclCommand(CommandContext& ctx) {
  Acl& acl = ctx.server.acl();
  ArgList a = ctx.argv;
  std::string_view sub = a[1];
  if (EqualsIgnoreCase(sub, "setuser")) {
    std::string error = acl.SetUser(a[2], a.subspan(3));
    if (!error.empty()) return ctx.reply.AddError("-" + error);
    return ctx.reply.AddOk();
  }
  if (EqualsIgnoreCase(sub, "getuser")) return GetUser(ctx);
  if (EqualsIgnoreCase(sub, "deluser")) {
    int64_t deleted = 0;
    for (size_t i = 2; i < a.size(); ++i) {
      if (a[i] == "default") return ctx.reply.AddError("The 'default' user cannot be removed");
    }
    for (size_t i = 2; i < a.size(); ++i) deleted += acl.DeleteUser(a[i], &ctx.client) ? 1 : 0;
    return ctx.reply.AddInt(deleted);
  }
  if (EqualsIgnoreCase(sub, "list")) {
    std::vector<std::string> lines = acl.List();
    ctx.reply.AddArrayLen(lines.size());
    for (const std::string& l : lines) ctx.reply.AddBulk(l);
    return;
  }
  if (EqualsIgnoreCase(sub, "users")) {
    ctx.reply.AddArrayLen(acl.users().size());
    for (auto& [name, u] : acl.users()) ctx.reply.AddBulk(name);
    return;
  }
  if (EqualsIgnoreCase(sub, "whoami")) {
    return ctx.reply.AddBulk(ctx.client.user ? ctx.client.user->name() : std::string("default"));
  }
  if (EqualsIgnoreCase(sub, "cat")) return Cat(ctx);
  if (EqualsIgnoreCase(sub, "genpass")) return GenPass(ctx);
  if (EqualsIgnoreCase(sub, "log")) return Log(ctx);
  if (EqualsIgnoreCase(sub, "dryrun")) return DryRun(ctx);
  if (EqualsIgnoreCase(sub, "save")) {
    std::string error = acl.SaveFile();
    if (!error.empty()) return ctx.reply.AddError("-" + error);
    return ctx.reply.AddOk();
  }
  if (EqualsIgnoreCase(sub, "load")) {
    std::string error = acl.LoadFile(&ctx.client);
    if (!error.empty()) return ctx.reply.AddError("-" + error);
    return ctx.reply.AddOk();
  }
  static const char* kHelp[] = {
      "ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CAT [<category>]",
      "    List all commands that belong to <category>, or all command categories",
      "    when no category is specified.",
      "DELUSER <username> [<username> ...]",
      "    Delete a list of users.",
      "DRYRUN <username> <command> [<arg> ...]",
      "    Returns whether the user can execute the given command without executing the command.",
      "GETUSER <username>",
      "    Get the user's details.",
      "GENPASS [<bits>]",
      "    Generate a secure 256-bit user password. The optional `bits` argument can",
      "    be used to specify a different size.",
      "LIST",
      "    Show users details in config file format.",
      "LOAD",
      "    Reload users from the ACL file.",
      "LOG [<count> | RESET]",
      "    Show the ACL log entries.",
      "SAVE",
      "    Save the current config to the ACL file.",
      "SETUSER <username> <attribute> [<attribute> ...]",
      "    Create or modify a user with the specified attributes.",
      "USERS",
      "    List all the registered usernames.",
      "WHOAMI",
      "    Return the current connection username.",
      "HELP",
      "    Prints this help.",
  };
  ReplyHelp(ctx.reply, kHelp);
}

}  // namespace

void RegisterAclCommands(CommandTable& t) {
  AddCommands(t, "server", {{"acl", -2, 0, AclCommand, 0, 0, 0, "6.0.0"}});
  const uint32_t kA = kCmdAdmin | kCmdNoscript | kCmdLoading | kCmdStale;
  const uint32_t kN = kCmdNoscript | kCmdLoading | kCmdStale;
  t.AddSubcommands("acl",
                   {{"cat", -2, kN},
                    {"deluser", -3, kA},
                    {"dryrun", -4, kA},
                    {"genpass", -2, kN},
                    {"getuser", 3, kA},
                    {"help", 2, kCmdLoading | kCmdStale},
                    {"list", 2, kA},
                    {"load", 2, kA},
                    {"log", -2, kA},
                    {"save", 2, kA},
                    {"setuser", -3, kA},
                    {"users", 2, kA},
                    {"whoami", 2, kN}},
                   AclCommand);
}

}  // namespace replikv
