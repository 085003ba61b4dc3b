#include "server/acl.h"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "server/base/ascii.h"
#include "server/base/split_args.h"
#include "server/net/client.h"
#include "server/server.h"

namespace replikv {
namespace {

// Redis 7.0's ACL_LOG_GROUPING_MAX_TIME_DELTA: a refusal like a logged one
// within a minute counts on that entry.
constexpr int64_t kLogGroupingMs = 60000;

const char* ReasonName(AclDenial d) {
  switch (d) {
    case AclDenial::kCommand: return "command";
    case AclDenial::kKey: return "key";
    case AclDenial::kChannel: return "channel";
    case AclDenial::kAuth: return "auth";
    case AclDenial::kNone: break;
  }
  return "unknown";
}

bool ValidUserName(std::string_view name) {
  for (char ch : name) {
    if (ch == ' ' || ch == '\0') return false;
  }
  return true;
}

}  // namespace

Acl::Acl(Server& server) : server_(server) {
  default_user_ = std::make_shared<AclUser>("default", 0, true);
  (void)default_user_->Apply("on", index_, true);
  (void)default_user_->Apply("nopass", index_, true);
  (void)default_user_->Apply("~*", index_, true);
  (void)default_user_->Apply("+@all", index_, true);
  users_.emplace("default", default_user_);
}

bool Acl::DefaultAllChannels() const { return server_.config().acl_pubsub_default == 1; }

void Acl::Init(CommandTable& table) {
  // Users made before the index (the default user) are rebuilt from their
  // description (taken with the old numbering), now that commands have
  // numbers.
  std::vector<std::string> rules;
  for (auto& [name, u] : users_) rules.push_back(u->Describe(index_));
  index_ = AclCommandIndex(table);
  size_t i = 0;
  for (auto& [name, u] : users_) {
    AclUser fresh(name, index_.size(), true);
    std::vector<std::string> ops;
    if (!SplitArgs(rules[i++], &ops)) continue;
    for (const std::string& op : ops) (void)fresh.Apply(op, index_, true);
    // Describe() gives the hashes, not the passwords: keep them as they are.
    *u = fresh;
  }
}

void Acl::SetDefaultPassword(const std::string& requirepass) {
  (void)default_user_->Apply("resetpass", index_, DefaultAllChannels());
  if (requirepass.empty()) {
    (void)default_user_->Apply("nopass", index_, DefaultAllChannels());
  } else {
    (void)default_user_->Apply(">" + requirepass, index_, DefaultAllChannels());
  }
}

std::shared_ptr<AclUser> Acl::Find(std::string_view name) const {
  auto it = users_.find(name);
  return it == users_.end() ? nullptr : it->second;
}

std::string Acl::SetUser(std::string_view name, std::span<const std::string_view> ops) {
  if (!ValidUserName(name)) return "ERR Usernames can't contain spaces or null characters";
  std::vector<std::string> merged;
  std::string bad;
  if (!MergeSelectorArgs(std::vector<std::string_view>(ops.begin(), ops.end()), &merged, &bad)) {
    return "ERR Unmatched parenthesis in acl selector starting at '" + bad + "'.";
  }
  auto existing = Find(name);
  AclUser copy = existing ? *existing : AclUser(std::string(name), index_.size(), DefaultAllChannels());
  for (const std::string& op : merged) {
    std::string error = copy.Apply(op, index_, DefaultAllChannels());
    if (!error.empty()) return "ERR Error in ACL SETUSER modifier '" + op + "': " + error;
  }
  if (existing) {
    *existing = std::move(copy);
  } else {
    users_.emplace(std::string(name), std::make_shared<AclUser>(std::move(copy)));
  }
  return "";
}

void Acl::KillClientsOf(const AclUser* u, Client* current) {
  std::vector<Client*> victims;
  for (auto& [id, c] : server_.clients()) {
    if (c->user.get() == u) victims.push_back(c.get());
  }
  for (Client* c : victims) {
    if (c == current) {
      c->CloseAfterReply();
    } else {
      c->Close();
    }
  }
}

bool Acl::DeleteUser(std::string_view name, Client* current) {
  auto it = users_.find(name);
  if (it == users_.end()) return false;
  std::shared_ptr<AclUser> u = it->second;
  users_.erase(it);
  KillClientsOf(u.get(), current);
  return true;
}

std::vector<std::string> Acl::List() const {
  std::vector<std::string> out;
  for (auto& [name, u] : users_) out.push_back("user " + name + " " + u->Describe(index_));
  return out;
}

std::shared_ptr<AclUser> Acl::Authenticate(Client& c, std::string_view user, std::string_view pass,
                                           const char* object) {
  std::shared_ptr<AclUser> u = Find(user);
  if (u && u->CheckPassword(pass)) return u;
  Log(c, AclDenial::kAuth, "toplevel", object, user);
  return nullptr;
}

bool Acl::c_user_restricted(const Client& c) { return c.user != nullptr && !c.user->unrestricted(); }

AclDenial Acl::CheckSlow(const Client& c, const Command& cmd, ArgList argv, size_t* errpos) const {
  return c.user->Check(cmd, argv, index_, errpos);
}

std::string Acl::DenialText(AclDenial d, const Command& cmd) {
  switch (d) {
    case AclDenial::kKey: return "this user has no permissions to access one of the keys used as arguments";
    case AclDenial::kChannel: return "this user has no permissions to access one of the channels used as arguments";
    default: break;
  }
  return "this user has no permissions to run the '" + cmd.full_name + "' command";
}

std::string Acl::DryRunText(AclDenial d, const Command& cmd, std::string_view arg) {
  switch (d) {
    case AclDenial::kKey: return "This user has no permissions to access the '" + std::string(arg) + "' key";
    case AclDenial::kChannel: return "This user has no permissions to access the '" + std::string(arg) + "' channel";
    default: break;
  }
  return "This user has no permissions to run the '" + cmd.full_name + "' command";
}

void Acl::Log(Client& c, AclDenial reason, const char* context, std::string_view object, std::string_view username) {
  const int64_t now = server_.keyspace().now_ms();
  const char* why = ReasonName(reason);
  std::string info = ClientInfoLine(server_, c, 0);
  for (auto it = log_.begin(); it != log_.end(); ++it) {
    if (it->reason == why && it->context == context && it->object == object && it->username == username &&
        now - it->ctime_ms <= kLogGroupingMs) {
      LogEntry e = std::move(*it);
      log_.erase(it);
      ++e.count;
      e.ctime_ms = now;
      e.client_info = std::move(info);
      log_.push_front(std::move(e));
      return;
    }
  }
  LogEntry e;
  e.reason = why;
  e.context = context;
  e.object = std::string(object);
  e.username = std::string(username);
  e.client_info = std::move(info);
  e.ctime_ms = now;
  log_.push_front(std::move(e));
  const size_t max = static_cast<size_t>(server_.config().acllog_max_len);
  while (log_.size() > max) log_.pop_back();
}

// --- the aclfile and `user` lines --------------------------------------

std::string Acl::ParseUsers(std::string_view text, std::string_view path,
                            std::map<std::string, std::shared_ptr<AclUser>, std::less<>>* out) {
  std::string errors;
  size_t line_no = 0;
  std::istringstream in{std::string(text)};
  std::string line;
  // Bounded by the text: one pass per line.
  while (std::getline(in, line)) {
    ++line_no;
    const std::string where = std::string(path) + ":" + std::to_string(line_no);
    size_t start = line.find_first_not_of(" \t\r");
    if (start == std::string::npos || line[start] == '#') continue;
    std::vector<std::string> args;
    if (!SplitArgs(line, &args)) {
      errors += where + ": unbalanced quotes in acl line. ";
      continue;
    }
    if (args.empty()) continue;
    if (args[0] != "user" || args.size() < 2) {
      errors += where + ": should start with user keyword. ";
      continue;
    }
    if (!ValidUserName(args[1])) {
      errors += where + ": username '" + args[1] + "' contains invalid characters. ";
      continue;
    }
    if (out->count(args[1]) != 0) {
      errors += where + ": Duplicate user '" + args[1] + "' found. ";
      continue;
    }
    std::vector<std::string_view> ops(args.begin() + 2, args.end());
    std::vector<std::string> merged;
    std::string bad;
    if (!MergeSelectorArgs(ops, &merged, &bad)) {
      errors += where + ": Unmatched parenthesis in acl selector starting at '" + bad + "'. ";
      continue;
    }
    auto u = std::make_shared<AclUser>(args[1], index_.size(), DefaultAllChannels());
    std::string error;
    for (const std::string& op : merged) {
      error = u->Apply(op, index_, DefaultAllChannels());
      if (!error.empty()) {
        errors += where + ": Error in applying operation '" + op + "': " + error + ". ";
        break;
      }
    }
    if (error.empty()) out->emplace(args[1], std::move(u));
  }
  return errors;
}

Status Acl::LoadAtStartup(const ServerConfig& cfg) {
  if (!cfg.aclfile.empty() && !cfg.user_directives.empty()) {
    return Status::InvalidArgument(
        "Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. "
        "This setup is very likely to lead to configuration errors and security holes, please define either an "
        "ACL file or declare users directly in your redis.conf, but not both.");
  }
  if (!cfg.aclfile.empty()) {
    std::string error = LoadFile(nullptr);
    if (!error.empty()) {
      if (error.rfind("ERR ", 0) == 0) error.erase(0, 4);
      return Status::InvalidArgument("Aborting Redis startup because of ACL errors: " + error);
    }
    return Status::OK();
  }
  for (const std::vector<std::string>& line : cfg.user_directives) {
    if (line.empty()) continue;
    std::vector<std::string_view> ops;
    // A `user default` line starts from a reset default user (Redis 7.0's
    // ACLLoadConfiguredUsers); any other name is new.
    if (line[0] == "default") ops.push_back("reset");
    ops.insert(ops.end(), line.begin() + 1, line.end());
    std::string error = SetUser(line[0], ops);
    if (!error.empty()) {
      return Status::InvalidArgument("Error in user declaration '" + line[0] + "': " + error);
    }
  }
  return Status::OK();
}

std::string Acl::LoadFile(Client* current) {
  const std::string& path = server_.config().aclfile;
  if (path.empty()) {
    return "ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the "
           "ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file "
           "set) in order to store users in the Redis configuration.";
  }
  std::ifstream f(path);
  if (!f) return "ERR Error loading ACLs, opening file '" + path + "': " + std::strerror(errno);
  std::stringstream text;
  text << f.rdbuf();
  std::map<std::string, std::shared_ptr<AclUser>, std::less<>> fresh;
  std::string errors = ParseUsers(text.str(), path, &fresh);
  if (!errors.empty()) {
    return "ERR " + errors + "WARNING: ACL errors detected, no change to the previously active ACL rules was performed";
  }
  // The default user stays the same object (its clients stay), with the
  // file's rules, or the out-of-the-box ones if the file has none.
  auto it = fresh.find("default");
  if (it != fresh.end()) {
    *default_user_ = *it->second;
  } else {
    AclUser d("default", index_.size(), true);
    for (const char* op : {"on", "nopass", "~*", "&*", "+@all"}) (void)d.Apply(op, index_, true);
    *default_user_ = d;
  }
  fresh["default"] = default_user_;
  // Every other user is replaced: connections authenticated as one close.
  std::map<std::string, std::shared_ptr<AclUser>, std::less<>> old;
  old.swap(users_);
  users_ = std::move(fresh);
  for (auto& [name, u] : old) {
    if (u != default_user_) KillClientsOf(u.get(), current);
  }
  return "";
}

std::string Acl::FileText() const {
  std::string text;
  for (const std::string& line : List()) text += line + "\n";
  return text;
}

std::string Acl::SaveFile() {
  const std::string& path = server_.config().aclfile;
  if (path.empty()) {
    return "ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the "
           "ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file "
           "set) in order to store users in the Redis configuration.";
  }
  // temp -> fsync -> rename, so a crash leaves the old file or the new one.
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  FILE* f = std::fopen(tmp.c_str(), "w");
  if (f == nullptr) return "ERR There was an error trying to save the ACLs. Please check the server logs for more information";
  const std::string text = FileText();
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size() && std::fflush(f) == 0 &&
                  ::fsync(fileno(f)) == 0;
  std::fclose(f);
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    spdlog::warn("Failed to save the ACL file {}: {}", path, std::strerror(errno));
    std::remove(tmp.c_str());
    return "ERR There was an error trying to save the ACLs. Please check the server logs for more information";
  }
  return "";
}

}  // namespace replikv
