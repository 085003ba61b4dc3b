#include "tools/fuzz/fuzz_targets.h"

#include <spdlog/spdlog.h>
#include <unistd.h>
#include <uv.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "persistence/aof_loader.h"
#include "persistence/dump_restore.h"
#include "persistence/format/dump_payload.h"
#include "server/base/ascii.h"
#include "persistence/format/aof_manifest.h"
#include "persistence/format/rdb_encoder.h"
#include "persistence/rdb_keyspace.h"
#include "server/config/config.h"
#include "server/commands/digest.h"
#include "server/keyspace.h"
#include "server/propagate.h"
#include "server/base/resp_parser.h"
#include "server/server.h"
#include "server/types/entry.h"
#include "server/base/split_args.h"

namespace replikv::fuzz {
namespace {

// Logging off (the loaders warn on every damaged input, which would drown
// libFuzzer's output and slow it down tenfold).
void QuietOnce() {
  static bool done = [] {
    spdlog::set_level(spdlog::level::off);
    return true;
  }();
  (void)done;
}

// The per-process scratch directory, created on first use and removed at
// exit: $REPLIKV_FUZZ_TMP/replikv-fuzz-XXXXXX if that names a directory
// under /tmp (scripts/fuzz.sh points it at its own work dir, which it
// removes, so crashed workers leave nothing behind), else /tmp/... Under
// libFuzzer -fork/-jobs every worker is its own process, so workers never
// share files. The name lives in a plain array: a static std::string would
// be destroyed before the atexit handler that needs it.
char g_scratch_dir[512];

const std::string& ScratchDir() {
  static const std::string dir = [] {
    const char* parent = std::getenv("REPLIKV_FUZZ_TMP");
    std::string_view p = parent == nullptr ? "" : parent;
    if (p.substr(0, 5) != "/tmp/" || p.find("..") != std::string_view::npos || p.size() > 400) p = "/tmp";
    std::snprintf(g_scratch_dir, sizeof(g_scratch_dir), "%.*s/replikv-fuzz-XXXXXX", static_cast<int>(p.size()),
                  p.data());
    if (mkdtemp(g_scratch_dir) == nullptr) FuzzFail(std::string("mkdtemp failed in ") + std::string(p));
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(g_scratch_dir, ec);
    });
    return std::string(g_scratch_dir);
  }();
  return dir;
}

void WriteFileOrDie(const std::string& path, std::string_view bytes) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) FuzzFail("cannot create " + path);
  if (!bytes.empty() && std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size()) FuzzFail("short write " + path);
  std::fclose(f);
}

// REPLIKV_FUZZ_VERBOSE=1 prints what each input led to (load statuses,
// key counts), to check that seeds reach the code they were made for.
bool Verbose() {
  static const bool verbose = std::getenv("REPLIKV_FUZZ_VERBOSE") != nullptr;
  return verbose;
}

std::string_view AsView(const uint8_t* data, size_t size) {
  return std::string_view(reinterpret_cast<const char*>(data), size);
}

// ---- RESP --------------------------------------------------------------------

struct RespOutcome {
  std::vector<std::vector<std::string>> commands;
  std::vector<bool> inline_flags;
  std::string error;  // empty unless the parser ended in kError
};

// Feeds `input` to a parser the way Client does: append what arrived, parse
// every complete command, drop consumed() bytes. `next_chunk` gives the size
// of each arrival (>= 1).
template <typename NextChunk>
RespOutcome RunParser(std::string_view input, const RespLimits& limits, bool auth_required, NextChunk next_chunk) {
  RespOutcome out;
  RespParser parser(limits);
  parser.set_auth_required(auth_required);
  std::string buf;
  size_t fed = 0;
  // Each round either completes a command (consuming >= 1 byte), feeds
  // >= 1 new byte, or ends: at most 2 * size + 2 rounds.
  const size_t max_rounds = 2 * input.size() + 2;
  for (size_t round = 0;; ++round) {
    FuzzCheck(round <= max_rounds, "RespParser made no progress");
    RespParser::State st = parser.Parse(buf.data(), buf.size());
    if (st == RespParser::State::kError) {
      FuzzCheck(!parser.error().empty(), "kError with an empty error()");
      out.error = parser.error();
      return out;
    }
    if (st == RespParser::State::kCommand) {
      FuzzCheck(!parser.args().empty(), "kCommand with no arguments");
      FuzzCheck(parser.consumed() > 0 && parser.consumed() <= buf.size(), "kCommand consumed out of range");
      std::vector<std::string> args;
      for (std::string_view a : parser.args()) {
        if (!parser.is_inline()) {
          FuzzCheck(a.data() >= buf.data() && a.data() + a.size() <= buf.data() + buf.size(),
                    "multibulk argument outside the caller's buffer");
        }
        args.emplace_back(a);
      }
      out.commands.push_back(std::move(args));
      out.inline_flags.push_back(parser.is_inline());
      buf.erase(0, parser.consumed());
      continue;
    }
    FuzzCheck(parser.consumed() <= buf.size(), "kNeedMore consumed out of range");
    buf.erase(0, parser.consumed());
    if (fed == input.size()) return out;
    size_t n = std::min(next_chunk(), input.size() - fed);
    buf.append(input.substr(fed, n));
    fed += n;
  }
}

// ---- AOF ---------------------------------------------------------------------

// Commands a fuzzed AOF must not run: they stop the process, fork, change
// the working directory or files outside the scratch dir, or block.
constexpr const char* kAofSandboxConfig =
    "rename-command shutdown \"\"\n"
    "rename-command debug \"\"\n"
    "rename-command config \"\"\n"
    "rename-command client \"\"\n"
    "rename-command monitor \"\"\n"
    "rename-command sync \"\"\n"
    "rename-command psync \"\"\n"
    "rename-command replicaof \"\"\n"
    "rename-command slaveof \"\"\n"
    "rename-command failover \"\"\n"
    "rename-command save \"\"\n"
    "rename-command bgsave \"\"\n"
    "rename-command bgrewriteaof \"\"\n"
    "proto-max-bulk-len 1mb\n";

}  // namespace

std::vector<std::string_view> SplitParts(std::string_view data, size_t max_parts) {
  std::vector<std::string_view> parts;
  while (parts.size() + 1 < max_parts) {
    size_t at = data.find(kPartSeparator);
    if (at == std::string_view::npos) break;
    parts.push_back(data.substr(0, at));
    data.remove_prefix(at + kPartSeparator.size());
  }
  parts.push_back(data);
  return parts;
}

void FuzzFail(const std::string& what) {
  std::fprintf(stderr, "replikv fuzz check failed: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

int FuzzResp(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  RespLimits limits;
  bool auth_required = false;
  switch (data[0] % 4) {
    case 0: break;
    case 1:  // tiny limits: every limit check is reachable with short inputs
      limits.max_bulk_len = 16;
      limits.max_multibulk_len = 4;
      limits.max_inline_len = 32;
      break;
    case 2: auth_required = true; break;
    case 3: limits.max_bulk_len = SIZE_MAX; break;  // a primary's stream / the AOF loader
  }
  uint32_t rng = (static_cast<uint32_t>(data[1]) << 8 | data[2]) * 2654435761u + 1;
  static constexpr size_t kMaxChunk[4] = {1, 3, 17, 700};
  const size_t max_chunk = kMaxChunk[data[1] & 3];
  std::string_view input = AsView(data + 3, size - 3);

  RespOutcome whole = RunParser(input, limits, auth_required, [&] { return input.size() + 1; });
  RespOutcome split = RunParser(input, limits, auth_required, [&] {
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return 1 + rng % max_chunk;
  });
  FuzzCheck(whole.commands == split.commands, "commands depend on how the input was split");
  FuzzCheck(whole.inline_flags == split.inline_flags, "is_inline depends on the split");
  FuzzCheck(whole.error == split.error,
            "final error depends on the split: '" + whole.error + "' vs '" + split.error + "'");
  return 0;
}

int FuzzRdb(const uint8_t* data, size_t size) {
  QuietOnce();
  const std::string in_path = ScratchDir() + "/in.rdb";
  WriteFileOrDie(in_path, AsView(data, size));
  ServerConfig config;
  persistence::RdbLoadTuning tuning;
  tuning.limits = persistence::EncoderOptionsFromConfig(config).limits;
  Propagator propagator;
  Keyspace ks(config.databases, &propagator);
  persistence::RdbLoadResult result;
  Status st = persistence::LoadKeyspaceFromFile(ks, in_path, /*drop_expired=*/true, [](uint64_t, uint64_t) {},
                                                &result, tuning);
  if (Verbose()) {
    std::fprintf(stderr, "rdb: %s, %llu keys, %llu expired\n", st.ToString().c_str(),
                 (unsigned long long)result.keys_loaded, (unsigned long long)result.keys_expired);
  }
  if (!st.ok()) return 0;

  // Round trip: whatever loaded must save, and load back to the same data.
  std::string saved;
  persistence::StringSink sink(&saved);
  uint64_t keys_written = 0;
  st = persistence::WriteKeyspace(ks, &sink, persistence::EncoderOptionsFromConfig(config),
                                  persistence::RdbAuxFields{}, &keys_written);
  FuzzCheck(st.ok(), "a loaded RDB does not save: " + st.ToString());
  const std::string out_path = ScratchDir() + "/out.rdb";
  WriteFileOrDie(out_path, saved);
  Keyspace again(config.databases, &propagator);
  persistence::RdbLoadResult result2;
  st = persistence::LoadKeyspaceFromFile(again, out_path, /*drop_expired=*/false, nullptr, &result2, tuning);
  FuzzCheck(st.ok(), "a saved RDB does not load: " + st.ToString());
  FuzzCheck(result2.keys_loaded == keys_written, "keys written and loaded back differ");
  FuzzCheck(DatasetDigest(ks) == DatasetDigest(again), "dataset changed in a save/load round trip");
  return 0;
}

int FuzzAof(const uint8_t* data, size_t size) {
  QuietOnce();
  std::vector<std::string_view> parts = SplitParts(AsView(data, size), 4);
  const std::string& dir = ScratchDir();
  const std::string appendfilename = "appendonly.aof";
  persistence::AofManifest manifest;
  std::vector<std::string> paths;
  if (!parts[0].empty()) {
    const bool rdb = parts[0].substr(0, 5) == "REDIS";
    persistence::AofFileInfo base{persistence::AofManifest::BaseName(appendfilename, 1, rdb), 1,
                                  persistence::AofFileType::kBase};
    WriteFileOrDie(dir + "/" + base.name, parts[0]);
    paths.push_back(dir + "/" + base.name);
    manifest.base = base;
    manifest.base_seq = 1;
  }
  for (size_t i = 1; i < parts.size(); ++i) {
    const auto seq = static_cast<int64_t>(i);
    persistence::AofFileInfo incr{persistence::AofManifest::IncrName(appendfilename, seq), seq,
                                  persistence::AofFileType::kIncr};
    WriteFileOrDie(dir + "/" + incr.name, parts[i]);
    paths.push_back(dir + "/" + incr.name);
    manifest.incrs.push_back(incr);
    manifest.incr_seq = seq;
  }
  // The replikv-check-aof path first (the loader may truncate the last file).
  for (const std::string& path : paths) {
    auto scan = persistence::ScanAofCommands(path);
    if (scan.ok()) FuzzCheck(scan->valid_bytes <= scan->file_bytes || scan->file_bytes == 0, "valid_bytes past EOF");
  }

  ConfigRegistry registry;
  Status st = registry.LoadFromString(kAofSandboxConfig);
  FuzzCheck(st.ok(), "sandbox config: " + st.ToString());
  {
    Server server(registry);
    server.ApplyCommandRenames();
    persistence::AofLoadStats stats;
    st = persistence::LoadAofFiles(server, dir, manifest, /*load_truncated=*/true, nullptr, &stats);
    st.IgnoreError();  // damage is an expected outcome; only crashes count
    if (Verbose()) {
      std::fprintf(stderr, "aof: %s, %llu commands, %llu keys in db 0\n", st.ToString().c_str(),
                   (unsigned long long)stats.commands, (unsigned long long)server.keyspace().db(0).size());
    }
    (void)DatasetDigest(server.keyspace());  // visits every loaded value
    // The loader's client was closed; let the loop free its handle.
    uv_run(server.loop(), UV_RUN_NOWAIT);
  }
  return 0;
}

int FuzzRestore(const uint8_t* data, size_t size) {
  QuietOnce();
  if (size == 0) return 0;
  persistence::RdbEncoderOptions options;
  if (data[0] & 1) {
    // Tiny thresholds: every value converts to its big encoding on load.
    options.limits.set_max_intset_entries = 1;
    options.limits.hash_max_listpack_entries = 1;
    options.limits.hash_max_listpack_value = 1;
    options.limits.zset_max_listpack_entries = 1;
    options.limits.zset_max_listpack_value = 1;
    options.limits.list_max_listpack_size = 1;
  }
  options.compression = (data[0] & 2) == 0;
  std::string payload(reinterpret_cast<const char*>(data) + 1, size - 1);
  persistence::SealDumpPayload(&payload);
  std::string_view object;
  FuzzCheck(persistence::OpenDumpPayload(payload, &object), "a sealed payload fails its own check");
  Entry* e = persistence::EntryFromPayload("k", payload, options.limits, /*expire_slot=*/false);
  if (Verbose()) std::fprintf(stderr, "restore: %s\n", e == nullptr ? "Bad data format" : "OK");
  if (e == nullptr) return 0;
  Result<std::string> again = persistence::DumpPayloadOf(e, options);
  FuzzCheck(again.ok(), "a restored value does not dump: " + again.status().ToString());
  FuzzCheck(persistence::OpenDumpPayload(*again, &object), "DUMP's payload fails its own check");
  Entry* e2 = persistence::EntryFromPayload("k", *again, options.limits, /*expire_slot=*/false);
  FuzzCheck(e2 != nullptr, "DUMP's payload does not restore");
  FuzzCheck(ValueDigest(e) == ValueDigest(e2), "value changed in a DUMP/RESTORE round trip");
  Entry::Free(e2);
  Entry::Free(e);
  return 0;
}

int FuzzManifest(const uint8_t* data, size_t size) {
  auto parsed = persistence::AofManifest::Parse(AsView(data, size));
  if (!parsed.ok()) return 0;
  persistence::AofManifest m = std::move(*parsed);
  for (int round = 0; round < 2; ++round) {
    if (!m.base && m.incrs.empty() && m.history.empty()) {
      // Comments only: loaded as a fresh AOF (as Redis 7.0 does), but its
      // formatted form is empty text, which Redis refuses as "an empty AOF
      // manifest" and never writes. Only the start-up path applies.
      m.AddIncr("appendonly.aof");
      continue;
    }
    std::string text = m.Format();
    auto back = persistence::AofManifest::Parse(text);
    // A name that parses raw can format (escaped) past the 1024-byte line
    // Redis 7.0 reads; Redis has the same asymmetry, and real names are
    // short. Not a finding.
    if (!back.ok() && back.status().message().find("too long line") != std::string::npos) return 0;
    FuzzCheck(back.ok(), "a formatted manifest does not parse: " + back.status().ToString() + "\n" + text);
    FuzzCheck(back->base == m.base && back->incrs == m.incrs && back->history == m.history,
              "manifest changed in a format/parse round trip:\n" + text);
    if (round == 0) m.AddIncr("appendonly.aof");  // start-up with appendonly yes
  }
  return 0;
}

int FuzzConfig(const uint8_t* data, size_t size) {
  QuietOnce();
  std::vector<std::string_view> parts = SplitParts(AsView(data, size), 2);
  // Drop "include" lines, as the loader would see them (it splits on '\n').
  std::string text;
  std::string_view rest = parts[0];
  while (true) {
    size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    std::vector<std::string> argv;
    if (!SplitArgs(line, &argv) || argv.empty() || Lower(argv[0]) != "include") {
      text.append(line);
      text.push_back('\n');
    }
    if (nl == std::string_view::npos) break;
    rest.remove_prefix(nl + 1);
  }

  ConfigRegistry registry;
  Status st = registry.LoadFromString(text);
  if (Verbose()) std::fprintf(stderr, "config file: %s\n", st.ToString().c_str());
  const std::string_view all[] = {"*"};
  if (!st.ok()) {
    // The server exits here; the registry may hold the values applied up
    // to the bad line (and the bad value itself). Render them, no more.
    (void)registry.Get(all);
    return 0;
  }
  if (parts.size() > 1) {
    std::string_view lines = parts[1];
    while (!lines.empty()) {
      size_t nl = lines.find('\n');
      std::string_view line = lines.substr(0, nl);
      lines.remove_prefix(nl == std::string_view::npos ? lines.size() : nl + 1);
      std::vector<std::string> argv;
      if (!SplitArgs(line, &argv) || argv.empty()) continue;
      bool touches_dir = false;
      for (size_t i = 0; i < argv.size(); i += 2) touches_dir |= Lower(argv[i]) == "dir";
      if (touches_dir) continue;
      std::vector<std::string_view> args(argv.begin(), argv.end());
      ConfigReply reply = registry.Set(args, /*local_client=*/true);
      if (Verbose()) std::fprintf(stderr, "config set: %s\n", reply.ok() ? "OK" : reply.error.c_str());
    }
  }
  auto pairs = registry.Get(all);
  FuzzCheck(!pairs.empty(), "CONFIG GET * returned nothing");

  // Round trip, as CONFIG REWRITE relies on: every value CONFIG GET shows,
  // written as a config line, loads back to the same CONFIG GET output.
  // List values (bind, save, ...) are shown joined by spaces, as Redis
  // does, so an empty element or one holding whitespace cannot come back as
  // it was (Redis 7.0 alike; such a bind list may even exceed 16 entries
  // when read back): those are compared as whitespace-separated tokens, and
  // may fail to load when they had such an element.
  auto tokens = [](std::string_view v) {
    std::vector<std::string_view> out;
    size_t i = 0;
    while (i < v.size()) {
      size_t j = v.find_first_of(" \t\r\n\v\f", i);  // SplitArgs' (isspace) separators
      if (j == std::string_view::npos) j = v.size();
      if (j > i) out.push_back(v.substr(i, j - i));
      i = j + 1;
    }
    return out;
  };
  ConfigRegistry back;
  std::vector<std::string> not_loaded;
  for (const auto& [name, value] : pairs) {
    if (name == "dir") continue;  // GET shows getcwd(); not a loaded value
    // Not a replica: GET shows "" and a file says nothing (Redis's REWRITE
    // drops the line; `replicaof ""` is an error in Redis too).
    if ((name == "replicaof" || name == "slaveof") && value.empty()) continue;
    // One load per line: a failed line must not hide the others.
    st = back.LoadFromString(QuoteArg(name) + " " + QuoteArg(value));
    if (!st.ok()) {
      FuzzCheck(value.find_first_of(" \t\r\n\v\f") != std::string::npos,
                "CONFIG GET " + name + " '" + value + "' does not load back: " + st.ToString());
      not_loaded.push_back(name);
    }
  }
  auto back_pairs = back.Get(all);
  FuzzCheck(back_pairs.size() == pairs.size(), "CONFIG GET * changed size in a round trip");
  for (size_t i = 0; i < pairs.size(); ++i) {
    if (back_pairs[i].first == pairs[i].first && tokens(back_pairs[i].second) == tokens(pairs[i].second)) continue;
    if (std::find(not_loaded.begin(), not_loaded.end(), pairs[i].first) != not_loaded.end()) continue;
    FuzzCheck(back_pairs[i] == pairs[i], "CONFIG GET " + pairs[i].first + " was '" + pairs[i].second +
                                             "', after a round trip '" + back_pairs[i].second + "'");
  }
  return 0;
}

}  // namespace replikv::fuzz
