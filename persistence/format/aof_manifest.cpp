#include "persistence/format/aof_manifest.h"

#include <algorithm>
#include <charconv>

#include "server/base/split_args.h"

namespace replikv::persistence {
namespace {

// Redis refuses manifest lines longer than this (AOF_MANIFEST_MAX_LINE).
constexpr size_t kMaxLine = 1024;

Status LineError(size_t line_no, std::string_view what) {
  return Status::Corruption("Invalid AOF manifest file format at line " + std::to_string(line_no), what);
}

}  // namespace

Result<AofManifest> AofManifest::Parse(std::string_view text) {
  AofManifest m;
  size_t line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    // Redis reads lines with a 1024-byte buffer that must also hold the
    // newline, so 1023 bytes is the longest line it accepts.
    if (line.size() >= kMaxLine) return LineError(line_no, "line too long");
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '#') continue;
    std::vector<std::string> args;
    if (!SplitArgs(line, &args)) return LineError(line_no, "unbalanced quotes");
    if (args.size() % 2 != 0) return LineError(line_no, "keys and values must come in pairs");
    AofFileInfo info;
    bool has_name = false, has_seq = false, has_type = false;
    for (size_t i = 0; i < args.size(); i += 2) {
      const std::string& k = args[i];
      const std::string& v = args[i + 1];
      if (k == "file") {
        if (v.empty() || v.find('/') != std::string::npos) return LineError(line_no, "bad file name");
        info.name = v;
        has_name = true;
      } else if (k == "seq") {
        auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), info.seq);
        if (ec != std::errc() || end != v.data() + v.size() || info.seq <= 0) return LineError(line_no, "bad seq");
        has_seq = true;
      } else if (k == "type") {
        if (v.size() != 1 || (v[0] != 'b' && v[0] != 'h' && v[0] != 'i')) return LineError(line_no, "bad type");
        info.type = static_cast<AofFileType>(v[0]);
        has_type = true;
      }
      // Unknown keys are ignored, as Redis does, for forward compatibility.
    }
    if (!has_name || !has_seq || !has_type) return LineError(line_no, "missing file, seq or type");
    switch (info.type) {
      case AofFileType::kBase:
        if (m.base) return LineError(line_no, "more than one base file");
        m.base_seq = std::max(m.base_seq, info.seq);
        m.base = info;
        break;
      case AofFileType::kIncr:
        if (!m.incrs.empty() && info.seq <= m.incrs.back().seq) return LineError(line_no, "incr files out of order");
        m.incr_seq = std::max(m.incr_seq, info.seq);
        m.incrs.push_back(info);
        break;
      case AofFileType::kHistory:
        m.history.push_back(info);
        break;
    }
  }
  if (!m.base && m.incrs.empty()) return Status::Corruption("Invalid AOF manifest file format", "no base and no incr files");
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
  if (base) {
    AofFileInfo old = *base;
    old.type = AofFileType::kHistory;
    history.push_back(old);
  }
  std::vector<AofFileInfo> kept;
  for (AofFileInfo& f : incrs) {
    if (f.seq < first_kept_incr_seq) {
      f.type = AofFileType::kHistory;
      history.push_back(f);
    } else {
      kept.push_back(f);
    }
  }
  incrs = std::move(kept);
  base_seq = std::max(base_seq, new_base.seq);
  new_base.type = AofFileType::kBase;
  base = std::move(new_base);
}

}  // namespace replikv::persistence
