#include "persistence/format/aof_manifest.h"

#include <cstdint>

#include <algorithm>
#include <cstdlib>

#include "server/base/ascii.h"
#include "server/base/split_args.h"

namespace replikv::persistence {
namespace {

// Redis reads the manifest with fgets into a 1024-byte buffer (its
// AOF_MANIFEST_MAX_LINE): a line must fit with its '\n', so 1023 bytes is
// the longest, and a last line without '\n' reads as "too long" too.
constexpr size_t kMaxLine = 1024;

constexpr const char* kInvalidFormat = "Invalid AOF manifest file format";

bool IsTrimmed(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsTrimmed(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsTrimmed(s.back())) s.remove_suffix(1);
  return s;
}

// atoll: leading blanks, a sign, digits up to the first other byte; 0 if none.
int64_t AtoLL(const std::string& v) { return std::strtoll(v.c_str(), nullptr, 10); }

}  // namespace

std::vector<std::string> AofManifestError::FatalLines() const {
  std::vector<std::string> out{"\n*** FATAL AOF MANIFEST FILE ERROR ***\n"};
  if (line_no > 0) {
    out.push_back("Reading the manifest file, at line " + std::to_string(line_no) + "\n");
    out.push_back(">>> '" + line + "'\n");
  }
  out.push_back(reason + "\n");
  return out;
}

Result<AofManifest> AofManifest::Parse(std::string_view text, AofManifestError* error) {
  AofManifestError local;
  AofManifestError& err = error != nullptr ? *error : local;
  auto fail = [&err](size_t line_no, std::string_view line, std::string reason) -> Status {
    err.line_no = line_no;
    err.line = std::string(line);
    err.reason = std::move(reason);
    std::string where = line_no > 0 ? " at line " + std::to_string(line_no) + " ('" + err.line + "')" : "";
    return Status::Corruption(err.reason + where);
  };
  if (text.empty()) return fail(0, {}, "Found an empty AOF manifest");
  AofManifest m;
  size_t line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    if (nl == std::string_view::npos || nl >= kMaxLine) {
      return fail(0, {}, "The AOF manifest file contains too long line");
    }
    std::string_view raw = text.substr(0, nl);
    text.remove_prefix(nl + 1);
    ++line_no;
    if (!raw.empty() && raw[0] == '#') continue;  // only in the first column
    std::string_view line = Trim(raw);
    std::vector<std::string> args;
    if (!SplitArgs(line, &args) || args.size() < 6 || args.size() % 2 != 0) {
      return fail(line_no, line, kInvalidFormat);
    }
    AofFileInfo info;
    bool has_name = false;
    char type = 0;
    for (size_t i = 0; i < args.size(); i += 2) {
      const std::string& k = args[i];
      const std::string& v = args[i + 1];
      if (EqualsIgnoreCase(k, "file")) {
        if (v.find('/') != std::string::npos) return fail(line_no, line, "File can't be a path, just a filename");
        info.name = v;
        has_name = true;
      } else if (EqualsIgnoreCase(k, "seq")) {
        info.seq = AtoLL(v);
      } else if (EqualsIgnoreCase(k, "type")) {
        type = v.empty() ? 0 : v[0];
      }
      // Unknown keys are ignored, as Redis does, for forward compatibility.
    }
    // An empty name is refused too (Redis would go on and stat the directory).
    // A sequence near INT64_MAX (atoll saturates) could not be incremented
    // by the next rewrite without overflowing; no real AOF gets there.
    constexpr int64_t kMaxSeq = INT64_MAX / 2;
    if (!has_name || info.name.empty() || info.seq == 0 || info.seq > kMaxSeq || type == 0) {
      return fail(line_no, line, kInvalidFormat);
    }
    switch (type) {
      case 'b':
        if (m.base) return fail(line_no, line, "Found duplicate base file information");
        info.type = AofFileType::kBase;
        m.base_seq = info.seq;
        m.base = info;
        break;
      case 'h':
        info.type = AofFileType::kHistory;
        m.history.push_back(info);
        break;
      case 'i':
        if (info.seq <= m.incr_seq) return fail(line_no, line, "Found a non-monotonic sequence number");
        info.type = AofFileType::kIncr;
        m.incr_seq = info.seq;
        m.incrs.push_back(info);
        break;
      default:
        return fail(line_no, line, "Unknown AOF file type");
    }
  }
  return m;
}

std::string AofManifest::Format() const {
  std::string out;
  auto line = [&out](const AofFileInfo& f) {
    out += "file " + QuoteArg(f.name) + " seq " + std::to_string(f.seq) + " type ";
    out += static_cast<char>(f.type);
    out += '\n';
  };
  if (base) line(*base);
  for (const AofFileInfo& h : history) line(h);
  for (const AofFileInfo& i : incrs) line(i);
  return out;
}

std::string AofManifest::BaseName(const std::string& appendfilename, int64_t seq, bool rdb_preamble) {
  return appendfilename + "." + std::to_string(seq) + (rdb_preamble ? ".base.rdb" : ".base.aof");
}

std::string AofManifest::IncrName(const std::string& appendfilename, int64_t seq) {
  return appendfilename + "." + std::to_string(seq) + ".incr.aof";
}

std::string AofManifest::ManifestName(const std::string& appendfilename) { return appendfilename + ".manifest"; }

const AofFileInfo& AofManifest::AddIncr(const std::string& appendfilename) {
  ++incr_seq;
  incrs.push_back(AofFileInfo{IncrName(appendfilename, incr_seq), incr_seq, AofFileType::kIncr});
  return incrs.back();
}

void AofManifest::ReplaceBase(AofFileInfo new_base, int64_t first_kept_incr_seq) {
  std::vector<AofFileInfo> retired;
  std::vector<AofFileInfo> kept;
  for (AofFileInfo& f : incrs) {
    if (f.seq < first_kept_incr_seq) {
      f.type = AofFileType::kHistory;
      retired.push_back(f);
    } else {
      kept.push_back(f);
    }
  }
  if (base) {
    AofFileInfo old = *base;
    old.type = AofFileType::kHistory;
    retired.push_back(old);
  }
  retired.insert(retired.end(), history.begin(), history.end());
  history = std::move(retired);
  incrs = std::move(kept);
  base_seq = std::max(base_seq, new_base.seq);
  new_base.type = AofFileType::kBase;
  base = std::move(new_base);
}

bool AofManifest::IsLive(const std::string& name) const {
  if (base && base->name == name) return true;
  return std::any_of(incrs.begin(), incrs.end(), [&](const AofFileInfo& f) { return f.name == name; });
}

}  // namespace replikv::persistence
