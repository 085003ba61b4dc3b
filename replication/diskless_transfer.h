// DisklessTransfer: one diskless full sync (repl-diskless-sync yes) in the
// parent. The fork child writes the RDB into a pipe, framed as Redis 7.0
// frames a socket-target transfer (the child writes the end mark only when
// the snapshot is whole):
//
//   $EOF:<40-byte mark>\r\n <rdb bytes> <the same 40 bytes>
//
// and this reads the pipe and writes every chunk to each target replica's
// socket.
// One child serves every target. The pipe is read one chunk at a time and
// the next read waits until every target's socket has taken the chunk, so a
// slow replica slows the child (as Redis's rdb_pipe_numconns_writing) instead
// of growing memory. A target whose write fails is dropped; the others go
// on. Loop thread only.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace replikv::repl {

class DisklessTransfer {
 public:
  struct Callbacks {
    // The target's socket, or null when its client is gone.
    std::function<uv_stream_t*(uint64_t client_id)> stream_of;
    // A target failed (write error); it gets no more bytes.
    std::function<void(uint64_t client_id, const std::string& why)> on_target_failed;
    // The pipe reached EOF and every target took every byte (true), or the
    // pipe failed or no target is left (false). Called once; the transfer
    // may be destroyed once idle() is true.
    std::function<void(bool ok)> on_done;
    // Bytes one target's socket took (INFO total_net_repl_output_bytes).
    std::function<void(size_t bytes)> on_bytes_sent;
  };

  // Takes `pipe_fd` (the read end of the child's pipe).
  DisklessTransfer(uv_loop_t* loop, int pipe_fd, std::vector<uint64_t> targets, Callbacks callbacks);
  ~DisklessTransfer();
  DisklessTransfer(const DisklessTransfer&) = delete;
  DisklessTransfer& operator=(const DisklessTransfer&) = delete;

  // Starts reading the pipe.
  bool Start();
  // Stops sending to a target (its link was dropped elsewhere).
  void RemoveTarget(uint64_t client_id);
  size_t live_targets() const;
  // No write in flight and the pipe handle closed: safe to destroy.
  bool idle() const { return writes_in_flight_ == 0 && (pipe_closed_ || !pipe_open_); }
  uint64_t bytes_read() const { return bytes_read_; }

 private:
  struct Target {
    uint64_t client_id;
    bool live = true;
  };
  struct WriteReq;

  void WriteToAll(std::shared_ptr<std::string> chunk);
  void Finish(bool ok);
  void ClosePipe();
  static void OnAlloc(uv_handle_t* h, size_t suggested, uv_buf_t* buf);
  static void OnRead(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf);
  static void OnWritten(uv_write_t* req, int status);
  static void OnPipeClosed(uv_handle_t* h);

  uv_loop_t* loop_;
  int fd_;
  uv_pipe_t pipe_;
  bool pipe_open_ = false, pipe_closed_ = false;
  std::vector<Target> targets_;
  Callbacks cb_;
  std::string read_buf_;
  int writes_in_flight_ = 0;
  bool eof_ = false, done_ = false;
  uint64_t bytes_read_ = 0;
};

}  // namespace replikv::repl
