#include "server/latency_monitor.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "server/config/config.h"

namespace replikv {

std::vector<LatencyMonitor::Sample> LatencyMonitor::Event::Samples() const {
  std::vector<Sample> out;
  for (size_t i = 0; i < kSamples; ++i) {
    const Sample& s = ring[(next + i) % kSamples];
    if (s.time_sec != 0) out.push_back(s);
  }
  return out;
}

void LatencyMonitor::Add(std::string_view event, int64_t latency_ms, int64_t now_sec) {
  auto it = events_.find(event);
  if (it == events_.end()) it = events_.emplace(std::string(event), Event{}).first;
  Event& ev = it->second;
  ev.max_ms = std::max(ev.max_ms, latency_ms);
  Sample& last = ev.ring[(ev.next + kSamples - 1) % kSamples];
  if (last.time_sec == now_sec) {  // one sample per second: its worst
    last.latency_ms = std::max(last.latency_ms, latency_ms);
    return;
  }
  ev.ring[ev.next] = Sample{now_sec, latency_ms};
  ev.next = (ev.next + 1) % kSamples;
}

const LatencyMonitor::Event* LatencyMonitor::Find(std::string_view event) const {
  auto it = events_.find(event);
  return it == events_.end() ? nullptr : &it->second;
}

bool LatencyMonitor::Reset(std::string_view event) {
  auto it = events_.find(event);
  if (it == events_.end()) return false;
  events_.erase(it);
  return true;
}

size_t LatencyMonitor::ResetAll() {
  const size_t n = events_.size();
  events_.clear();
  return n;
}

namespace {

constexpr int kGraphRows = 4;
constexpr size_t kGraphColumns = 80;

std::string AgeLabel(int64_t age) {
  char buf[32];
  if (age < 60) {
    std::snprintf(buf, sizeof(buf), "%llds", static_cast<long long>(age));
  } else if (age < 3600) {
    std::snprintf(buf, sizeof(buf), "%lldm", static_cast<long long>(age / 60));
  } else if (age < 86400) {
    std::snprintf(buf, sizeof(buf), "%lldh", static_cast<long long>(age / 3600));
  } else {
    std::snprintf(buf, sizeof(buf), "%lldd", static_cast<long long>(age / 86400));
  }
  return buf;
}

}  // namespace

std::string LatencyGraph(std::string_view name, const LatencyMonitor::Event& ev, int64_t now_sec) {
  const std::vector<LatencyMonitor::Sample> samples = ev.Samples();
  int64_t high = 0, low = 0;
  for (size_t i = 0; i < samples.size(); ++i) {
    if (i == 0 || samples[i].latency_ms > high) high = samples[i].latency_ms;
    if (i == 0 || samples[i].latency_ms < low) low = samples[i].latency_ms;
  }
  char head[256];
  std::snprintf(head, sizeof(head), "%.*s - high %lld ms, low %lld ms (all time high %lld ms)\n",
                static_cast<int>(name.size()), name.data(), static_cast<long long>(high),
                static_cast<long long>(low), static_cast<long long>(ev.max_ms));
  std::string out = head;
  out.append(kGraphColumns, '-');
  out += '\n';
  // Each column rises to one of rows*3 levels: the row it tops out in, and
  // within that row '_', 'o' or '#'.
  constexpr int kLevels = kGraphRows * 3;
  const double range = high > low ? static_cast<double>(high - low) : 1.0;
  for (size_t begin = 0; begin < samples.size(); begin += kGraphColumns) {
    const size_t end = std::min(samples.size(), begin + kGraphColumns);
    std::vector<int> level(end - begin);
    std::vector<std::string> labels(end - begin);
    size_t label_rows = 0;
    for (size_t i = begin; i < end; ++i) {
      int l = static_cast<int>(static_cast<double>(samples[i].latency_ms - low) * kLevels / range);
      level[i - begin] = std::clamp(l, 0, kLevels - 1);
      labels[i - begin] = AgeLabel(now_sec - samples[i].time_sec);
      label_rows = std::max(label_rows, labels[i - begin].size());
    }
    for (int row = kGraphRows - 1; row >= 0; --row) {
      for (int l : level) {
        const int top = l / 3;
        out += row == top ? "_o#"[l % 3] : row < top ? '|' : ' ';
      }
      out += '\n';
    }
    out.append(level.size(), ' ');
    out += '\n';
    for (size_t r = 0; r < label_rows; ++r) {
      for (const std::string& label : labels) out += r < label.size() ? label[r] : ' ';
      out += '\n';
    }
  }
  return out;
}

std::string LatencyDoctor(const LatencyMonitor& lm, const ServerConfig& config, int64_t now_sec) {
  if (lm.events().empty()) {
    if (config.latency_monitor_threshold == 0) {
      return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may "
             "use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in "
             "a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n";
    }
    return "Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest "
           "bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n";
  }
  std::string out =
      "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you "
      "Dave?\n\n";
  bool commands = false, fork = false, expire = false, eviction = false, aof = false;
  int n = 0;
  for (const auto& [name, ev] : lm.events()) {
    const std::vector<LatencyMonitor::Sample> samples = ev.Samples();
    if (samples.empty()) continue;
    double sum = 0;
    for (const auto& s : samples) sum += static_cast<double>(s.latency_ms);
    const double avg = sum / static_cast<double>(samples.size());
    double dev = 0;
    for (const auto& s : samples) dev += std::fabs(static_cast<double>(s.latency_ms) - avg);
    dev /= static_cast<double>(samples.size());
    int64_t span = now_sec - samples.front().time_sec;
    if (span <= 0) span = 1;
    const double period = static_cast<double>(span) / static_cast<double>(samples.size());
    char line[512];
    std::snprintf(line, sizeof(line),
                  "%d. %s: %zu latency spikes (average %llums, mean deviation %llums, period %.2f sec). Worst all "
                  "time event %llums.\n",
                  ++n, name.c_str(), samples.size(), static_cast<unsigned long long>(avg),
                  static_cast<unsigned long long>(dev), period, static_cast<unsigned long long>(ev.max_ms));
    out += line;
    if (name == "command" || name == "fast-command") commands = true;
    if (name == "fork") fork = true;
    if (name == "expire-cycle") expire = true;
    if (name.rfind("eviction", 0) == 0) eviction = true;
    if (name.rfind("aof", 0) == 0) aof = true;
  }
  out += "\nI have a few advices for you:\n\n";
  const unsigned long long threshold_us = static_cast<unsigned long long>(config.latency_monitor_threshold) * 1000;
  char buf[512];
  if (commands) {
    if (config.slowlog_log_slower_than < 0) {
      std::snprintf(buf, sizeof(buf),
                    "- There are latency issues with potentially slow commands you are using. Try to enable the Slow "
                    "Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than %llu'. If the Slow log "
                    "is disabled Redis is not able to log slow commands execution for you.\n",
                    threshold_us);
      out += buf;
    } else if (config.slowlog_log_slower_than / 1000 > config.latency_monitor_threshold) {
      std::snprintf(buf, sizeof(buf),
                    "- Your current Slow Log configuration only logs events that are slower than your configured "
                    "latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than %llu'.\n",
                    threshold_us);
      out += buf;
    }
    out += "- Check your Slow Log to understand what are the commands you are running which are too slow to "
           "execute. Please check https://redis.io/commands/slowlog for more information.\n";
  }
  if (commands || expire || eviction) {
    out += "- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. "
           "If you have very large objects that are often deleted, expired, or evicted, try to fragment those "
           "objects into multiple smaller objects.\n";
  }
  if (fork) {
    out += "- Forks are slow with large datasets: consider fewer background saves (save points, AOF rewrite "
           "settings) or a machine with faster page table copies.\n";
  }
  if (aof) {
    out += "- AOF writes or fsyncs were slow: check the disk, or consider 'appendfsync everysec' and "
           "'no-appendfsync-on-rewrite yes'.\n";
  }
  return out;
}

}  // namespace replikv
