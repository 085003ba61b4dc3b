#include "server/net/busy_poll.h"

namespace replikv {

void BusyPoll::Init(uv_loop_t* loop) { uv_idle_init(loop, &idle_); }

void BusyPoll::Close() {
  uv_idle_stop(&idle_);
  spinning_ = false;
  uv_close(reinterpret_cast<uv_handle_t*>(&idle_), nullptr);
}

void BusyPoll::BeforePoll(bool did_work, uint64_t window_us) {
  if (window_us == 0) {
    if (spinning_) {
      uv_idle_stop(&idle_);
      spinning_ = false;
    }
    return;
  }
  uint64_t now = uv_hrtime();
  if (did_work) {
    last_work_ns_ = now;
    if (!spinning_) {
      uv_idle_start(&idle_, [](uv_idle_t*) {});
      spinning_ = true;
    }
  } else if (spinning_ && now - last_work_ns_ > window_us * 1000) {
    uv_idle_stop(&idle_);
    spinning_ = false;
  }
}

}  // namespace replikv
