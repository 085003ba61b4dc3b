// The operator's commands: MONITOR, SLOWLOG, LATENCY, LOLWUT.
//
// The state lives in the server (server/monitor.h, server/slowlog.h,
// server/latency_monitor.h) and is fed by Server::Call and the cycles that
// measure themselves; these handlers only read and reset it.
#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "server/base/version.h"
#include "server/latency_histogram.h"
#include "server/latency_monitor.h"
#include "server/monitor.h"
#include "server/net/client.h"
#include "server/net/reply_buffer.h"
#include "server/server.h"
#include "server/slowlog.h"

namespace replikv {
namespace {

// ---------------------------------------------------------------- MONITOR

void MonitorCommand(CommandContext& ctx) {
  Client& c = ctx.client;
  // Inside EXEC a client expects one reply per command (Redis 7.0).
  if (c.deny_blocking) return ctx.reply.AddError("MONITOR isn't allowed for DENY BLOCKING client");
  // A replica, or a client already monitoring: ignored without a reply.
  if (c.kind() == ClientKind::kReplica || c.monitor) return;
  c.monitor = true;
  ctx.server.monitors().Add(&c);
  ctx.reply.AddOk();
}

// ---------------------------------------------------------------- SLOWLOG

const char* const kSlowlogHelp[] = {
    "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "GET [<count>]",
    "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
    "    Entries are made of:",
    "    id, timestamp, time in microseconds, arguments array, client IP and port,",
    "    client name",
    "LEN",
    "    Return the length of the slowlog.",
    "RESET",
    "    Reset the slowlog.",
    "HELP",
    "    Prints this help.",
};

void SlowlogCommand(CommandContext& ctx) {
  SlowLog& log = ctx.server.slowlog();
  const std::string_view sub = ctx.argv[1];
  const size_t argc = ctx.argv.size();
  if (EqualsIgnoreCase(sub, "help") && argc == 2) return ReplyHelp(ctx.reply, kSlowlogHelp);
  if (EqualsIgnoreCase(sub, "reset") && argc == 2) {
    log.Reset();
    return ctx.reply.AddOk();
  }
  if (EqualsIgnoreCase(sub, "len") && argc == 2) return ctx.reply.AddInt(static_cast<int64_t>(log.size()));
  if (EqualsIgnoreCase(sub, "get") && (argc == 2 || argc == 3)) {
    int64_t count = 10;
    if (argc == 3 && (!ParseInt64(ctx.argv[2], &count) || count < -1)) {
      return ctx.reply.AddError("count should be greater than or equal to -1");
    }
    const size_t n = count == -1 ? log.size() : std::min(log.size(), static_cast<size_t>(count));
    ctx.reply.AddArrayLen(n);
    for (size_t i = 0; i < n; ++i) {
      const SlowLog::Entry& e = log.entries()[i];
      ctx.reply.AddArrayLen(6);
      ctx.reply.AddInt(static_cast<int64_t>(e.id));
      ctx.reply.AddInt(e.time_sec);
      ctx.reply.AddInt(e.duration_us);
      ctx.reply.AddArrayLen(e.args.size());
      for (const std::string& a : e.args) ctx.reply.AddBulk(a);
      ctx.reply.AddBulk(e.addr);
      ctx.reply.AddBulk(e.name);
    }
    return;
  }
  ctx.reply.AddError("unknown subcommand or wrong number of arguments for '" + std::string(sub) +
                     "'. Try SLOWLOG HELP.");
}

// ---------------------------------------------------------------- LATENCY

const char* const kLatencyHelp[] = {
    "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "DOCTOR",
    "    Return a human readable latency analysis report.",
    "GRAPH <event>",
    "    Return an ASCII latency graph for the <event> class.",
    "HISTORY <event>",
    "    Return time-latency samples for the <event> class.",
    "LATEST",
    "    Return the latest latency samples for all events.",
    "RESET [<event> ...]",
    "    Reset latency data of one or more <event> classes.",
    "    (default: reset all data for all event classes)",
    "HISTOGRAM [COMMAND ...]",
    "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
    "    If no commands are specified then all histograms are replied.",
    "HELP",
    "    Prints this help.",
};

// One command's entry of LATENCY HISTOGRAM:
//   <name> => {calls => n, histogram_usec => {<bucket us> => <cumulative count>...}}
// Buckets are powers of two from 1024 ns, each reported as the highest
// value it holds in microseconds, only where the count grew (Redis 7.0
// walks its hdr_histogram the same way).
void ReplyCommandHistogram(ReplyBuffer& r, const Command& cmd) {
  const LatencyHistogram& h = *cmd.latency;
  std::vector<std::pair<int64_t, int64_t>> buckets;
  uint64_t previous = 0;
  for (uint64_t step = 1024; step <= 2 * LatencyHistogram::kMaxNs && previous < h.total(); step *= 2) {
    const uint64_t cumulative = h.CountUpTo(step);
    if (cumulative > previous) {
      buckets.emplace_back(static_cast<int64_t>(LatencyHistogram::HighestEquivalent(step) / 1000),
                           static_cast<int64_t>(cumulative));
    }
    previous = cumulative;
  }
  r.AddBulk(cmd.full_name);
  r.AddMapLen(2);
  r.AddBulk("calls");
  r.AddInt(static_cast<int64_t>(h.total()));
  r.AddBulk("histogram_usec");
  r.AddMapLen(buckets.size());
  for (const auto& [us, count] : buckets) {
    r.AddInt(us);
    r.AddInt(count);
  }
}

void LatencyHistogramCommand(CommandContext& ctx) {
  std::vector<const Command*> cmds;
  auto want = [&](const Command& c) {
    if (c.latency && c.latency->total() != 0) cmds.push_back(&c);
  };
  if (ctx.argv.size() == 2) {
    for (const auto& [name, cmd] : ctx.server.commands().all()) {
      want(cmd);
      for (const auto& [sname, sub] : cmd.subcommands) want(sub);
    }
  } else {
    for (size_t i = 2; i < ctx.argv.size(); ++i) {
      // "config|get" names a subcommand, as in Redis.
      std::string_view name = ctx.argv[i];
      const size_t bar = name.find('|');
      Command* c = ctx.server.commands().Find(name.substr(0, bar));
      if (c != nullptr && bar != std::string_view::npos) c = c->FindSubcommand(name.substr(bar + 1));
      if (c != nullptr) want(*c);  // a name given twice is replied twice, as Redis
    }
  }
  ctx.reply.AddMapLen(cmds.size());  // maps all the way down in RESP3
  for (const Command* c : cmds) ReplyCommandHistogram(ctx.reply, *c);
}

void LatencyCommand(CommandContext& ctx) {
  LatencyMonitor& lm = ctx.server.latency_monitor();
  const std::string_view sub = ctx.argv[1];
  const size_t argc = ctx.argv.size();
  const int64_t now = ctx.server.keyspace().now_ms() / 1000;
  if (EqualsIgnoreCase(sub, "help") && argc == 2) return ReplyHelp(ctx.reply, kLatencyHelp);
  if (EqualsIgnoreCase(sub, "latest") && argc == 2) {
    ctx.reply.AddArrayLen(lm.events().size());
    for (const auto& [name, ev] : lm.events()) {
      const LatencyMonitor::Sample& last = ev.Last();
      ctx.reply.AddArrayLen(4);
      ctx.reply.AddBulk(name);
      ctx.reply.AddInt(last.time_sec);
      ctx.reply.AddInt(last.latency_ms);
      ctx.reply.AddInt(ev.max_ms);
    }
    return;
  }
  if (EqualsIgnoreCase(sub, "history") && argc == 3) {
    const LatencyMonitor::Event* ev = lm.Find(ctx.argv[2]);
    if (ev == nullptr) return ctx.reply.AddArrayLen(0);
    std::vector<LatencyMonitor::Sample> samples = ev->Samples();
    ctx.reply.AddArrayLen(samples.size());
    for (const LatencyMonitor::Sample& s : samples) {
      ctx.reply.AddArrayLen(2);
      ctx.reply.AddInt(s.time_sec);
      ctx.reply.AddInt(s.latency_ms);
    }
    return;
  }
  if (EqualsIgnoreCase(sub, "graph") && argc == 3) {
    const LatencyMonitor::Event* ev = lm.Find(ctx.argv[2]);
    if (ev == nullptr) {
      return ctx.reply.AddError("No samples available for event '" + std::string(ctx.argv[2]) + "'");
    }
    return ctx.reply.AddVerbatim(LatencyGraph(ctx.argv[2], *ev, now));
  }
  if (EqualsIgnoreCase(sub, "doctor") && argc == 2) {
    return ctx.reply.AddVerbatim(LatencyDoctor(lm, ctx.server.config(), now));
  }
  if (EqualsIgnoreCase(sub, "reset") && argc >= 2) {
    if (argc == 2) return ctx.reply.AddInt(static_cast<int64_t>(lm.ResetAll()));
    int64_t n = 0;
    for (size_t i = 2; i < argc; ++i) n += lm.Reset(ctx.argv[i]) ? 1 : 0;
    return ctx.reply.AddInt(n);
  }
  if (EqualsIgnoreCase(sub, "histogram") && argc >= 2) return LatencyHistogramCommand(ctx);
  ctx.reply.AddError("unknown subcommand or wrong number of arguments for '" + std::string(sub) +
                     "'. Try LATENCY HELP.");
}

// ---------------------------------------------------------------- LOLWUT

// A drawing surface of dots, printed with Unicode braille characters: each
// character shows a 2x4 block of dots (U+2800 plus one bit per dot).
class BrailleCanvas {
 public:
  BrailleCanvas(int width, int height) : width_(width), height_(height), dots_(width * height, false) {}
  void Set(int x, int y) {
    if (x >= 0 && y >= 0 && x < width_ && y < height_) dots_[y * width_ + x] = true;
  }
  // A line with Bresenham's steps.
  void Line(int x0, int y0, int x1, int y1) {
    const int dx = std::abs(x1 - x0), dy = -std::abs(y1 - y0);
    const int sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
    int err = dx + dy;
    for (int guard = 0; guard <= dx - dy + 1; ++guard) {  // at most |dx| + |dy| + 1 dots
      Set(x0, y0);
      if (x0 == x1 && y0 == y1) break;
      const int e2 = 2 * err;
      if (e2 >= dy) {
        err += dy;
        x0 += sx;
      }
      if (e2 <= dx) {
        err += dx;
        y0 += sy;
      }
    }
  }
  std::string Render() const {
    // Bit of each dot in a cell, by (column, row): the braille numbering.
    static const int kBit[2][4] = {{0, 1, 2, 6}, {3, 4, 5, 7}};
    std::string out;
    for (int cy = 0; cy < height_; cy += 4) {
      for (int cx = 0; cx < width_; cx += 2) {
        int code = 0;
        for (int dx = 0; dx < 2; ++dx) {
          for (int dy = 0; dy < 4; ++dy) {
            const int x = cx + dx, y = cy + dy;
            if (x < width_ && y < height_ && dots_[y * width_ + x]) code |= 1 << kBit[dx][dy];
          }
        }
        const int cp = 0x2800 + code;  // three UTF-8 bytes
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
      }
      out += '\n';
    }
    return out;
  }

 private:
  int width_, height_;
  std::vector<bool> dots_;
};

// Georg Nees' "Schotter" (1968), as LOLWUT VERSION 5 draws it: rows of
// squares that turn and wander more the lower they are on the page.
std::string Schotter(int cols, int squares_per_row, int squares_per_col, uint64_t seed) {
  const int width = cols * 2;
  const int padding = width > 4 ? 2 : 0;
  const double side = static_cast<double>(width - padding * 2) / squares_per_row;
  const int height = static_cast<int>(side * squares_per_col + padding * 2);
  BrailleCanvas canvas(width, height);
  uint64_t state = seed | 1;
  auto random01 = [&state]() {  // xorshift64*
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return static_cast<double>((state * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
  };
  for (int row = 0; row < squares_per_col; ++row) {
    const double disorder = static_cast<double>(row) / squares_per_col;
    for (int col = 0; col < squares_per_row; ++col) {
      const double angle = (random01() - 0.5) * disorder * 1.6;
      const double shift_x = (random01() - 0.5) * disorder * side * 0.6;
      const double shift_y = (random01() - 0.5) * disorder * side * 0.6;
      const double cx = padding + side * (col + 0.5) + shift_x;
      const double cy = padding + side * (row + 0.5) + shift_y;
      int px[4], py[4];
      for (int k = 0; k < 4; ++k) {
        const double a = angle + M_PI / 4 + k * M_PI / 2;
        px[k] = static_cast<int>(std::lround(cx + std::cos(a) * side / std::sqrt(2.0)));
        py[k] = static_cast<int>(std::lround(cy + std::sin(a) * side / std::sqrt(2.0)));
      }
      for (int k = 0; k < 4; ++k) canvas.Line(px[k], py[k], px[(k + 1) % 4], py[(k + 1) % 4]);
    }
  }
  return canvas.Render();
}

// LOLWUT [VERSION v [columns squares-per-row squares-per-col]]: version 5
// draws Schotter; every other version prints the version line alone, as
// Redis 7.0 does for the versions it has no drawing for.
void LolwutCommand(CommandContext& ctx) {
  int64_t version = 7;
  size_t i = 1;
  if (ctx.argv.size() >= 3 && EqualsIgnoreCase(ctx.argv[1], "version")) {
    if (!ParseInt64(ctx.argv[2], &version)) return ReplyNotInteger(ctx.reply);
    i = 3;
  }
  // Redis ends with "Redis ver. <version>"; this is replikv's own.
  const std::string line = std::string("replikv ver. ") + kReplikvVersion + "\n";
  if (version != 5) return ctx.reply.AddVerbatim(line);
  int64_t params[3] = {66, 8, 12};
  for (int p = 0; p < 3 && i < ctx.argv.size(); ++p, ++i) {
    if (!ParseInt64(ctx.argv[i], &params[p])) return ReplyNotInteger(ctx.reply);
  }
  // Redis bounds them the same way: a drawing is never huge.
  params[0] = std::clamp<int64_t>(params[0], 1, 1000);
  params[1] = std::clamp<int64_t>(params[1], 1, 200);
  params[2] = std::clamp<int64_t>(params[2], 1, 200);
  std::string out = Schotter(static_cast<int>(params[0]), static_cast<int>(params[1]), static_cast<int>(params[2]),
                             static_cast<uint64_t>(WallClockUs()));
  out += "\nGeorg Nees - schotter, plotter on paper, 1968. " + line;
  ctx.reply.AddVerbatim(out);
}

}  // namespace

void RegisterObserveCommands(CommandTable& t) {
  AddCommands(t, "server", {
    {"monitor", 1, kCmdAdmin | kCmdNoscript | kCmdLoading | kCmdStale, MonitorCommand, 0, 0, 0, "1.0.0"},
    {"slowlog", -2, 0, SlowlogCommand, 0, 0, 0, "2.2.12"},
    {"latency", -2, 0, LatencyCommand, 0, 0, 0, "2.8.13"},
    {"lolwut", -1, kCmdReadonly | kCmdFast, LolwutCommand, 0, 0, 0, "5.0.0"},
  });
  const uint32_t kLs = kCmdLoading | kCmdStale;
  t.AddSubcommands("slowlog",
                   {{"get", -2, kCmdAdmin | kLs},
                    {"len", 2, kCmdAdmin | kLs},
                    {"reset", 2, kCmdAdmin | kLs},
                    {"help", 2, kLs}},
                   SlowlogCommand);
  const uint32_t kL = kCmdAdmin | kCmdNoscript | kLs;
  t.AddSubcommands("latency",
                   {{"latest", 2, kL},
                    {"history", 3, kL},
                    {"reset", -2, kL},
                    {"graph", 3, kL},
                    {"doctor", 2, kL},
                    {"histogram", -2, kL},
                    {"help", 2, kLs}},
                   LatencyCommand);
}

}  // namespace replikv
