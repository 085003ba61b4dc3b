// Parse, render and rewrite functions for the directives whose syntax is
// their own: save, dir, replicaof, bind, client-output-buffer-limit,
// oom-score-adj-values, latency-tracking-info-percentiles,
// notify-keyspace-events, shutdown-on-sig*, maxmemory-clients; and the
// checks some directives run after their value is stored. Error texts are
// Redis 7.0's, word for word.
#include <sys/stat.h>

#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "server/config/config_table.h"

namespace replikv::config_internal {

// ---- special kinds ----------------------------------------------------------

// "save <seconds> <changes> [...]" or save "". In files the first save line
// replaces the built-in points and later ones add to it; CONFIG SET replaces.
std::string SetSave(const ConfigDef&, std::span<const std::string> args, ServerConfig* config,
                    ParseState* state) {
  std::vector<SavePoint> points;
  if (!IsEmptyList(args)) {
    if (args.size() % 2 != 0) return "Invalid save parameters";
    for (size_t i = 0; i < args.size(); i += 2) {
      int64_t seconds, changes;
      if (!ParseLenientInt64(args[i], &seconds) || !ParseLenientInt64(args[i + 1], &changes) ||
          seconds < 1 || changes < 0 || changes > INT_MAX) {
        return "Invalid save parameters";
      }
      points.push_back({seconds, static_cast<int>(changes)});
    }
  }
  if (state->from_file && !state->save_seen) config->save_points.clear();
  state->save_seen = true;
  if (IsEmptyList(args) || !state->from_file) config->save_points.clear();
  config->save_points.insert(config->save_points.end(), points.begin(), points.end());
  return "";
}

std::string GetSave(const ConfigDef&, const ServerConfig& config) {
  std::string out;
  for (const SavePoint& p : config.save_points) {
    if (!out.empty()) out += ' ';
    out += std::to_string(p.seconds) + " " + std::to_string(p.changes);
  }
  return out;
}

void RewriteSave(const ConfigDef&, const ServerConfig& config, std::vector<RewriteLine>* lines) {
  // Redis 7.0 always writes save lines, even for the defaults.
  if (config.save_points.empty()) lines->push_back({"save \"\"", true});
  for (const SavePoint& p : config.save_points) {
    lines->push_back({"save " + std::to_string(p.seconds) + " " + std::to_string(p.changes), true});
  }
}

// The directory is checked here so that a bad one is reported at its config
// line, with the same strerror text Redis's chdir() gives; the chdir itself
// happens in ApplyAll() / CONFIG SET.
std::string SetDir(const ConfigDef&, std::span<const std::string> args, ServerConfig* config,
                   ParseState*) {
  std::string dir = args[0];
  struct stat st;
  if (stat(dir.c_str(), &st) != 0) return std::strerror(errno);
  if (!S_ISDIR(st.st_mode)) return std::strerror(ENOTDIR);
  if (dir.empty() || dir[0] != '/') dir = CurrentDir() + "/" + dir;
  config->dir = dir;
  return "";
}

std::string GetDir(const ConfigDef&, const ServerConfig&) { return CurrentDir(); }

void RewriteDir(const ConfigDef&, const ServerConfig&, std::vector<RewriteLine>* lines) {
  lines->push_back({"dir " + Repr(CurrentDir()), true});
}

// "replicaof <host> <port>" or "replicaof no one".
std::string SetReplicaOf(const ConfigDef&, std::span<const std::string> args, ServerConfig* config,
                         ParseState*) {
  if (args.size() != 2) return "wrong number of arguments";
  if (EqualsIgnoreCase(args[0], "no") && EqualsIgnoreCase(args[1], "one")) {
    config->replicaof_host.clear();
    config->replicaof_port = 0;
    return "";
  }
  int64_t port;
  if (!ParseStrictInt64(args[1], &port) || port < 0 || port > 65535) return "Invalid master port";
  config->replicaof_host = args[0];
  config->replicaof_port = static_cast<int>(port);
  return "";
}

std::string GetReplicaOf(const ConfigDef&, const ServerConfig& config) {
  if (config.replicaof_host.empty()) return "";
  return config.replicaof_host + " " + std::to_string(config.replicaof_port);
}

void RewriteReplicaOf(const ConfigDef& def, const ServerConfig& config,
                      std::vector<RewriteLine>* lines) {
  // No line at all when not a replica: an old replicaof line is dropped.
  if (!config.replicaof_host.empty()) {
    lines->push_back({"replicaof " + GetReplicaOf(def, config), true});
  }
}

std::string SetBind(const ConfigDef&, std::span<const std::string> args, ServerConfig* config,
                    ParseState*) {
  constexpr size_t kMaxBindAddresses = 16;  // Redis's CONFIG_BINDADDR_MAX
  if (args.size() > kMaxBindAddresses) return "Too many bind addresses specified.";
  config->bind.clear();
  if (!IsEmptyList(args)) config->bind.assign(args.begin(), args.end());
  return "";
}

std::string GetBind(const ConfigDef&, const ServerConfig& config) { return JoinArgs(config.bind); }

void RewriteBind(const ConfigDef& def, const ServerConfig& config,
                 std::vector<RewriteLine>* lines) {
  PushLine(def, config, config.bind.empty() ? "\"\"" : JoinArgs(config.bind), lines);
}

namespace {
constexpr std::string_view kClassGetNames[kClientClassCount] = {"normal", "slave", "pubsub"};
constexpr std::string_view kClassRewriteNames[kClientClassCount] = {"normal", "replica", "pubsub"};
}  // namespace

std::string ClientClassKey(std::string_view name) {
  std::string key = Lower(name);
  return key == "slave" ? "replica" : key;
}

// "client-output-buffer-limit <class> <hard> <soft> <soft seconds> [...]".
// Every group is checked before any is stored.
std::string SetClientOutputBufferLimit(const ConfigDef&, std::span<const std::string> args,
                                       ServerConfig* config, ParseState*) {
  if (args.size() % 4 != 0) return "Wrong number of arguments in buffer limit configuration.";
  std::vector<std::pair<int, ClientBufferLimit>> updates;
  for (size_t i = 0; i < args.size(); i += 4) {
    int cls;
    if (EqualsIgnoreCase(args[i], "normal")) {
      cls = static_cast<int>(ClientClass::kNormal);
    } else if (EqualsIgnoreCase(args[i], "slave") || EqualsIgnoreCase(args[i], "replica")) {
      cls = static_cast<int>(ClientClass::kReplica);
    } else if (EqualsIgnoreCase(args[i], "pubsub")) {
      cls = static_cast<int>(ClientClass::kPubSub);
    } else {
      return "Invalid client class specified in buffer limit configuration.";
    }
    ClientBufferLimit limit;
    if (ParseMemory(args[i + 1], &limit.hard_bytes) != MemoryParse::kOk ||
        ParseMemory(args[i + 2], &limit.soft_bytes) != MemoryParse::kOk ||
        !ParseLenientInt64(args[i + 3], &limit.soft_seconds) || limit.soft_seconds < 0) {
      return "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
    }
    updates.emplace_back(cls, limit);
  }
  for (const auto& [cls, limit] : updates) config->client_obuf_limits[cls] = limit;
  return "";
}

std::string GetClientOutputBufferLimit(const ConfigDef&, const ServerConfig& config) {
  std::string out;
  for (int i = 0; i < kClientClassCount; ++i) {
    const ClientBufferLimit& l = config.client_obuf_limits[i];
    if (i > 0) out += ' ';
    out += std::string(kClassGetNames[i]) + " " + std::to_string(l.hard_bytes) + " " +
           std::to_string(l.soft_bytes) + " " + std::to_string(l.soft_seconds);
  }
  return out;
}

void RewriteClientOutputBufferLimit(const ConfigDef&, const ServerConfig& config,
                                    std::vector<RewriteLine>* lines) {
  for (int i = 0; i < kClientClassCount; ++i) {
    const ClientBufferLimit& l = config.client_obuf_limits[i];
    lines->push_back({"client-output-buffer-limit " + std::string(kClassRewriteNames[i]) + " " +
                          FormatMemory(l.hard_bytes) + " " + FormatMemory(l.soft_bytes) + " " +
                          std::to_string(l.soft_seconds),
                      !(l == Defaults().client_obuf_limits[i]),
                      std::string(kClassRewriteNames[i])});
  }
}

std::string SetOomScoreAdjValues(const ConfigDef&, std::span<const std::string> args,
                                 ServerConfig* config, ParseState*) {
  if (args.size() != 3) return "wrong number of arguments";
  int values[3];
  for (int i = 0; i < 3; ++i) {
    int64_t v;
    if (!ParseLenientInt64(args[i], &v) || v < -2000 || v > 2000) {
      return "Invalid oom-score-adj-values, elements must be between -2000 and 2000.";
    }
    values[i] = static_cast<int>(v);
  }
  for (int i = 0; i < 3; ++i) config->oom_score_adj_values[i] = values[i];
  return "";
}

std::string GetOomScoreAdjValues(const ConfigDef&, const ServerConfig& config) {
  return std::to_string(config.oom_score_adj_values[0]) + " " +
         std::to_string(config.oom_score_adj_values[1]) + " " +
         std::to_string(config.oom_score_adj_values[2]);
}

std::string SetPercentiles(const ConfigDef&, std::span<const std::string> args,
                           ServerConfig* config, ParseState*) {
  std::vector<double> values;
  if (!IsEmptyList(args)) {
    for (const std::string& a : args) {
      char* end = nullptr;
      double v = std::strtod(a.c_str(), &end);
      if (a.empty() || *end != '\0') return "Invalid latency-tracking-info-percentiles parameters";
      if (!(v >= 0.0 && v <= 100.0)) {
        return "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]";
      }
      values.push_back(v);
    }
  }
  config->latency_tracking_info_percentiles = std::move(values);
  return "";
}

std::string GetPercentiles(const ConfigDef&, const ServerConfig& config) {
  std::string out;
  for (double v : config.latency_tracking_info_percentiles) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%f", v);
    std::string s = buf;  // "%f", then trailing zeros and dot dropped
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
    if (!out.empty()) out += ' ';
    out += s;
  }
  return out;
}

void RewriteQuotedIfEmpty(const ConfigDef& def, const ServerConfig& config,
                          std::vector<RewriteLine>* lines) {
  std::string v = Render(def, config);
  PushLine(def, config, v.empty() ? "\"\"" : v, lines);
}

namespace {
struct NotifyChar {
  char c;
  int flag;
};
// Rendering order after 'A' (or instead of it), then K E m.
constexpr NotifyChar kNotifyClassChars[] = {
    {'g', kNotifyGeneric}, {'$', kNotifyString}, {'l', kNotifyList},    {'s', kNotifySet},
    {'h', kNotifyHash},    {'z', kNotifyZset},   {'x', kNotifyExpired}, {'e', kNotifyEvicted},
    {'t', kNotifyStream},  {'d', kNotifyLoaded}, {'n', kNotifyNew}};
}  // namespace

std::string SetNotify(const ConfigDef&, std::span<const std::string> args, ServerConfig* config,
                      ParseState*) {
  int flags = 0;
  for (char c : args[0]) {
    int f = 0;
    switch (c) {
      case 'A':
        f = kNotifyAll;
        break;
      case 'K':
        f = kNotifyKeyspace;
        break;
      case 'E':
        f = kNotifyKeyevent;
        break;
      case 'm':
        f = kNotifyKeyMiss;
        break;
      default:
        for (const NotifyChar& nc : kNotifyClassChars) {
          if (nc.c == c) f = nc.flag;
        }
    }
    if (f == 0) return "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";
    flags |= f;
  }
  config->notify_keyspace_events = flags;
  return "";
}

// Redis 7.0 prints 'A' and then skips every class letter, 'n' included even
// though 'A' does not set it; kept so replies match.
std::string GetNotify(const ConfigDef&, const ServerConfig& config) {
  int flags = config.notify_keyspace_events;
  std::string out;
  if ((flags & kNotifyAll) == kNotifyAll) {
    out += 'A';
  } else {
    for (const NotifyChar& nc : kNotifyClassChars) {
      if (flags & nc.flag) out += nc.c;
    }
  }
  if (flags & kNotifyKeyspace) out += 'K';
  if (flags & kNotifyKeyevent) out += 'E';
  if (flags & kNotifyKeyMiss) out += 'm';
  return out;
}

void RewriteNotify(const ConfigDef& def, const ServerConfig& config,
                   std::vector<RewriteLine>* lines) {
  PushLine(def, config, Repr(GetNotify(def, config)), lines);
}

namespace {
constexpr EnumName kShutdownWords[] = {{"save", kShutdownSave},
                                       {"nosave", kShutdownNoSave},
                                       {"now", kShutdownNow},
                                       {"force", kShutdownForce}};
}  // namespace

std::string SetShutdownFlags(const ConfigDef& def, std::span<const std::string> args,
                             ServerConfig* config, ParseState*) {
  int flags = 0;
  bool known = !args.empty();
  for (const std::string& a : args) {
    bool found = EqualsIgnoreCase(a, "default");
    for (const EnumName& w : kShutdownWords) {
      if (EqualsIgnoreCase(a, w.name)) {
        flags |= w.value;
        found = true;
      }
    }
    known = known && found;
  }
  if (!known) return "argument(s) must be one of the following: default, save, nosave, now, force";
  if ((flags & kShutdownSave) && (flags & kShutdownNoSave)) {
    return "shutdown options SAVE and NOSAVE can't be used simultaneously";
  }
  config->*std::get<int ServerConfig::*>(def.field) = flags;
  return "";
}

std::string GetShutdownFlags(const ConfigDef& def, const ServerConfig& config) {
  int flags = config.*std::get<int ServerConfig::*>(def.field);
  if (flags == 0) return "default";
  std::string out;
  for (const EnumName& w : kShutdownWords) {
    if (flags & w.value) {
      if (!out.empty()) out += ' ';
      out += w.name;
    }
  }
  return out;
}

// maxmemory-clients: a memory value, or "N%" of maxmemory (stored as -N).
std::string SetMaxmemoryClients(const ConfigDef&, std::span<const std::string> args,
                                ServerConfig* config, ParseState*) {
  const std::string& s = args[0];
  if (!s.empty() && s.back() == '%') {
    std::string_view digits(s.data(), s.size() - 1);
    uint64_t pct = 0;
    bool ok = !digits.empty() && digits.size() < 10;
    for (char c : digits) {
      ok = ok && c >= '0' && c <= '9';
      if (ok) pct = pct * 10 + static_cast<uint64_t>(c - '0');
    }
    if (!ok) return "argument must be a memory or percent value";
    if (pct > 100) return "percentage argument must be less or equal to 100";
    config->maxmemory_clients = -static_cast<int64_t>(pct);
    return "";
  }
  uint64_t v = 0;
  if (ParseMemory(s, &v) != MemoryParse::kOk || v > static_cast<uint64_t>(INT64_MAX)) {
    return "argument must be a memory or percent value";
  }
  config->maxmemory_clients = static_cast<int64_t>(v);
  return "";
}

std::string GetMaxmemoryClients(const ConfigDef&, const ServerConfig& config) {
  if (config.maxmemory_clients < 0) return std::to_string(-config.maxmemory_clients) + "%";
  return std::to_string(config.maxmemory_clients);
}

void RewriteMaxmemoryClients(const ConfigDef& def, const ServerConfig& config,
                             std::vector<RewriteLine>* lines) {
  int64_t v = config.maxmemory_clients;
  PushLine(def, config, v < 0 ? std::to_string(-v) + "%" : FormatMemory(static_cast<uint64_t>(v)),
           lines);
}

// ---- checks run after a value is stored ---------------------------------------

std::string CheckHz(ServerConfig* config, const ParseState&) {
  // Redis accepts 0..INT_MAX and keeps 1..500.
  if (config->hz < 1) config->hz = 1;
  if (config->hz > 500) config->hz = 500;
  return "";
}

std::string CheckTlsPort(ServerConfig* config, const ParseState&) {
  return config->tls_port != 0 ? "TLS is not supported by replikv" : "";
}

std::string CheckClusterEnabled(ServerConfig* config, const ParseState&) {
  return config->cluster_enabled ? "Cluster mode is not supported by replikv" : "";
}

std::string CheckDbfilename(ServerConfig* config, const ParseState&) {
  return config->dbfilename.find('/') != std::string::npos
             ? "dbfilename can't be a path, just a filename"
             : "";
}

std::string CheckNodeStateFile(ServerConfig* config, const ParseState&) {
  return config->node_state_file.find('/') != std::string::npos ? "node-state-file can't be a path, just a filename"
                                                                  : "";
}

std::string CheckAppendfilename(ServerConfig* config, const ParseState&) {
  return config->appendfilename.find('/') != std::string::npos
             ? "appendfilename can't be a path, just a filename"
             : "";
}

std::string CheckAppenddirname(ServerConfig* config, const ParseState&) {
  return config->appenddirname.find('/') != std::string::npos
             ? "appenddirname can't be a path, just a dirname"
             : "";
}

// "{{" and "}}" are literal braces, "{name}" a known variable. Like Redis,
// the title produced must not be blank, with {title} and {server-mode}
// counted as empty (as when Redis checks it), {unixsocket} as its value and
// the other variables as non-empty.
std::string CheckProcTitleTemplate(ServerConfig* config, const ParseState&) {
  static constexpr std::string_view kEmpty[] = {"title", "server-mode"};
  static constexpr std::string_view kFilled[] = {"listen-addr", "port", "tls-port", "config-file"};
  const std::string& t = config->proc_title_template;
  const char* kError = "template format is invalid or contains unknown variables";
  bool visible = false;
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i] == '{' && i + 1 < t.size() && t[i + 1] == '{') {
      visible = true;
      ++i;
    } else if (t[i] == '{') {
      size_t close = t.find('}', i + 1);
      if (close == std::string::npos) return kError;
      std::string_view name(t.data() + i + 1, close - i - 1);
      bool known = false;
      for (std::string_view v : kEmpty) known = known || v == name;
      for (std::string_view v : kFilled) {
        if (v == name) known = visible = true;
      }
      if (name == "unixsocket") {
        known = true;
        visible = visible || !config->unixsocket.empty();
      }
      if (!known) return kError;
      i = close;
    } else if (!std::isspace(static_cast<unsigned char>(t[i]))) {
      visible = true;  // includes '}' and "}}", which are literal
    }
  }
  return visible ? "" : kError;
}

// Without TLS there is nothing for these to switch on; Redis refuses them
// too when TLS is not configured.
std::string CheckTlsFlags(ServerConfig* config, const ParseState&) {
  return config->tls_cluster || config->tls_replication ? "TLS is not supported by replikv" : "";
}

// CONFIG SET raises a backlog below 16 KiB to 16 KiB, as Redis's resize
// does; a value from a file is kept as written (Redis does not resize then).
std::string CheckReplBacklogSize(ServerConfig* config, const ParseState& state) {
  constexpr int64_t kMinBacklog = 16 * 1024;
  if (!state.from_file && config->repl_backlog_size < kMinBacklog) {
    config->repl_backlog_size = kMinBacklog;
  }
  return "";
}

std::string CheckClusterAnnounceHostname(ServerConfig* config, const ParseState&) {
  for (char c : config->cluster_announce_hostname) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.') {
      return "Hostnames may only contain alphanumeric characters, hyphens or dots";
    }
  }
  return "";
}

}  // namespace replikv::config_internal
