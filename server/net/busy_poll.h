// BusyPoll: after an iteration that did work, keep polling the sockets for a
// short window (`busy-poll` microseconds) instead of going to sleep at once.
//
// Why: a server that finishes its batch quickly sleeps in epoll_wait between
// batches, and every request that arrives then must wake it. On a VM that
// wake-up (an IPI to a halted vCPU, a context switch) is paid twice: by the
// server and by the client whose send delivers the data. Measured on the
// 2-core CI VM (bench/RESULTS.md), a 20 us window took LRANGE 100 at P=1
// from 0.94-0.98x to ~1.1x redis-server and a single client's PING latency
// from 55 to 31 us; the price is CPU spent spinning while requests keep
// arriving less than a window apart. An idle server never spins: the window
// closes 20 us after the last command. `busy-poll 0` turns it off.
#pragma once

#include <uv.h>

#include <cstdint>

namespace replikv {

class BusyPoll {
 public:
  void Init(uv_loop_t* loop);
  void Close();
  // Called before each poll: `did_work` says whether this iteration ran a
  // command or wrote a reply; `window_us` is the configured window.
  void BeforePoll(bool did_work, uint64_t window_us);

 private:
  // An active idle handle makes libuv poll with a zero timeout.
  uv_idle_t idle_{};
  bool spinning_ = false;
  uint64_t last_work_ns_ = 0;
};

}  // namespace replikv
