#include "persistence/aof_loader.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "persistence/format/file.h"
#include "persistence/rdb_keyspace.h"
#include "server/net/client.h"
#include "server/command_table.h"
#include "server/commands/scripting.h"
#include "server/server.h"

namespace replikv::persistence {

Status LoadAofFiles(Server& server, const std::string& aof_dir, const AofManifest& manifest, bool load_truncated,
                    const std::function<void(uint64_t)>& progress, AofLoadStats* stats) {
  std::vector<AofFileInfo> files;
  if (manifest.base) files.push_back(*manifest.base);
  for (const AofFileInfo& f : manifest.incrs) files.push_back(f);

  // A private client runs the commands: SELECT and MULTI state are its own.
  // The server owns it (its handle is freed by the loop after Close()).
  auto owned = std::make_unique<Client>(server, server.NextClientId());
  Client& loader = *owned;
  loader.authenticated = true;
  server.AddClient(std::move(owned));
  server.keyspace().set_expiry_paused(true);
  struct Closer {
    Server& s;
    Client& c;
    ~Closer() {
      c.Close();
      s.keyspace().set_expiry_paused(false);
    }
  } closer{server, loader};
  uint64_t since_progress = 0;
  for (size_t i = 0; i < files.size(); ++i) {
    const bool last = i + 1 == files.size();
    std::string path = aof_dir + "/" + files[i].name;
    auto size = GetFileSize(path);
    if (!size.ok()) {
      // Redis 7.0's words: "Unable to obtain the AOF file X length. stat: No such file or directory".
      std::string why = size.status().message();
      if (size_t colon = why.rfind(": "); colon != std::string::npos) why = why.substr(colon + 2);
      return Status::IOError("Unable to obtain the AOF file " + files[i].name + " length. stat", why);
    }
    if (*size == 0) continue;
    uint64_t commands_from = 0;
    if (files[i].type == AofFileType::kBase && StartsWithRdbMagic(path)) {
      RdbLoadResult r;
      RdbLoadTuning tuning = LoadTuningFromConfig(server.config());
      // Keys already expired stay (Redis's RDBFLAGS_AOF_PREAMBLE): the
      // commands after the preamble must find them, as they did when
      // they first ran; they expire once loading ends.
      Status st = LoadKeyspaceFromFile(server.keyspace(), path, /*drop_expired=*/false,
                                       [&](uint64_t b, uint64_t) { if (progress) progress(stats->bytes + b); }, &r,
                                       tuning);
      if (st.ok()) st = InstallLoadedFunctions(server.scripting(), r);
      if (!st.ok()) return Status::Corruption("AOF base file " + files[i].name, st.message());
      spdlog::info("DB loaded from base file {}: {} keys", files[i].name, r.keys_loaded);
      if (r.bytes >= *size) {
        stats->bytes += *size;
        continue;
      }
      // A Redis 6 appendonly.aof (upgraded into the directory as the base)
      // may be an RDB preamble followed by the commands written after it.
      spdlog::info("Reading the remaining AOF tail...");
      stats->bytes += r.bytes;
      commands_from = r.bytes;
    }
    AofScan scan;
    Status st = WalkAofCommands(path, commands_from, /*strict=*/false, std::nullopt, &scan,
                             [&](const std::vector<std::string_view>& argv) {
      // Redis stops here rather than drop a write it cannot replay (an AOF
      // from a server with commands this one lacks). Error replies of
      // known commands are ignored, as Redis ignores them.
      if (server.commands().Find(argv[0]) == nullptr) {
        return Status::Corruption("Unknown command '" + std::string(argv[0]) +
                                  "' reading the append only file " + files[i].name);
      }
      server.ExecuteCommand(loader, argv);
      loader.reply().Clear();
      since_progress += 1;
      if (since_progress >= 1024) {
        since_progress = 0;
        if (progress) progress(stats->bytes);
      }
      return Status::OK();
    });
    if (!st.ok()) return st;
    stats->commands += scan.commands;
    if (!scan.error.empty()) {
      return Status::Corruption("Bad file format reading the append only file " + files[i].name + " at offset " +
                                    std::to_string(scan.valid_bytes),
                                scan.error + "; make a backup of your AOF file, then use ./replikv-check-aof --fix "
                                             "<filename.manifest>");
    }
    stats->bytes += scan.file_bytes - commands_from;
    if (scan.truncated) {
      if (!last || !load_truncated) {
        return Status::Corruption("Unexpected end of file reading the append only file " + files[i].name +
                                      " at offset " + std::to_string(scan.valid_bytes),
                                  "use replikv-check-aof --fix, or set aof-load-truncated yes");
      }
      if (scan.open_multi) spdlog::warn("Revert incomplete MULTI/EXEC transaction in AOF file {}", files[i].name);
      spdlog::warn("!!! Warning: short read while loading the AOF file {}!!!", files[i].name);
      spdlog::warn("!!! Truncating the AOF at offset {} !!!", scan.valid_bytes);
      if (truncate(path.c_str(), static_cast<off_t>(scan.valid_bytes)) != 0) {
        return Status::IOError("truncate " + path, std::strerror(errno));
      }
      stats->truncated_bytes = scan.file_bytes - scan.valid_bytes;
      spdlog::warn("AOF {} loaded anyway because aof-load-truncated is enabled", files[i].name);
    }
  }
  return Status::OK();
}

}  // namespace replikv::persistence
