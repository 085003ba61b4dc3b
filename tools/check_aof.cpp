// replikv-check-aof [--fix|--truncate-to-timestamp T] <file.manifest|file.aof>: checks an append-only
// file without loading it into a server, in the shape of Redis 7.0's
// redis-check-aof:
//
//   - a manifest (appendonly.aof.manifest): every file it names, the base
//     first (an RDB, checked with the RDB decoder, or AOF commands), then
//     the incr files in order; history files are ignored;
//   - any other file: one AOF ("old style"), which may start with an RDB
//     preamble followed by commands.
//
// For each file it prints
//   AOF analyzed: filename=F, size=S, ok_up_to=O, ok_up_to_line=L, diff=S-O
// where O is the offset just past the last whole command (before a MULTI
// without its EXEC) and L the line on which the damage starts.
//
// --fix truncates the damaged file to O after asking "Continue? [y/N]:" on
// stdin. Only the last file of the AOF can be fixed: the files after a
// damaged one were written later and would be replayed without what the
// cut removed, so damage anywhere else is refused, as Redis does. Damage
// inside an RDB (base or preamble) cannot be fixed by truncation either.
//
// --truncate-to-timestamp T cuts the last file at its first "#TS:" annotation
// later than T (aof-timestamp-enabled writes them), without asking, to undo
// what was written after T. A file whose commands all come after T ("has
// nothing before timestamp") and a later annotation in any file but the last
// are refused. Redis prints no "AOF analyzed" line in this mode and calls a
// file with a torn tail valid; here damage before the cut is still reported.
//
// Exit status: 0 when every file is whole (or was fixed), 1 on damage or a
// refused fix, 2 on usage errors or when the named file cannot be read.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <optional>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "persistence/format/aof_scan.h"
#include "persistence/format/aof_manifest.h"
#include "persistence/format/file.h"
#include "persistence/format/rdb_decoder.h"
#include "server/base/split_args.h"
#include "server/base/version.h"

namespace {

using replikv::Result;
using replikv::Status;
using namespace replikv::persistence;

constexpr int kExitOk = 0;
constexpr int kExitDamaged = 1;
constexpr int kExitUsage = 2;

// How much of a file is read to tell a manifest from an AOF.
constexpr size_t kSniffBytes = 4096;

using ull = unsigned long long;

// Counts keys for the summary; everything else is accepted as is.
class KeyCounter final : public RdbHandler {
 public:
  Status OnKey(RdbEntry& e) override {
    ++keys;
    if (e.expire_ms != -1) ++expires;
    return Status::OK();
  }
  uint64_t keys = 0, expires = 0;
};

enum class Verdict { kValid, kEmpty, kDamaged, kFixed, kRefused };

struct Options {
  bool fix = false;
  std::optional<int64_t> truncate_to;  // --truncate-to-timestamp
};

// What one file check found.
struct FileReport {
  Verdict verdict = Verdict::kValid;
  uint64_t size = 0;
  uint64_t ok_up_to = 0;
};

bool StartsWith(const std::string& s, std::string_view prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

Result<std::string> ReadPrefix(const std::string& path, size_t n) {
  auto file = NewSequentialFile(path);
  if (!file.ok()) return file.status();
  std::string out(n, '\0');
  size_t got = 0;
  // Bounded: every round reads at least one byte or stops.
  while (got < n) {
    std::string_view piece;
    Status st = (*file)->Read(n - got, &piece, out.data() + got);
    if (!st.ok()) return st;
    if (piece.empty()) break;
    if (piece.data() != out.data() + got) std::memmove(out.data() + got, piece.data(), piece.size());
    got += piece.size();
  }
  out.resize(got);
  return out;
}

// A manifest's first line that is neither blank nor a comment is made of
// "file"/"seq"/"type" key-value pairs; an AOF's starts with '*' (or is
// binary, for an RDB preamble).
bool LooksLikeManifest(const std::string& head) {
  if (StartsWith(head, "REDIS")) return false;
  size_t pos = 0;
  while (pos < head.size()) {
    size_t nl = head.find('\n', pos);
    std::string line = head.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? head.size() : nl + 1;
    size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    std::vector<std::string> args;
    if (!replikv::SplitArgs(line, &args) || args.empty()) return false;
    return args[0] == "file" || args[0] == "seq" || args[0] == "type";
  }
  return false;
}

// The 1-based line on which byte `offset` of `path` lies, counting from
// `from` (the end of an RDB preamble has no lines of its own before it).
uint64_t LineAt(const std::string& path, uint64_t from, uint64_t offset) {
  auto file = NewSequentialFile(path);
  if (!file.ok()) return 0;
  std::vector<char> scratch(1 << 16);
  uint64_t at = 0, line = 1;
  // Bounded by the file size: every round reads at least one byte or stops.
  while (at < offset) {
    std::string_view piece;
    size_t want = static_cast<size_t>(std::min<uint64_t>(scratch.size(), offset - at));
    if (!(*file)->Read(want, &piece, scratch.data()).ok() || piece.empty()) break;
    for (size_t i = 0; i < piece.size(); ++i) {
      if (at + i >= from && piece[i] == '\n') ++line;
    }
    at += piece.size();
  }
  return line;
}

// Asks on stdin; only an answer starting with 'y' or 'Y' is a yes.
bool Confirm() {
  std::printf("Continue? [y/N]: ");
  std::fflush(stdout);
  char answer[64];
  if (std::fgets(answer, sizeof(answer), stdin) == nullptr) return false;
  return answer[0] == 'y' || answer[0] == 'Y';
}

// Checks an RDB at the start of `path`; on success stores where it ends.
bool CheckRdbPart(const std::string& path, const std::string& shown, uint64_t size, uint64_t* rdb_end) {
  std::printf("[offset 0] Checking RDB file %s\n", shown.c_str());
  auto file = NewSequentialFile(path);
  if (!file.ok()) {
    std::printf("Cannot open file %s, aborting...\n", file.status().message().c_str());
    return false;
  }
  KeyCounter counter;
  RdbDecoderOptions options;
  options.source_size = size;
  RdbDecoder decoder(file->get(), &counter, options);
  Status st = decoder.Run();
  if (!st.ok()) {
    // The decoder's message starts "rdb offset <N>:", the offset of the damage.
    std::printf("--- RDB ERROR DETECTED ---\n%s\n", st.message().c_str());
    std::printf("[info] %llu keys read\nRDB preamble of AOF file is not sane, aborting.\n",
                static_cast<ull>(counter.keys));
    return false;
  }
  const RdbLoadStats& stats = decoder.stats();
  std::printf("[offset %llu] %s\n", static_cast<ull>(stats.bytes),
              stats.checksum_verified ? "Checksum OK" : "Checksum not stored, not verified");
  std::printf("[info] %llu keys read\n[info] %llu expires\n", static_cast<ull>(counter.keys),
              static_cast<ull>(counter.expires));
  std::printf("RDB preamble is OK, proceeding with AOF tail...\n");
  *rdb_end = stats.bytes;
  return true;
}

// --truncate-to-timestamp on one file whose scan found a later annotation.
Verdict CutAtTimestamp(const std::string& path, const std::string& shown, uint64_t commands_from, bool last,
                       const AofScan& scan, int64_t ts) {
  if (scan.cut_offset == commands_from) {
    std::printf("AOF %s has nothing before timestamp %lld, aborting...\n", path.c_str(), static_cast<long long>(ts));
    return Verdict::kRefused;
  }
  if (!last) {
    std::printf("Failed to truncate AOF %s to timestamp %lld because it is not the last file\n", shown.c_str(),
                static_cast<long long>(ts));
    return Verdict::kRefused;
  }
  if (truncate(path.c_str(), static_cast<off_t>(scan.cut_offset)) != 0) {
    std::printf("Failed to truncate AOF %s: %s\n", shown.c_str(), std::strerror(errno));
    return Verdict::kRefused;
  }
  std::printf("Successfully truncated AOF %s to timestamp %lld\n", shown.c_str(), static_cast<long long>(ts));
  return Verdict::kFixed;
}

// Checks one file. `shown` is the name printed, `last` whether it is the
// last file of the AOF (the only one --fix or --truncate-to-timestamp may cut).
FileReport CheckFile(const std::string& path, const std::string& shown, bool last, const Options& opt) {
  const bool fix = opt.fix;
  FileReport rep;
  auto size = GetFileSize(path);
  if (!size.ok()) {
    std::printf("Cannot open file %s, aborting...\n", size.status().message().c_str());
    rep.verdict = Verdict::kRefused;
    return rep;
  }
  rep.size = *size;
  if (rep.size == 0) {
    rep.verdict = Verdict::kEmpty;
    return rep;
  }
  uint64_t commands_from = 0;
  auto head = ReadPrefix(path, 5);
  if (head.ok() && *head == "REDIS") {
    if (!CheckRdbPart(path, shown, rep.size, &commands_from)) {
      rep.verdict = Verdict::kRefused;
      return rep;
    }
  }
  AofScan scan;
  if (commands_from < rep.size) {
    auto r = ScanAofCommands(path, commands_from, opt.truncate_to);
    if (!r.ok()) {
      std::printf("Failed to read from AOF %s, aborting... (%s)\n", shown.c_str(), r.status().message().c_str());
      rep.verdict = Verdict::kRefused;
      return rep;
    }
    scan = std::move(*r);
  } else {
    scan.valid_bytes = scan.file_bytes = rep.size;
  }
  rep.ok_up_to = scan.valid_bytes;
  if (scan.found_cut) {
    rep.verdict = CutAtTimestamp(path, shown, commands_from, last, scan, *opt.truncate_to);
    return rep;
  }
  const bool damaged = !scan.error.empty() || scan.truncated;
  if (opt.truncate_to && !damaged) {
    std::printf("Truncate nothing in AOF %s to timestamp %lld\n", shown.c_str(),
                static_cast<long long>(*opt.truncate_to));
    return rep;
  }
  if (damaged) {
    std::string what = !scan.error.empty() ? scan.error
                       : scan.open_multi   ? "Reached EOF before reading EXEC for MULTI"
                                           : "Unexpected end of file in the middle of a command";
    std::printf("0x%16llx: %s\n", static_cast<ull>(scan.valid_bytes), what.c_str());
  }
  const uint64_t line = commands_from == rep.size ? 1 : LineAt(path, commands_from, rep.ok_up_to);
  std::printf("AOF analyzed: filename=%s, size=%llu, ok_up_to=%llu, ok_up_to_line=%llu, diff=%llu\n", shown.c_str(),
              static_cast<ull>(rep.size), static_cast<ull>(rep.ok_up_to), static_cast<ull>(line),
              static_cast<ull>(rep.size - rep.ok_up_to));
  if (!damaged) return rep;
  if (!fix) {
    std::printf("AOF %s is not valid. Use the --fix option to try fixing it.\n", shown.c_str());
    rep.verdict = Verdict::kDamaged;
    return rep;
  }
  if (!last) {
    std::printf("Failed to truncate AOF %s because it is not the last file\n", shown.c_str());
    rep.verdict = Verdict::kRefused;
    return rep;
  }
  std::printf("This will shrink the AOF %s from %llu bytes, with %llu bytes, to %llu bytes\n", shown.c_str(),
              static_cast<ull>(rep.size), static_cast<ull>(rep.size - rep.ok_up_to), static_cast<ull>(rep.ok_up_to));
  if (!scan.error.empty()) {
    std::printf("The damage is not an incomplete last command: every command after offset %llu is dropped too.\n",
                static_cast<ull>(rep.ok_up_to));
  }
  if (!Confirm()) {
    std::printf("Aborting...\n");
    rep.verdict = Verdict::kRefused;
    return rep;
  }
  if (truncate(path.c_str(), static_cast<off_t>(rep.ok_up_to)) != 0) {
    std::printf("Failed to truncate AOF %s: %s\n", shown.c_str(), std::strerror(errno));
    rep.verdict = Verdict::kRefused;
    return rep;
  }
  std::printf("Successfully truncated AOF %s\n", shown.c_str());
  rep.verdict = Verdict::kFixed;
  return rep;
}

int CheckSingle(const std::string& path, const Options& opt) {
  std::printf("Start checking Old-Style AOF\n");
  FileReport rep = CheckFile(path, path, /*last=*/true, opt);
  switch (rep.verdict) {
    case Verdict::kValid: std::printf("AOF %s is valid\n", path.c_str()); return kExitOk;
    case Verdict::kEmpty: std::printf("AOF %s is empty\n", path.c_str()); return kExitOk;
    case Verdict::kFixed: return kExitOk;
    case Verdict::kDamaged:
    case Verdict::kRefused: return kExitDamaged;
  }
  return kExitDamaged;
}

int CheckManifest(const std::string& manifest_path, const Options& opt) {
  std::printf("Start checking Multi Part AOF\n");
  std::string text;
  Status st = ReadFileToString(manifest_path, &text);
  if (!st.ok()) {
    std::printf("Cannot open file %s, aborting...\n", st.message().c_str());
    return kExitUsage;
  }
  AofManifestError err;
  auto m = AofManifest::Parse(text, &err);
  if (!m.ok()) {
    // The block redis-check-aof 7.0 logs, without its log prefix.
    for (const std::string& line : err.FatalLines()) std::printf("%s", line.c_str());
    return kExitDamaged;
  }
  const std::string dir = DirName(manifest_path);
  std::vector<std::pair<AofFileInfo, bool>> files;  // (file, is base)
  if (m->base) files.emplace_back(*m->base, true);
  for (const AofFileInfo& f : m->incrs) files.emplace_back(f, false);
  bool incr_header = false;
  for (size_t i = 0; i < files.size(); ++i) {
    const auto& [info, is_base] = files[i];
    const std::string path = dir + "/" + info.name;
    const char* kind = is_base ? "BASE" : "INCR";
    if (is_base) {
      auto head = ReadPrefix(path, 5);
      std::printf("Start to check BASE AOF (%s format).\n", head.ok() && *head == "REDIS" ? "RDB" : "AOF");
    } else if (!incr_header) {
      std::printf("Start to check INCR files.\n");
      incr_header = true;
    }
    FileReport rep = CheckFile(path, info.name, i + 1 == files.size(), opt);
    switch (rep.verdict) {
      case Verdict::kValid: std::printf("%s AOF %s is valid\n", kind, info.name.c_str()); break;
      case Verdict::kEmpty: std::printf("%s AOF %s is empty\n", kind, info.name.c_str()); break;
      case Verdict::kFixed: break;
      case Verdict::kDamaged:
      case Verdict::kRefused: return kExitDamaged;
    }
  }
  std::printf("All AOF files and manifest are valid\n");
  return kExitOk;
}

void Usage(const char* argv0) {
  std::fprintf(stderr,
               "Usage: %s [--fix|--truncate-to-timestamp T] <file.manifest|file.aof>\n"
               "  Checks an append-only file: a Redis 7 manifest and every file it names, or one AOF file.\n"
               "  --fix  truncate the last file to its last whole command (asks for confirmation)\n"
               "  --truncate-to-timestamp T  cut the last file before its first #TS annotation after T\n"
               "                             (unix seconds; written with aof-timestamp-enabled yes)\n",
               argv0);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && (std::strcmp(argv[1], "-v") == 0 || std::strcmp(argv[1], "--version") == 0)) {
    std::printf("replikv-check-aof %s\n", replikv::kReplikvVersion);
    return kExitOk;
  }
  if (argc == 2 && (std::strcmp(argv[1], "-h") == 0 || std::strcmp(argv[1], "--help") == 0)) {
    Usage(argv[0]);
    return kExitOk;
  }
  Options opt;
  std::string path;
  if (argc == 2 && std::strcmp(argv[1], "--fix") != 0) {
    path = argv[1];
  } else if (argc == 3 && std::strcmp(argv[1], "--fix") == 0) {
    opt.fix = true;
    path = argv[2];
  } else if (argc == 4 && std::strcmp(argv[1], "--truncate-to-timestamp") == 0) {
    int64_t ts;
    std::string_view text = argv[2];
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ts);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
      std::printf("Invalid timestamp, aborting...\n");
      return kExitDamaged;
    }
    opt.truncate_to = ts;
    path = argv[3];
  } else {
    Usage(argv[0]);
    return kExitUsage;
  }
  auto head = ReadPrefix(path, kSniffBytes);
  if (!head.ok()) {
    std::printf("Cannot open file %s, aborting...\n", head.status().message().c_str());
    return kExitUsage;
  }
  return LooksLikeManifest(*head) ? CheckManifest(path, opt) : CheckSingle(path, opt);
}
