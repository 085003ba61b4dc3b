#include "replication/diskless_transfer.h"

#include <unistd.h>

#include <algorithm>

namespace replikv::repl {
namespace {
// What one read of the pipe takes (the child's pipe holds 1 MiB).
constexpr size_t kReadChunk = 512 * 1024;
}  // namespace

// One chunk written to one target; the chunk is shared by every target's
// request and freed with the last one.
struct DisklessTransfer::WriteReq {
  uv_write_t req;
  DisklessTransfer* owner;
  uint64_t client_id;
  std::shared_ptr<std::string> chunk;
};

DisklessTransfer::DisklessTransfer(uv_loop_t* loop, int pipe_fd, std::vector<uint64_t> targets, Callbacks callbacks)
    : loop_(loop), fd_(pipe_fd), cb_(std::move(callbacks)) {
  for (uint64_t id : targets) targets_.push_back(Target{id});
  pipe_.data = this;
}

DisklessTransfer::~DisklessTransfer() {
  // The owner waits for idle(); a pipe never handed to libuv is closed here.
  if (!pipe_open_ && fd_ != -1) close(fd_);
}

bool DisklessTransfer::Start() {
  if (uv_pipe_init(loop_, &pipe_, 0) != 0) return false;
  if (uv_pipe_open(&pipe_, fd_) != 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(&pipe_), &DisklessTransfer::OnPipeClosed);
    pipe_open_ = true;  // the handle is being closed; fd_ is still ours
    close(fd_);
    fd_ = -1;
    return false;
  }
  pipe_open_ = true;
  return uv_read_start(reinterpret_cast<uv_stream_t*>(&pipe_), &DisklessTransfer::OnAlloc, &DisklessTransfer::OnRead) ==
         0;
}

size_t DisklessTransfer::live_targets() const {
  return static_cast<size_t>(std::count_if(targets_.begin(), targets_.end(), [](const Target& t) { return t.live; }));
}

void DisklessTransfer::RemoveTarget(uint64_t client_id) {
  for (Target& t : targets_) {
    if (t.client_id == client_id) t.live = false;
  }
}

void DisklessTransfer::OnAlloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
  auto* self = static_cast<DisklessTransfer*>(h->data);
  self->read_buf_.resize(kReadChunk);
  *buf = uv_buf_init(self->read_buf_.data(), static_cast<unsigned>(self->read_buf_.size()));
}

void DisklessTransfer::OnRead(uv_stream_t* s, ssize_t nread, const uv_buf_t*) {
  auto* self = static_cast<DisklessTransfer*>(s->data);
  if (nread == 0) return;  // EAGAIN
  if (nread < 0) {
    // EOF: the child wrote the whole file (its exit status says whether it
    // was whole; the owner checks it). Anything else is a pipe error.
    const bool eof = nread == UV_EOF;
    uv_read_stop(s);
    self->ClosePipe();
    if (eof) {
      self->eof_ = true;
      if (self->writes_in_flight_ == 0) self->Finish(true);
    } else {
      self->Finish(false);
    }
    return;
  }
  self->bytes_read_ += static_cast<uint64_t>(nread);
  // Every target must take this chunk before the next read.
  uv_read_stop(s);
  self->WriteToAll(std::make_shared<std::string>(self->read_buf_.data(), static_cast<size_t>(nread)));
}

void DisklessTransfer::WriteToAll(std::shared_ptr<std::string> chunk) {
  for (Target& t : targets_) {
    if (!t.live) continue;
    uv_stream_t* stream = cb_.stream_of(t.client_id);
    if (stream == nullptr) {
      t.live = false;
      cb_.on_target_failed(t.client_id, "connection lost");
      continue;
    }
    auto* w = new WriteReq{uv_write_t{}, this, t.client_id, chunk};
    w->req.data = w;
    uv_buf_t buf = uv_buf_init(chunk->data(), static_cast<unsigned>(chunk->size()));
    if (uv_write(&w->req, stream, &buf, 1, &DisklessTransfer::OnWritten) != 0) {
      delete w;
      t.live = false;
      cb_.on_target_failed(t.client_id, "write error sending the DB");
      continue;
    }
    ++writes_in_flight_;
  }
  if (writes_in_flight_ == 0) {
    // Nobody to wait for: go on reading (or finish) at once.
    if (eof_) return Finish(true);
    if (live_targets() == 0) return Finish(false);
    if (!pipe_closed_ && pipe_open_) {
      uv_read_start(reinterpret_cast<uv_stream_t*>(&pipe_), &DisklessTransfer::OnAlloc, &DisklessTransfer::OnRead);
    }
  }
}

void DisklessTransfer::OnWritten(uv_write_t* req, int status) {
  auto* w = static_cast<WriteReq*>(req->data);
  DisklessTransfer* self = w->owner;
  const uint64_t id = w->client_id;
  if (status >= 0 && self->cb_.on_bytes_sent) self->cb_.on_bytes_sent(w->chunk->size());
  delete w;
  --self->writes_in_flight_;
  if (status < 0) {
    for (Target& t : self->targets_) {
      if (t.client_id == id && t.live) {
        t.live = false;
        self->cb_.on_target_failed(id, uv_strerror(status));
      }
    }
  }
  if (self->writes_in_flight_ > 0 || self->done_) return;
  // The chunk is through on every socket.
  if (self->eof_) return self->Finish(true);
  if (self->live_targets() == 0) return self->Finish(false);
  if (!self->pipe_closed_) {
    uv_read_start(reinterpret_cast<uv_stream_t*>(&self->pipe_), &DisklessTransfer::OnAlloc, &DisklessTransfer::OnRead);
  }
}

void DisklessTransfer::ClosePipe() {
  if (!pipe_open_ || uv_is_closing(reinterpret_cast<uv_handle_t*>(&pipe_))) return;
  uv_close(reinterpret_cast<uv_handle_t*>(&pipe_), &DisklessTransfer::OnPipeClosed);
  fd_ = -1;  // closed by libuv
}

void DisklessTransfer::OnPipeClosed(uv_handle_t* h) { static_cast<DisklessTransfer*>(h->data)->pipe_closed_ = true; }

void DisklessTransfer::Finish(bool ok) {
  if (done_) return;
  done_ = true;
  ClosePipe();
  cb_.on_done(ok);
}

}  // namespace replikv::repl
