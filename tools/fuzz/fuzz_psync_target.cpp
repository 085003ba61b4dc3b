// FuzzPsync: what a replica reads from its primary after sending PSYNC (see
// fuzz_targets.h).
#include <climits>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "replication/psync_protocol.h"
#include "server/base/resp_parser.h"
#include "tools/fuzz/fuzz_targets.h"

namespace replikv::fuzz {
namespace {

struct Reading {
  std::string outcome;           // how the reply was classified, or the error
  std::string payload;           // RDB bytes handed to the temp file
  std::vector<std::string> commands;  // the stream after the payload, one entry per command
};

// Reads `in` the way the replica does, `chunk` bytes at a time (0: all at once).
Reading Read(std::string_view in, size_t chunk) {
  Reading r;
  size_t fed = 0;  // bytes of `in` made available so far
  auto more = [&] {
    if (fed == in.size()) return false;
    fed = chunk == 0 ? in.size() : std::min(in.size(), fed + chunk);
    return true;
  };
  size_t pos = 0;
  // 1. The reply line(s) to PSYNC.
  repl::PsyncReply reply;
  for (int guard = 0; guard < 1 << 20; ++guard) {
    size_t used = 0;
    auto line = repl::TakeLine(in.substr(pos, fed - pos), &used);
    if (!line.ok()) return r.outcome = "line: " + line.status().message(), r;
    if (!line->has_value()) {
      if (!more()) return r.outcome = "no reply", r;
      continue;
    }
    pos += used;
    auto parsed = repl::ParsePsyncReply(**line);
    if (!parsed.ok()) return r.outcome = "reply: " + parsed.status().message(), r;
    reply = *parsed;
    if (reply.kind != repl::PsyncReply::Kind::kKeepalive) break;
  }
  r.outcome = "kind " + std::to_string(static_cast<int>(reply.kind)) + " " + reply.replid + " " +
              std::to_string(reply.offset);
  // 2. A full sync: the RDB transfer.
  if (reply.kind == repl::PsyncReply::Kind::kFullResync) {
    repl::RdbTransferReader transfer;
    for (int guard = 0; guard < 1 << 22 && !transfer.done(); ++guard) {
      auto step = transfer.Feed(in.substr(pos, fed - pos), [&](std::string_view b) {
        r.payload.append(b);
        return Status::OK();
      });
      if (!step.ok()) return r.outcome += " transfer: " + step.status().message(), r;
      pos += step->consumed;
      if (step->event == repl::RdbTransferReader::Event::kNeedMore && !more()) {
        return r.outcome += " transfer cut", r;
      }
    }
  } else if (reply.kind != repl::PsyncReply::Kind::kContinue) {
    return r;
  }
  // 3. The stream, parsed as the replica's primary client does.
  RespLimits limits;
  limits.max_bulk_len = SIZE_MAX;
  RespParser parser(limits);
  for (int guard = 0; guard < 1 << 22; ++guard) {
    RespParser::State st = parser.Parse(in.data() + pos, fed - pos);
    if (st == RespParser::State::kError) return r.outcome += " stream: " + parser.error(), r;
    if (st == RespParser::State::kCommand) {
      std::string joined;
      for (std::string_view a : parser.args()) joined.append(a).push_back('\0');
      r.commands.push_back(std::move(joined));
      pos += parser.consumed();
      continue;
    }
    pos += parser.consumed();
    if (!more()) break;
  }
  return r;
}

}  // namespace

int FuzzPsync(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const size_t chunk = 1 + data[0] % 17;
  std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  Reading whole = Read(in, 0);
  Reading split = Read(in, chunk);
  FuzzCheck(whole.outcome == split.outcome, "psync outcome depends on the split: '" + whole.outcome + "' vs '" +
                                                split.outcome + "'");
  FuzzCheck(whole.payload == split.payload, "RDB payload depends on the split");
  FuzzCheck(whole.commands == split.commands, "stream commands depend on the split");
  return 0;
}

}  // namespace replikv::fuzz
