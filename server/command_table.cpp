#include "server/command_table.h"

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "server/net/client.h"
#include "server/net/reply_buffer.h"
#include "server/server.h"

namespace replikv {

CommandTable::CommandTable() = default;

void CommandTable::Add(Command cmd) {
  std::string name = cmd.name;
  cmd.full_name = cmd.name;
  commands_.emplace(std::move(name), std::move(cmd));
}

void CommandTable::AddSubcommands(std::string_view parent, std::initializer_list<SubcommandSpec> subs,
                                  CommandHandler handler) {
  Command* p = Find(parent);
  for (const SubcommandSpec& s : subs) {
    Command c;
    c.name = s.name;
    c.full_name = p->name + "|" + s.name;
    c.arity = s.arity;
    c.flags = s.flags;
    c.first_key = s.first_key;
    c.last_key = s.last_key;
    c.key_step = s.key_step;
    c.handler = handler;
    c.group = p->group;
    p->subcommands.emplace(c.name, std::move(c));
  }
}

namespace {
// Folds `name` to lower case into buf; false if it cannot be a command name.
bool Fold(std::string_view name, char (&buf)[32], std::string_view* out) {
  if (name.size() > sizeof(buf)) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    buf[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(name[i])));
  }
  *out = std::string_view(buf, name.size());
  return true;
}
}  // namespace

Command* Command::FindSubcommand(std::string_view name) {
  char buf[32];
  std::string_view folded;
  if (!Fold(name, buf, &folded)) return nullptr;
  auto it = subcommands.find(std::string(folded));
  return it == subcommands.end() ? nullptr : &it->second;
}

const Command* Command::FindSubcommand(std::string_view name) const {
  return const_cast<Command*>(this)->FindSubcommand(name);
}

Command* CommandTable::Find(std::string_view name) {
  char folded[32];
  if (name.size() > sizeof(folded)) return nullptr;  // no command is that long
  for (size_t i = 0; i < name.size(); ++i) {
    folded[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(name[i])));
  }
  auto it = commands_.find(std::string_view(folded, name.size()));
  return it == commands_.end() ? nullptr : &it->second;
}

void AddCommands(CommandTable& t, const char* group, std::initializer_list<CommandSpec> specs) {
  for (const CommandSpec& s : specs) {
    Command c;
    c.name = s.name;
    c.arity = s.arity;
    c.flags = s.flags;
    c.handler = s.handler;
    c.first_key = s.first_key;
    c.last_key = s.last_key;
    c.key_step = s.key_step;
    c.since = s.since;
    c.group = group;
    t.Add(std::move(c));
  }
}

void RegisterAllCommands(CommandTable& t) {
  RegisterStringCommands(t);
  RegisterKeyCommands(t);
  RegisterExpireCommands(t);
  RegisterConnectionCommands(t);
  RegisterServerCommands(t);
  RegisterDebugCommands(t);
  RegisterListCommands(t);
  RegisterHashCommands(t);
  RegisterSetCommands(t);
  RegisterZsetCommands(t);
  RegisterMultiCommands(t);
  RegisterPubSubCommands(t);
  RegisterBlockingCommands(t);
  RegisterMemoryCommands(t);
  RegisterModuleCommands(t);
  RegisterBitmapCommands(t);
  RegisterHyperLogLogCommands(t);
  RegisterSortCommands(t);
  RegisterLcsCommands(t);
  RegisterStreamCommands(t);
  RegisterGeoCommands(t);
  RegisterObserveCommands(t);
  RegisterScriptingCommands(t);
  RegisterAclCommands(t);
}

void CommandTable::Rename(std::string_view from, std::string_view to) {
  Command* c = Find(from);
  if (c == nullptr) return;
  Command moved = std::move(*c);
  commands_.erase(moved.name);
  if (to.empty()) return;
  std::string lower = Lower(to);
  moved.name = moved.full_name = lower;
  commands_.emplace(lower, std::move(moved));
}

void CommandTable::ResetStats() {
  for (auto& [name, cmd] : commands_) {
    cmd.calls = cmd.usec = cmd.rejected_calls = cmd.failed_calls = 0;
    cmd.latency.reset();
    for (auto& [sname, s] : cmd.subcommands) {
      s.calls = s.usec = s.rejected_calls = s.failed_calls = 0;
      s.latency.reset();
    }
  }
}

int CommandContext::db_index() const { return client.db; }
Db& CommandContext::db() const { return server.keyspace().db(client.db); }

void CommandContext::Propagate(std::initializer_list<std::string_view> args) {
  server.propagator().Add(client.db, args);
  propagation_handled = true;
}

void CommandContext::Propagate(ArgList args, uint8_t targets) {
  server.propagator().Add(client.db, args, targets);
  propagation_handled = true;
}

void CommandContext::AddDirty(uint64_t n) {
  server.dirty += n;
  server.total_dirty += n;
}

void ReplyWrongArity(ReplyBuffer& r, std::string_view name) {
  r.AddError("wrong number of arguments for '" + Lower(name) + "' command");
}

void ReplySyntaxError(ReplyBuffer& r) { r.AddError("syntax error"); }

void ReplyHelp(ReplyBuffer& r, std::span<const char* const> lines) {
  r.AddArrayLen(lines.size());
  for (const char* line : lines) r.AddSimple(line);
}

bool ParseLongDouble(std::string_view s, long double* out) {
  constexpr size_t kMaxChars = 5 * 1024;  // Redis's MAX_LONG_DOUBLE_CHARS buffer
  if (s.empty() || s.size() >= kMaxChars || std::isspace(static_cast<unsigned char>(s[0]))) return false;
  std::string buf(s);
  char* end = nullptr;
  errno = 0;
  long double v = std::strtold(buf.c_str(), &end);
  if (end != buf.c_str() + buf.size() || std::isnan(v)) return false;
  if (errno == ERANGE && (v == HUGE_VALL || v == -HUGE_VALL || v == 0)) return false;
  *out = v;
  return true;
}

std::string FormatLongDouble(long double v) {
  // The largest long double (~1.2e4932) prints in under 5,000 characters.
  char buf[5 * 1024 + 64];
  int n = std::snprintf(buf, sizeof(buf), "%.17Lf", v);
  if (n <= 0 || static_cast<size_t>(n) >= sizeof(buf)) return "0";
  std::string s(buf, static_cast<size_t>(n));
  if (s.find('.') != std::string::npos) {
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

void ReplyWrongType(ReplyBuffer& r) {
  r.AddError("-WRONGTYPE Operation against a key holding the wrong kind of value");
}

void ReplyNotInteger(ReplyBuffer& r) { r.AddError("value is not an integer or out of range"); }

bool ParseInt64(std::string_view s, int64_t* out) {
  // string2ll: optional '-', digits, no leading '+', no spaces, no leading
  // zeros except "0" itself.
  if (s.empty() || s.size() > 20) return false;
  if (s.size() == 1 && s[0] == '0') {
    *out = 0;
    return true;
  }
  size_t i = s[0] == '-' ? 1 : 0;
  if (i == s.size() || s[i] < '1' || s[i] > '9') return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

bool ParseDouble(std::string_view s, double* out) {
  // Redis's getDoubleFromObject: strtod over the whole string, no leading
  // space, not NaN. "inf" and "-inf" are accepted.
  if (s.empty() || s.size() > 5 * 1024) return false;
  if (std::isspace(static_cast<unsigned char>(s[0]))) return false;
  std::string buf(s);
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(buf.c_str(), &end);
  if (end != buf.c_str() + buf.size() || std::isnan(v)) return false;
  if (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || v == 0)) return false;
  *out = v;
  return true;
}

}  // namespace replikv
