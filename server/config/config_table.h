// Internal to the config registry (config.cpp, config_table.cpp,
// config_kinds.cpp, config_special.cpp, config_rewrite.cpp): the table of
// directives and the per-kind parse, render and rewrite functions. Other
// modules include server/config.h only.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "server/base/ascii.h"
#include "server/config/config.h"

namespace replikv::config_internal {

enum Flag : uint32_t {
  kImmutable = 1 << 0,      // start-up only: "can't set immutable config"
  kProtected = 1 << 1,      // CONFIG SET only with enable-protected-configs
  kHidden = 1 << 2,         // CONFIG GET by exact name only, never by glob
  kMultiArg = 1 << 3,       // takes several arguments; one argument is split
  kNotActedOn = 1 << 4,     // accepted and shown, but replikv ignores it
  kAlwaysRewrite = 1 << 5,  // CONFIG REWRITE writes it even at its default
};

// Where a value comes from; "save" lines in files accumulate, CONFIG SET
// replaces.
struct ParseState {
  bool from_file = false;
  bool save_seen = false;  // a file's first "save" line drops the defaults
};

// One line CONFIG REWRITE wants in the file. A line that is not "force" is
// only written where the file already has a line for the directive. A line
// with a "key" only replaces a file line with the same key (the client class
// of client-output-buffer-limit), so classes keep their own lines.
struct RewriteLine {
  RewriteLine(std::string t, bool f, std::string k = {})
      : text(std::move(t)), force(f), key(std::move(k)) {}
  std::string text;
  bool force;
  std::string key;
};

// Access to an enum-typed field as its underlying int.
struct EnumAccess {
  int (*get)(const ServerConfig&);
  void (*set)(ServerConfig*, int);
};

struct EnumName {
  std::string_view name;
  int value;
};

using FieldRef = std::variant<std::monostate, bool ServerConfig::*, int ServerConfig::*,
                              int64_t ServerConfig::*, uint32_t ServerConfig::*,
                              uint64_t ServerConfig::*, std::string ServerConfig::*, EnumAccess>;

struct ConfigDef;
// Parses args into *config. Returns "" or Redis's error text, e.g.
// "argument must be 'yes' or 'no'".
using SetFn = std::string (*)(const ConfigDef&, std::span<const std::string> args,
                              ServerConfig* config, ParseState* state);
using GetFn = std::string (*)(const ConfigDef&, const ServerConfig&);
using RewriteFn = void (*)(const ConfigDef&, const ServerConfig&, std::vector<RewriteLine>*);
// Extra validation or normalisation after a successful set; "" or an error.
using CheckFn = std::string (*)(ServerConfig*, const ParseState&);

struct ConfigDef {
  std::string_view name;
  std::string_view alias;  // "" if none
  uint32_t flags = 0;
  SetFn set = nullptr;
  GetFn get = nullptr;
  RewriteFn rewrite = nullptr;
  FieldRef field;
  int64_t min = 0;
  uint64_t max = 0;
  std::span<const EnumName> names;
  CheckFn check = nullptr;
};

// Every directive, in the order CONFIG GET * and CONFIG REWRITE use.
std::span<const ConfigDef> Table();
// Looks a directive up by name or alias without regard to case.
const ConfigDef* Find(std::string_view name);
// Directives Redis 7.0 still accepts in files and ignores ("name value").
bool IsDeprecated(std::string_view lower_name);

// Redis's sdscatrepr: always double-quoted, C escapes, \xHH for the rest.
std::string Repr(std::string_view s);
// Memory in the unit form CONFIG REWRITE writes: "64mb", "3gb", "2kb", "3000".
std::string FormatMemory(uint64_t bytes);
// The CONFIG GET rendering of the current value.
std::string Render(const ConfigDef& def, const ServerConfig& config);
// getcwd(), or "" if it fails.
std::string CurrentDir();
// A default-constructed ServerConfig: the defaults.
const ServerConfig& Defaults();
// Adds "name value" to a rewrite, forced when the value is not the default.
void PushLine(const ConfigDef& def, const ServerConfig& config, std::string value,
              std::vector<RewriteLine>* lines);
std::string JoinArgs(std::span<const std::string> args);
// A lone empty argument ("save ''", "bind ''") means "none".
bool IsEmptyList(std::span<const std::string> args);

// ---- number parsing (config_kinds.cpp) ----
// Redis's string2ll: optional '-', digits, no leading zeros, no '+'.
bool ParseStrictInt64(std::string_view s, int64_t* out);
// strtoll-like: optional sign, leading zeros allowed, nothing else; like
// strtoll, "" is 0.
bool ParseLenientInt64(std::string_view s, int64_t* out);
enum class MemoryParse { kOk, kInvalid, kOverflow };
// Digits then an optional unit: b, k=1000, kb=1024, m, mb, g, gb (any case).
// Like Redis, "" and a bare unit are 0.
MemoryParse ParseMemory(std::string_view s, uint64_t* out);

// ---- generic kinds (config_kinds.cpp) ----
std::string SetBool(const ConfigDef&, std::span<const std::string>, ServerConfig*, ParseState*);
std::string GetBool(const ConfigDef&, const ServerConfig&);
std::string SetInteger(const ConfigDef&, std::span<const std::string>, ServerConfig*, ParseState*);
std::string GetInteger(const ConfigDef&, const ServerConfig&);
std::string SetMemory(const ConfigDef&, std::span<const std::string>, ServerConfig*, ParseState*);
std::string SetString(const ConfigDef&, std::span<const std::string>, ServerConfig*, ParseState*);
std::string GetString(const ConfigDef&, const ServerConfig&);
std::string SetEnum(const ConfigDef&, std::span<const std::string>, ServerConfig*, ParseState*);
std::string GetEnum(const ConfigDef&, const ServerConfig&);
std::string SetOctal(const ConfigDef&, std::span<const std::string>, ServerConfig*, ParseState*);
std::string GetOctal(const ConfigDef&, const ServerConfig&);
void RewritePlain(const ConfigDef&, const ServerConfig&, std::vector<RewriteLine>*);
void RewriteMemory(const ConfigDef&, const ServerConfig&, std::vector<RewriteLine>*);
void RewriteString(const ConfigDef&, const ServerConfig&, std::vector<RewriteLine>*);
void RewriteQuotedIfEmpty(const ConfigDef&, const ServerConfig&, std::vector<RewriteLine>*);

// ---- special kinds and checks (config_special.cpp) ----
std::string SetSave(const ConfigDef&, std::span<const std::string>, ServerConfig*, ParseState*);
std::string GetSave(const ConfigDef&, const ServerConfig&);
void RewriteSave(const ConfigDef&, const ServerConfig&, std::vector<RewriteLine>*);
std::string SetDir(const ConfigDef&, std::span<const std::string>, ServerConfig*, ParseState*);
std::string GetDir(const ConfigDef&, const ServerConfig&);
void RewriteDir(const ConfigDef&, const ServerConfig&, std::vector<RewriteLine>*);
std::string SetReplicaOf(const ConfigDef&, std::span<const std::string>, ServerConfig*,
                         ParseState*);
std::string GetReplicaOf(const ConfigDef&, const ServerConfig&);
void RewriteReplicaOf(const ConfigDef&, const ServerConfig&, std::vector<RewriteLine>*);
std::string SetBind(const ConfigDef&, std::span<const std::string>, ServerConfig*, ParseState*);
std::string GetBind(const ConfigDef&, const ServerConfig&);
void RewriteBind(const ConfigDef&, const ServerConfig&, std::vector<RewriteLine>*);
std::string SetClientOutputBufferLimit(const ConfigDef&, std::span<const std::string>,
                                       ServerConfig*, ParseState*);
std::string GetClientOutputBufferLimit(const ConfigDef&, const ServerConfig&);
void RewriteClientOutputBufferLimit(const ConfigDef&, const ServerConfig&,
                                    std::vector<RewriteLine>*);
// The RewriteLine key of a client class name as written in a file.
std::string ClientClassKey(std::string_view name);
std::string SetOomScoreAdjValues(const ConfigDef&, std::span<const std::string>, ServerConfig*,
                                 ParseState*);
std::string GetOomScoreAdjValues(const ConfigDef&, const ServerConfig&);
std::string SetPercentiles(const ConfigDef&, std::span<const std::string>, ServerConfig*,
                           ParseState*);
std::string GetPercentiles(const ConfigDef&, const ServerConfig&);
std::string SetNotify(const ConfigDef&, std::span<const std::string>, ServerConfig*, ParseState*);
std::string GetNotify(const ConfigDef&, const ServerConfig&);
void RewriteNotify(const ConfigDef&, const ServerConfig&, std::vector<RewriteLine>*);
std::string SetShutdownFlags(const ConfigDef&, std::span<const std::string>, ServerConfig*,
                             ParseState*);
std::string GetShutdownFlags(const ConfigDef&, const ServerConfig&);
std::string SetMaxmemoryClients(const ConfigDef&, std::span<const std::string>, ServerConfig*,
                                ParseState*);
std::string GetMaxmemoryClients(const ConfigDef&, const ServerConfig&);
void RewriteMaxmemoryClients(const ConfigDef&, const ServerConfig&, std::vector<RewriteLine>*);

std::string CheckHz(ServerConfig*, const ParseState&);
std::string CheckTlsPort(ServerConfig*, const ParseState&);
std::string CheckClusterEnabled(ServerConfig*, const ParseState&);
std::string CheckDbfilename(ServerConfig*, const ParseState&);
std::string CheckNodeStateFile(ServerConfig*, const ParseState&);
std::string CheckAppendfilename(ServerConfig*, const ParseState&);
std::string CheckAppenddirname(ServerConfig*, const ParseState&);
std::string CheckProcTitleTemplate(ServerConfig*, const ParseState&);
std::string CheckTlsFlags(ServerConfig*, const ParseState&);
std::string CheckReplBacklogSize(ServerConfig*, const ParseState&);
std::string CheckClusterAnnounceHostname(ServerConfig*, const ParseState&);

}  // namespace replikv::config_internal
