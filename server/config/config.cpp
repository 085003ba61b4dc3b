// Loading (files, includes, stdin, command line), CONFIG GET and CONFIG SET.
// CONFIG REWRITE is in config_rewrite.cpp, the directive table in
// config_table.cpp, the per-kind parsers in config_kinds.cpp.
#include "server/config/config.h"

#include <glob.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <set>

#include "server/config/config_table.h"
#include "server/ds/glob.h"
#include "server/base/split_args.h"
#include "server/base/version.h"

namespace replikv {

using config_internal::ConfigDef;
using config_internal::Find;
using config_internal::ParseState;
using config_internal::Render;
using config_internal::Table;

struct ConfigRegistry::HookSlot {
  ApplyHook fn;
};

namespace {

// Redis has no bound and crashes on an include loop; 16 levels is far more
// than any real layout uses.
constexpr int kMaxIncludeDepth = 16;
// A config file is small; this only stops a wrong path (a device, a huge
// log) from being read into memory.
constexpr size_t kMaxConfigBytes = 64 * 1024 * 1024;

std::string_view Trim(std::string_view s) {
  const char* kSpace = " \t\r\n";
  size_t b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(kSpace);
  return s.substr(b, e - b + 1);
}

std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (true) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) {
      lines.push_back(text.substr(start));
      return lines;
    }
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
}

// The banner Redis prints to stderr before exiting with status 1.
Status FatalConfigError(size_t line_no, std::string_view line, std::string_view err) {
  std::string msg = "\n*** FATAL CONFIG FILE ERROR (replikv ";
  msg += kReplikvVersion;
  msg += ") ***\nReading the configuration file, at line " + std::to_string(line_no) + "\n>>> '";
  msg += line;
  msg += "'\n";
  msg += err;
  return Status::InvalidArgument(msg);
}

Status ReadBounded(FILE* f, const std::string& name, std::string* out) {
  char buf[64 * 1024];
  while (true) {
    size_t n = std::fread(buf, 1, sizeof(buf), f);
    out->append(buf, n);
    if (out->size() > kMaxConfigBytes) {
      return Status::InvalidArgument("Fatal error, config file '" + name +
                                     "' is larger than 64 MiB");
    }
    if (n < sizeof(buf)) break;
  }
  if (std::ferror(f)) {
    return Status::IOError("Fatal error, can't read config file '" + name +
                           "': " + std::strerror(errno));
  }
  return Status::OK();
}

Status ReadConfigFile(const std::string& path, std::string* out) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) {
    return Status::IOError("Fatal error, can't open config file '" + path +
                           "': " + std::strerror(errno));
  }
  Status s = ReadBounded(f, path, out);
  std::fclose(f);
  return s;
}

Result<std::string> ReadStdin() {
  std::string text;
  Status s = ReadBounded(stdin, "-", &text);
  if (!s.ok()) return s;
  return text;
}

std::string AbsolutePath(const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  return config_internal::CurrentDir() + "/" + path;
}

// CONFIG SET splits the value of a multi-argument directive on single spaces,
// keeping empty pieces ("900  1" is three pieces, so invalid); "" is none.
std::vector<std::string> SplitOnSpaces(std::string_view value) {
  std::vector<std::string> out;
  if (value.empty()) return out;
  size_t start = 0;
  while (true) {
    size_t sp = value.find(' ', start);
    if (sp == std::string_view::npos) {
      out.emplace_back(value.substr(start));
      return out;
    }
    out.emplace_back(value.substr(start, sp - start));
    start = sp + 1;
  }
}

std::string SetFailed(std::string_view name, std::string_view err) {
  std::string msg = "ERR CONFIG SET failed (possibly related to argument '";
  msg += name;
  msg += "') - ";
  msg += err;
  return msg;
}

size_t IndexOf(const ConfigDef* def) { return static_cast<size_t>(def - Table().data()); }

}  // namespace

// ---- loading ----------------------------------------------------------------

// One start-up load: a file's lines, its includes, stdin and the command
// line share one ParseState (the first "save" line anywhere drops the
// defaults, as in Redis).
struct ConfigRegistry::Loader {
  ConfigRegistry* registry;
  ParseState state;
  int depth = 0;

  explicit Loader(ConfigRegistry* r) : registry(r) { state.from_file = true; }

  Status LoadText(std::string_view text) {
    std::vector<std::string_view> lines = SplitLines(text);
    for (size_t i = 0; i < lines.size(); ++i) {
      std::string_view line = Trim(lines[i]);
      if (line.empty() || line[0] == '#') continue;
      std::vector<std::string> argv;
      if (!SplitArgs(line, &argv)) {
        return FatalConfigError(i + 1, line, "Unbalanced quotes in configuration line");
      }
      if (argv.empty()) continue;
      if (Lower(argv[0]) == "include" && argv.size() == 2) {
        if (depth >= kMaxIncludeDepth) {
          return FatalConfigError(i + 1, line, "Too many nested includes (include loop?)");
        }
        Status s = Include(argv[1]);
        if (!s.ok()) return s;
        continue;
      }
      std::string err = ApplyLine(argv);
      if (!err.empty()) return FatalConfigError(i + 1, line, err);
    }
    return Status::OK();
  }

  // "include <path>": relative to the working directory, as in Redis; a path
  // with glob characters includes every match in sorted order (none is fine).
  Status Include(const std::string& path) {
    std::vector<std::string> files;
    if (path.find_first_of("*?[") != std::string::npos) {
      glob_t g;
      int rc = glob(path.c_str(), GLOB_ERR, nullptr, &g);
      if (rc == 0) {
        for (size_t i = 0; i < g.gl_pathc; ++i) files.emplace_back(g.gl_pathv[i]);
      }
      globfree(&g);
      if (rc != 0 && rc != GLOB_NOMATCH) {
        return Status::IOError("Fatal error, can't open config file '" + path + "'");
      }
    } else {
      files.push_back(path);
    }
    for (const std::string& file : files) {
      std::string text;
      Status s = ReadConfigFile(file, &text);
      if (!s.ok()) return s;
      ++depth;
      s = LoadText(text);
      --depth;
      if (!s.ok()) return s;
    }
    return Status::OK();
  }

  // Applies one directive line (argv[0] is the name); "" or the reason.
  std::string ApplyLine(const std::vector<std::string>& argv) {
    std::string name = Lower(argv[0]);
    if (const ConfigDef* def = Find(name)) {
      bool multi = (def->flags & config_internal::kMultiArg) != 0;
      if (!multi && argv.size() != 2) return "wrong number of arguments";
      std::vector<std::string> args(argv.begin() + 1, argv.end());
      // --bind "a b" on the command line arrives as one argument.
      if (multi && args.size() == 1 && !args[0].empty()) {
        std::vector<std::string> split;
        if (!SplitArgs(args[0], &split)) return "Unbalanced quotes in configuration line";
        args = std::move(split);
      }
      std::string err = def->set(*def, args, &registry->config_, &state);
      if (err.empty() && def->check != nullptr) err = def->check(&registry->config_, state);
      return err;
    }
    if (config_internal::IsDeprecated(name) && argv.size() == 2) return "";
    if (name == "rename-command" && argv.size() == 3) {
      if (registry->command_exists_ && !registry->command_exists_(argv[1])) {
        return "No such command in rename-command";
      }
      registry->config_.rename_commands.emplace_back(argv[1], argv[2]);
      return "";
    }
    if (name == "user" && argv.size() >= 2) {
      registry->config_.user_directives.emplace_back(argv.begin() + 1, argv.end());
      return "";
    }
    if (name == "loadmodule" && argv.size() >= 2) return "Modules are not supported by replikv";
    if (name == "sentinel") return "sentinel directive while not in sentinel mode";
    return "Bad directive or wrong number of arguments";
  }
};

ConfigRegistry::ConfigRegistry() : hooks_(Table().size()) {}
ConfigRegistry::~ConfigRegistry() = default;

void ConfigRegistry::set_stdin_reader(std::function<Result<std::string>()> reader) {
  stdin_reader_ = std::move(reader);
}

void ConfigRegistry::set_command_exists(std::function<bool(std::string_view)> exists) {
  command_exists_ = std::move(exists);
}

void ConfigRegistry::set_user_lines(std::function<std::vector<std::string>()> lines) {
  user_lines_ = std::move(lines);
}

Status ConfigRegistry::LoadFromString(std::string_view text) {
  Loader loader(this);
  return loader.LoadText(text);
}

Status ConfigRegistry::LoadFromFile(const std::string& path) {
  config_file_ = AbsolutePath(path);
  std::string text;
  Status s = ReadConfigFile(path, &text);
  if (!s.ok()) return s;
  return LoadFromString(text);
}

// Rebuilds what Redis 7.0 builds: the file's text, then stdin's, then "\n"
// and one line per --directive with its arguments quoted, all parsed as one
// text (so the line numbers in errors count the file's lines first).
Status ConfigRegistry::LoadFromCommandLine(int argc, const char* const* argv) {
  std::vector<std::string_view> args(argv, argv + argc);
  const size_t n = args.size();
  size_t j = 0;
  bool has_file = false;
  std::string file;
  if (n > 0 && (args[0].empty() || args[0][0] != '-')) {
    has_file = true;
    file = std::string(args[0]);
    j = 1;
  }
  bool from_stdin = false;
  std::string options;
  bool last_has_value = true;  // did the last --name get a value yet?
  for (; j < n; ++j) {
    std::string_view a = args[j];
    if (a == "-" && (j == 0 || j == n - 1)) {
      from_stdin = true;
    } else if (last_has_value && a.starts_with("--")) {
      if (!options.empty()) options += '\n';
      options += a.substr(2);
      options += ' ';
      std::vector<std::string> parts;
      if (SplitArgs(a, &parts) && parts.size() == 1) {
        last_has_value = false;
        // "--save" with nothing after it, or followed by another --name,
        // means save "" (Redis 7.0.1 restored this pre-7.0 behaviour).
        if (EqualsIgnoreCase(a, "--save") && (j + 1 == n || args[j + 1].starts_with("--"))) {
          options += "\"\"";
          last_has_value = j + 1 < n;
        }
      } else {
        last_has_value = true;  // "--port 6380" as one argument
      }
    } else {
      options += config_internal::Repr(a);
      options += ' ';
      last_has_value = true;
    }
  }

  std::string text;
  if (has_file) {
    config_file_ = AbsolutePath(file);
    Status s = ReadConfigFile(file, &text);
    if (!s.ok()) return s;
  }
  if (from_stdin) {
    Result<std::string> in = stdin_reader_ ? stdin_reader_() : ReadStdin();
    if (!in.ok()) return in.status();
    text += *in;
  }
  text += '\n';
  text += options;
  return LoadFromString(text);
}

// ---- hooks ------------------------------------------------------------------

Status ConfigRegistry::SetApplyHook(std::initializer_list<std::string_view> names, ApplyHook hook) {
  std::vector<size_t> indices;
  for (std::string_view name : names) {
    const ConfigDef* def = Find(name);
    if (def == nullptr) return Status::InvalidArgument("unknown config directive", name);
    indices.push_back(IndexOf(def));
  }
  auto slot = std::make_shared<HookSlot>(HookSlot{std::move(hook)});
  for (size_t i : indices) hooks_[i] = slot;
  return Status::OK();
}

Status ConfigRegistry::ApplyAll() {
  if (!config_.dir.empty() && chdir(config_.dir.c_str()) != 0) {
    return Status::IOError("Can't chdir to '" + config_.dir + "'", std::strerror(errno));
  }
  config_.dir = config_internal::CurrentDir();
  std::set<const HookSlot*> done;
  for (const auto& slot : hooks_) {
    if (slot == nullptr || !done.insert(slot.get()).second) continue;
    Status s = slot->fn(config_);
    if (!s.ok()) return s;
  }
  return Status::OK();
}

// ---- CONFIG GET ---------------------------------------------------------------

std::vector<std::pair<std::string, std::string>> ConfigRegistry::Get(
    std::span<const std::string_view> patterns) const {
  std::vector<std::pair<std::string, std::string>> out;
  std::set<std::string> seen;
  for (std::string_view pattern : patterns) {
    if (pattern.find_first_of("*?[") == std::string_view::npos) {
      const ConfigDef* def = Find(pattern);
      if (def != nullptr && seen.insert(Lower(pattern)).second) {
        out.emplace_back(std::string(pattern), Render(*def, config_));
      }
      continue;
    }
    for (const ConfigDef& def : Table()) {
      if (def.flags & config_internal::kHidden) continue;
      for (std::string_view name : {def.name, def.alias}) {
        if (name.empty() || !GlobMatch(pattern, name, /*nocase=*/true)) continue;
        if (seen.insert(std::string(name)).second) {
          out.emplace_back(std::string(name), Render(def, config_));
        }
      }
    }
  }
  return out;
}

// ---- CONFIG SET ---------------------------------------------------------------

ConfigReply ConfigRegistry::Set(std::span<const std::string_view> args, bool local_client) {
  if (args.size() < 2) return {"ERR wrong number of arguments for 'config|set' command"};
  if (args.size() % 2 != 0) return {"ERR syntax error"};
  const size_t pairs = args.size() / 2;

  // Pass 1, names only: unknown, immutable, protected, duplicate.
  std::vector<const ConfigDef*> defs;
  for (size_t i = 0; i < pairs; ++i) {
    std::string_view name = args[2 * i];
    const ConfigDef* def = Find(name);
    if (def == nullptr) {
      return {"ERR Unknown option or number of arguments for CONFIG SET - '" + std::string(name) +
              "'"};
    }
    if (def->flags & config_internal::kImmutable) {
      return {SetFailed(name, "can't set immutable config")};
    }
    EnableFlag protect = config_.enable_protected_configs;
    if ((def->flags & config_internal::kProtected) && protect != EnableFlag::kYes &&
        !(protect == EnableFlag::kLocal && local_client)) {
      return {SetFailed(name, "can't set protected config")};
    }
    // Redis compares the names as given: an alias and its name are not
    // duplicates of each other (the later one wins).
    for (size_t k = 0; k < i; ++k) {
      if (EqualsIgnoreCase(args[2 * k], name)) return {SetFailed(name, "duplicate parameter")};
    }
    defs.push_back(def);
  }

  // Pass 2: parse every value into a copy; nothing is live yet.
  ServerConfig next = config_;
  ParseState state;
  for (size_t i = 0; i < pairs; ++i) {
    const ConfigDef& def = *defs[i];
    std::vector<std::string> values;
    if (def.flags & config_internal::kMultiArg) {
      values = SplitOnSpaces(args[2 * i + 1]);
    } else {
      values.emplace_back(args[2 * i + 1]);
    }
    std::string err = def.set(def, values, &next, &state);
    if (err.empty() && def.check != nullptr) err = def.check(&next, state);
    if (!err.empty()) return {SetFailed(args[2 * i], err)};
  }

  // Pass 3: make it live and run the hooks of what changed; any failure
  // restores the old values and re-runs the hooks that already ran.
  ServerConfig prev = std::move(config_);
  config_ = std::move(next);
  std::string prev_cwd;
  bool dir_changed = false;
  size_t dir_pair = 0;
  std::vector<std::pair<HookSlot*, size_t>> to_run;  // hook, pair index
  for (size_t i = 0; i < pairs; ++i) {
    const ConfigDef& def = *defs[i];
    bool changed =
        def.name == "dir" ? prev.dir != config_.dir : Render(def, prev) != Render(def, config_);
    if (!changed) continue;
    if (def.name == "dir") {
      dir_changed = true;
      dir_pair = i;
    }
    HookSlot* slot = hooks_[IndexOf(&def)].get();
    if (slot == nullptr) continue;
    bool queued = false;
    for (const auto& [s, idx] : to_run) queued = queued || s == slot;
    if (!queued) to_run.emplace_back(slot, i);
  }
  if (dir_changed) {
    prev_cwd = config_internal::CurrentDir();
    if (chdir(config_.dir.c_str()) != 0) {
      std::string err = std::strerror(errno);
      config_ = std::move(prev);
      return {SetFailed(args[2 * dir_pair], err)};
    }
    config_.dir = config_internal::CurrentDir();
  }
  for (size_t k = 0; k < to_run.size(); ++k) {
    Status s = to_run[k].first->fn(config_);
    if (s.ok()) continue;
    config_ = std::move(prev);
    if (dir_changed && chdir(prev_cwd.c_str()) != 0) {
      // Nothing better to do: the old directory is gone too.
    }
    for (size_t m = 0; m < k; ++m) to_run[m].first->fn(config_).IgnoreError();
    return {SetFailed(args[2 * to_run[k].second], s.message())};
  }
  return {};
}

std::vector<std::string_view> ConfigRegistry::NotActedOn() {
  std::vector<std::string_view> out;
  for (const ConfigDef& def : Table()) {
    if (def.flags & config_internal::kNotActedOn) out.push_back(def.name);
  }
  return out;
}

std::vector<std::string> ConfigRegistry::ChangedButNotActedOn() const {
  const ConfigRegistry defaults;
  std::vector<std::string> out;
  for (const ConfigDef& def : Table()) {
    if (!(def.flags & config_internal::kNotActedOn)) continue;
    std::string_view name[] = {def.name};
    if (Get(name) != defaults.Get(name)) out.emplace_back(def.name);
  }
  return out;
}

}  // namespace replikv
