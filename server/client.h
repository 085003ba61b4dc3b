// Client: one connection on the loop.
//
// Owns the socket handle, the query buffer the RESP parser reads from, and
// the reply buffer. Bytes read are parsed and executed at once (pipelined
// commands run back to back); replies are not written from the read path:
// the client queues itself on the server's pending-write list and the loop's
// prepare hook writes every pending client once per iteration, after the
// AOF (DESIGN.md: group commit).
//
// Lifecycle: accepted -> reading/executing -> (close_after_reply: flush then
// close) -> closing (uv_close in flight) -> deleted in the close callback.
// Loop thread only.
#pragma once

#include <uv.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "server/config.h"
#include "server/reply_buffer.h"
#include "server/resp_parser.h"

namespace replikv {

class Server;
struct Command;
struct MultiState;   // server/multi.h
struct PubSubState;  // server/pubsub.h
struct BlockState;   // server/blocking.h

// The growable input buffer: bytes [begin, end) are unconsumed.
class QueryBuffer {
 public:
  // Room for at least `n` bytes at the tail (compacts or grows).
  char* Prepare(size_t n, size_t* room);
  void Commit(size_t n) { end_ += n; }
  const char* data() const { return data_.get() + begin_; }
  size_t size() const { return end_ - begin_; }
  size_t capacity() const { return cap_; }
  void Consume(size_t n);
  // Gives memory back when a big buffer is idle (cron).
  void ShrinkIfIdle();

 private:
  std::unique_ptr<char[]> data_;
  size_t cap_ = 0, begin_ = 0, end_ = 0;
};

class Client {
 public:
  Client(Server& server, uint64_t id);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Accepts the pending connection from `listener`; false if accept failed
  // (the client must then be closed).
  bool Accept(uv_stream_t* listener);
  // Starts reading. The connection stays until Close().
  void Start();
  // Writes as much pending output as the socket takes, queues the rest.
  void Flush();
  // Applies client-output-buffer-limit for this client's class: closes the
  // connection past the hard limit, or past the soft limit for longer than
  // its seconds. Returns false if the client was closed.
  bool CheckOutputLimits();
  // Closes now (pending output is dropped). Safe to call more than once.
  // The client leaves every server-wide registry at once (blocked keys,
  // WATCHed keys, channels), so a closing client is never served a popped
  // element, marked by a WATCH or sent a message.
  void Close();
  // RESET and disconnect: discards MULTI, unwatches, leaves every channel
  // and pattern without notifications, stops waiting on keys.
  void ReleaseSessionState();
  // Parses and runs what is left in the query buffer (after the client was
  // unblocked); no-op while closing or still blocked.
  void ResumeInput();
  // Replies already queued are written, then the connection closes.
  void CloseAfterReply() { close_after_reply_ = true; }

  uint64_t id() const { return id_; }
  ReplyBuffer& reply() { return reply_; }
  bool closing() const { return closing_; }
  bool close_after_reply() const { return close_after_reply_; }

  // Connection state read and changed by commands.
  int db = 0;
  bool authenticated = false;
  int resp = 2;
  std::string name;
  std::string addr;   // peer ip:port
  std::string laddr;  // local ip:port
  int64_t ctime_ms = 0;
  int64_t last_interaction_ms = 0;
  const Command* last_command = nullptr;  // CLIENT LIST cmd=
  bool pending_write = false;   // on the server's pending-write list
  // Which client-output-buffer-limit class applies (pub/sub clients change it).
  ClientClass output_class = ClientClass::kNormal;
  int64_t obuf_soft_limit_reached_ms = 0;

  // Transactions (server/multi.h); null until the first MULTI or WATCH.
  std::unique_ptr<MultiState> multi;
  bool in_multi() const { return in_multi_; }
  void set_in_multi(bool v) { in_multi_ = v; }
  // Pub/Sub subscriptions (server/pubsub.h); null until the first subscribe.
  std::unique_ptr<PubSubState> pubsub;
  // Subscribed to at least one channel, pattern or shard channel: in RESP2
  // only the subscribe family, PING, QUIT and RESET are accepted
  // (CLIENT LIST flags=P).
  bool in_pubsub_mode() const { return in_pubsub_mode_; }
  void set_in_pubsub_mode(bool v) { in_pubsub_mode_ = v; }
  // Waiting in BLPOP & co (server/blocking.h): input is read but not
  // executed until the wait ends (CLIENT LIST flags=b).
  std::unique_ptr<BlockState> block;
  bool blocked() const { return block != nullptr; }
  // Set while EXEC runs: blocking commands answer at once instead of
  // waiting, as Redis's CLIENT_DENY_BLOCKING.
  bool deny_blocking = false;

  // CLIENT LIST flags= for this connection's state: P (pub/sub), x (in
  // MULTI), b (blocked), d (a WATCHed key changed), c (close after reply);
  // N when none.
  std::string ListFlags() const;

  int fd() const;
  size_t query_buffer_size() const { return query_.size(); }
  size_t query_buffer_capacity() const { return query_.capacity(); }
  size_t output_bytes() const { return reply_.size(); }
  void ShrinkQueryBufferIfIdle() { query_.ShrinkIfIdle(); }

 private:
  static void OnAlloc(uv_handle_t* h, size_t suggested, uv_buf_t* buf);
  static void OnRead(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf);
  static void OnWritten(uv_write_t* req, int status);
  static void OnClosed(uv_handle_t* h);
  void ProcessInput();
  void QueueReply();

  Server& server_;
  uint64_t id_;
  uv_tcp_t handle_;
  uv_write_t write_req_;
  size_t in_flight_ = 0;   // bytes handed to uv_write, not yet confirmed
  QueryBuffer query_;
  RespParser parser_;
  ReplyBuffer reply_;
  bool close_after_reply_ = false;
  bool closing_ = false;
  bool started_ = false;
  bool in_multi_ = false;
  bool in_pubsub_mode_ = false;
};

}  // namespace replikv
