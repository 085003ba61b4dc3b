#include "server/loading_state.h"

#include <spdlog/spdlog.h>

#include "server/info_field.h"
#include "server/server.h"

namespace replikv {

void LoadingState::Begin(std::string_view what, uint64_t total_bytes, bool async) {
  active_ = true;
  async_ = async;
  what_ = what;
  start_ms_ = last_log_ms_ = WallClockMs();
  total_bytes_ = total_bytes;
  loaded_bytes_ = 0;
  rdb_used_mem_ = 0;
  (async ? server_.async_loading : server_.loading) = true;
}

void LoadingState::Progress(uint64_t loaded_bytes) {
  loaded_bytes_ = loaded_bytes;
  int64_t now = WallClockMs();
  if (now - last_log_ms_ < kLogIntervalMs) return;
  last_log_ms_ = now;
  double secs = static_cast<double>(now - start_ms_) / 1000.0;
  double mb_per_s = secs > 0 ? static_cast<double>(loaded_bytes) / (1024.0 * 1024.0) / secs : 0;
  if (total_bytes_ > 0) {
    spdlog::info("Loading {}: {:.1f}% of {} bytes, {:.2f} MB/sec, {} seconds left", what_,
                 100.0 * static_cast<double>(loaded_bytes) / static_cast<double>(total_bytes_), total_bytes_,
                 mb_per_s, EtaSeconds());
  } else {
    spdlog::info("Loading {}: {} bytes so far, {:.2f} MB/sec", what_, loaded_bytes, mb_per_s);
  }
}

void LoadingState::End() {
  active_ = false;
  async_ = false;
  server_.loading = false;
  server_.async_loading = false;
}

int64_t LoadingState::EtaSeconds() const {
  int64_t elapsed_ms = WallClockMs() - start_ms_;
  if (loaded_bytes_ == 0 || elapsed_ms <= 0 || total_bytes_ <= loaded_bytes_) return 1;
  double rate = static_cast<double>(loaded_bytes_) / static_cast<double>(elapsed_ms);
  return static_cast<int64_t>(static_cast<double>(total_bytes_ - loaded_bytes_) / rate / 1000.0);
}

void LoadingState::AppendInfo(std::string* o) const {
  InfoField(o, "loading", int64_t{active_ && !async_ ? 1 : 0});
  InfoField(o, "async_loading", int64_t{active_ && async_ ? 1 : 0});
}

void LoadingState::AppendProgressInfo(std::string* o) const {
  if (!active_) return;
  double perc = total_bytes_ ? 100.0 * static_cast<double>(loaded_bytes_) / static_cast<double>(total_bytes_) : 0;
  InfoField(o, "loading_start_time", start_ms_ / 1000);
  InfoField(o, "loading_total_bytes", total_bytes_);
  InfoField(o, "loading_rdb_used_mem", rdb_used_mem_);
  InfoField(o, "loading_loaded_bytes", loaded_bytes_);
  // Redis prints the number alone ("12.34"), no percent sign.
  InfoFieldF(o, "loading_loaded_perc", perc);
  InfoField(o, "loading_eta_seconds", EtaSeconds());
}

}  // namespace replikv
