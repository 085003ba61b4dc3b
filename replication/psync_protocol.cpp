#include "replication/psync_protocol.h"

#include <algorithm>
#include <climits>

#include <spdlog/fmt/fmt.h>

#include "replication/repl_id.h"
#include "server/base/ascii.h"

namespace replikv::repl {

namespace {

// Longest RDB preamble line: "$EOF:" + 40 chars, or "$" + 19 digits; a
// primary that sends more is not one.
constexpr size_t kMaxPreambleLine = 512;

// A signed 64-bit decimal as Redis's string2ll() accepts it: "0", or an
// optional '-' then digits without a leading zero; nothing else, no overflow.
std::optional<int64_t> ParseStrictInt64(std::string_view s) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  bool negative = false;
  size_t i = 0;
  if (s == "0") return 0;
  if (s[0] == '-') {
    negative = true;
    i = 1;
  }
  if (i >= s.size() || s[i] < '1' || s[i] > '9') return std::nullopt;
  uint64_t v = 0;
  for (; i < s.size(); i++) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    uint64_t d = static_cast<uint64_t>(s[i] - '0');
    if (v > (UINT64_MAX - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  if (negative) {
    if (v > static_cast<uint64_t>(INT64_MAX) + 1) return std::nullopt;
    return static_cast<int64_t>(0 - v);
  }
  if (v > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
  return static_cast<int64_t>(v);
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

void AppendBulk(std::string* out, std::string_view arg) {
  *out += fmt::format("${}\r\n", arg.size());
  out->append(arg);
  *out += "\r\n";
}

}  // namespace

Result<std::optional<std::string_view>> TakeLine(std::string_view in, size_t* consumed,
                                                 size_t max_len) {
  *consumed = 0;
  size_t nl = in.substr(0, max_len + 1).find('\n');
  if (nl == std::string_view::npos) {
    if (in.size() > max_len) {
      return Status::Corruption("reply line too long", fmt::format("over {} bytes", max_len));
    }
    return std::optional<std::string_view>();
  }
  *consumed = nl + 1;
  std::string_view line = in.substr(0, nl);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return std::optional<std::string_view>(line);
}

// PSYNC <replid> <offset> [FAILOVER]
Result<PsyncRequest> ParsePsyncArgs(const std::vector<std::string_view>& argv) {
  if (argv.size() < 3) {
    return Status::InvalidArgument("wrong number of arguments for 'psync' command");
  }
  PsyncRequest req;
  req.replid = std::string(argv[1]);
  std::optional<int64_t> offset = ParseStrictInt64(argv[2]);
  if (!offset) return Status::InvalidArgument("value is not an integer or out of range");
  req.offset = *offset;
  req.failover = argv.size() > 3 && EqualsIgnoreCase(argv[3], "failover");
  return req;
}

// *3\r\n$5\r\nPSYNC\r\n$40\r\n<replid>\r\n$<n>\r\n<offset>\r\n
// (*4 ... $8\r\nFAILOVER\r\n when failing over)
std::string FormatPsyncCommand(std::string_view replid, int64_t offset, bool failover) {
  std::string out = failover ? "*4\r\n" : "*3\r\n";
  AppendBulk(&out, "PSYNC");
  AppendBulk(&out, replid);
  AppendBulk(&out, std::to_string(offset));
  if (failover) AppendBulk(&out, "FAILOVER");
  return out;
}

// +FULLRESYNC 8de1787ba490483314a4d30f1c628bc5025eb761 2310\r\n
std::string FormatFullResync(std::string_view replid, int64_t offset) {
  return fmt::format("+FULLRESYNC {} {}\r\n", replid, offset);
}

// +CONTINUE 8de1787ba490483314a4d30f1c628bc5025eb761\r\n  or  +CONTINUE\r\n
std::string FormatContinue(std::string_view replid) {
  if (replid.empty()) return "+CONTINUE\r\n";
  return fmt::format("+CONTINUE {}\r\n", replid);
}

Result<PsyncReply> ParsePsyncReply(std::string_view line) {
  PsyncReply r;
  r.line = std::string(line);
  if (line.empty()) {
    // The primary may send newlines after PSYNC and before its reply, to
    // keep the link alive while it decides (Redis's PSYNC_WAIT_REPLY).
    r.kind = PsyncReply::Kind::kKeepalive;
    return r;
  }
  // +FULLRESYNC <replid> <offset>
  if (StartsWith(line, "+FULLRESYNC")) {
    std::string_view rest = line.substr(11);
    if (rest.size() < 1 + kReplIdLen + 2 || rest[0] != ' ' || rest[1 + kReplIdLen] != ' ') {
      return Status::Corruption("Master replied with wrong +FULLRESYNC syntax.", line);
    }
    std::optional<int64_t> offset = ParseStrictInt64(rest.substr(2 + kReplIdLen));
    if (!offset || *offset < 0) {
      return Status::Corruption("Master replied with wrong +FULLRESYNC syntax.", line);
    }
    r.kind = PsyncReply::Kind::kFullResync;
    r.replid = std::string(rest.substr(1, kReplIdLen));
    r.offset = *offset;
    return r;
  }
  // +CONTINUE [<replid>]
  if (StartsWith(line, "+CONTINUE")) {
    r.kind = PsyncReply::Kind::kContinue;
    std::string_view rest = line.substr(9);
    if (rest.size() == 1 + kReplIdLen) r.replid = std::string(rest.substr(1));
    return r;
  }
  // Redis 7.0 treats these two as transient (PSYNC_TRY_LATER).
  if (StartsWith(line, "-NOMASTERLINK") || StartsWith(line, "-LOADING")) {
    r.kind = PsyncReply::Kind::kTryLater;
    return r;
  }
  r.kind = StartsWith(line, "-ERR") ? PsyncReply::Kind::kNotSupported
                                    : PsyncReply::Kind::kUnexpected;
  return r;
}

// ---- RdbTransferReader -------------------------------------------------------

Status RdbTransferReader::Fail(Status s) {
  state_ = State::kFailed;
  error_ = s;
  return s;
}

Status RdbTransferReader::Write(const WriteFn& write, std::string_view bytes) {
  if (bytes.empty()) return Status::OK();
  Status s = write(bytes);
  if (!s.ok()) return Fail(s);
  written_ += static_cast<int64_t>(bytes.size());
  return Status::OK();
}

Result<RdbTransferReader::Step> RdbTransferReader::Feed(std::string_view in,
                                                        const WriteFn& write) {
  switch (state_) {
    case State::kPreamble: return FeedPreamble(in);
    case State::kPayload:
      return uses_eof_mark() ? FeedMarked(in, write) : FeedSized(in, write);
    case State::kDone: return Step{Event::kDone, 0};
    case State::kFailed: return error_;
  }
  return error_;
}

// Lines until the preamble, as readSyncBulkPayload() reads them:
//   \n                         keepalive from the primary (BGSAVE running)
//   -ERR ...\r\n               the primary gave up
//   $EOF:<40 chars>\r\n        diskless, payload ends with the 40 chars
//   $<len>\r\n                 disk, payload is <len> bytes
Result<RdbTransferReader::Step> RdbTransferReader::FeedPreamble(std::string_view in) {
  size_t used = 0;
  while (used < in.size()) {
    std::string_view rest = in.substr(used);
    size_t nl = rest.find('\n');
    size_t take = nl == std::string_view::npos ? rest.size() : nl;
    // Check before copying: a peer streaming garbage without '\n' must not
    // grow line_ past the limit.
    if (line_.size() + take > kMaxPreambleLine) {
      return Fail(Status::Corruption("MASTER <-> REPLICA sync: preamble line too long"));
    }
    line_.append(rest.substr(0, take));
    if (nl == std::string_view::npos) return Step{Event::kNeedMore, in.size()};
    used += nl + 1;
    std::string line = std::move(line_);
    line_.clear();
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) {
      keepalives_++;
      continue;
    }
    if (line[0] == '-') {
      return Fail(Status::IOError("MASTER aborted replication with an error", line));
    }
    if (line[0] != '$') {
      return Fail(Status::Corruption(fmt::format(
          "Bad protocol from MASTER, the first byte is not '$' (we received "
          "'{}'), are you sure the host and port are right?",
          line)));
    }
    std::string_view arg = std::string_view(line).substr(1);
    if (StartsWith(arg, "EOF:")) {
      // Redis takes the first 40 chars after "EOF:" and ignores the rest;
      // fewer than 40 make it read the line as "$0" (an empty payload),
      // which is refused here instead.
      if (arg.size() < 4 + kReplIdLen) {
        return Fail(Status::Corruption("MASTER <-> REPLICA sync: EOF mark too short", line));
      }
      eof_mark_ = std::string(arg.substr(4, kReplIdLen));
    } else {
      std::optional<int64_t> len = ParseStrictInt64(arg);
      if (!len || *len < 0) {
        return Fail(Status::Corruption("MASTER <-> REPLICA sync: bad payload length", line));
      }
      transfer_size_ = *len;
    }
    state_ = State::kPayload;
    return Step{Event::kPreamble, used};
  }
  return Step{Event::kNeedMore, used};
}

Result<RdbTransferReader::Step> RdbTransferReader::FeedSized(std::string_view in,
                                                             const WriteFn& write) {
  size_t n = static_cast<size_t>(
      std::min<int64_t>(static_cast<int64_t>(in.size()), transfer_size_ - written_));
  RETURN_IF_ERROR(Write(write, in.substr(0, n)));
  if (written_ == transfer_size_) {
    state_ = State::kDone;
    return Step{Event::kDone, n};
  }
  return Step{Event::kNeedMore, n};
}

// The payload ends at the first occurrence of the mark. Any occurrence not
// seen by an earlier call ends inside `in`, so it starts either in held_
// (the last <= 40 bytes received before) or in `in`.
Result<RdbTransferReader::Step> RdbTransferReader::FeedMarked(std::string_view in,
                                                              const WriteFn& write) {
  const size_t mark_len = eof_mark_.size();
  // Occurrences that start in held_: search held_ + the first 39 bytes.
  std::string joint = held_;
  joint.append(in.substr(0, mark_len - 1));
  size_t at = joint.find(eof_mark_);
  if (at != std::string::npos && at < held_.size()) {
    RETURN_IF_ERROR(Write(write, std::string_view(held_).substr(0, at)));
    size_t consumed = at + mark_len - held_.size();  // the mark's tail in `in`
    held_.clear();
    state_ = State::kDone;
    return Step{Event::kDone, consumed};
  }
  size_t in_at = in.find(eof_mark_);
  if (in_at != std::string_view::npos) {
    RETURN_IF_ERROR(Write(write, held_));
    RETURN_IF_ERROR(Write(write, in.substr(0, in_at)));
    held_.clear();
    state_ = State::kDone;
    return Step{Event::kDone, in_at + mark_len};
  }
  // No end yet: write all but the last mark_len bytes received.
  size_t total = held_.size() + in.size();
  size_t emit = total > mark_len ? total - mark_len : 0;
  size_t from_held = std::min(emit, held_.size());
  size_t from_in = emit - from_held;
  RETURN_IF_ERROR(Write(write, std::string_view(held_).substr(0, from_held)));
  RETURN_IF_ERROR(Write(write, in.substr(0, from_in)));
  held_.erase(0, from_held);
  held_.append(in.substr(from_in));
  return Step{Event::kNeedMore, in.size()};
}

}  // namespace replikv::repl
