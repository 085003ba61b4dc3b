// Acl: the users of the server, the ACL log, the aclfile, as Redis 7.0.
//
// Users live here (ACL LIST order: by name); a client holds a shared
// pointer to the user it authenticated as, so ACL SETUSER changes reach its
// next command at once. ACL DELUSER and ACL LOAD close the connections of
// the users they drop. The "default" user always exists; requirepass sets
// its password (CONFIG SET requirepass x is "resetpass >x", "" is
// "nopass"). A client with no user (the primary's stream, the AOF loader)
// may run anything, as in Redis.
//
// Lifecycle: created with the server (the default user allows everything);
// Init() once the command table is complete numbers the commands; then
// LoadAtStartup() applies the config's `user` lines or the aclfile.
// Loop thread only.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "server/acl_user.h"
#include "server/base/status.h"

namespace replikv {

class Client;
class Server;
struct ServerConfig;

// One CLIENT LIST line for `c` (cmd_client.cpp); the ACL log keeps it.
std::string ClientInfoLine(Server& server, const Client& c, size_t argv_bytes);

class Acl {
 public:
  explicit Acl(Server& server);

  // Numbers every command and subcommand (after modules and
  // rename-command); users made before keep their meaning.
  void Init(CommandTable& table);
  const AclCommandIndex& index() const { return index_; }

  // The config's `user` lines or the aclfile (not both: Redis refuses
  // that). A non-OK Status is fatal at start-up; its message says why.
  Status LoadAtStartup(const ServerConfig& cfg);
  // requirepass: "" makes the default user nopass, anything else its only
  // password.
  void SetDefaultPassword(const std::string& requirepass);

  const std::shared_ptr<AclUser>& default_user() const { return default_user_; }
  // nullptr if there is no such user.
  std::shared_ptr<AclUser> Find(std::string_view name) const;
  const std::map<std::string, std::shared_ptr<AclUser>, std::less<>>& users() const { return users_; }
  // Whether a new connection must AUTH first (the default user has a
  // password or is off).
  bool default_requires_auth() const { return !default_user_->nopass() || !default_user_->enabled(); }

  // ACL SETUSER: all arguments apply or none. Returns "" or the error
  // reply text ("ERR Error in ACL SETUSER modifier '+x': ...").
  std::string SetUser(std::string_view name, std::span<const std::string_view> ops);
  // ACL DELUSER of one user (not "default"): closes its connections
  // (`current` after its reply). False if there was no such user.
  bool DeleteUser(std::string_view name, Client* current);
  // ACL LIST lines.
  std::vector<std::string> List() const;

  // AUTH / HELLO AUTH: the user, or nullptr (logged as an "auth" failure
  // with `object`, "AUTH" or "HELLO").
  std::shared_ptr<AclUser> Authenticate(Client& c, std::string_view user, std::string_view pass,
                                        const char* object);

  // The per-command check for `c`. On refusal replies nothing but returns
  // the reason and the offending argument.
  AclDenial Check(const Client& c, const Command& cmd, ArgList argv, size_t* errpos) const {
    if (!c_user_restricted(c)) return AclDenial::kNone;
    return CheckSlow(c, cmd, argv, errpos);
  }
  // Redis 7.0's -NOPERM text (without "-NOPERM ") for a refusal.
  static std::string DenialText(AclDenial d, const Command& cmd);
  // ACL DRYRUN's (verbose) text.
  static std::string DryRunText(AclDenial d, const Command& cmd, std::string_view arg);

  // The ACL log. `context`: "toplevel", "multi", "lua".
  void Log(Client& c, AclDenial reason, const char* context, std::string_view object, std::string_view username);
  struct LogEntry {
    uint64_t count = 1;
    std::string reason, context, object, username, client_info;
    int64_t ctime_ms = 0;
  };
  const std::deque<LogEntry>& log() const { return log_; }
  void ResetLog() { log_.clear(); }

  // ACL LOAD / ACL SAVE against the aclfile; "" or the error reply text.
  std::string LoadFile(Client* current);
  std::string SaveFile();
  // The aclfile's text for the current users (ACL SAVE).
  std::string FileText() const;

 private:
  static bool c_user_restricted(const Client& c);
  AclDenial CheckSlow(const Client& c, const Command& cmd, ArgList argv, size_t* errpos) const;
  // Parses the aclfile text into a new user set (errors collected as
  // Redis words them).
  std::string ParseUsers(std::string_view text, std::string_view path,
                         std::map<std::string, std::shared_ptr<AclUser>, std::less<>>* out);
  bool DefaultAllChannels() const;
  void KillClientsOf(const AclUser* u, Client* current);

  Server& server_;
  AclCommandIndex index_;
  std::shared_ptr<AclUser> default_user_;
  std::map<std::string, std::shared_ptr<AclUser>, std::less<>> users_;
  std::deque<LogEntry> log_;
};

}  // namespace replikv
