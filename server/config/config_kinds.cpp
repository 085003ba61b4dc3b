// Parse, render and rewrite functions for the generic kinds of directive
// (bool, integer, memory, string, enum, octal) and the number parsers they
// share with the special kinds in config_special.cpp. Error texts are Redis
// 7.0's, word for word; clients and operators match on them.
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cinttypes>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "server/config/config_table.h"

namespace replikv::config_internal {


const ServerConfig& Defaults() {
  static const ServerConfig kDefaults;
  return kDefaults;
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

namespace {

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
  if (s.empty()) {
    *out = 0;  // Redis's strtoll-based parsers take "" (as in "save '1 '") as 0
    return true;
  }
  if (s[i] == '+' || s[i] == '-') negative = s[i++] == '-';
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
                {"k", 1000},  {"m", 1000 * 1000},  {"g", 1000ull * 1000 * 1000},
                {"b", 1}};
  uint64_t mul = 1;
  std::string_view digits = s;
  for (const auto& u : kUnits) {
    if (s.size() >= u.unit.size() && EqualsIgnoreCase(s.substr(s.size() - u.unit.size()), u.unit)) {
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
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\a':
        out += "\\a";
        break;
      case '\b':
        out += "\\b";
        break;
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



// ---- generic kinds --------------------------------------------------------

std::string SetBool(const ConfigDef& def, std::span<const std::string> args, ServerConfig* config,
                    ParseState*) {
  bool v;
  if (EqualsIgnoreCase(args[0], "yes")) {
    v = true;
  } else if (EqualsIgnoreCase(args[0], "no")) {
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

std::string SetString(const ConfigDef& def, std::span<const std::string> args, ServerConfig* config,
                      ParseState*) {
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
    if (EqualsIgnoreCase(args[0], n.name)) {
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

}  // namespace replikv::config_internal
