// SocketRdbSource: the RDB a replica loads straight from its primary's
// socket (repl-diskless-load on-empty-db / swapdb), as a SequentialFile the
// RDB decoder reads on demand.
//
// It reads the socket with poll() and a deadline of repl-timeout without a
// byte, runs the transfer's framing ("$<len>" or "$EOF:<mark>") through
// RdbTransferReader, and hands the decoder only payload bytes. The decoder
// reads on demand and stops after the checksum, so nothing of the stream
// that follows the payload is taken from the socket unread (the framing
// keeps it apart from the payload); Finish() then checks that the payload
// ended exactly where the RDB did and returns the bytes read past it (the
// start of the replication stream).
//
// Blocking by design, like Redis's diskless load: the loop only runs from
// `on_wait` (between polls) and from the loader's progress callback.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "persistence/format/file.h"
#include "replication/psync_protocol.h"
#include "server/base/status.h"

namespace replikv::repl {

class SocketRdbSource final : public persistence::SequentialFile {
 public:
  // `transfer` has read the preamble; `pending` holds the bytes already
  // read from the socket after it. `fd` is the socket (non-blocking).
  SocketRdbSource(int fd, RdbTransferReader* transfer, std::string pending, int timeout_ms,
                  std::function<void()> on_wait);

  Status Read(size_t n, std::string_view* result, char* scratch) override;

  // After the decoder finished an RDB of `rdb_bytes` (up to its footer):
  // reads to the end of the transfer; an error if the payload goes on past
  // the RDB's end. On success *stream holds what was read after the payload.
  Status Finish(uint64_t rdb_bytes, std::string* stream);
  uint64_t payload_bytes() const { return payload_bytes_; }
  // Bytes read from the socket (INFO total_net_repl_input_bytes).
  uint64_t socket_bytes() const { return socket_bytes_; }

 private:
  // Reads the socket once (waiting up to the deadline) and feeds the
  // framing; payload goes to payload_.
  Status Pump();

  int fd_;
  RdbTransferReader* transfer_;
  std::string pending_;  // socket bytes not yet fed to the framing
  std::string payload_;  // payload bytes not yet handed to the decoder
  size_t payload_pos_ = 0;
  uint64_t payload_bytes_ = 0;
  uint64_t socket_bytes_ = 0;
  int timeout_ms_;
  std::function<void()> on_wait_;
};

}  // namespace replikv::repl
