#include "server/slowlog.h"

#include <algorithm>

#include "server/monitor.h"

namespace replikv {
namespace {
constexpr size_t kMaxArgs = 32;
constexpr size_t kMaxArgBytes = 128;
}  // namespace

void SlowLog::Add(ArgList argv, int64_t duration_us, int64_t now_sec, const std::string& addr,
                  const std::string& name, uint64_t max_len) {
  Entry e;
  e.id = next_id_++;
  e.time_sec = now_sec;
  e.duration_us = duration_us;
  e.addr = addr;
  e.name = name;
  const size_t kept = std::min(argv.size(), kMaxArgs);
  e.args.reserve(kept);
  std::vector<bool> redacted(argv.size(), false);
  ForEachRedactedArg(argv, [&](size_t i) { redacted[i] = true; });
  for (size_t i = 0; i < kept; ++i) {
    if (i == kMaxArgs - 1 && argv.size() > kMaxArgs) {
      // Redis 7.0: the last slot tells how many arguments were left out.
      e.args.push_back("... (" + std::to_string(argv.size() - kMaxArgs + 1) + " more arguments)");
      break;
    }
    if (redacted[i]) {
      e.args.emplace_back("(redacted)");
    } else if (argv[i].size() > kMaxArgBytes) {
      std::string s(argv[i].substr(0, kMaxArgBytes));
      s += "... (" + std::to_string(argv[i].size() - kMaxArgBytes) + " more bytes)";
      e.args.push_back(std::move(s));
    } else {
      e.args.emplace_back(argv[i]);
    }
  }
  entries_.push_front(std::move(e));
  while (entries_.size() > max_len) entries_.pop_back();
}

}  // namespace replikv
