#include "persistence/aof_loader.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "persistence/file.h"
#include "persistence/rdb_keyspace.h"
#include "server/client.h"
#include "server/command_table.h"
#include "server/resp_parser.h"
#include "server/server.h"

namespace replikv::persistence {
namespace {

constexpr size_t kReadChunk = 1 << 20;

// Walks the commands of one AOF file; calls `on_command(argv, end_offset)`
// for each. Stops at damage (returns the message) or at the end.
template <typename Fn>
Status WalkCommands(const std::string& path, AofScan* scan, Fn&& on_command) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IOError("open " + path, std::strerror(errno));
  std::unique_ptr<int, void (*)(int*)> closer(&fd, [](int* f) { close(*f); });
  RespLimits limits;
  limits.max_bulk_len = SIZE_MAX;  // an AOF holds whatever clients were allowed to write
  RespParser parser(limits);
  std::string buf;
  size_t pos = 0;           // parse position within buf
  uint64_t buf_offset = 0;  // file offset of buf[0]
  bool eof = false;
  bool in_multi = false;
  uint64_t multi_start = 0;
  while (true) {
    if (pos < buf.size() && buf[pos] == '#') {
      // An annotation line (aof-timestamp-enabled writes "#TS:..."): skip it.
      size_t nl = buf.find('\n', pos);
      if (nl != std::string::npos) {
        pos = nl + 1;
        scan->valid_bytes = buf_offset + pos;
        continue;
      }
    } else if (pos < buf.size() && buf[pos] != '*') {
      scan->error = "expected '*' at the start of a command";
      return Status::OK();
    }
    RespParser::State st = pos < buf.size() ? parser.Parse(buf.data() + pos, buf.size() - pos)
                                            : RespParser::State::kNeedMore;
    if (st == RespParser::State::kError) {
      scan->error = parser.error();
      return Status::OK();
    }
    if (st == RespParser::State::kCommand) {
      const auto& argv = parser.args();
      pos += parser.consumed();
      uint64_t end = buf_offset + pos;
      if (!argv.empty()) {
        bool is_multi = EqualsIgnoreCase(argv[0], "multi");
        bool is_exec = EqualsIgnoreCase(argv[0], "exec");
        if (is_multi) {
          in_multi = true;
          multi_start = end - parser.consumed();
        }
        Status s = on_command(argv);
        if (!s.ok()) return s;
        ++scan->commands;
        if (is_exec) in_multi = false;
      }
      if (!in_multi) scan->valid_bytes = end;
      continue;
    }
    // kNeedMore
    if (eof) {
      scan->file_bytes = buf_offset + buf.size();
      if (in_multi) scan->valid_bytes = multi_start;
      scan->truncated = scan->valid_bytes < scan->file_bytes;
      return Status::OK();
    }
    // Keep the unparsed tail, read more behind it.
    if (pos > 0) {
      buf.erase(0, pos);
      buf_offset += pos;
      pos = 0;
    }
    size_t old = buf.size();
    buf.resize(old + kReadChunk);
    ssize_t n;
    do {
      n = read(fd, buf.data() + old, kReadChunk);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return Status::IOError("read " + path, std::strerror(errno));
    buf.resize(old + static_cast<size_t>(n));
    if (n == 0) eof = true;
  }
}

bool StartsWithRdbMagic(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char magic[5];
  ssize_t n = read(fd, magic, 5);
  close(fd);
  return n == 5 && std::memcmp(magic, "REDIS", 5) == 0;
}

}  // namespace

Result<AofScan> ScanAofCommands(const std::string& path) {
  AofScan scan;
  Status st = WalkCommands(path, &scan, [](const std::vector<std::string_view>&) { return Status::OK(); });
  if (!st.ok()) return st;
  return scan;
}

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
    if (!size.ok()) return Status::IOError("AOF file " + files[i].name + " named by the manifest", size.status().message());
    if (*size == 0) continue;
    if (files[i].type == AofFileType::kBase && StartsWithRdbMagic(path)) {
      RdbLoadResult r;
      Status st = LoadKeyspaceFromFile(server.keyspace(), path, !server.is_replica,
                                       [&](uint64_t b, uint64_t) { if (progress) progress(stats->bytes + b); }, &r);
      if (!st.ok()) return Status::Corruption("AOF base file " + files[i].name, st.message());
      stats->bytes += *size;
      spdlog::info("DB loaded from base file {}: {} keys", files[i].name, r.keys_loaded);
      continue;
    }
    AofScan scan;
    Status st = WalkCommands(path, &scan, [&](const std::vector<std::string_view>& argv) {
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
    stats->bytes += scan.file_bytes;
    if (!scan.error.empty()) {
      return Status::Corruption("Bad file format reading the append only file " + files[i].name + " at offset " +
                                    std::to_string(scan.valid_bytes),
                                scan.error + "; make a backup of your AOF file, then use ./replikv-check-aof --fix "
                                             "<filename.manifest>");
    }
    if (scan.truncated) {
      if (!last || !load_truncated) {
        return Status::Corruption("Unexpected end of file reading the append only file " + files[i].name +
                                      " at offset " + std::to_string(scan.valid_bytes),
                                  "use replikv-check-aof --fix, or set aof-load-truncated yes");
      }
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
