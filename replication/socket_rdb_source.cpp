#include "replication/socket_rdb_source.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "server/server.h"

namespace replikv::repl {
namespace {
constexpr size_t kReadChunk = 256 * 1024;
// How long one poll() waits before the loop gets a turn (on_wait).
constexpr int kPollSliceMs = 100;
}  // namespace

SocketRdbSource::SocketRdbSource(int fd, RdbTransferReader* transfer, std::string pending, int timeout_ms,
                                 std::function<void()> on_wait)
    : fd_(fd), transfer_(transfer), pending_(std::move(pending)), timeout_ms_(timeout_ms), on_wait_(std::move(on_wait)) {}

Status SocketRdbSource::Pump() {
  if (pending_.empty()) {
    const int64_t deadline = WallClockMs() + timeout_ms_;
    // Bounded: each pass either reads, fails, or moves toward the deadline.
    for (;;) {
      char buf[kReadChunk];
      ssize_t n = read(fd_, buf, sizeof(buf));
      if (n > 0) {
        socket_bytes_ += static_cast<uint64_t>(n);
        pending_.assign(buf, static_cast<size_t>(n));
        break;
      }
      if (n == 0) return Status::IOError("connection closed by the master during the transfer");
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        return Status::IOError(std::string("I/O error reading the RDB from the master: ") + std::strerror(errno));
      }
      if (WallClockMs() >= deadline) return Status::IOError("Timeout reading the RDB from the master");
      pollfd p{fd_, POLLIN, 0};
      poll(&p, 1, kPollSliceMs);
      if (on_wait_) on_wait_();
    }
  }
  auto step = transfer_->Feed(pending_, [this](std::string_view bytes) {
    payload_.append(bytes);
    payload_bytes_ += bytes.size();
    return Status::OK();
  });
  if (!step.ok()) return step.status();
  pending_.erase(0, step->consumed);
  return Status::OK();
}

Status SocketRdbSource::Read(size_t n, std::string_view* result, char* scratch) {
  // Bounded: every Pump() consumes socket bytes or fails; at the end of the
  // transfer an empty result says EOF.
  while (payload_pos_ == payload_.size()) {
    payload_.clear();
    payload_pos_ = 0;
    if (transfer_->done()) {
      *result = std::string_view();
      return Status::OK();
    }
    RETURN_IF_ERROR(Pump());
  }
  size_t take = std::min(n, payload_.size() - payload_pos_);
  std::memcpy(scratch, payload_.data() + payload_pos_, take);
  payload_pos_ += take;
  *result = std::string_view(scratch, take);
  return Status::OK();
}

Status SocketRdbSource::Finish(uint64_t rdb_bytes, std::string* stream) {
  // Bounded as Read(): to the end of the framing, which must carry no more
  // payload than the RDB (an RDB bigger than its end mark says is refused).
  while (!transfer_->done()) {
    payload_.clear();
    payload_pos_ = 0;
    RETURN_IF_ERROR(Pump());
  }
  if (payload_bytes_ != rdb_bytes) {
    return Status::Corruption("the master's transfer goes on " + std::to_string(payload_bytes_ - rdb_bytes) +
                              " bytes past the end of the RDB");
  }
  *stream = std::move(pending_);
  return Status::OK();
}

}  // namespace replikv::repl
