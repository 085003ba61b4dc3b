// Parse, render and rewrite functions for each kind of directive: the generic
// kinds (bool, integer, memory, string, enum) and the special ones whose
// syntax is their own (save, bind, client-output-buffer-limit, ...). Error
// texts are Redis 7.0's, word for word; clients and operators match on them.
#include "server/config_table.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cinttypes>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace replikv::config_internal {
namespace {

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

const ServerConfig& Defaults() {
  static const ServerConfig kDefaults;
  return kDefaults;
}

std::string BetweenError(const ConfigDef& def) {
  char buf[128];
  std::snprintf(buf, sizeof(buf), "argument must be between %" PRId64 " and %" PRIu64 " inclusive",
                def.min, def.max);
  return buf;
}

// Stores a parsed integer into whichever integer field the definition names.
void StoreInteger(const ConfigDef& def, ServerConfig* config, int64_t v) {
  if (auto* f = std::get_if<int ServerConfig::*>(&def.field)) {
    config->*(*f) = static_cast<int>(v);
  } else if (auto* f64 = std::get_if<int64_t ServerConfig::*>(&def.field)) {
    config->*(*f64) = v;
  } else if (auto* f32 = std::get_if<uint32_t ServerConfig::*>(&def.field)) {
    config->*(*f32) = static_cast<uint32_t>(v);
  } else if (auto* fu = std::get_if<uint64_t ServerConfig::*>(&def.field)) {
    config->*(*fu) = static_cast<uint64_t>(v);
  }
}

// "name value" with the force bit set when the rendering differs from the
// default's.
void PushLine(const ConfigDef& def, const ServerConfig& config, std::string value,
              std::vector<RewriteLine>* lines) {
  bool force = (def.flags & kAlwaysRewrite) != 0 || Render(def, config) != Render(def, Defaults());
  lines->push_back({std::string(def.name) + " " + value, force});
}

std::string JoinArgs(std::span<const std::string> args) {
  std::string out;
  for (const std::string& a : args) {
    if (!out.empty()) out += ' ';
    out += a;
  }
  return out;
}

// A lone empty argument ("save ''", "bind ''") means "none".
bool IsEmptyList(std::span<const std::string> args) {
  return args.empty() || (args.size() == 1 && args[0].empty());
}

}  // namespace

// ---- number parsing -------------------------------------------------------

bool ParseStrictInt64(std::string_view s, int64_t* out) {
  if (s.empty() || s.size() > 20) return false;
  size_t i = 0;
  bool negative = false;
  if (s[0] == '-') {
    negative = true;
    i = 1;
    if (s.size() == 1) return false;
  }
  // No leading zeros (and so no "-0"), as Redis's string2ll.
  if (s[i] == '0') {
    if (s.size() == 1) {
      *out = 0;
      return true;
    }
    return false;
  }
  uint64_t v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    uint64_t digit = static_cast<uint64_t>(s[i] - '0');
    if (v > (UINT64_MAX - digit) / 10) return false;
    v = v * 10 + digit;
  }
  if (negative) {
    if (v > static_cast<uint64_t>(INT64_MAX) + 1) return false;
    *out = static_cast<int64_t>(0 - v);
  } else {
    if (v > static_cast<uint64_t>(INT64_MAX)) return false;
    *out = static_cast<int64_t>(v);
  }
  return true;
}

bool ParseLenientInt64(std::string_view s, int64_t* out) {
  size_t i = 0;
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  if (i == s.size()) return false;
  uint64_t v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    uint64_t digit = static_cast<uint64_t>(s[i] - '0');
    if (v > (static_cast<uint64_t>(INT64_MAX) - digit) / 10) return false;
    v = v * 10 + digit;
  }
  *out = negative ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
  return true;
}

MemoryParse ParseMemory(std::string_view s, uint64_t* out) {
  static constexpr struct {
    std::string_view unit;
    uint64_t mul;
  } kUnits[] = {{"kb", 1024}, {"mb", 1024 * 1024}, {"gb", 1024ull * 1024 * 1024},
                {"k", 1000}, {"m", 1000 * 1000}, {"g", 1000ull * 1000 * 1000}, {"b", 1}};
  uint64_t mul = 1;
  std::string_view digits = s;
  for (const auto& u : kUnits) {
    if (s.size() >= u.unit.size() && EqualsNoCase(s.substr(s.size() - u.unit.size()), u.unit)) {
      mul = u.mul;
      digits = s.substr(0, s.size() - u.unit.size());
      break;
    }
  }
  // Redis takes "" and "kb" as 0; signs, spaces and fractions are errors.
  uint64_t v = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return MemoryParse::kInvalid;
    uint64_t digit = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - digit) / 10) return MemoryParse::kOverflow;
    v = v * 10 + digit;
  }
  if (v != 0 && mul > UINT64_MAX / v) return MemoryParse::kOverflow;
  *out = v * mul;
  return MemoryParse::kOk;
}

std::string FormatMemory(uint64_t bytes) {
  constexpr uint64_t kKb = 1024, kMb = kKb * 1024, kGb = kMb * 1024;
  if (bytes != 0 && bytes % kGb == 0) return std::to_string(bytes / kGb) + "gb";
  if (bytes != 0 && bytes % kMb == 0) return std::to_string(bytes / kMb) + "mb";
  if (bytes != 0 && bytes % kKb == 0) return std::to_string(bytes / kKb) + "kb";
  return std::to_string(bytes);
}

std::string Repr(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\a': out += "\\a"; break;
      case '\b': out += "\\b"; break;
      default:
        if (std::isprint(static_cast<unsigned char>(c))) {
          out += c;
        } else {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\x%02x", static_cast<unsigned char>(c));
          out += buf;
        }
    }
  }
  out += '"';
  return out;
}

std::string Render(const ConfigDef& def, const ServerConfig& config) {
  return def.get(def, config);
}

std::string CurrentDir() {
  char buf[PATH_MAX];
  if (getcwd(buf, sizeof(buf)) == nullptr) return "";
  return buf;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// ---- generic kinds --------------------------------------------------------

std::string SetBool(const ConfigDef& def, std::span<const std::string> args, ServerConfig* config,
                    ParseState*) {
  bool v;
  if (EqualsNoCase(args[0], "yes")) {
    v = true;
  } else if (EqualsNoCase(args[0], "no")) {
    v = false;
  } else {
    return "argument must be 'yes' or 'no'";
  }
  config->*std::get<bool ServerConfig::*>(def.field) = v;
  return "";
}

std::string GetBool(const ConfigDef& def, const ServerConfig& config) {
  return config.*std::get<bool ServerConfig::*>(def.field) ? "yes" : "no";
}

std::string SetInteger(const ConfigDef& def, std::span<const std::string> args,
                       ServerConfig* config, ParseState*) {
  int64_t v;
  if (!ParseStrictInt64(args[0], &v)) return "argument couldn't be parsed into an integer";
  if (v < def.min || (v >= 0 && static_cast<uint64_t>(v) > def.max)) return BetweenError(def);
  StoreInteger(def, config, v);
  return "";
}

std::string GetInteger(const ConfigDef& def, const ServerConfig& config) {
  if (auto* f = std::get_if<int ServerConfig::*>(&def.field)) return std::to_string(config.*(*f));
  if (auto* f = std::get_if<int64_t ServerConfig::*>(&def.field)) {
    return std::to_string(config.*(*f));
  }
  if (auto* f = std::get_if<uint32_t ServerConfig::*>(&def.field)) {
    return std::to_string(config.*(*f));
  }
  return std::to_string(config.*std::get<uint64_t ServerConfig::*>(def.field));
}

std::string SetMemory(const ConfigDef& def, std::span<const std::string> args, ServerConfig* config,
                      ParseState*) {
  uint64_t v = 0;
  switch (ParseMemory(args[0], &v)) {
    case MemoryParse::kInvalid:
      return "argument must be a memory value";
    case MemoryParse::kOverflow:
      // Redis saturates here; a bounded directive then reports its bounds,
      // an unbounded one (maxmemory) would wrap, which replikv refuses.
      return def.max == UINT64_MAX ? "argument must be a memory value" : BetweenError(def);
    case MemoryParse::kOk:
      break;
  }
  if (v > def.max || (def.min > 0 && v < static_cast<uint64_t>(def.min))) return BetweenError(def);
  StoreInteger(def, config, static_cast<int64_t>(v));
  return "";
}

void RewriteMemory(const ConfigDef& def, const ServerConfig& config,
                   std::vector<RewriteLine>* lines) {
  uint64_t v = std::stoull(GetInteger(def, config));
  PushLine(def, config, FormatMemory(v), lines);
}

std::string SetString(const ConfigDef& def, std::span<const std::string> args,
                      ServerConfig* config, ParseState*) {
  config->*std::get<std::string ServerConfig::*>(def.field) = args[0];
  return "";
}

std::string GetString(const ConfigDef& def, const ServerConfig& config) {
  return config.*std::get<std::string ServerConfig::*>(def.field);
}

void RewriteString(const ConfigDef& def, const ServerConfig& config,
                   std::vector<RewriteLine>* lines) {
  PushLine(def, config, Repr(GetString(def, config)), lines);
}

std::string SetEnum(const ConfigDef& def, std::span<const std::string> args, ServerConfig* config,
                    ParseState*) {
  for (const EnumName& n : def.names) {
    if (EqualsNoCase(args[0], n.name)) {
      std::get<EnumAccess>(def.field).set(config, n.value);
      return "";
    }
  }
  std::string err = "argument(s) must be one of the following: ";
  for (size_t i = 0; i < def.names.size(); ++i) {
    if (i > 0) err += ", ";
    err += def.names[i].name;
  }
  return err;
}

std::string GetEnum(const ConfigDef& def, const ServerConfig& config) {
  int v = std::get<EnumAccess>(def.field).get(config);
  for (const EnumName& n : def.names) {
    if (n.value == v) return std::string(n.name);  // first name wins: "yes" over "relative"
  }
  return "";
}

// Values that render exactly as CONFIG GET shows them (bool, integer, enum).
void RewritePlain(const ConfigDef& def, const ServerConfig& config,
                  std::vector<RewriteLine>* lines) {
  PushLine(def, config, Render(def, config), lines);
}

// unixsocketperm: octal in and out, bounds printed in octal ("0 and 777").
std::string SetOctal(const ConfigDef& def, std::span<const std::string> args, ServerConfig* config,
                     ParseState*) {
  const std::string& s = args[0];
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(s.c_str(), &end, 8);
  if (s.empty() || *end != '\0' || errno == ERANGE) {
    return "argument couldn't be parsed as an octal number";
  }
  if (v < def.min || v > static_cast<long long>(def.max)) {
    char buf[96];
    std::snprintf(buf, sizeof(buf), "argument must be between %llo and %llo inclusive",
                  static_cast<unsigned long long>(def.min),
                  static_cast<unsigned long long>(def.max));
    return buf;
  }
  StoreInteger(def, config, v);
  return "";
}

std::string GetOctal(const ConfigDef& def, const ServerConfig& config) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%o", static_cast<unsigned>(std::stoul(GetInteger(def, config))));
  return buf;
}

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
    lines->push_back(
        {"save " + std::to_string(p.seconds) + " " + std::to_string(p.changes), true});
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
  if (EqualsNoCase(args[0], "no") && EqualsNoCase(args[1], "one")) {
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
  if (!config.replicaof_host.empty()) lines->push_back({"replicaof " + GetReplicaOf(def, config), true});
}

std::string SetBind(const ConfigDef&, std::span<const std::string> args, ServerConfig* config,
                    ParseState*) {
  constexpr size_t kMaxBindAddresses = 16;  // Redis's CONFIG_BINDADDR_MAX
  if (args.size() > kMaxBindAddresses) return "Too many bind addresses specified.";
  config->bind.clear();
  if (!IsEmptyList(args)) config->bind.assign(args.begin(), args.end());
  return "";
}

std::string GetBind(const ConfigDef&, const ServerConfig& config) {
  return JoinArgs(config.bind);
}

void RewriteBind(const ConfigDef& def, const ServerConfig& config,
                 std::vector<RewriteLine>* lines) {
  PushLine(def, config, config.bind.empty() ? "\"\"" : JoinArgs(config.bind), lines);
}

namespace {
constexpr std::string_view kClassGetNames[kClientClassCount] = {"normal", "slave", "pubsub"};
constexpr std::string_view kClassRewriteNames[kClientClassCount] = {"normal", "replica", "pubsub"};
}  // namespace

// "client-output-buffer-limit <class> <hard> <soft> <soft seconds> [...]".
// Every group is checked before any is stored.
std::string SetClientOutputBufferLimit(const ConfigDef&, std::span<const std::string> args,
                                       ServerConfig* config, ParseState*) {
  if (args.size() % 4 != 0) return "Wrong number of arguments in buffer limit configuration.";
  std::vector<std::pair<int, ClientBufferLimit>> updates;
  for (size_t i = 0; i < args.size(); i += 4) {
    int cls;
    if (EqualsNoCase(args[i], "normal")) {
      cls = static_cast<int>(ClientClass::kNormal);
    } else if (EqualsNoCase(args[i], "slave") || EqualsNoCase(args[i], "replica")) {
      cls = static_cast<int>(ClientClass::kReplica);
    } else if (EqualsNoCase(args[i], "pubsub")) {
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
                      !(l == Defaults().client_obuf_limits[i])});
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
    {'g', kNotifyGeneric}, {'$', kNotifyString},  {'l', kNotifyList},    {'s', kNotifySet},
    {'h', kNotifyHash},    {'z', kNotifyZset},    {'x', kNotifyExpired}, {'e', kNotifyEvicted},
    {'t', kNotifyStream},  {'d', kNotifyLoaded},  {'n', kNotifyNew}};
}  // namespace

std::string SetNotify(const ConfigDef&, std::span<const std::string> args, ServerConfig* config,
                      ParseState*) {
  int flags = 0;
  for (char c : args[0]) {
    int f = 0;
    switch (c) {
      case 'A': f = kNotifyAll; break;
      case 'K': f = kNotifyKeyspace; break;
      case 'E': f = kNotifyKeyevent; break;
      case 'm': f = kNotifyKeyMiss; break;
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
constexpr EnumName kShutdownWords[] = {{"save", kShutdownSave}, {"nosave", kShutdownNoSave},
                                       {"now", kShutdownNow}, {"force", kShutdownForce}};
}  // namespace

std::string SetShutdownFlags(const ConfigDef& def, std::span<const std::string> args,
                             ServerConfig* config, ParseState*) {
  int flags = 0;
  bool known = !args.empty();
  for (const std::string& a : args) {
    bool found = EqualsNoCase(a, "default");
    for (const EnumName& w : kShutdownWords) {
      if (EqualsNoCase(a, w.name)) {
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
  PushLine(def, config,
           v < 0 ? std::to_string(-v) + "%" : FormatMemory(static_cast<uint64_t>(v)), lines);
}

// ---- checks run after a value is stored ---------------------------------------

std::string CheckHz(ServerConfig* config) {
  // Redis accepts 0..INT_MAX and keeps 1..500.
  if (config->hz < 1) config->hz = 1;
  if (config->hz > 500) config->hz = 500;
  return "";
}

std::string CheckTlsPort(ServerConfig* config) {
  return config->tls_port != 0 ? "TLS is not supported by replikv" : "";
}

std::string CheckClusterEnabled(ServerConfig* config) {
  return config->cluster_enabled ? "Cluster mode is not supported by replikv" : "";
}

std::string CheckDbfilename(ServerConfig* config) {
  return config->dbfilename.find('/') != std::string::npos
             ? "dbfilename can't be a path, just a filename"
             : "";
}

std::string CheckAppendfilename(ServerConfig* config) {
  return config->appendfilename.find('/') != std::string::npos
             ? "appendfilename can't be a path, just a filename"
             : "";
}

std::string CheckAppenddirname(ServerConfig* config) {
  return config->appenddirname.find('/') != std::string::npos
             ? "appenddirname can't be a path, just a dirname"
             : "";
}

// "{{" and "}}" are literal braces, "{name}" a known variable; the title it
// produces must not be blank.
std::string CheckProcTitleTemplate(ServerConfig* config) {
  static constexpr std::string_view kVariables[] = {"title", "listen-addr", "server-mode", "port",
                                                    "tls-port", "unixsocket", "config-file"};
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
      for (std::string_view v : kVariables) known = known || v == name;
      if (!known) return kError;
      visible = true;
      i = close;
    } else if (!std::isspace(static_cast<unsigned char>(t[i]))) {
      visible = true;  // includes '}' and "}}", which are literal
    }
  }
  return visible ? "" : kError;
}

}  // namespace replikv::config_internal
